/// Runs untrusted code (agents' scripts, reference solutions) under bubblewrap.
///
/// ## Threat model
/// Agent code is assumed hostile but unprivileged: it may read any path it can name, fork
/// without end, allocate without end, loop, flood its output, leave processes behind and
/// open sockets. Against that the sandbox holds:
/// - **Files**: a fresh mount namespace whose root is an empty tmpfs holding only `/usr` (and
///   the `/bin`, `/lib*` links into it), a few files of `/etc` the dynamic linker and TLS need,
///   the Python environment's prefixes (read-only, at their own paths, so a pyenv interpreter
///   under `/root` exposes only its own version folder), the task's `public/` (read-only), the
///   run's workspace and output folder (read-write), a private `/tmp`, a new `/proc` and a
///   minimal `/dev`. No `private/` folder, registry, other workspace, home or `/work` exists
///   inside, by absolute or relative path.
/// - **Identity**: a user namespace in which the code runs as uid/gid 65534 with no
///   capabilities, so read-only binds cannot be remounted writable. That namespace maps
///   65534 to the caller's own uid (root, when Dojo runs as root), so the files the code
///   writes in the workspace belong to the caller on the host; bwrap covers `/proc/sys`
///   and `/proc/sysrq-trigger` read-only, and nothing else owned by the host's root is
///   mounted writable. A cgroup namespace hides the host's cgroup layout.
/// - **Network**: a new network namespace with only a down loopback: nothing on the host,
///   loopback included, is reachable.
/// - **Processes**: a PID namespace (nothing of the host is visible or signalable), a new
///   session (no terminal to inject into), `--die-with-parent`, and the whole tree killed at
///   the wall-time limit or when the program returns (background processes included).
/// - **Resources**: memory and process count by a cgroup per run (v2 or v1), CPU seconds and
///   file size by rlimits, captured output by keeping tails only.
///
/// It does not contain: kernel exploits (no seccomp filter is installed, so the whole
/// syscall surface of the host kernel is exposed), side channels and timing, use of the
/// CPU time of other cores within the wall limit (CPU seconds are per process), or disk
/// space in the workspace beyond the per-file size limit. Passed-through GPUs are shared
/// hardware and driver state. Without a usable cgroup (the rlimit fallback), memory is held
/// by RLIMIT_AS and processes only by RLIMIT_NPROC, which does not bind when the host uid
/// is 0; outcomes say which held (``SandboxOutcome/limitsEnforcedBy``).
internal import DojoCore
internal import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// How the sandbox is set up; the defaults suit a Linux host where Dojo runs as root.
public struct SandboxConfiguration: Sendable, Equatable {
  /// The bubblewrap program: a path, or a name looked up in `PATH`.
  public var bwrap: String
  /// The Python interpreter for ``Sandbox/runPython(code:fileName:arguments:mounts:limits:environment:)``:
  /// a path or a name in `PATH` (a pyenv shim is resolved to the real interpreter).
  public var python: String
  /// The uid and gid the code runs as inside the sandbox.
  public var uid: Int
  public var gid: Int
  /// Whether to hold memory and processes with cgroups; false forces the rlimit fallback.
  public var useCgroups: Bool
  /// Where the cgroup hierarchies are mounted.
  public var cgroupRoot: String
  /// The per-run cgroups' parent, relative to each hierarchy's mount; nil picks one
  /// (v1: `dojo` under Dojo's own cgroup; v2: `dojo` under the root).
  public var cgroupParent: String?
  /// Where the NVIDIA device nodes are looked for.
  public var deviceDirectory: String

  public init(
    bwrap: String = "bwrap", python: String = "python3", uid: Int = 65534, gid: Int = 65534,
    useCgroups: Bool = true, cgroupRoot: String = "/sys/fs/cgroup", cgroupParent: String? = nil,
    deviceDirectory: String = "/dev"
  ) {
    self.bwrap = bwrap
    self.python = python
    self.uid = uid
    self.gid = gid
    self.useCgroups = useCgroups
    self.cgroupRoot = cgroupRoot
    self.cgroupParent = cgroupParent
    self.deviceDirectory = deviceDirectory
  }
}

/// Runs commands inside bubblewrap with the task's public data read-only, a writable
/// workspace, no network, and limits on time, memory, processes and output.
///
/// A value is cheap to share: it holds only resolved paths, and each run makes (and
/// removes) its own cgroup, so runs may go on concurrently from several threads. A run
/// blocks its thread until the program ends (at most the wall limit plus a few seconds of
/// clean-up): call it from a thread of its own, not from Swift concurrency's cooperative pool.
public struct Sandbox: Sendable {
  /// The settings this sandbox was made with.
  public let configuration: SandboxConfiguration
  /// The Python environment bound into every run.
  public let python: PythonEnvironment
  /// The resolved bubblewrap path.
  public let bwrapPath: String
  private let layout: CgroupLayout?

  /// Resolves bwrap, Python and the cgroup layout.
  ///
  /// - Throws: ``DojoError`` `.sandbox` when bwrap or Python cannot be found.
  public init(_ configuration: SandboxConfiguration = SandboxConfiguration()) throws {
    self.configuration = configuration
    guard let bwrap = Self.which(configuration.bwrap) else {
      throw DojoError(
        .sandbox,
        "cannot find \(configuration.bwrap): install bubblewrap (apt-get install bubblewrap)")
    }
    bwrapPath = bwrap
    python = try PythonEnvironment.resolve(configuration.python)
    layout =
      configuration.useCgroups
      ? CgroupLayout.detect(
        root: configuration.cgroupRoot, explicitParent: configuration.cgroupParent) : nil
    layout?.removeOrphanedRuns()
  }

  /// Which mechanism will hold memory and processes in this sandbox's runs.
  public var limitEnforcement: LimitEnforcement { layout?.enforcement ?? .rlimit }

  /// Whether bubblewrap can create its namespaces here, and if not, why (its own message).
  /// Call it first to give users a clear error instead of a failed run.
  public static func isAvailable(bwrap: String = "bwrap") -> (available: Bool, reason: String) {
    guard let path = which(bwrap) else {
      return (false, "\(bwrap) is not installed (apt-get install bubblewrap)")
    }
    var argv = [path, "--unshare-all", "--unshare-user", "--uid", "65534", "--gid", "65534"]
    argv += systemBinds() + ["--proc", "/proc", "--dev", "/dev", "--", "/bin/sh", "-c", "exit 0"]
    do {
      let outcome = try ProcessRunner.spawnCollecting(
        argv: argv, environment: ["PATH": "/usr/bin:/bin"], wallSeconds: 10,
        outputTailBytes: 4096, displayName: path)
      if outcome.succeeded {
        return (true, "bubblewrap can create user, PID and network namespaces")
      }
      let message =
        outcome.stderrTail.split(separator: "\n").first.map(String.init)
        ?? outcome.summary
      return (
        false,
        "bubblewrap cannot create its namespaces (\(message)); allow unprivileged user "
          + "namespaces (sysctl kernel.unprivileged_userns_clone=1) or run as root"
      )
    } catch {
      return (false, "\(error)")
    }
  }

  /// Runs `command` (its first element a path inside the sandbox, or a name in its `PATH`)
  /// in the sandbox, with the workspace as working directory.
  ///
  /// - Parameters:
  ///   - environment: variables added to (or replacing) the sandbox's defaults: `PATH` (the
  ///     Python environment's `bin` first), `HOME` and `TMPDIR` (`/tmp`), `LANG`, `DOJO_DATA`,
  ///     `DOJO_WORKSPACE`, `DOJO_OUTPUT`, and `CUDA_VISIBLE_DEVICES` when GPUs are passed.
  /// - Returns: how the run ended; a program that fails, crashes or hits a limit is an
  ///   outcome, not an error.
  /// - Throws: ``DojoError`` `.sandbox` when the sandbox itself cannot be set up (missing
  ///   workspace, GPUs asked for but absent or without a cgroup, bwrap refusing to start).
  public func run(
    command: [String], mounts: SandboxMounts, limits: SandboxLimits,
    environment: [String: String] = [:]
  ) throws -> SandboxOutcome {
    guard !command.isEmpty else {
      throw DojoError(.invalidArgument, "the sandbox needs a command to run")
    }
    try prepare(mounts)
    let gpus = try gpuNodes(limits.gpus)
    if limits.gpus > 0, layout == nil {
      throw DojoError(
        .sandbox,
        "GPUs were asked for but no cgroup can be made, and the rlimit fallback's RLIMIT_AS "
          + "breaks CUDA; run Dojo as root or delegate a cgroup to it")
    }
    let cgroup = try layout.map {
      try RunCgroup.create(
        layout: $0, name: "run-\(getpid())-\(UUID().uuidString.prefix(8).lowercased())",
        memoryBytes: limits.memoryMB.map { $0 * 1024 * 1024 }, maxProcesses: limits.maxProcesses)
    }
    defer { cgroup?.remove() }

    var env = defaultEnvironment(mounts)
    if limits.gpus > 0 {
      env["CUDA_VISIBLE_DEVICES"] = (0..<limits.gpus).map(String.init).joined(separator: ",")
    }
    env.merge(environment) { _, new in new }

    let argv =
      ["/bin/sh", "-c", wrapperScript(cgroup: cgroup, limits: limits), "dojo-sandbox", bwrapPath]
      + bwrapArguments(mounts: mounts, gpuNodes: gpus, environment: env) + ["--"] + command
    let raw = try ProcessRunner.spawnCollecting(
      argv: argv, environment: ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"],
      wallSeconds: limits.wallSeconds, outputTailBytes: limits.outputTailBytes,
      displayName: "the sandbox"
    ) { pid in
      kill(-pid, SIGKILL)
      cgroup?.killAll()
    }
    if let failure = setupFailure(raw) { throw failure }

    var process = raw
    // bwrap reports a program ended by signal n as status 128 + n.
    if let code = raw.exitCode, code > 128, code <= 128 + 64 {
      process.exitCode = nil
      process.signal = code - 128
    }
    let stats = cgroup?.statistics() ?? RunCgroup.Statistics()
    // The OOM killer's own count where the kernel keeps one; else a SIGKILL that came with
    // the limit being hit and not from the wall-time kill.
    let oom =
      stats.oomKills > 0
      || (stats.memoryLimitHits > 0 && process.signal == SIGKILL && !process.timedOut)
    return SandboxOutcome(
      process: process, outOfMemory: oom,
      processLimitHit: stats.processLimitHits > 0, peakMemoryBytes: stats.peakMemoryBytes,
      limitsEnforcedBy: limitEnforcement, gpus: Array(0..<limits.gpus))
  }

  /// Writes `code` to `fileName` in the workspace and runs it with the sandbox's Python.
  ///
  /// - Throws: ``DojoError`` `.io` when the file cannot be written, else as
  ///   ``run(command:mounts:limits:environment:)``.
  public func runPython(
    code: String, fileName: String = "main.py", arguments: [String] = [], mounts: SandboxMounts,
    limits: SandboxLimits, environment: [String: String] = [:]
  ) throws -> SandboxOutcome {
    guard !fileName.isEmpty, !fileName.contains("/"), fileName != "..", fileName != "." else {
      throw DojoError(.invalidArgument, "the script's file name \(fileName) must be a plain name")
    }
    let file = mounts.workspace.appendingPathComponent(fileName)
    try AtomicFiles.write(Data(code.utf8), to: file)
    return try run(
      command: [python.executable, "-u", mounts.workspacePath + "/" + fileName] + arguments,
      mounts: mounts, limits: limits, environment: environment)
  }

  // MARK: - Set-up

  private func prepare(_ mounts: SandboxMounts) throws {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: mounts.workspace.path, isDirectory: &isDirectory),
      isDirectory.boolValue
    else {
      throw DojoError(
        .sandbox, "the workspace \(mounts.workspace.path) is not a folder; create it first")
    }
    if let publicDirectory = mounts.publicDirectory,
      !FileManager.default.fileExists(atPath: publicDirectory.path)
    {
      throw DojoError(.notFound, "the public folder \(publicDirectory.path) does not exist")
    }
    for path in [mounts.dataPath, mounts.workspacePath, mounts.outputPath]
      + mounts.readOnly.map(\.path)
    where !path.hasPrefix("/") || path.split(separator: "/").contains("..") {
      throw DojoError(.invalidArgument, "sandbox path \(path) must be absolute, without ..")
    }
    do {
      try FileManager.default.createDirectory(
        at: mounts.hostOutput, withIntermediateDirectories: true)
    } catch {
      throw DojoError(.io, "cannot create the output folder \(mounts.hostOutput.path): \(error)")
    }
  }

  /// The NVIDIA device nodes for `count` GPUs: `nvidia0..count-1` plus the shared control
  /// nodes that exist.
  func gpuNodes(_ count: Int) throws -> [String] {
    guard count > 0 else { return [] }
    let dev = configuration.deviceDirectory
    var nodes: [String] = []
    for index in 0..<count {
      let node = "nvidia\(index)"
      guard FileManager.default.fileExists(atPath: "\(dev)/\(node)") else {
        throw DojoError(
          .sandbox, "\(count) GPU(s) asked for but \(dev)/\(node) does not exist; ask for fewer")
      }
      nodes.append(node)
    }
    for node in ["nvidiactl", "nvidia-uvm", "nvidia-uvm-tools", "nvidia-modeset", "nvidia-caps"]
    where FileManager.default.fileExists(atPath: "\(dev)/\(node)") {
      nodes.append(node)
    }
    return nodes
  }

  func defaultEnvironment(_ mounts: SandboxMounts) -> [String: String] {
    let pythonBin = (python.executable as NSString).deletingLastPathComponent
    return [
      "PATH": "\(pythonBin):/usr/local/bin:/usr/bin:/bin",
      "HOME": "/tmp", "TMPDIR": "/tmp", "LANG": "C.UTF-8",
      // There is no /etc/passwd inside: getpass.getuser() (used by PyTorch's caches, for
      // one) reads these first.
      "USER": "nobody", "LOGNAME": "nobody",
      "PYTHONNOUSERSITE": "1", "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg",
      "DOJO_DATA": mounts.dataPath, "DOJO_WORKSPACE": mounts.workspacePath,
      "DOJO_OUTPUT": mounts.outputPath,
    ]
  }

  /// The shell that joins the cgroup and sets rlimits, then becomes bwrap (`exec "$@"`), so
  /// bwrap and everything under it start inside the limits.
  func wrapperScript(cgroup: RunCgroup?, limits: SandboxLimits) -> String {
    var script = cgroup?.joinScript ?? ""
    if let cpu = limits.cpuSeconds {
      // The soft limit sends SIGXCPU (reported as the CPU limit); the hard one, a second
      // later, SIGKILLs a program that ignores it. Equal limits would SIGKILL at once.
      script += "ulimit -S -t \(cpu) && ulimit -H -t \(cpu + 1) || exit 125; "
    }
    if let size = limits.fileSizeMB { script += "ulimit -f \(size * 2048) || exit 125; " }
    if cgroup == nil {
      if let memory = limits.memoryMB { script += "ulimit -v \(memory * 1024) || exit 125; " }
      if let processes = limits.maxProcesses {
        // bash spells it -u, dash -p.
        script += "{ ulimit -u \(processes) 2>/dev/null || ulimit -p \(processes); } || exit 125; "
      }
    }
    return script + "exec \"$@\""
  }

  /// bwrap's options: namespaces, identity, then the mounts in order (a later bind may sit
  /// inside an earlier one), the working directory and the environment.
  func bwrapArguments(
    mounts: SandboxMounts, gpuNodes: [String], environment: [String: String]
  ) -> [String] {
    var args = [
      "--unshare-all", "--unshare-user", "--uid", "\(configuration.uid)", "--gid",
      "\(configuration.gid)", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
      "--hostname", "dojo-sandbox",
    ]
    args += Self.systemBinds()
    // The private /tmp comes before the Python binds: bwrap mounts in order, and a tmpfs
    // mounted later would hide an environment that lives under /tmp.
    args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    for prefix in python.prefixes where !Self.covered(prefix, by: ["/usr"]) {
      args += ["--ro-bind", prefix, prefix]
    }
    for node in gpuNodes {
      args += ["--dev-bind", "\(configuration.deviceDirectory)/\(node)", "/dev/\(node)"]
    }
    if let publicDirectory = mounts.publicDirectory {
      args += ["--ro-bind", publicDirectory.path, mounts.dataPath]
    }
    args += ["--bind", mounts.workspace.path, mounts.workspacePath]
    args += ["--bind", mounts.hostOutput.path, mounts.outputPath]
    for bind in mounts.readOnly { args += ["--ro-bind", bind.host.path, bind.path] }
    args += ["--chdir", mounts.workspacePath, "--clearenv"]
    for (key, value) in environment.sorted(by: { $0.key < $1.key }) {
      args += ["--setenv", key, value]
    }
    return args
  }

  /// `/usr` read-only, the top-level links into it (or binds, on a host without merged
  /// `/usr`), and the few files of `/etc` the dynamic linker and TLS look for.
  static func systemBinds() -> [String] {
    var args = ["--ro-bind", "/usr", "/usr"]
    for top in ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"] {
      if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: top) {
        args += ["--symlink", target, top]
      } else if FileManager.default.fileExists(atPath: top) {
        args += ["--ro-bind", top, top]
      }
    }
    for file in [
      "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives",
      "/etc/ssl/certs", "/etc/ca-certificates", "/etc/localtime",
    ] {
      args += ["--ro-bind-try", file, file]
    }
    return args
  }

  private static func covered(_ path: String, by roots: [String]) -> Bool {
    roots.contains { path == $0 || path.hasPrefix($0 + "/") }
  }

  /// Failures of the wrapper or of bwrap's own set-up, told apart from the program's.
  private func setupFailure(_ outcome: ProcessOutcome) -> DojoError? {
    guard !outcome.timedOut else { return nil }
    let firstLine = outcome.stderrTail.split(separator: "\n").first.map(String.init) ?? ""
    if outcome.exitCode == 125, firstLine.hasPrefix("dojo-sandbox:") {
      return DojoError(.sandbox, "the sandbox could not start: \(firstLine)")
    }
    if outcome.exitCode == 1, firstLine.hasPrefix("bwrap: ") {
      return DojoError(
        .sandbox,
        "the sandbox could not start: \(firstLine); check Sandbox.isAvailable() on this host")
    }
    return nil
  }

  /// `name` if it is a path to an executable, else its first match in `PATH`.
  static func which(_ name: String) -> String? {
    if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for directory in path.split(separator: ":") where access("\(directory)/\(name)", X_OK) == 0 {
      return "\(directory)/\(name)"
    }
    return nil
  }
}
