internal import ArgumentParser
internal import Curation
internal import DojoCore
internal import Foundation
internal import Registry
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

      Each check passes, fails, or is skipped with its reason; a skipped check is not a \
      pass, and `dojo publish` refuses it unless --allow-skipped names it. The manifest and \
      raw/ are found from the task folder (the nearest folder above it holding \
      manifests/<id>/, else the current folder); without them determinism and reference \
      are skipped.

      The outcome, passed or failed, is recorded in the registry (for `dojo report`) when \
      --registry is given or curated/registry.sqlite exists.

      Example:
        dojo validate titanic-survival
        dojo validate curated/titanic-survival/15747d70b12e --json --skip-reference
      """)

  @Argument(help: "A prepared task folder, or a task id (its newest version under curated/).")
  var task: String

  @Flag(help: "Print the report as JSON.") var json = false
  @Flag(help: "Do not run the reference solution.") var skipReference = false
  @Option(
    help:
      "Record the outcome in this registry, a SQLite file or a postgres:// URL (default: $DOJO_REGISTRY, else curated/registry.sqlite if it exists)."
  )
  var registry: String?

  func run() throws {
    let located = try TaskLocator(task)
    let validator = Validator(
      layout: located.layout, manifest: located.manifest, raw: located.raw,
      pageMarkdown: located.page, skipReference: skipReference, python: located.python,
      kaggleLeaderboard: located.kaggleLeaderboard, manifestMissing: located.manifestMissing,
      rawMissing: located.rawMissing)
    let report = try validator.validate { result in
      if !json {
        let seconds = String(format: "%.2f", result.seconds)
        print(
          "\(result.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(result.status.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)) \(seconds.padding(toLength: 7, withPad: " ", startingAt: 0)) \(result.detail)"
        )
      }
    }
    try record(report, located: located)
    if json {
      FileHandle.standardOutput.write(try StableJSON.encode(report))
    } else {
      print(report.summary)
    }
    if !report.passed { throw CommandFailed() }
  }

  /// Keeps the outcome in the registry for `dojo report`: failing tasks are never
  /// published, so this is the only place they show.
  func record(_ report: ValidationReport, located: TaskLocator) throws {
    let named = RegistryOptions.given(registry)
    let path = RegistryOptions.resolve(registry)
    guard named != nil || FileManager.default.fileExists(atPath: path) else { return }
    let spec = try? JSONDecoder().decode(
      TaskSpec.self, from: Data(contentsOf: located.layout.taskFile))
    let failed = report.checks.first { $0.status == .failed }
    try Registry(RegistryLocation(parsing: path)).recordValidation(
      ValidationRecord(
        task: report.task, version: report.version,
        title: spec?.title ?? located.manifest?.manifest.title ?? report.task,
        category: spec?.category ?? located.manifest?.manifest.category,
        metric: spec?.metric.name ?? located.manifest?.manifest.metric.name,
        passed: report.passed, failedCheck: failed?.name, message: failed?.detail,
        reportJSON: String(decoding: try StableJSON.encode(report), as: UTF8.self),
        recordedAt: report.validatedAt))
  }
}
