internal import ArgumentParser
internal import DojoCore
internal import Foundation
internal import Grading

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

      Example:
        dojo grade curated/titanic-survival/1a2b3c submission.csv --json
      """)

  @Argument(help: "The prepared task folder (holding public/ and private/).")
  var taskDirectory: String

  @Argument(help: "The submission CSV.")
  var submission: String

  @Flag(help: "Print the report as JSON.")
  var json = false

  func run() throws {
    let taskURL = URL(fileURLWithPath: taskDirectory)
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
    out += "rank: \(p.rank) of \(p.leaderboardSize)\n"
    out += "human rank: \(p.humanRank) (share of entries beaten or tied)\n"
    out += "above median: \(p.aboveMedian ? "yes" : "no")\n"
    out += "medal: \(medal)\n"
    out +=
      "thresholds: gold \(p.thresholds.gold), silver \(p.thresholds.silver), bronze \(p.thresholds.bronze), median \(p.thresholds.median)\n"
    return out
  }
}
