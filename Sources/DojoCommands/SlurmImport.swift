internal import DojoCore
internal import Foundation
internal import Pipeline
internal import Registry

/// `dojo import --executor slurm` (and `dojo validate --executor slurm`): one job array, one
/// element per competition, each running `dojo import <id>` (or `dojo validate <id>`) on its
/// node; followed with live counts and summed up from what the elements wrote to the registry
/// (import records, or validation records), so `--status` after a restart shows what a
/// follower would have.
struct SlurmImport {
  /// What the elements run.
  enum Kind: String {
    case `import`, validate
  }
  var kind = Kind.import
  /// `curated/logs/`, absolute: each element's log, the batch scripts and the job files.
  let logs: URL
  let registryURL: String
  let openRegistry: @Sendable () throws -> Registry
  /// Seconds between two looks at the queue.
  var pollSeconds = 2.0
  /// Where each element starts (sbatch --chdir): relative paths in its command resolve here.
  var directory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)

  /// Writes the batch script, submits it, and follows the job unless `detach`. Returns the
  /// number of failed competitions (0 when detached).
  func submit(ids: [String], command: [String], resources: SlurmResources, detach: Bool) throws
    -> Int
  {
    try AtomicFiles.createDirectory(logs)
    let script = logs.appendingPathComponent(
      "\(kind.rawValue)-\(UUID().uuidString.prefix(8).lowercased()).sh")
    try AtomicFiles.write(
      Slurm.batchScript(
        name: "dojo-\(kind.rawValue)", ids: ids, resources: resources, logs: logs,
        directory: directory, command: command),
      to: script)
    // Taken before sbatch: a validation record of this job is never older.
    let submitted = Self.now()
    let job = try Slurm.submit(script: script, registry: registryURL, run: nil)
    let attempt = SlurmAttempt(job: job, ids: ids, submittedAt: submitted)
    let file = SlurmJobFile(
      command: kind.rawValue, run: "slurm-\(job)", ids: ids, attempts: [attempt],
      script: script.path,
      resources: resources)
    try file.write(logs: logs)
    return try started(file, attempt: attempt, detach: detach)
  }

  /// `--retry-failed JOB`: submits the job's failed competitions again as a new array whose
  /// elements record under the first job's run, then follows it unless `detach`.
  func retry(job: String, detach: Bool) throws -> Int {
    var file = try SlurmJobFile.read(job: job, logs: logs)
    let view = try look(file)
    let busy = file.ids.filter { view.states[$0] == .pending || view.states[$0] == .running }
    if !busy.isEmpty {
      throw DojoError(
        .conflict,
        "job \(job) still has \(busy.count) element(s) pending or running (\(busy.prefix(5).joined(separator: ", "))); retry when they end (dojo import --status \(job))"
      )
    }
    let failed = file.ids.filter { view.outcomes[$0]?.succeeded != true }
    if failed.isEmpty {
      print("job \(job): every competition succeeded; nothing to retry")
      print(try summary(file, view).table)
      return 0
    }
    let script = logs.appendingPathComponent(
      "\(file.command)-\(UUID().uuidString.prefix(8).lowercased()).sh")
    let first = try String(contentsOf: URL(fileURLWithPath: file.script), encoding: .utf8)
    try AtomicFiles.write(Self.retargeted(first, ids: failed), to: script)
    let submitted = Self.now()
    let retryJob = try Slurm.submit(script: script, registry: registryURL, run: file.run)
    let attempt = SlurmAttempt(job: retryJob, ids: failed, submittedAt: submitted)
    file.attempts.append(attempt)
    try file.write(logs: logs)
    FileHandle.standardError.write(
      Data("retrying \(failed.count) failed competition(s) of job \(job) as job \(retryJob)\n".utf8)
    )
    return try started(file, attempt: attempt, detach: detach)
  }

  /// `--status JOB`: the counts and the summary table, now. Returns the number failed.
  func status(job: String) throws -> Int {
    let file = try SlurmJobFile.read(job: job, logs: logs)
    let result = try summary(file, try look(file))
    print(result.counts)
    print(result.table)
    return result.failed
  }

  private func started(_ file: SlurmJobFile, attempt: SlurmAttempt, detach: Bool) throws -> Int {
    if detach {
      print(attempt.job)
      FileHandle.standardError.write(
        Data(
          "submitted Slurm job \(attempt.job) (\(attempt.ids.count) element(s)); see it with: dojo import --status \(file.job)\n"
            .utf8))
      return 0
    }
    FileHandle.standardError.write(
      Data(
        "submitted Slurm job \(attempt.job) (\(attempt.ids.count) element(s)); logs under \(logs.path)/\n"
          .utf8))
    let live = isatty(STDOUT_FILENO) == 1
    var last = ""
    while true {
      let view = try look(file)
      let result = try summary(file, view)
      if result.counts != last {
        if live {
          FileHandle.standardOutput.write(Data("\r\u{1B}[2K\(result.counts)".utf8))
        } else {
          print(result.counts)
        }
        last = result.counts
      }
      if result.unfinished == 0 {
        if live { print("") }
        print(result.table)
        let verb = file.command == Kind.import.rawValue ? "imported" : "passed validation"
        print(
          "\(file.ids.count - result.failed) of \(file.ids.count) \(verb); job \(file.job), registry \(Self.redacted(registryURL))"
        )
        return result.failed
      }
      Thread.sleep(forTimeInterval: pollSeconds)
    }
  }

  /// What Slurm and the registry say of every competition of the job, by id.
  struct View {
    var states: [String: SlurmElementState]
    var outcomes: [String: Outcome]
  }

  /// How a finished element's competition ended, and its row of the summary table.
  struct Outcome {
    var succeeded: Bool
    var row: [String]
  }

  func look(_ file: SlurmJobFile) throws -> View {
    var states: [String: SlurmElementState] = [:]
    // An id's state is its newest attempt's.
    for attempt in file.attempts {
      for (id, state) in try Slurm.states(of: attempt) { states[id] = state }
    }
    let registry = try openRegistry()
    var outcomes: [String: Outcome] = [:]
    switch Kind(rawValue: file.command) ?? .import {
    case .import:
      for record in try registry.importRecords(run: file.run) {
        let outcome = ImportOutcome(record)
        outcomes[record.task] = Outcome(
          succeeded: outcome.succeeded, row: ImportCommand.summaryRow(outcome))
      }
    case .validate:
      // Validations carry no run: this job's are those recorded since its first submission.
      let since = file.attempts.first?.submittedAt ?? ""
      let wanted = Set(file.ids)
      for record in try registry.latestValidations()
      where wanted.contains(record.task) && record.recordedAt >= since {
        outcomes[record.task] = Outcome(
          succeeded: record.passed,
          row: [
            record.task, record.passed ? "ok" : "failed", record.failedCheck ?? "-",
            record.version ?? "-", record.message ?? "",
          ])
      }
    }
    return View(states: states, outcomes: outcomes)
  }

  struct Summary {
    var counts: String
    var table: String
    var failed: Int
    var unfinished: Int
  }

  /// The live counts and the same table as a local import: a competition that finished is
  /// read from its import record; one that ended without writing one (killed, out of time or
  /// memory) is failed with Slurm's word for how it ended.
  func summary(_ file: SlurmJobFile, _ view: View) throws -> Summary {
    let kind = Kind(rawValue: file.command) ?? .import
    var pending = 0
    var running = 0
    var done = 0
    var failed = 0
    var rows: [[String]] = []
    for id in file.ids {
      switch view.states[id] ?? .finished(nil) {
      case .pending:
        pending += 1
        rows.append(blank(id, "pending", kind) + [""])
      case .running:
        running += 1
        rows.append(blank(id, "running", kind) + [""])
      case .finished(let finalState):
        if let outcome = view.outcomes[id] {
          if outcome.succeeded { done += 1 } else { failed += 1 }
          rows.append(outcome.row)
        } else {
          failed += 1
          rows.append(
            blank(id, "failed", kind)
              + [
                "ended without a record in the registry (Slurm: \(finalState ?? "state no longer known")); see \(logs.path)/\(id).log"
              ])
        }
      }
    }
    let counts =
      "job \(file.job): \(pending) pending, \(running) running, \(done) done, \(failed) failed"
    let table =
      kind == .import
      ? ImportCommand.summaryTable(rows)
      : TextTable.render(
        header: ["task", "result", "failed check", "version", "message"], rows: rows)
    return Summary(counts: counts, table: table, failed: failed, unfinished: pending + running)
  }

  /// A row's id and state, then a dash in each column up to the last (the message).
  private func blank(_ id: String, _ state: String, _ kind: Kind) -> [String] {
    [id, state] + Array(repeating: "-", count: kind == .import ? 4 : 2)
  }

  /// The first attempt's batch script with its `--array` and `ids=(...)` lines for `ids`: a
  /// retry asks for the same resources and runs the same command.
  static func retargeted(_ script: String, ids: [String]) -> String {
    var lines = script.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let sample = Slurm.batchScript(
      name: "dojo", ids: ids, resources: SlurmResources(),
      logs: URL(fileURLWithPath: "/"), directory: URL(fileURLWithPath: "/"), command: []
    )
    .split(separator: "\n").map(String.init)
    for (i, line) in lines.enumerated() {
      if line.hasPrefix("#SBATCH --array=") {
        let throttle = line.firstIndex(of: "%").map { String(line[$0...]) } ?? ""
        lines[i] = "#SBATCH --array=0-\(ids.count - 1)\(throttle)"
      } else if line.hasPrefix("ids=(") {
        lines[i] = sample.first { $0.hasPrefix("ids=(") } ?? line
      }
    }
    return lines.joined(separator: "\n")
  }

  static func now() -> String { ISO8601DateFormatter().string(from: Date()) }

  /// A registry URL without its password, for printing.
  static func redacted(_ url: String) -> String {
    guard var parts = URLComponents(string: url), parts.password != nil else { return url }
    parts.password = "***"
    return parts.string ?? url
  }
}
