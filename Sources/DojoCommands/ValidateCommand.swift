internal import ArgumentParser
internal import DojoCore
internal import Foundation
internal import Validation

/// `dojo validate TASK_DIR|ID`: every check a task must pass before it is published.
struct ValidateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "validate",
    abstract: "Check a prepared task end to end and write its report.json.",
    discussion: """
      Checks: integrity (checksums, task.json, metric), sample (the sample submission \
      grades), gold (the answers earn gold), refusals (broken submissions are refused as \
      invalid), leaks (nothing of the answers in public/), determinism (preparing again is \
      byte-identical), leaderboard (ordered and plausible), reference (the manifest's \
      solution runs in the sandbox and reaches its expected score). Exit 1 if any fails.

      Example:
        dojo validate titanic-survival
        dojo validate curated/titanic-survival/15747d70b12e --json --skip-reference
      """)

  @Argument(help: "A prepared task folder, or a task id (its newest version under curated/).")
  var task: String

  @Flag(help: "Print the report as JSON.") var json = false
  @Flag(help: "Do not run the reference solution.") var skipReference = false

  func run() throws {
    let located = try TaskLocator(task)
    let validator = Validator(
      layout: located.layout, manifest: located.manifest, raw: located.raw,
      pageMarkdown: located.page, skipReference: skipReference, python: TaskLocator.python,
      kaggleLeaderboard: located.kaggleLeaderboard)
    let report = try validator.validate { result in
      if !json {
        let seconds = String(format: "%.2f", result.seconds)
        print(
          "\(result.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(result.status.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)) \(seconds.padding(toLength: 7, withPad: " ", startingAt: 0)) \(result.detail)"
        )
      }
    }
    if json {
      FileHandle.standardOutput.write(try StableJSON.encode(report))
    } else {
      print(
        report.passed
          ? "\(report.task) \(report.version): every check passed"
          : "\(report.task) \(report.version): FAILED")
    }
    if !report.passed { throw CommandFailed() }
  }
}
