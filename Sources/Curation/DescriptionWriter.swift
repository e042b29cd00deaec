internal import DojoCore
internal import Foundation

/// Writes `public/description.md`: the competition page as Markdown, followed by a short
/// generated section that states exactly what this task's files and submission are, since
/// the page describes Kaggle's original split, not Dojo's.
struct DescriptionWriter {
  let manifest: Manifest
  let format: SubmissionFormat

  func markdown(
    page: String?, work: TaskLayout, trainRows: Int, testRows: Int, testIDs: Set<String> = []
  ) -> String {
    var out = ""
    if let page, !page.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
      let annotated = Self.annotate(
        page.trimmingCharacters(in: .whitespacesAndNewlines),
        rows: [
          manifest.publicTrainName: trainRows, manifest.publicTestName: testRows,
          "sample_submission.csv": testRows,
        ], idColumn: manifest.answers.id, testIDs: testIDs)
      out += annotated + "\n\n"
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

  /// The page with the figures the split changed annotated by the task's own: a line that
  /// names one of the task's files and a row count gets the task's count beside it, and an
  /// example submission whose ids are not this task's test ids says so. The page's words are
  /// kept, so the original stays readable.
  static func annotate(
    _ page: String, rows: [String: Int], idColumn: String, testIDs: Set<String>
  ) -> String {
    var out: [String] = []
    var inCode = false
    var exampleIDs: [String] = []
    var idIndex: Int?
    for line in page.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
      if line.hasPrefix("```") {
        out.append(line)
        if inCode, !testIDs.isEmpty, !exampleIDs.isEmpty,
          exampleIDs.contains(where: { !testIDs.contains($0) })
        {
          out.append(
            "\n*(In this task: these \(idColumn) values are the page's example, not this task's test ids; `sample_submission.csv` lists them.)*"
          )
        }
        inCode.toggle()
        exampleIDs = []
        idIndex = nil
        continue
      }
      if inCode {
        let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        if let i = idIndex, i < fields.count, fields[i] != "..." {
          exampleIDs.append(fields[i])
        } else if idIndex == nil, let i = fields.firstIndex(of: idColumn) {
          idIndex = i
        }
        out.append(line)
        continue
      }
      var annotated = line
      for (file, count) in rows.sorted(by: { $0.key < $1.key })
      where line.contains(file)
        && line.range(of: #"\d[\d,]*\s+rows"#, options: .regularExpression) != nil
        && !line.contains("in this task")
      {
        annotated += " *(in this task: \(count) rows)*"
        break
      }
      out.append(annotated)
    }
    return out.joined(separator: "\n")
  }
}
