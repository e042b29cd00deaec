internal import DojoCore
public import Foundation

/// What a Slurm job array asks of the cluster: `--executor slurm`'s options, passed to
/// `sbatch` as they are (Slurm checks them; Dojo only refuses what cannot be right).
public struct SlurmResources: Sendable, Codable, Equatable {
  public var partition: String?
  /// At most this many elements at once (`--array=0-N%max`).
  public var maxParallel: Int?
  public var time: String?
  public var mem: String?
  public var cpusPerTask: Int?
  /// `gpu:1` for reference solutions that need a GPU.
  public var gres: String?
  /// Any other `sbatch` option, as `--name=value`.
  public var extra: [String]

  public init(
    partition: String? = nil, maxParallel: Int? = nil, time: String? = nil, mem: String? = nil,
    cpusPerTask: Int? = nil, gres: String? = nil, extra: [String] = []
  ) {
    self.partition = partition
    self.maxParallel = maxParallel
    self.time = time
    self.mem = mem
    self.cpusPerTask = cpusPerTask
    self.gres = gres
    self.extra = extra
  }

  /// The `#SBATCH` options, one per line's argument.
  var options: [String] {
    var out: [String] = []
    if let partition { out.append("--partition=\(partition)") }
    if let time { out.append("--time=\(time)") }
    if let mem { out.append("--mem=\(mem)") }
    if let cpusPerTask { out.append("--cpus-per-task=\(cpusPerTask)") }
    if let gres { out.append("--gres=\(gres)") }
    return out + extra
  }
}

/// One submitted job array and the competitions its elements work on, element i on `ids[i]`.
public struct SlurmAttempt: Sendable, Codable, Equatable {
  public var job: String
  public var ids: [String]
  public var submittedAt: String

  public init(job: String, ids: [String], submittedAt: String) {
    self.job = job
    self.ids = ids
    self.submittedAt = submittedAt
  }
}

/// Everything `--status` and `--retry-failed` need to know of a job, kept next to its logs
/// (`<logs>/slurm-<job>.json`) on the shared filesystem: the first array and its retries, all
/// recording their outcomes under one run in the registry.
public struct SlurmJobFile: Sendable, Codable, Equatable {
  /// `import` or `validate`.
  public var command: String
  /// The run the elements record under (`slurm-<first job id>`).
  public var run: String
  public var ids: [String]
  public var attempts: [SlurmAttempt]
  /// The batch script of the first attempt, which retries reuse.
  public var script: String
  public var resources: SlurmResources

  public init(
    command: String, run: String, ids: [String], attempts: [SlurmAttempt], script: String,
    resources: SlurmResources
  ) {
    self.command = command
    self.run = run
    self.ids = ids
    self.attempts = attempts
    self.script = script
    self.resources = resources
  }

  public var job: String { attempts.first?.job ?? "" }

  public static func url(job: String, logs: URL) -> URL {
    logs.appendingPathComponent("slurm-\(job).json")
  }

  /// Reads the file of `job` under `logs`.
  ///
  /// - Throws: ``DojoError`` `.notFound` naming the file and where it is looked for.
  public static func read(job: String, logs: URL) throws -> SlurmJobFile {
    let file = url(job: job, logs: logs)
    guard let data = try? Data(contentsOf: file) else {
      throw DojoError(
        .notFound,
        "no Dojo Slurm job \(job): \(file.path) does not exist; pass the job id that `--executor slurm` printed, and the same --curated"
      )
    }
    do {
      return try JSONDecoder().decode(SlurmJobFile.self, from: data)
    } catch {
      throw DojoError(.invalidData, "\(file.path) is not a Dojo Slurm job file: \(error)")
    }
  }

  public func write(logs: URL) throws {
    try AtomicFiles.write(try StableJSON.encode(self), to: Self.url(job: job, logs: logs))
  }
}

/// Where an element of a job array is, as Slurm tells it.
public enum SlurmElementState: Sendable, Equatable {
  case pending, running
  /// Left the queue with this final state (`COMPLETED`, `FAILED`, `TIMEOUT`...), when Slurm
  /// still knows it.
  case finished(String?)
}

/// Talks to Slurm through its own commands (`sbatch`, `squeue`, `scontrol`, `sacct`), found
/// on PATH and configured by `SLURM_CONF` as any Slurm user's are.
public enum Slurm {
  /// The batch script of a job array: element i runs `command` (its ``placeholders`` filled
  /// in, `{id}` with `ids[i]`), its output appended to `<logs>/<id>.log`.
  ///
  /// The registry URL is read from `DOJO_REGISTRY`, which `sbatch` passes from the submitter's
  /// environment, so a password never lands in a file on the shared filesystem.
  public static func batchScript(
    name: String, ids: [String], resources: SlurmResources, logs: URL, directory: URL,
    command: [String]
  ) -> String {
    let last = ids.count - 1
    let throttle = resources.maxParallel.map { "%\($0)" } ?? ""
    var lines = [
      "#!/bin/bash",
      "# Written by dojo: one array element per competition; see `dojo import --help`.",
      "#SBATCH --job-name=\(name)",
      "#SBATCH --array=0-\(last)\(throttle)",
      "#SBATCH --chdir=\(directory.path)",
      "#SBATCH --output=\(logs.path)/slurm-%A_%a.out",
    ]
    lines += resources.options.map { "#SBATCH \($0)" }
    lines += [
      "set -euo pipefail",
      "ids=(\(ids.map(shellQuote).joined(separator: " ")))",
      "id=${ids[$SLURM_ARRAY_TASK_ID]}",
      "mkdir -p \(shellQuote(logs.path))",
      "exec >>\(shellQuote(logs.path))/\"$id.log\" 2>&1",
      "echo \"== \(name) $id: job ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID} on $(hostname) at $(date -u +%FT%TZ)\"",
      "exec " + command.map { placeholders[$0] ?? shellQuote($0) }.joined(separator: " "),
    ]
    return lines.joined(separator: "\n") + "\n"
  }

  /// Words of a batch script's command that the element fills in: `{id}` its competition,
  /// `{run}` the run it records under (the first job's, also for a retry), `{registry}` the
  /// registry URL from the environment.
  public static let placeholders = [
    "{id}": "\"$id\"", "{run}": "\"${DOJO_IMPORT_RUN:-slurm-$SLURM_ARRAY_JOB_ID}\"",
    "{registry}": "\"$DOJO_REGISTRY\"",
  ]

  /// Writes `script` and submits it with `sbatch`, `DOJO_REGISTRY` set to `registry`; returns
  /// the job id.
  ///
  /// - Parameter run: the run retried elements record under (their first job's); nil lets
  ///   each element record under its own job.
  /// - Throws: ``DojoError`` `.io` with sbatch's own words when it refuses.
  public static func submit(script: URL, registry: String, run: String?) throws -> String {
    var environment = ProcessInfo.processInfo.environment
    environment["DOJO_REGISTRY"] = registry
    if let run {
      environment["DOJO_IMPORT_RUN"] = run
    } else {
      environment.removeValue(forKey: "DOJO_IMPORT_RUN")
    }
    let outcome = try tool("sbatch", ["--parsable", script.path], environment: environment)
    let job = outcome.stdoutTail.split(separator: ";").first.map {
      $0.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    guard outcome.succeeded, let job, !job.isEmpty, job.allSatisfy(\.isNumber) else {
      throw DojoError(
        .io,
        "sbatch refused \(script.path): \(oneLine(outcome.stderrTail.isEmpty ? outcome.summary : outcome.stderrTail)); check the --partition, --time, --mem, --gres and --sbatch-arg options and that SLURM_CONF names the cluster"
      )
    }
    return job
  }

  /// The state of every element of `attempt`: pending and running from `squeue`; an element
  /// gone from the queue is finished, with the final state `scontrol` (or, on a cluster with
  /// accounting, `sacct`) still reports.
  public static func states(of attempt: SlurmAttempt) throws -> [String: SlurmElementState] {
    let queue = try tool(
      "squeue", ["-h", "-r", "-j", attempt.job, "-o", "%K %T"],
      environment: ProcessInfo.processInfo.environment)
    var states: [String: SlurmElementState] = [:]
    if queue.succeeded {
      for line in queue.stdoutTail.split(separator: "\n") {
        let parts = line.split(separator: " ")
        guard parts.count == 2, let index = Int(parts[0]), attempt.ids.indices.contains(index)
        else { continue }
        states[attempt.ids[index]] = parts[1] == "PENDING" ? .pending : .running
      }
    } else if !queue.stderrTail.contains("Invalid job id") {
      throw DojoError(
        .io,
        "squeue cannot read job \(attempt.job): \(oneLine(queue.stderrTail)); check that SLURM_CONF names the cluster it was submitted to"
      )
    }
    let gone = attempt.ids.filter { states[$0] == nil }
    if gone.isEmpty { return states }
    let final = finalStates(job: attempt.job)
    for (index, id) in attempt.ids.enumerated() where states[id] == nil {
      states[id] = .finished(final[index])
    }
    return states
  }

  /// Final states by array index from `scontrol show job` (kept for MinJobAge after the end),
  /// else from `sacct` (clusters with accounting); empty when neither knows the job any more.
  static func finalStates(job: String) -> [Int: String] {
    var out: [Int: String] = [:]
    let environment = ProcessInfo.processInfo.environment
    if let shown = try? tool("scontrol", ["-o", "show", "job", job], environment: environment),
      shown.succeeded
    {
      for line in shown.stdoutTail.split(separator: "\n") {
        var fields: [Substring: Substring] = [:]
        for field in line.split(separator: " ") {
          guard let eq = field.firstIndex(of: "=") else { continue }
          fields[field[..<eq]] = field[field.index(after: eq)...]
        }
        if let index = fields["ArrayTaskId"].flatMap({ Int($0) }), let state = fields["JobState"] {
          out[index] = String(state)
        }
      }
    }
    if !out.isEmpty { return out }
    if let listed = try? tool(
      "sacct", ["-n", "-P", "-X", "-j", job, "--format=JobID,State"], environment: environment),
      listed.succeeded
    {
      for line in listed.stdoutTail.split(separator: "\n") {
        let parts = line.split(separator: "|")
        guard parts.count == 2, let underscore = parts[0].firstIndex(of: "_"),
          let index = Int(parts[0][parts[0].index(after: underscore)...])
        else { continue }
        out[index] = String(parts[1].split(separator: " ").first ?? parts[1])
      }
    }
    return out
  }

  /// Runs a Slurm client command (a minute at most: each answers in well under a second on a
  /// healthy cluster, and a controller that is down must not hang the import).
  static func tool(_ name: String, _ arguments: [String], environment: [String: String]) throws
    -> ProcessOutcome
  {
    guard let path = which(name, environment: environment) else {
      throw DojoError(
        .notFound,
        "\(name) is not on PATH: --executor slurm runs where Slurm's client commands are (install slurm-client, or run scripts/cluster-up for a local cluster)"
      )
    }
    return try ProcessRunner.run(
      path, arguments, environment: environment,
      limits: ProcessLimits(wallSeconds: 60, outputTailBytes: 4 << 20))
  }

  static func which(_ name: String, environment: [String: String]) -> String? {
    let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for dir in path.split(separator: ":") {
      let candidate = "\(dir)/\(name)"
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
  }

  static func oneLine(_ text: String) -> String {
    text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
      .filter { !$0.isEmpty }.joined(separator: "; ")
  }

  /// `text` in single quotes for bash, each `'` written as `'\''`.
  static func shellQuote(_ text: String) -> String {
    "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }
}
