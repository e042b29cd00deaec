public import Foundation
import Synchronization

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
  /// User plus system CPU seconds of the child and the descendants it waited for (wait4).
  public var cpuSeconds: Double = 0

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

/// A child started by ``ProcessRunner/spawn(argv:environment:displayName:closeInheritedDescriptors:controlSocket:passing:)``
/// and not yet collected: its pid and the parent's ends of its pipes.
package struct SpawnedProcess: Sendable, Equatable {
  package let pid: Int32
  package let stdoutRead: Int32
  package let stderrRead: Int32
  /// The parent's end of the child's stdin socket; -1 when its stdin is /dev/null.
  package let control: Int32

  /// Whether the child has ended (it is left to be reaped by the collector).
  package var hasExited: Bool {
    var info = siginfo_t()
    // WNOWAIT: looked at, not reaped, so the collector still gets its status.
    guard waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 else { return true }
    return info._sifields._sigchld.si_pid == pid
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
    return try spawnCollecting(
      argv: argv, environment: environment ?? ProcessInfo.processInfo.environment,
      wallSeconds: limits.wallSeconds, outputTailBytes: limits.outputTailBytes,
      displayName: executable)
  }

  /// Spawns `argv` (its first element an absolute path) in a new process group with stdin
  /// from /dev/null, keeps the tails of stdout and stderr, and kills the tree when
  /// `wallSeconds` pass. Shared by ``run(_:_:directory:environment:limits:)`` and the sandbox.
  ///
  /// - Parameters:
  ///   - killTree: kills everything the child started; called with the child's pid when the
  ///     deadline passes and again once the child has exited, so nothing it left running keeps
  ///     the pipes open. The default kills the child's process group.
  ///   - displayName: names the program in errors.
  ///   - onOutput: given every chunk read, as it is read (1: stdout, 2: stderr), on the
  ///     calling thread; for streaming output live.
  /// - Throws: ``DojoError`` `.io` if the program cannot be started.
  ///   - closeInheritedDescriptors: close every descriptor above stderr in the child before
  ///     it runs (where glibc can, ``closesDescriptorsAtSpawn``), so nothing this process
  ///     left open without close-on-exec reaches it.
  package static func spawnCollecting(
    argv: [String], environment: [String: String], wallSeconds: Double, outputTailBytes: Int,
    displayName: String, killTree: (Int32) -> Void = { kill(-$0, SIGKILL) },
    closeInheritedDescriptors: Bool = false,
    onOutput: ((Int32, ArraySlice<UInt8>) -> Void)? = nil
  ) throws -> ProcessOutcome {
    let child = try spawn(
      argv: argv, environment: environment, displayName: displayName,
      closeInheritedDescriptors: closeInheritedDescriptors)
    return collect(
      child, wallSeconds: wallSeconds, outputTailBytes: outputTailBytes, killTree: killTree,
      onOutput: onOutput)
  }

  /// Starts `argv` as ``spawnCollecting(argv:environment:wallSeconds:outputTailBytes:displayName:killTree:closeInheritedDescriptors:onOutput:)``
  /// does, without waiting for it: ``collect(_:wallSeconds:outputTailBytes:killTree:onOutput:)``
  /// reads its output and reaps it, on any thread of this process.
  ///
  /// - Parameter controlSocket: gives the child one end of a Unix socket pair as its stdin
  ///   instead of /dev/null, and the caller the other (``SpawnedProcess/control``), through
  ///   which a child started ahead of its work is told to begin.
  /// - Parameter passing: descriptors the child gets as 3, 4, … in this order (the caller
  ///   keeps and closes its own); with `closeInheritedDescriptors`, every one above them is
  ///   closed.
  /// - Throws: ``DojoError`` `.io` if the program cannot be started.
  package static func spawn(
    argv: [String], environment: [String: String], displayName: String,
    closeInheritedDescriptors: Bool = false, controlSocket: Bool = false,
    passing: [Int32] = []
  ) throws -> SpawnedProcess {
    let env = environment.map { "\($0.key)=\($0.value)" }
    let cArgs = argv.map { strdup($0) } + [nil]
    let cEnv = env.map { strdup($0) } + [nil]
    defer {
      for p in cArgs { free(p) }
      for p in cEnv { free(p) }
    }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    // Default dispositions and an empty mask: a signal ignored or blocked in this process
    // (a test runner ignores SIGXCPU, for one) would otherwise be so in the child, and the
    // CPU limit's SIGXCPU would not end it.
    var allSignals = sigset_t()
    sigfillset(&allSignals)
    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    posix_spawnattr_setsigdefault(&attributes, &allSignals)
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    posix_spawnattr_setflags(
      &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
    posix_spawnattr_setpgroup(&attributes, 0)

    // Pipes are made close-on-exec and the child spawned under one lock: a write end that
    // another thread's child inherited would keep this run's pipe open (and the run waiting)
    // until that child ends. Glibc's pipe2 is not visible from Swift, hence pipe + fcntl.
    var pid: pid_t = 0
    return try spawnLock.withLock { _ -> SpawnedProcess in
      var stdoutPipe: [Int32] = [0, 0]
      var stderrPipe: [Int32] = [0, 0]
      var control: [Int32] = [-1, -1]
      // Copies above the numbers they are given in the child, so no dup2 there overwrites a
      // descriptor a later one still has to copy.
      let firstFree = Int32(3 + passing.count)
      var passed: [Int32] = []
      defer { for fd in passed { close(fd) } }
      for fd in passing {
        let copy = fcntl(fd, F_DUPFD_CLOEXEC, firstFree)
        guard copy >= 0 else {
          throw DojoError(
            .io,
            "cannot pass descriptor \(fd) to \(displayName): \(String(cString: strerror(errno)))")
        }
        passed.append(copy)
      }
      func closeAll() {
        for fd in stdoutPipe + stderrPipe + control where fd >= 0 { close(fd) }
      }
      guard pipe(&stdoutPipe) == 0 else {
        throw DojoError(.io, "cannot create pipes to run \(displayName)")
      }
      guard pipe(&stderrPipe) == 0 else {
        close(stdoutPipe[0])
        close(stdoutPipe[1])
        throw DojoError(.io, "cannot create pipes to run \(displayName)")
      }
      if controlSocket {
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &control) == 0 else {
          control = [-1, -1]
          closeAll()
          throw DojoError(.io, "cannot create the control socket to run \(displayName)")
        }
      }
      for fd in stdoutPipe + stderrPipe + control where fd >= 0 {
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
      }
      var actions = posix_spawn_file_actions_t()
      posix_spawn_file_actions_init(&actions)
      defer { posix_spawn_file_actions_destroy(&actions) }
      if controlSocket {
        posix_spawn_file_actions_adddup2(&actions, control[1], 0)
      } else {
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
      }
      posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
      posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)
      for (index, fd) in passed.enumerated() {
        posix_spawn_file_actions_adddup2(&actions, fd, 3 + Int32(index))
      }
      if closeInheritedDescriptors, let closeFrom = CloseFrom.function {
        _ = closeFrom(&actions, firstFree)
      }
      let status = posix_spawn(&pid, argv[0], &actions, &attributes, cArgs, cEnv)
      close(stdoutPipe[1])
      close(stderrPipe[1])
      if control[1] >= 0 { close(control[1]) }
      guard status == 0 else {
        close(stdoutPipe[0])
        close(stderrPipe[0])
        if control[0] >= 0 { close(control[0]) }
        throw DojoError(
          .io, "cannot start \(displayName): \(String(cString: strerror(status)))")
      }
      return SpawnedProcess(
        pid: pid, stdoutRead: stdoutPipe[0], stderrRead: stderrPipe[0], control: control[0])
    }
  }

  /// Reads a spawned child's output to its end and reaps it, killing the tree when
  /// `wallSeconds` pass from now; closes every descriptor of `child`.
  package static func collect(
    _ child: SpawnedProcess, wallSeconds: Double, outputTailBytes: Int,
    killTree: (Int32) -> Void = { kill(-$0, SIGKILL) },
    onOutput: ((Int32, ArraySlice<UInt8>) -> Void)? = nil
  ) -> ProcessOutcome {
    let pid = child.pid
    let start = Date()
    let (stdoutRead, stderrRead) = (child.stdoutRead, child.stderrRead)
    defer { if child.control >= 0 { close(child.control) } }

    // The calling thread reads both pipes itself with poll(2). Blocking reads on Dispatch's
    // global queues would occupy the threads that Swift concurrency shares with them on
    // Linux: two long runs once starved the runtime's HTTP handlers for seconds.
    var out = TailCollector(fd: stdoutRead, limit: outputTailBytes, stream: 1, onOutput: onOutput)
    var err = TailCollector(fd: stderrRead, limit: outputTailBytes, stream: 2, onOutput: onOutput)
    defer {
      out.close()
      err.close()
    }
    var timedOut = false
    var waitStatus: Int32 = 0
    var usage = rusage()
    var exited = false
    let deadline = start.addingTimeInterval(wallSeconds)
    // Once the child is gone, whatever it left running is killed so the pipes close; should
    // something outside the group still hold them, stop waiting after a grace period rather
    // than hang, keeping what was read so far.
    var drainDeadline: Date?
    var secondKill = false
    // How long to nap when both pipes are closed but the child is not yet reaped: it closes
    // them as it exits, a moment before it can be waited for, so a full poll period there
    // would add up to 5 ms to every run. Doubles up to that period for a child that closed
    // its output on purpose and runs on.
    var nap: UInt32 = 50
    while true {
      if !exited {
        let r = wait4(pid, &waitStatus, WNOHANG, &usage)
        if r == pid || (r < 0 && errno != EINTR) {
          exited = true
        } else if Date() >= deadline {
          timedOut = true
          killTree(pid)
          _ = wait4(pid, &waitStatus, 0, &usage)
          exited = true
        }
        if exited {
          killTree(pid)
          drainDeadline = Date().addingTimeInterval(2)
        }
      }
      if exited && out.finished && err.finished { break }
      if let limit = drainDeadline, Date() >= limit {
        if secondKill { break }
        secondKill = true
        killTree(pid)
        drainDeadline = Date().addingTimeInterval(2)
      }
      if out.finished && err.finished {
        usleep(nap)
        nap = min(nap * 2, 5_000)
        continue
      }
      TailCollector.pollAndRead(&out, &err, timeoutMilliseconds: 5)
    }

    let exitedNormally = (waitStatus & 0x7F) == 0
    let code: Int32? = exitedNormally ? (waitStatus >> 8) & 0xFF : nil
    let signal: Int32? = exitedNormally ? nil : waitStatus & 0x7F
    let (stdoutTail, stdoutBytes) = out.snapshot()
    let (stderrTail, stderrBytes) = err.snapshot()
    return ProcessOutcome(
      exitCode: timedOut ? nil : code, signal: timedOut ? SIGKILL : signal, timedOut: timedOut,
      stdoutTail: stdoutTail, stderrTail: stderrTail, stdoutBytes: stdoutBytes,
      stderrBytes: stderrBytes, seconds: Date().timeIntervalSince(start),
      cpuSeconds: Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6)
  }
}

extension ProcessRunner {
  /// Whether ``spawnCollecting(argv:environment:wallSeconds:outputTailBytes:displayName:killTree:closeInheritedDescriptors:onOutput:)``
  /// can close inherited descriptors in the child (glibc 2.34 or later).
  package static var closesDescriptorsAtSpawn: Bool { CloseFrom.function != nil }
}

/// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), found at run time: Swift's
/// Glibc module does not export it.
private enum CloseFrom {
  typealias Function =
    @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
  static let function: Function? = {
    // RTLD_DEFAULT: the symbol wherever the process's libraries define it.
    guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else {
      return nil
    }
    return unsafeBitCast(symbol, to: Function.self)
  }()
}

/// Held while pipes are made and a child is spawned; see `spawnCollecting`.
private let spawnLock = Mutex(())

/// One output pipe being read to its end, keeping only the last `limit` bytes.
private struct TailCollector {
  private var fd: Int32
  private let limit: Int
  private var buffer: [UInt8] = []
  private var total = 0
  private var chunk = [UInt8](repeating: 0, count: 65536)
  private let stream: Int32
  private let onOutput: ((Int32, ArraySlice<UInt8>) -> Void)?

  init(fd: Int32, limit: Int, stream: Int32, onOutput: ((Int32, ArraySlice<UInt8>) -> Void)?) {
    self.fd = fd
    self.limit = limit
    self.stream = stream
    self.onOutput = onOutput
    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
  }

  /// True once the pipe reached its end (or failed) and is closed.
  var finished: Bool { fd < 0 }

  mutating func close() {
    if fd >= 0 { _ = Glibc.close(fd) }
    fd = -1
  }

  /// Reads what is available now; closes the pipe at its end.
  mutating func readAvailable() {
    while fd >= 0 {
      let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, 65536) }
      if n < 0 && errno == EINTR { continue }
      if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return }
      if n <= 0 {
        close()
        return
      }
      total += n
      onOutput?(stream, chunk[0..<n])
      buffer.append(contentsOf: chunk[0..<n])
      if buffer.count > 2 * limit { buffer.removeFirst(buffer.count - limit) }
    }
  }

  /// Waits up to `timeoutMilliseconds` for either pipe to have data (or reach its end), then
  /// reads both.
  static func pollAndRead(
    _ a: inout TailCollector, _ b: inout TailCollector, timeoutMilliseconds: Int32
  ) {
    var fds = [a.fd, b.fd].filter { $0 >= 0 }.map {
      pollfd(fd: $0, events: Int16(POLLIN), revents: 0)
    }
    if fds.isEmpty {
      usleep(UInt32(timeoutMilliseconds) * 1000)
      return
    }
    let ready = poll(&fds, nfds_t(fds.count), timeoutMilliseconds)
    guard ready > 0 else { return }
    a.readAvailable()
    b.readAvailable()
  }

  /// The kept tail as text and the total byte count.
  func snapshot() -> (String, Int) {
    (String(decoding: buffer.suffix(limit), as: UTF8.self), total)
  }
}
