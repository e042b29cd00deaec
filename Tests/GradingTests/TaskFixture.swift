import DojoCore
import Foundation
import Grading

/// A small prepared task written into a fresh temporary folder: `private/task.json`,
/// `private/answers.csv` and a leaderboard, as `dojo prepare` lays them out.
struct TaskFixture {
  let root: URL
  let spec: TaskSpec

  init(
    metric: Manifest.MetricSpec, lowerIsBetter: Bool? = nil, targets: [String],
    classes: [String]?, answers: String, leaderboards: [String] = [], idColumn: String = "id",
    submission: Manifest.Submission? = nil
  ) throws {
    root = FileManager.default.temporaryDirectory
      .appendingPathComponent("dojo-grading-\(UUID().uuidString)")
    let privateDir = root.appendingPathComponent("private")
    try FileManager.default.createDirectory(at: privateDir, withIntermediateDirectories: true)
    let resolved = try MetricCatalogue.resolve(metric)
    let columns = try SubmissionLayout.layout(
      for: metric, answers: Manifest.Answers(id: idColumn, targets: targets, classes: classes),
      classes: classes)
    var names: [String] = []
    for (i, board) in leaderboards.enumerated() {
      let name = "leaderboard-\(i).csv"
      try Data(board.utf8).write(to: privateDir.appendingPathComponent(name))
      names.append(name)
    }
    spec = TaskSpec(
      id: "fixture", version: "v1", title: "Fixture", metric: metric,
      lowerIsBetter: lowerIsBetter ?? resolved.definition.lowerIsBetter, idColumn: idColumn,
      targets: targets, classes: classes, submissionColumns: columns, leaderboards: names,
      unscoredColumns: submission.flatMap { $0.unscoredColumns.isEmpty ? nil : $0.unscoredColumns },
      rowsPerId: submission?.rowsPerId)
    try JSONEncoder().encode(spec).write(to: privateDir.appendingPathComponent("task.json"))
    try Data(answers.utf8).write(to: privateDir.appendingPathComponent("answers.csv"))
  }

  /// Writes a submission file into the task folder and returns its URL.
  func submission(_ text: String, name: String = "submission.csv") throws -> URL {
    try submission(Data(text.utf8), name: name)
  }

  func submission(_ data: Data, name: String = "submission.csv") throws -> URL {
    let url = root.appendingPathComponent(name)
    try data.write(to: url)
    return url
  }

  func grader() throws -> Grader { try Grader(taskDirectory: root) }

  func remove() { try? FileManager.default.removeItem(at: root) }
}

extension TaskFixture {
  /// A task graded as the repository's manifest `id` says: its metric spec, targets, declared
  /// classes and submission format, over hand-written answers.
  init(catalogue id: String, answers: String, classes: [String]? = nil) throws {
    let manifest = try ManifestLoader.load(TaskFixture.manifests.appendingPathComponent(id))
      .manifest
    try self.init(
      metric: manifest.metric, targets: manifest.answers.targets,
      classes: classes ?? manifest.answers.classes, answers: answers,
      idColumn: manifest.answers.id, submission: manifest.submission)
  }

  /// The repository's `manifests/` folder.
  static let manifests = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("manifests")
}
