public import DojoCore
public import Foundation

/// What the sandbox shows of the host, and where.
///
/// Only these folders (plus the read-only system and Python folders the interpreter needs)
/// exist inside; every other host path is absent.
public struct SandboxMounts: Sendable, Equatable {
  /// A host folder bound read-only inside the sandbox.
  public struct Bind: Sendable, Equatable {
    /// The folder or file on the host.
    public var host: URL
    /// Where it appears inside the sandbox (an absolute path).
    public var path: String

    public init(host: URL, path: String) {
      self.host = host
      self.path = path
    }
  }

  /// The task's `public/` folder on the host, bound read-only at ``dataPath``; nil for none.
  public var publicDirectory: URL?
  /// The run's workspace on the host, bound read-write at ``workspacePath`` (the working
  /// directory of the run). It must exist.
  public var workspace: URL
  /// The host folder for outputs (`submission.csv`), bound read-write at ``outputPath``. When
  /// nil, outputs go to `output/` inside the workspace, which is created if missing.
  public var output: URL?
  /// Further host paths bound read-only (a solution file, a model), if any.
  public var readOnly: [Bind]

  /// Where ``publicDirectory`` appears inside the sandbox.
  public var dataPath: String
  /// Where ``workspace`` appears inside the sandbox.
  public var workspacePath: String
  /// Where outputs go inside the sandbox.
  public var outputPath: String

  public init(
    publicDirectory: URL?, workspace: URL, output: URL? = nil, readOnly: [Bind] = [],
    dataPath: String = "/data", workspacePath: String = "/workspace",
    outputPath: String = "/workspace/output"
  ) {
    self.publicDirectory = publicDirectory
    self.workspace = workspace
    self.output = output
    self.readOnly = readOnly
    self.dataPath = dataPath
    self.workspacePath = workspacePath
    self.outputPath = outputPath
  }

  /// The host folder that backs ``outputPath``.
  public var hostOutput: URL {
    output ?? workspace.appendingPathComponent("output", isDirectory: true)
  }
}

/// Limits for one sandboxed run.
///
/// Memory and the number of processes are held by a cgroup (never `RLIMIT_AS`, which breaks
/// CUDA's initialisation); CPU time and file size by rlimits, which bind every process.
public struct SandboxLimits: Sendable, Equatable {
  /// Wall-clock limit; the whole sandbox (its PID namespace and cgroup) is killed when it passes.
  public var wallSeconds: Double
  /// CPU seconds per process (RLIMIT_CPU), if any; passing it ends the process with SIGXCPU.
  public var cpuSeconds: Int?
  /// Memory for the whole sandbox in MiB (cgroup `memory.max` / `memory.limit_in_bytes`, swap
  /// included where the kernel allows), if any.
  public var memoryMB: Int?
  /// Largest file a process may write, in MiB (RLIMIT_FSIZE), if any.
  public var fileSizeMB: Int?
  /// Most processes and threads alive at once in the sandbox (cgroup `pids.max`), if any.
  /// Threads count: the default leaves room for BLAS and PyTorch thread pools on machines
  /// with many cores while still stopping a fork bomb.
  public var maxProcesses: Int?
  /// How many bytes of stdout and stderr are kept (the tail); the rest is counted only.
  public var outputTailBytes: Int
  /// How many GPUs to pass through (`/dev/nvidia0` ..), numbered from 0.
  public var gpus: Int

  public init(
    wallSeconds: Double, cpuSeconds: Int? = nil, memoryMB: Int? = nil, fileSizeMB: Int? = nil,
    maxProcesses: Int? = 4096, outputTailBytes: Int = 64 * 1024, gpus: Int = 0
  ) {
    self.wallSeconds = wallSeconds
    self.cpuSeconds = cpuSeconds
    self.memoryMB = memoryMB
    self.fileSizeMB = fileSizeMB
    self.maxProcesses = maxProcesses
    self.outputTailBytes = outputTailBytes
    self.gpus = gpus
  }
}

/// Which mechanism held a run's memory and process limits.
public enum LimitEnforcement: String, Sendable, Equatable, Codable {
  /// A cgroup v1 pair (`memory` and `pids` hierarchies).
  case cgroupV1 = "cgroup-v1"
  /// A cgroup v2 group.
  case cgroupV2 = "cgroup-v2"
  /// No cgroup could be made: memory is held by RLIMIT_AS and processes by RLIMIT_NPROC
  /// (which does not bind a process whose host uid is 0).
  case rlimit
}

/// What a sandboxed run did.
public struct SandboxOutcome: Sendable, Equatable {
  /// How the program ended, its output tails and byte counts. A program ended by a signal
  /// is reported with ``ProcessOutcome/signal`` set: bubblewrap passes a signal on as exit
  /// status 128 + n, which is read back as the signal, as a shell does.
  public var process: ProcessOutcome
  /// Whether the kernel's OOM killer ended a process of the run at the memory limit.
  public var outOfMemory: Bool
  /// Whether a fork or thread creation was refused at the process limit.
  public var processLimitHit: Bool
  /// The most memory the run used at once, in bytes, where the cgroup reports it.
  public var peakMemoryBytes: Int?
  /// Which mechanism held memory and processes.
  public var limitsEnforcedBy: LimitEnforcement
  /// The GPU indices passed through (the value of `CUDA_VISIBLE_DEVICES`).
  public var gpus: [Int]
  /// The name of the cgroup the run was held in (removed when the run returns), nil under
  /// the rlimit fallback. Names are unique per run, so a caller can check that its own run
  /// left nothing behind while other runs of the same process are still going.
  public var cgroupName: String?
  /// CPU seconds the whole run used: the cgroup's count where there is one, else what
  /// wait4 reported for the process tree.
  public var cpuSeconds: Double
  /// Whether the run used a sandbox started before it was asked for (``WarmSandboxes``).
  public var startedAhead = false

  public init(
    process: ProcessOutcome, outOfMemory: Bool, processLimitHit: Bool, peakMemoryBytes: Int?,
    limitsEnforcedBy: LimitEnforcement, gpus: [Int], cgroupName: String? = nil,
    cpuSeconds: Double? = nil
  ) {
    self.cgroupName = cgroupName
    self.cpuSeconds = cpuSeconds ?? process.cpuSeconds
    self.process = process
    self.outOfMemory = outOfMemory
    self.processLimitHit = processLimitHit
    self.peakMemoryBytes = peakMemoryBytes
    self.limitsEnforcedBy = limitsEnforcedBy
    self.gpus = gpus
  }

  /// The exit status, or nil if a signal or a limit ended the run.
  public var exitCode: Int32? { process.exitCode }
  /// Whether the wall-time limit killed the run.
  public var timedOut: Bool { process.timedOut }
  /// Whether the CPU-time limit ended the program.
  public var cpuLimitExceeded: Bool { process.signal == SIGXCPU }
  /// The last bytes of stdout, as text.
  public var stdoutTail: String { process.stdoutTail }
  /// The last bytes of stderr, as text.
  public var stderrTail: String { process.stderrTail }
  /// True when the program exited 0 on its own.
  public var succeeded: Bool { process.succeeded && !outOfMemory }

  /// One line saying how the run ended, for observations and reports.
  public var summary: String {
    if outOfMemory { return "killed: out of memory (the sandbox's memory limit)" }
    if timedOut || cpuLimitExceeded { return process.summary }
    if processLimitHit, process.exitCode != 0 {
      return process.summary + " (the process limit refused a fork)"
    }
    return process.summary
  }
}
