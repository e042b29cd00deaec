internal import DojoCore
internal import Foundation
internal import Grading
internal import Sandbox

#if canImport(Glibc)
  // lstat's struct, named by its own module (the generated API's imports made another module
  // the one Swift attributes it to).
  internal import Glibc
  internal import CoreFoundation
#endif

/// What an `execute_code` step produced.
struct ExecutionOutcome: Sendable {
  var observation: [String: JSONValue]
  /// The raw score of a valid submission.
  var rawScore: Double?
  /// Its HumanRank, when the task has a leaderboard.
  var positionScore: Double?
  /// Sandbox CPU seconds the step's runs used (counted against the session's CPU budget).
  var cpuSeconds: Double = 0
}

/// Where a step's output goes as it is produced (1: stdout, 2: stderr), for streaming.
typealias OutputSink = @Sendable (Int32, ArraySlice<UInt8>) -> Void

/// Runs one step's code in the sandbox and grades what it wrote, outside the sandbox.
///
/// Blocking: call it through ``BlockingWork``.
struct StepRunner: Sendable {
  let sandbox: Sandbox
  /// Where the step's run may find a sandbox already started for it (and starts the next).
  let warm: WarmSandboxes?
  let grader: Grader
  let publicDirectory: URL
  let workspace: URL
  /// Where this step's code and submission are kept.
  let stepDirectory: URL
  let limits: SandboxLimits

  var mounts: SandboxMounts {
    SandboxMounts(
      publicDirectory: publicDirectory, workspace: workspace,
      dataPath: SessionManager.dataPath, workspacePath: SessionManager.workspacePath,
      outputPath: SessionManager.outputPath)
  }
  var output: URL { workspace.appendingPathComponent("output", isDirectory: true) }
  var submission: URL { output.appendingPathComponent("submission.csv") }

  /// Syntax check, then a run; never grades.
  func validate(code: String, onOutput: OutputSink? = nil) throws -> ExecutionOutcome {
    try keep(code)
    try secureOutputFolder()
    try AtomicFiles.writeWithoutSync(
      Array(code.utf8), to: workspace.appendingPathComponent("main.py"))
    // compile() only parses: nothing of the code runs in the check.
    let check = try sandbox.run(
      command: [
        sandbox.python.executable, "-c",
        "import sys; compile(open(sys.argv[1], encoding='utf-8').read(), 'main.py', 'exec')",
        SessionManager.workspacePath + "/main.py",
      ], mounts: mounts, limits: checkLimits)
    if !check.succeeded {
      return ExecutionOutcome(
        observation: [
          "status": .string("syntax_error"), "syntax_ok": .bool(false),
          "error": .string(check.stderrTail), "feedback": .string(lastLine(check.stderrTail)),
        ], cpuSeconds: check.cpuSeconds)
    }
    let run = try sandbox.runPython(
      code: code, mounts: mounts, limits: limits, warm: warm, onOutput: onOutput)
    var observation = runObservation(run)
    observation["syntax_ok"] = .bool(true)
    observation["submission_written"] = .bool(isRegularFile(submission))
    observation["status"] = .string(run.succeeded ? "success" : "error")
    observation["feedback"] = .string(
      run.succeeded
        ? "The code ran without error (validate_code never grades)."
        : run.summary + failureDetail(run))
    return ExecutionOutcome(observation: observation, cpuSeconds: check.cpuSeconds + run.cpuSeconds)
  }

  /// Runs the code; if it wrote `submission.csv` in the output folder, grades it.
  func execute(code: String, onOutput: OutputSink? = nil) throws -> ExecutionOutcome {
    try keep(code)
    try secureOutputFolder()
    // Only a submission written by this run counts.
    try? FileManager.default.removeItem(at: submission)
    let run = try sandbox.runPython(
      code: code, mounts: mounts, limits: limits, warm: warm, onOutput: onOutput)
    var observation = runObservation(run)
    guard let kept = try takeSubmission() else {
      observation["status"] = .string(run.succeeded ? "no_submission" : "error")
      observation["submission"] = .null
      observation["grade"] = .null
      observation["feedback"] = .string(
        run.succeeded
          ? "The code ran but wrote no \(SessionManager.outputPath)/submission.csv; nothing was graded."
          : run.summary + failureDetail(run))
      return ExecutionOutcome(observation: observation, cpuSeconds: run.cpuSeconds)
    }
    let report = grader.grade(submission: kept)
    observation["submission"] = .string("submission.csv")
    observation["grade"] = try JSONValue.encoding(report)
    if report.valid, let score = report.score {
      let rank = report.placement?.humanRank
      observation["status"] = .string("success")
      observation["feedback"] = .string(
        "Graded: \(report.task) score \(score)" + (rank.map { ", HumanRank \($0)" } ?? ""))
      return ExecutionOutcome(
        observation: observation, rawScore: score, positionScore: rank,
        cpuSeconds: run.cpuSeconds)
    }
    let failure = report.error
    observation["status"] = .string(failure?.kind.rawValue ?? "invalid_submission")
    observation["error"] = .string(failure?.message)
    observation["feedback"] = .string(failure?.message ?? "the submission has no score")
    return ExecutionOutcome(observation: observation, cpuSeconds: run.cpuSeconds)
  }

  // MARK: - Pieces

  /// A short limit for the syntax check alone.
  private var checkLimits: SandboxLimits {
    var l = limits
    l.wallSeconds = min(limits.wallSeconds, 30)
    return l
  }

  /// Keeps the step's code beside its submission. Not flushed to the disk (an fsync costs
  /// milliseconds of every step): the session's own records are what must survive a crash.
  private func keep(_ code: String) throws {
    try AtomicFiles.createDirectory(stepDirectory)
    try AtomicFiles.writeWithoutSync(
      Array(code.utf8), to: stepDirectory.appendingPathComponent("main.py"))
  }

  /// The code may have replaced `output/` with a link into the host's files between runs;
  /// it is made a real folder again before each run.
  private func secureOutputFolder() throws {
    if let type = fileType(output), type != .typeDirectory {
      try FileManager.default.removeItem(at: output)
    }
    try AtomicFiles.createDirectory(output)
  }

  /// Moves this run's submission into the step's folder, refusing anything but a regular
  /// file in a real output folder: a symbolic link would let the grader (which runs
  /// outside the sandbox) read a host file as the submission.
  private func takeSubmission() throws -> URL? {
    guard fileType(output) == .typeDirectory, let type = fileType(submission) else { return nil }
    guard type == .typeRegular else {
      try? FileManager.default.removeItem(at: submission)
      return nil
    }
    let kept = stepDirectory.appendingPathComponent("submission.csv")
    try? FileManager.default.removeItem(at: kept)
    do {
      try FileManager.default.moveItem(at: submission, to: kept)
    } catch {
      throw DojoError(.io, "cannot keep the submission in \(stepDirectory.path): \(error)")
    }
    return kept
  }

  private func fileType(_ url: URL) -> FileAttributeType? {
    // lstat: a final symbolic link is not followed. (FileManager's attributesOfItem would
    // also look up the owner's and group's names in /etc/passwd and /etc/group each time.)
    var info = stat()
    guard lstat(url.path, &info) == 0 else { return nil }
    switch info.st_mode & S_IFMT {
    case S_IFDIR: return .typeDirectory
    case S_IFREG: return .typeRegular
    case S_IFLNK: return .typeSymbolicLink
    default: return .typeUnknown
    }
  }

  private func isRegularFile(_ url: URL) -> Bool { fileType(url) == .typeRegular }

  private func runObservation(_ run: SandboxOutcome) -> [String: JSONValue] {
    [
      "stdout": .string(run.stdoutTail), "stderr": .string(run.stderrTail),
      "run": .object([
        "exit_code": .number(run.exitCode.map(Double.init)),
        "signal": .number(run.process.signal.map(Double.init)),
        "timed_out": .bool(run.timedOut), "out_of_memory": .bool(run.outOfMemory),
        "cpu_limit_exceeded": .bool(run.cpuLimitExceeded),
        "process_limit_hit": .bool(run.processLimitHit),
        "stdout_bytes": .number(Double(run.process.stdoutBytes)),
        "stderr_bytes": .number(Double(run.process.stderrBytes)),
        "seconds": .number(run.process.seconds), "summary": .string(run.summary),
        "cpu_seconds": .number((run.cpuSeconds * 1000).rounded() / 1000),
        "peak_memory_bytes": .number(run.peakMemoryBytes.map(Double.init)),
        "limits_enforced_by": .string(run.limitsEnforcedBy.rawValue),
        "started_ahead": .bool(run.startedAhead),
      ]),
    ]
  }

  private func failureDetail(_ run: SandboxOutcome) -> String {
    let line = lastLine(run.stderrTail)
    return line.isEmpty ? "" : ": " + line
  }

  private func lastLine(_ text: String) -> String {
    text.split(separator: "\n").last.map { String($0) } ?? ""
  }
}
