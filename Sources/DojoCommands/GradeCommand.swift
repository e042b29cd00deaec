internal import ArgumentParser
internal import DojoCore
internal import Foundation
internal import Grading
internal import Registry

/// `dojo grade TASK_DIR SUBMISSION`: check and score a submission, place it on the leaderboard.
struct GradeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "grade",
    abstract: "Grade a submission against a prepared task and place it on the leaderboard.",
    discussion: """
      Checks the submission against private/answers.csv and private/task.json (columns, \
      ids, numbers, probabilities, classes), computes the task's metric, and places the \
      score on the human leaderboard (rank, HumanRank, above median, medals). An invalid \
      submission is a report too (exit 0); a grader error exits 1.

      TASK is a prepared task folder, or a task id: its newest published version in the \
      registry (else its newest version under curated/).

      Example:
        dojo grade titanic-survival submission.csv
        dojo grade curated/titanic-survival/1a2b3c submission.csv --json
      """)

  @Argument(help: "A prepared task folder (holding public/ and private/), or a task id.")
  var taskDirectory: String

  @Argument(help: "The submission CSV.")
  var submission: String

  @Flag(help: "Print the report as JSON.")
  var json = false

  @OptionGroup var registry: RegistryOptions

  func run() throws {
    let taskURL = try Self.locate(taskDirectory, registry: try registry.location())
    let report: GradeReport
    do {
      report = try Grader(taskDirectory: taskURL)
        .grade(submission: URL(fileURLWithPath: submission))
    } catch let error as DojoError {
      report = GradeReport(
        task: taskURL.lastPathComponent, lowerIsBetter: false,
        error: .init(kind: .graderError, message: error.message))
    }
    if json {
      FileHandle.standardOutput.write(try StableJSON.encode(report))
      if report.error?.kind == .graderError { throw CommandFailed() }
      return
    }
    if let error = report.error, error.kind == .graderError {
      throw DojoError(.graderError, "grader error: \(error.message)")
    }
    print(GradeCommand.text(report), terminator: "")
  }

  /// A task folder as given, else the newest published version of a task id (else its
  /// newest prepared version under the registry's folder).
  /// A PostgreSQL registry has no folder: its relative task paths and the fallback are
  /// under curated/.
  static func locate(_ argument: String, registry: RegistryLocation) throws -> URL {
    let folder = URL(fileURLWithPath: argument)
    if FileManager.default.fileExists(atPath: TaskLayout(root: folder).taskFile.path) {
      return folder
    }
    let registryFolder: URL
    let exists: Bool
    switch registry {
    case .sqlite(let path):
      registryFolder = URL(fileURLWithPath: path).deletingLastPathComponent()
      exists = FileManager.default.fileExists(atPath: path)
    case .postgres:
      registryFolder = URL(fileURLWithPath: "curated", isDirectory: true)
      exists = true
    }
    if exists, let task = try? Registry(registry).task(argument) {
      let path = URL(fileURLWithPath: task.path, relativeTo: registryFolder)
      if FileManager.default.fileExists(atPath: TaskLayout(root: path).taskFile.path) {
        return path
      }
      if FileManager.default.fileExists(
        atPath: TaskLayout(root: URL(fileURLWithPath: task.path)).taskFile.path)
      {
        return URL(fileURLWithPath: task.path)
      }
    }
    if let latest = TaskLayout.latest(
      id: argument, curated: registryFolder)
    {
      return latest.root
    }
    throw DojoError(
      .notFound,
      "\(argument) is neither a prepared task folder nor a task id published in \(registry); give the folder (curated/<id>/<version>) or publish the task first"
    )
  }

  /// The report for people.
  static func text(_ r: GradeReport) -> String {
    var out = "task: \(r.task)\n"
    if let error = r.error {
      return out + "invalid submission: \(error.message)\n"
    }
    guard let score = r.score else { return out }
    out += "score: \(score) (\(r.lowerIsBetter ? "lower" : "higher") is better)\n"
    guard let p = r.placement else { return out + "leaderboard: none\n" }
    let medal = p.gold ? "gold" : p.silver ? "silver" : p.bronze ? "bronze" : "none"
    // The submission takes a place among the board's entries: below all N of them it is
    // rank N + 1, which "of N" would misstate.
    out +=
      p.rank > p.leaderboardSize
      ? "rank: \(p.rank), below all \(p.leaderboardSize) leaderboard entries\n"
      : "rank: \(p.rank) among \(p.leaderboardSize) leaderboard entries\n"
    out += "human rank: \(p.humanRank) (share of entries beaten or tied)\n"
    out += "above median: \(p.aboveMedian ? "yes" : "no")\n"
    out += "medal: \(medal)\n"
    out +=
      "thresholds: gold \(p.thresholds.gold), silver \(p.thresholds.silver), bronze \(p.thresholds.bronze), median \(p.thresholds.median)\n"
    return out
  }
}
