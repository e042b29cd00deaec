public import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Limits for a child process. Memory and CPU are applied with `ulimit` in a `/bin/sh`
/// wrapper (the plain-subprocess runner; the runtime's sandbox uses cgroups instead).
public struct ProcessLimits: Sendable, Equatable {
  /// Wall-clock limit; the whole process group is killed when it passes.
  public var wallSeconds: Double
  /// CPU-time limit in seconds (RLIMIT_CPU), if any.
  public var cpuSeconds: Int?
  /// Address-space limit in MiB (RLIMIT_AS), if any.
  public var memoryMB: Int?
  /// Largest file the process may write, in MiB (RLIMIT_FSIZE), if any.
  public var fileSizeMB: Int?
  /// How many bytes of stdout and stderr are kept (the tail); the rest is counted only.
  public var outputTailBytes: Int

  public init(
    wallSeconds: Double, cpuSeconds: Int? = nil, memoryMB: Int? = nil, fileSizeMB: Int? = nil,
    outputTailBytes: Int = 64 * 1024
  ) {
    self.wallSeconds = wallSeconds
    self.cpuSeconds = cpuSeconds
    self.memoryMB = memoryMB
    self.fileSizeMB = fileSizeMB
    self.outputTailBytes = outputTailBytes
  }
}

/// What a finished child process did.
public struct ProcessOutcome: Sendable, Equatable {
  /// The exit status, or nil if a signal ended it.
  public var exitCode: Int32?
  /// The signal that ended it, if any.
  public var signal: Int32?
  /// Whether the wall-time limit killed it.
  public var timedOut: Bool
  /// The last bytes of stdout and stderr, as text.
  public var stdoutTail: String
  public var stderrTail: String
  /// How many bytes each stream produced in all.
  public var stdoutBytes: Int
  public var stderrBytes: Int
  /// Wall-clock seconds from start to exit.
  public var seconds: Double

  /// True when the process exited 0 on its own.
  public var succeeded: Bool { exitCode == 0 && !timedOut }

  /// One line saying how it ended, for reports.
  public var summary: String {
    if timedOut { return "killed after the \(String(format: "%.0f", seconds)) s time limit" }
    if let signal {
      return "killed by signal \(signal)" + (signal == SIGXCPU ? " (CPU limit)" : "")
    }
    return "exited with status \(exitCode ?? -1)"
  }
}

/// Runs a program in its own process group with limits, capturing the tails of its output.
/// Never hangs: the wall-time limit kills the whole group, grandchildren included.
public enum ProcessRunner {
  /// Runs `executable` with `arguments` in `directory`.
  ///
  /// - Throws: ``DojoError`` `.io` if the program cannot be started.
  public static func run(
    _ executable: String, _ arguments: [String], directory: URL? = nil,
    environment: [String: String]? = nil, limits: ProcessLimits
  ) throws -> ProcessOutcome {
    // The shell wrapper changes directory and applies limits, then becomes the program.
    var script = "cd \"$1\" || exit 125; shift; "
    if let cpu = limits.cpuSeconds { script += "ulimit -t \(cpu) || exit 125; " }
    if let mem = limits.memoryMB { script += "ulimit -v \(mem * 1024) || exit 125; " }
    if let size = limits.fileSizeMB { script += "ulimit -f \(size * 2048) || exit 125; " }
    script += "exec \"$@\""
    let workdir = directory?.path ?? FileManager.default.currentDirectoryPath
    let argv = ["/bin/sh", "-c", script, "dojo-run", workdir, executable] + arguments

    var stdoutPipe: [Int32] = [0, 0]
    var stderrPipe: [Int32] = [0, 0]
    guard pipe(&stdoutPipe) == 0, pipe(&stderrPipe) == 0 else {
      throw DojoError(.io, "cannot create pipes to run \(executable)")
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
    posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)
    for fd in stdoutPipe + stderrPipe { posix_spawn_file_actions_addclose(&actions, fd) }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
    posix_spawnattr_setpgroup(&attributes, 0)

    let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
    let cArgs = argv.map { strdup($0) } + [nil]
    let cEnv = env.map { strdup($0) } + [nil]
    defer {
      for p in cArgs { free(p) }
      for p in cEnv { free(p) }
    }
    var pid: pid_t = 0
    let start = Date()
    let status = posix_spawn(&pid, "/bin/sh", &actions, &attributes, cArgs, cEnv)
    close(stdoutPipe[1])
    close(stderrPipe[1])
    guard status == 0 else {
      close(stdoutPipe[0])
      close(stderrPipe[0])
      throw DojoError(.io, "cannot start \(executable): \(String(cString: strerror(status)))")
    }

    let out = TailCollector(limit: limits.outputTailBytes)
    let err = TailCollector(limit: limits.outputTailBytes)
    let group = DispatchGroup()
    for (fd, sink) in [(stdoutPipe[0], out), (stderrPipe[0], err)] {
      group.enter()
      DispatchQueue.global().async {
        sink.drain(fd)
        close(fd)
        group.leave()
      }
    }

    // Poll for exit so the deadline is enforced without a second waiting thread.
    var timedOut = false
    var waitStatus: Int32 = 0
    let deadline = start.addingTimeInterval(limits.wallSeconds)
    while true {
      let r = waitpid(pid, &waitStatus, WNOHANG)
      if r == pid { break }
      if r < 0 && errno != EINTR { break }
      if Date() >= deadline {
        timedOut = true
        kill(-pid, SIGKILL)
        _ = waitpid(pid, &waitStatus, 0)
        break
      }
      usleep(5_000)
    }
    // Whatever the program left running in its group goes too, so the pipes close.
    kill(-pid, SIGKILL)
    group.wait()

    let exited = (waitStatus & 0x7F) == 0
    let code: Int32? = exited ? (waitStatus >> 8) & 0xFF : nil
    let signal: Int32? = exited ? nil : waitStatus & 0x7F
    return ProcessOutcome(
      exitCode: timedOut ? nil : code, signal: timedOut ? SIGKILL : signal, timedOut: timedOut,
      stdoutTail: out.text, stderrTail: err.text, stdoutBytes: out.total, stderrBytes: err.total,
      seconds: Date().timeIntervalSince(start))
  }
}

/// Reads a pipe to its end, keeping only the last `limit` bytes.
private final class TailCollector: @unchecked Sendable {
  // Safe: `drain` runs on exactly one thread and the owner reads `text`/`total` only after
  // waiting on the dispatch group that drain's thread leaves.
  private var buffer: [UInt8] = []
  private(set) var total = 0
  private let limit: Int

  init(limit: Int) { self.limit = limit }

  func drain(_ fd: Int32) {
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, 65536) }
      if n < 0 && errno == EINTR { continue }
      if n <= 0 { break }
      total += n
      buffer.append(contentsOf: chunk[0..<n])
      if buffer.count > 2 * limit { buffer.removeFirst(buffer.count - limit) }
    }
    if buffer.count > limit { buffer.removeFirst(buffer.count - limit) }
  }

  var text: String { String(decoding: buffer, as: UTF8.self) }
}
