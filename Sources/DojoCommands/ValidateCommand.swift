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

      Then three warnings, which never fail: baseline_medal (the sample submission or a \
      constant prediction earns a medal), duplicates (more test rows than \
      validation.duplicate_warning, default 10%, repeat a train row in every feature), \
      tier_separation (the score's bootstrap standard error near gold exceeds the \
      leaderboard's gold-bronze gap). Each is warned, clear, or not run with its reason; not \
      run is never shown as clear.

      Each check passes, fails, or is skipped with its reason; a skipped check is not a \
      pass, and `dojo publish` refuses it unless --allow-skipped names it. The manifest and \
      raw/ are found from the task folder (the nearest folder above it holding \
      manifests/<id>/, else the current folder); without them determinism and reference \
      are skipped.

      The outcome, passed or failed, is recorded in the registry (for `dojo report`) when \
      the task lies under the registry's folder (curated/ for curated/registry.sqlite) and \
      the registry exists or --registry names it; a task folder elsewhere (a scratch \
      prepare) is recorded only with --record.

      --executor slurm validates many task ids as one Slurm job array, one element each \
      (--gres gpu:1 for reference solutions that need a GPU), with the registry on \
      PostgreSQL; the same live counts, --detach, --status and --retry-failed as `dojo import \
      --executor slurm`, the summary read from the validations the elements recorded.

      Example:
        dojo validate titanic-survival
        dojo validate curated/titanic-survival/15747d70b12e --json --skip-reference
        dojo validate titanic-survival olive-oil-regions --executor slurm --gres gpu:1 \
          --registry "$DOJO_REGISTRY"
      """)

  @Argument(
    help:
      "A prepared task folder, or a task id (its newest version under curated/); with --executor slurm, task ids."
  )
  var tasks: [String] = []

  @Flag(help: "Print the report as JSON.") var json = false
  @Flag(help: "Do not run the reference solution.") var skipReference = false
  @Option(
    help:
      "Record the outcome in this registry, a SQLite file or a postgres:// URL (default: $DOJO_REGISTRY, else curated/registry.sqlite if it exists)."
  )
  var registry: String?
  @Flag(help: "Record the outcome even for a task folder outside the registry's folder.")
  var record = false

  @OptionGroup(title: "Slurm") var slurm: SlurmOptions

  func validate() throws {
    if slurm.status != nil || slurm.retryFailed != nil { return }
    if slurm.executor == .local && tasks.count != 1 {
      throw ValidationError("give one task, or --executor slurm to validate many")
    }
    if tasks.isEmpty { throw ValidationError("name the task ids to validate") }
    if slurm.executor == .slurm, let bad = tasks.first(where: { $0.contains("/") || $0.isEmpty }) {
      throw ValidationError("--executor slurm takes task ids (folders under curated/), not \(bad)")
    }
  }

  func run() throws {
    if slurm.usesSlurm {
      if try runOnSlurm() > 0 { throw CommandFailed() }
      return
    }
    let located = try TaskLocator(tasks[0])
    let validator = Validator(
      layout: located.layout, manifest: located.manifest, raw: located.raw,
      pageMarkdown: located.page, skipReference: skipReference, python: located.python,
      kaggleLeaderboard: located.kaggleLeaderboard, manifestMissing: located.manifestMissing,
      rawMissing: located.rawMissing)
    var warningsShown = false
    let report = try validator.validate(
      progress: { result in
        if !json {
          print(Self.line(result.name, result.status.rawValue, result.seconds, result.detail))
        }
      },
      warning: { warning in
        guard !json else { return }
        if !warningsShown {
          print("warnings (never a failure; not run is not clear):")
          warningsShown = true
        }
        print(Self.line(warning.name, warning.label, warning.seconds, warning.detail))
      })
    try recordOutcome(report, located: located)
    if json {
      FileHandle.standardOutput.write(try StableJSON.encode(report))
    } else {
      print(report.summary)
    }
    if !report.passed { throw CommandFailed() }
  }

  /// One result as a row: name, status, seconds, detail.
  static func line(_ name: String, _ status: String, _ seconds: Double, _ detail: String) -> String
  {
    let time = String(format: "%.2f", seconds)
    return
      "\(name.padding(toLength: 15, withPad: " ", startingAt: 0)) \(status.padding(toLength: 7, withPad: " ", startingAt: 0)) \(time.padding(toLength: 7, withPad: " ", startingAt: 0)) \(detail)"
  }

  /// `--executor slurm`, `--status`, `--retry-failed`; returns the number of tasks that failed.
  func runOnSlurm() throws -> Int {
    let path = RegistryOptions.resolve(registry)
    try SlurmOptions.requireSharedRegistry(path)
    var runner = SlurmImport(
      logs: URL(fileURLWithPath: "curated/logs").standardizedFileURL, registryURL: path,
      openRegistry: { try Registry(RegistryLocation(parsing: path)) })
    runner.kind = .validate
    if let job = slurm.status { return try runner.status(job: job) }
    if let job = slurm.retryFailed { return try runner.retry(job: job, detach: slurm.detach) }
    var command = [ImportCommand.executablePath, "validate", "{id}", "--registry", "{registry}"]
    if skipReference { command.append("--skip-reference") }
    return try runner.submit(
      ids: tasks, command: command, resources: slurm.resources, detach: slurm.detach)
  }

  /// Keeps the outcome in the registry for `dojo report`: failing tasks are never
  /// published, so this is the only place they show.
  func recordOutcome(_ report: ValidationReport, located: TaskLocator) throws {
    let named = RegistryOptions.given(registry)
    let location = try RegistryLocation(parsing: RegistryOptions.resolve(registry))
    // A SQLite file records only the tasks of its own curated tree (unless told otherwise);
    // a PostgreSQL registry has no folder, so whatever it is named for records.
    if case .sqlite(let path) = location {
      guard record || named != nil || FileManager.default.fileExists(atPath: path) else {
        return
      }
      let tree = URL(fileURLWithPath: path).deletingLastPathComponent().standardizedFileURL
        .resolvingSymlinksInPath().path
      let task = located.layout.root.standardizedFileURL.resolvingSymlinksInPath().path
      guard record || task.hasPrefix(tree.hasSuffix("/") ? tree : tree + "/") else {
        FileHandle.standardError.write(
          Data(
            "validate: not recorded in \(path): \(task) is outside \(tree)/; pass --record to record it\n"
              .utf8))
        return
      }
    }
    let spec = try? JSONDecoder().decode(
      TaskSpec.self, from: Data(contentsOf: located.layout.taskFile))
    let failed = report.checks.first { $0.status == .failed }
    try Registry(location).recordValidation(
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
