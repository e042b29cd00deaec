internal import DojoCore
internal import Foundation

/// Writes `public/description.md`: the competition page as Markdown, followed by a short
/// generated section that states exactly what this task's files and submission are, since
/// the page describes Kaggle's original split, not Dojo's.
struct DescriptionWriter {
  let manifest: Manifest
  let format: SubmissionFormat

  func markdown(page: String?, work: TaskLayout, trainRows: Int, testRows: Int) -> String {
    var out = ""
    if let page, !page.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
      out += page.trimmingCharacters(in: .whitespacesAndNewlines) + "\n\n"
    } else {
      out += "# \(manifest.title)\n\n"
    }
    let files = (try? FileTree.relativePaths(under: work.publicDir)) ?? []
    let id = manifest.answers.id
    let targets = manifest.answers.targets.map { "`\($0)`" }.joined(separator: ", ")
    out += "## This task (prepared by Dojo)\n\n"
    out += "The data below is a new split of the competition's labelled training data; "
    out += "the test labels are held back for grading.\n\n"
    out += "Files:\n\n"
    for file in files where file != "description.md" {
      switch file {
      case "train.csv": out += "- `train.csv`: \(trainRows) labelled rows.\n"
      case "test.csv": out += "- `test.csv`: \(testRows) rows to predict, without \(targets).\n"
      case "sample_submission.csv":
        out +=
          "- `sample_submission.csv`: a valid submission with a default prediction for every test id.\n"
      default: out += "- `\(file)`\n"
      }
    }
    let direction = format.lowerIsBetter ? "lower is better" : "higher is better"
    var metric = "`\(manifest.metric.name)`"
    let params = manifest.metric.parameters.sorted { $0.key < $1.key }
    if !params.isEmpty {
      metric += " (" + params.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + ")"
    }
    out += "\nId column: `\(id)`. Target column(s): \(targets).\n\n"
    out += "Metric: \(metric), \(direction).\n\n"
    let columns = ([id] + format.columns).map { "`\($0)`" }.joined(separator: ", ")
    out += "Submit `submission.csv` with the columns \(columns) and one row per test id, "
    out += "in any order.\n"
    return out
  }
}
