/// Runs untrusted code (agents' scripts, reference solutions) under bubblewrap.
///
/// ## Threat model
/// Agent code is assumed hostile but unprivileged: it may read any path it can name, fork
/// without end, allocate without end, loop, flood its output, leave processes behind, open
/// sockets, leave setuid files and links in its workspace, and call any system call. Against
/// that the sandbox holds:
/// - **Files**: a fresh mount namespace whose root is an empty tmpfs holding only `/usr` (and
///   the `/bin`, `/lib*` links into it), a few files of `/etc` the dynamic linker and TLS need,
///   the Python environment's prefixes (read-only, at their own paths), the task's `public/`
///   (read-only), the run's workspace and output folder (read-write), a private `/tmp`, a new
///   `/proc` and a minimal `/dev`. No `private/` folder, registry, other workspace, home or
///   `/work` exists inside, by absolute or relative path. Every bind is `nosuid,nodev`.
/// - **Identity**: the wrapper (root: it joins the cgroup and sets rlimits) closes every
///   inherited descriptor but stdio and drops, with `setpriv`, to the dedicated unprivileged
///   host user `dojo-sandbox` (made by `scripts/install-deps`): no supplementary groups, no
///   capabilities, no new privileges. Only then does bwrap create the user namespace, in
///   which the code runs as uid/gid 65534 mapped to `dojo-sandbox`, never to the host's root
///   nor to the uid that owns Dojo's files. So a file the code writes (even `chmod 4755`) is
///   `dojo-sandbox`'s on the host, setuid to nobody who matters; bwrap resolves every bind
///   source with that user's rights, so it cannot be steered to a host folder the user could
///   not reach anyway; and nested user namespaces are disabled (`--disable-userns`). The
///   workspace and output folder are handed to `dojo-sandbox` (mode 0700) before each run, a
///   link in their place refused; folders holding workspaces are made root-owned, group
///   `dojo-sandbox`, mode 0710 (``Sandbox/prepareWorkspaceRoot(_:)``), so other host users
///   cannot enter them. Every bind source must be reachable by `dojo-sandbox`; one that is not
///   is a clear error naming the folder to fix. Only a Dojo that is not root, with
///   ``SandboxConfiguration/allowSameUser`` set, runs code as its own uid instead (weaker).
///   A cgroup namespace hides the host's cgroup layout.
/// - **System calls**: a seccomp filter built with libseccomp, modelled on Docker's default
///   profile (``SeccompFilter``): keyrings, `bpf`, `userfaultfd`, `perf_event_open`,
///   `io_uring`, every mount call, `ptrace` and cross-process memory, `unshare`, `setns` and
///   `clone` with namespace flags, module and kexec loading, clock setting and the like fail
///   with `EPERM`; `clone3` answers `ENOSYS` (glibc falls back to `clone`, whose flags the
///   filter sees); `personality` is limited to Docker's list; system calls of another ABI
///   (i386, x32) kill the process.
/// - **Network**: a new network namespace with only a down loopback: nothing on the host,
///   loopback included, is reachable.
/// - **Processes**: a PID namespace (nothing of the host is visible or signalable), a new
///   session (no terminal to inject into), `--die-with-parent`, and the whole tree killed at
///   the wall-time limit or when the program returns (background processes included).
/// - **Resources**: memory and process count by a cgroup per run (v2 or v1), CPU seconds and
///   file size by rlimits, captured output by keeping tails only.
///
/// It does not contain: kernel exploits through the system calls the filter allows, side
/// channels and timing, use of the CPU time of other cores within the wall limit (CPU seconds
/// are per process), or disk space in the workspace beyond the per-file size limit.
/// Passed-through GPUs are shared hardware and driver state. Host paths are not secret:
/// `/proc/self/mountinfo` shows each bind's source path on the host (the kernel prints a
/// bind's root as its path within the host file system, and bwrap mounts even a folder given
/// as a descriptor through its path), so the names of Dojo's folders leak, though nothing outside the binds can be
/// reached through them; host-side code must never rely on those paths being unknown, nor
/// follow links the code left in its workspace. Without a usable cgroup (the rlimit
/// fallback), memory is held by RLIMIT_AS and processes by RLIMIT_NPROC, which counts every
/// process of `dojo-sandbox` on the host, so concurrent runs share it; outcomes say which
/// held (``SandboxOutcome/limitsEnforcedBy``).
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
  /// a path, or a name looked up in `PATH` (the first match the sandbox user can reach; a
  /// pyenv shim is resolved to the real interpreter).
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
  /// The unprivileged host user sandboxed code runs as when Dojo runs as root
  /// (`scripts/install-deps` creates `dojo-sandbox`).
  public var hostUser: String
  /// Allows the weaker same-user mode when Dojo does not run as root and so cannot switch to
  /// ``hostUser``: the code then runs as Dojo's own uid, owns its files as that uid, and a host
  /// user's other files are protected only by the mount namespace. Off by default: without
  /// it, a non-root Dojo refuses to make a sandbox.
  public var allowSameUser: Bool
  /// The `setpriv` program (util-linux) that drops to ``hostUser``: a path or a name in `PATH`.
  public var setpriv: String
  /// Whether runs get the seccomp filter; only tests turn it off, to show what it refuses.
  var installsSeccompFilter = true
  /// Whether the workspace and output folder are bound through descriptors where bwrap can
  /// (`--bind-fd`); only tests turn it off, to run the path binds older bwraps need.
  var bindsByDescriptorWherePossible = true

  public init(
    bwrap: String = "bwrap", python: String = "python3", uid: Int = 65534, gid: Int = 65534,
    useCgroups: Bool = true, cgroupRoot: String = "/sys/fs/cgroup", cgroupParent: String? = nil,
    deviceDirectory: String = "/dev", hostUser: String = "dojo-sandbox",
    allowSameUser: Bool = false, setpriv: String = "setpriv"
  ) {
    self.bwrap = bwrap
    self.python = python
    self.uid = uid
    self.gid = gid
    self.useCgroups = useCgroups
    self.cgroupRoot = cgroupRoot
    self.cgroupParent = cgroupParent
    self.deviceDirectory = deviceDirectory
    self.hostUser = hostUser
    self.allowSameUser = allowSameUser
    self.setpriv = setpriv
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
  /// The host user the code runs as (the owner of what it writes).
  public let hostIdentity: SandboxHostIdentity
  /// The resolved `setpriv` path; nil in the same-user mode, which switches no user.
  let setprivPath: String?
  /// The seccomp filter every run loads; nil only where a test turned it off.
  let seccomp: SeccompProgram?
  /// Whether bwrap binds the workspace and output folder from descriptors the host opened
  /// without following links (`--bind-fd`, which then checks that what it mounted is what the
  /// descriptor holds). A run's own code may replace its output folder with a link at any
  /// moment; binding by descriptor makes that harmless even while a run's code is live as its
  /// next sandbox is set up. Without it (bwrap older than the 2024 `--bind-fd` fix) folders
  /// are bound by path, and a sandbox is set up only when no code of its workspace runs.
  public let bindsByDescriptor: Bool
  private let layout: CgroupLayout?

  /// Resolves bwrap, the host user, Python, the seccomp filter and the cgroup layout.
  ///
  /// - Throws: ``DojoError`` `.sandbox` when bwrap, setpriv or Python cannot be found, when
  ///   Dojo is not root and ``SandboxConfiguration/allowSameUser`` is off, when the sandbox
  ///   user is missing (run `scripts/install-deps`), when it cannot reach the Python
  ///   environment, or when libseccomp cannot build the filter.
  public init(_ configuration: SandboxConfiguration = SandboxConfiguration()) throws {
    self.configuration = configuration
    guard let bwrap = Self.which(configuration.bwrap) else {
      throw DojoError(
        .sandbox,
        "cannot find \(configuration.bwrap): install bubblewrap (apt-get install bubblewrap)")
    }
    bwrapPath = bwrap
    let identity = try SandboxHostIdentity.resolve(configuration)
    hostIdentity = identity
    if identity.isDedicated {
      guard let setpriv = Self.which(configuration.setpriv) else {
        throw DojoError(
          .sandbox,
          "cannot find \(configuration.setpriv), which drops to the sandbox user: install "
            + "util-linux (apt-get install util-linux)")
      }
      setprivPath = setpriv
    } else {
      setprivPath = nil
    }
    python = try Self.resolvePython(configuration.python, for: identity)
    seccomp = configuration.installsSeccompFilter ? try SeccompFilter.export() : nil
    bindsByDescriptor =
      configuration.bindsByDescriptorWherePossible && Self.bindsDescriptors(bwrap: bwrap)
    layout =
      configuration.useCgroups
      ? CgroupLayout.detect(
        root: configuration.cgroupRoot, explicitParent: configuration.cgroupParent) : nil
    layout?.removeOrphanedRuns()
  }

  /// The interpreter `name` names (a name: the first match in `PATH` the sandbox user can
  /// reach, so a pyenv shim under `/root` gives way to `/usr/bin/python3`), refused when its
  /// prefixes are out of the sandbox user's reach: bwrap, running as that user, could not
  /// bind them.
  static func resolvePython(
    _ name: String, for identity: SandboxHostIdentity
  ) throws -> PythonEnvironment {
    var interpreter = name
    if !name.contains("/") {
      let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
      let found = path.split(separator: ":").map { folder -> String in "\(folder)/\(name)" }
        .filter { access($0, X_OK) == 0 }
      guard let reachable = found.first(where: { identity.blocker($0) == nil }) else {
        throw DojoError(
          .sandbox,
          found.isEmpty
            ? "cannot find \(name) in PATH: install Python 3 (apt-get install python3)"
            : "no \(name) in PATH is reachable by the sandbox user \(identity.name) "
              + "(\(found.joined(separator: ", "))); pass /usr/bin/python3 or the project's "
              + ".venv (built by scripts/install-deps) in SandboxConfiguration.python")
      }
      interpreter = reachable
    }
    let environment = try PythonEnvironment.resolve(interpreter)
    for prefix in environment.prefixes {
      if let blocker = identity.blocker(prefix) {
        throw DojoError(
          .sandbox,
          "the sandbox user \(identity.name) cannot reach the Python prefix \(prefix) of "
            + "\(interpreter): \(blocker); build the environment from /usr/bin/python3 "
            + "(scripts/install-deps rebuilds .venv so), or keep it out of /root")
      }
    }
    return environment
  }

  /// Whether `bwrap` offers `--bind-fd` (its `--help` lists it).
  static func bindsDescriptors(bwrap: String) -> Bool {
    let help = try? ProcessRunner.spawnCollecting(
      argv: [bwrap, "--help"], environment: ["PATH": "/usr/bin:/bin"], wallSeconds: 10,
      outputTailBytes: 1 << 16, displayName: bwrap)
    return help.map { $0.succeeded && $0.stdoutTail.contains("--bind-fd FD") } ?? false
  }

  /// Which mechanism will hold memory and processes in this sandbox's runs.
  public var limitEnforcement: LimitEnforcement { layout?.enforcement ?? .rlimit }

  /// Whether bubblewrap can create its namespaces here, as the user runs will use (when
  /// root: the default sandbox user, through setpriv), and if not, why (its own message).
  /// Call it first to give users a clear error instead of a failed run.
  public static func isAvailable(bwrap: String = "bwrap") -> (available: Bool, reason: String) {
    guard let path = which(bwrap) else {
      return (false, "\(bwrap) is not installed (apt-get install bubblewrap)")
    }
    var argv = [path, "--unshare-all", "--unshare-user", "--uid", "65534", "--gid", "65534"]
    argv += systemBinds() + ["--proc", "/proc", "--dev", "/dev", "--", "/bin/sh", "-c", "exit 0"]
    if geteuid() == 0 {
      let defaults = SandboxConfiguration()
      let identity: SandboxHostIdentity
      do {
        identity = try SandboxHostIdentity.resolve(defaults)
      } catch let error as DojoError {
        return (false, error.message)
      } catch {
        return (false, "\(error)")
      }
      guard let setpriv = which(defaults.setpriv) else {
        return (false, "setpriv is not installed (apt-get install util-linux)")
      }
      argv = dropPrivileges(setpriv: setpriv, identity: identity) + argv
    }
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
        "bubblewrap cannot create its namespaces as an unprivileged user (\(message)); allow "
          + "unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1 and "
          + "user.max_user_namespaces > 0)"
      )
    } catch {
      return (false, "\(error)")
    }
  }

  /// The setpriv command that becomes `identity` for good: real and effective uid and gid, no
  /// supplementary groups, no capabilities in any set, no new privileges on exec.
  static func dropPrivileges(setpriv: String, identity: SandboxHostIdentity) -> [String] {
    [
      setpriv, "--reuid", "\(identity.uid)", "--regid", "\(identity.gid)", "--clear-groups",
      "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--",
    ]
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
  ///   workspace, a link in place of the workspace or its output folder, a bind source the
  ///   sandbox user cannot reach, GPUs asked for but absent or without a cgroup, bwrap
  ///   refusing to start).
  public func run(
    command: [String], mounts: SandboxMounts, limits: SandboxLimits,
    environment: [String: String] = [:],
    onOutput: ((Int32, ArraySlice<UInt8>) -> Void)? = nil
  ) throws -> SandboxOutcome {
    let launched = try launch(
      command: command, mounts: mounts, limits: limits, environment: environment)
    return try collect(launched, onOutput: onOutput)
  }

  /// Sets up a run and starts its wrapper, without waiting for it: the limits, cgroup and
  /// mounts of ``run(command:mounts:limits:environment:onOutput:)``.
  ///
  /// - Parameter controlSocket: the program's stdin is a socket whose other end the caller
  ///   holds (``LaunchedRun/process``), for a program started ahead of its work.
  func launch(
    command: [String], mounts: SandboxMounts, limits: SandboxLimits,
    environment: [String: String], controlSocket: Bool = false
  ) throws -> LaunchedRun {
    guard !command.isEmpty else {
      throw DojoError(.invalidArgument, "the sandbox needs a command to run")
    }
    let held = try prepare(mounts)
    defer { for fd in held.descriptors { close(fd) } }
    // Before the spawn: bwrap binds these (the held folders themselves, where it binds by
    // descriptor), so a folder replaced after this shows as changed to whoever compares (a
    // warm sandbox's user).
    let folders = boundFolders(mounts, held: held)
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

    var env = defaultEnvironment(mounts)
    if limits.gpus > 0 {
      env["CUDA_VISIBLE_DEVICES"] = (0..<limits.gpus).map(String.init).joined(separator: ",")
    }
    env.merge(environment) { _, new in new }

    let shell = wrapperShell
    let argv =
      [
        shell.path, "-c",
        wrapperScript(
          cgroup: cgroup, limits: limits, shell: shell, passed: held.descriptors.count),
        "dojo-sandbox",
      ]
      + (setprivPath.map { Self.dropPrivileges(setpriv: $0, identity: hostIdentity) } ?? [])
      + [bwrapPath]
      + bwrapArguments(
        mounts: mounts, gpuNodes: gpus, environment: env, boundByDescriptor: !held.isEmpty)
      + ["--"] + command
    do {
      let process = try ProcessRunner.spawn(
        argv: argv, environment: ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"],
        displayName: "the sandbox", closeInheritedDescriptors: shell == .dash,
        controlSocket: controlSocket, passing: held.descriptors)
      return LaunchedRun(process: process, cgroup: cgroup, limits: limits, folders: folders)
    } catch {
      cgroup?.remove()
      throw error
    }
  }

  /// Waits for a launched run to end (its wall limit counted from now), kills what it left,
  /// reads what the kernel counted and removes its cgroup.
  func collect(
    _ launched: LaunchedRun, onOutput: ((Int32, ArraySlice<UInt8>) -> Void)? = nil
  ) throws -> SandboxOutcome {
    let cgroup = launched.cgroup
    defer { cgroup?.remove() }
    let limits = launched.limits
    let raw = ProcessRunner.collect(
      launched.process, wallSeconds: limits.wallSeconds, outputTailBytes: limits.outputTailBytes,
      killTree: launched.killTree, onOutput: onOutput)
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
      limitsEnforcedBy: limitEnforcement, gpus: Array(0..<limits.gpus),
      cgroupName: cgroup?.name, cpuSeconds: stats.cpuSeconds)
  }

  /// Ends a launched run that will not be used: kills its tree, reaps it and removes its
  /// cgroup.
  func abandon(_ launched: LaunchedRun) {
    _ = ProcessRunner.collect(
      launched.process, wallSeconds: 0, outputTailBytes: 0, killTree: launched.killTree)
    launched.cgroup?.remove()
  }

  /// Writes `code` to `fileName` in the workspace and runs it with the sandbox's Python.
  ///
  /// - Throws: ``DojoError`` `.io` when the file cannot be written, else as
  ///   ``run(command:mounts:limits:environment:)``.
  ///
  /// - Parameter warm: a pool to run from a sandbox already started for this script (else
  ///   cold), and to start the next run's in once this one has ended.
  public func runPython(
    code: String, fileName: String = "main.py", arguments: [String] = [], mounts: SandboxMounts,
    limits: SandboxLimits, environment: [String: String] = [:],
    warm: WarmSandboxes? = nil, onOutput: ((Int32, ArraySlice<UInt8>) -> Void)? = nil
  ) throws -> SandboxOutcome {
    guard !fileName.isEmpty, !fileName.contains("/"), fileName != "..", fileName != "." else {
      throw DojoError(.invalidArgument, "the script's file name \(fileName) must be a plain name")
    }
    try requireRealFolder(mounts.workspace)
    let file = mounts.workspace.appendingPathComponent(fileName)
    // Not flushed to the disk: the run reads it from the page cache, and an fsync would add
    // milliseconds to every step.
    try AtomicFiles.writeWithoutSync(Array(code.utf8), to: file)
    // The script is the code's own, like everything else in its workspace.
    if hostIdentity.isDedicated { _ = lchown(file.path, hostIdentity.uid, hostIdentity.gid) }
    let command = [python.executable, "-u", mounts.workspacePath + "/" + fileName] + arguments
    guard let warm else {
      return try run(
        command: command, mounts: mounts, limits: limits, environment: environment,
        onOutput: onOutput)
    }
    let ahead = warm.take(
      command: command, mounts: mounts, limits: limits, environment: environment)
    let launched =
      try ahead
      ?? launch(command: command, mounts: mounts, limits: limits, environment: environment)
    // The next run of this workspace starts warm. Bound by descriptor, its sandbox is set up
    // while this run's code is live (on the other core, so a client that sends its next step
    // at once finds it ready): a folder that code swaps for a link is refused at the hand-over
    // or shows as changed when the sandbox is taken. Bound by path, only once that code is
    // dead, as bwrap would follow a link swapped in between the hand-over and its mount.
    if bindsByDescriptor {
      warm.prepare(command: command, mounts: mounts, limits: limits, environment: environment)
    }
    var outcome = try collect(launched, onOutput: onOutput)
    outcome.startedAhead = ahead != nil
    if !bindsByDescriptor {
      warm.prepare(command: command, mounts: mounts, limits: limits, environment: environment)
    }
    return outcome
  }

  // MARK: - Set-up

  /// Checks the mounts, hands the workspace and output folder to the sandbox user, and fails
  /// closed when any bind source is out of that user's reach (bwrap resolves every source
  /// with its rights). Where bwrap binds by descriptor, returns the two folders open (the
  /// caller closes them): the very folders handed over, which bwrap then binds.
  private func prepare(_ mounts: SandboxMounts) throws -> HeldFolders {
    for path in [mounts.dataPath, mounts.workspacePath, mounts.outputPath]
      + mounts.readOnly.map(\.path)
    where !path.hasPrefix("/") || path.split(separator: "/").contains("..") {
      throw DojoError(.invalidArgument, "sandbox path \(path) must be absolute, without ..")
    }
    try requireRealFolder(mounts.workspace)
    if let publicDirectory = mounts.publicDirectory,
      !FileManager.default.fileExists(atPath: publicDirectory.path)
    {
      throw DojoError(.notFound, "the public folder \(publicDirectory.path) does not exist")
    }
    var held = HeldFolders()
    var kept = false
    defer { if !kept { for fd in held.descriptors { close(fd) } } }
    held.workspace = try handOver(
      mounts.workspace.path, what: "the workspace", keepOpen: bindsByDescriptor)
    // The output folder inside the workspace may have been replaced by the code of an earlier
    // run; it is made only if missing and never followed if it became a link. A separate
    // output folder is the caller's, made with its parents.
    if mounts.output != nil {
      try AtomicFiles.createDirectory(mounts.hostOutput)
    } else if mkdir(mounts.hostOutput.path, 0o700) != 0, errno != EEXIST {
      throw DojoError(
        .io,
        "cannot create the output folder \(mounts.hostOutput.path): "
          + String(cString: strerror(errno)))
    }
    held.output = try handOver(
      mounts.hostOutput.path, what: "the output folder", keepOpen: bindsByDescriptor)

    try requireReachable(mounts.workspace.path, what: "the workspace", write: true)
    try requireReachable(mounts.hostOutput.path, what: "the output folder", write: true)
    if let publicDirectory = mounts.publicDirectory {
      try requireReachable(publicDirectory.path, what: "the public folder", write: false)
    }
    for bind in mounts.readOnly where FileManager.default.fileExists(atPath: bind.host.path) {
      try requireReachable(bind.host.path, what: "the bind source", write: false)
    }
    for prefix in python.prefixes {
      try requireReachable(prefix, what: "the Python prefix", write: false)
    }
    kept = true
    return held
  }

  /// The workspace and output folder as handed over, open, for bwrap to bind; empty where it
  /// binds by path.
  struct HeldFolders {
    var workspace: Int32?
    var output: Int32?

    /// In the order the child gets them: 3 the workspace, 4 the output folder.
    var descriptors: [Int32] { [workspace, output].compactMap { $0 } }
    var isEmpty: Bool { descriptors.isEmpty }
  }

  /// The folders a run of `mounts` binds, by device and inode (nil where one is missing):
  /// the workspace and output folder as `held` holds them open where it does (what bwrap
  /// binds then, whatever their paths name by now), else as their paths name them.
  func boundFolders(_ mounts: SandboxMounts, held: HeldFolders = HeldFolders()) -> [FolderIdentity?]
  {
    let workspace = held.workspace.flatMap(FolderIdentity.init(descriptor:))
    let output = held.output.flatMap(FolderIdentity.init(descriptor:))
    return [
      workspace ?? FolderIdentity(mounts.workspace.path),
      output ?? FolderIdentity(mounts.hostOutput.path),
    ]
      + ([mounts.publicDirectory?.path].compactMap { $0 }
      + mounts.readOnly.map(\.host.path) + python.prefixes).map { FolderIdentity($0) }
  }

  /// Refuses a workspace that is missing, not a folder, or a link (through which a file
  /// written for the code, or the hand-over, would land elsewhere).
  private func requireRealFolder(_ workspace: URL) throws {
    var info = stat()
    guard lstat(workspace.path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
      throw DojoError(
        .sandbox, "the workspace \(workspace.path) is not a folder (or is a link); create it first")
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

  /// The shell the wrapper script runs in.
  enum WrapperShell: Equatable {
    /// Dash, where the spawn itself closes inherited descriptors: it starts in half the
    /// time of bash, a millisecond and more of every run.
    case dash
    /// Bash, which closes inherited descriptors itself (dash cannot close those above 9):
    /// where glibc cannot close them at spawn (before 2.34) or dash is missing.
    case bash

    var path: String { self == .dash ? "/bin/dash" : "/bin/bash" }
  }

  /// Dash where the spawn can close inherited descriptors and dash is installed, else bash.
  var wrapperShell: WrapperShell {
    ProcessRunner.closesDescriptorsAtSpawn && access("/bin/dash", X_OK) == 0 ? .dash : .bash
  }

  /// The shell that, as Dojo's own user, runs with no descriptor it inherited beyond stdio
  /// (a descriptor of the host left open without close-on-exec would reach the code: the
  /// spawn closes them for dash, bash closes them itself), joins the cgroup, sets rlimits and
  /// opens the seccomp program as descriptor 3, then becomes setpriv (`exec "$@"`), which
  /// drops to the sandbox user and becomes bwrap. So bwrap and everything under it start
  /// inside the limits, as the unprivileged user.
  ///
  /// - Parameter passed: how many descriptors the spawn passed as 3, 4, …, kept open for
  ///   bwrap (the folders it binds); the seccomp program comes after them.
  func wrapperScript(
    cgroup: RunCgroup?, limits: SandboxLimits, shell: WrapperShell? = nil, passed: Int = 0
  ) -> String {
    let shell = shell ?? wrapperShell
    var script =
      shell == .bash
      ? "for f in /proc/$$/fd/*; do n=${f##*/}; [ \"$n\" -gt \(2 + passed) ] && exec {n}>&-; done; "
      : ""
    script += cgroup?.joinScript ?? ""
    if let cpu = limits.cpuSeconds {
      // The soft limit sends SIGXCPU (reported as the CPU limit); the hard one, a second
      // later, SIGKILLs a program that ignores it. Equal limits would SIGKILL at once.
      script += "ulimit -S -t \(cpu) && ulimit -H -t \(cpu + 1) || exit 125; "
    }
    // Both count -v in KiB; bash counts -f in KiB, dash in 512-byte blocks. Dash calls the
    // process limit -p, bash -u.
    if let size = limits.fileSizeMB {
      script += "ulimit -f \(size * (shell == .bash ? 1024 : 2048)) || exit 125; "
    }
    if cgroup == nil {
      if let memory = limits.memoryMB { script += "ulimit -v \(memory * 1024) || exit 125; " }
      if let processes = limits.maxProcesses {
        script += "ulimit -\(shell == .bash ? "u" : "p") \(processes) || exit 125; "
      }
    }
    if let seccomp {
      // Checked first: a failed redirection of `exec` ends dash at once, with its own
      // message, before the one that tells a set-up failure from the program's.
      script +=
        "[ -r '\(seccomp.path)' ] || { echo 'dojo-sandbox: cannot open the seccomp filter' >&2; exit 125; }; exec \(3 + passed)<'\(seccomp.path)' || exit 125; "
    }
    return script + "exec \"$@\""
  }

  /// bwrap's options: namespaces, identity, then the mounts in order (a later bind may sit
  /// inside an earlier one), the working directory and the environment.
  ///
  /// - Parameter boundByDescriptor: the workspace and output folder are descriptors 3 and 4
  ///   (and the seccomp program 5), not paths.
  func bwrapArguments(
    mounts: SandboxMounts, gpuNodes: [String], environment: [String: String],
    boundByDescriptor: Bool = false
  ) -> [String] {
    var args = [
      "--unshare-all", "--unshare-user", "--uid", "\(configuration.uid)", "--gid",
      "\(configuration.gid)", "--disable-userns", "--die-with-parent", "--new-session",
      "--cap-drop", "ALL", "--hostname", "dojo-sandbox",
    ]
    if seccomp != nil { args += ["--seccomp", boundByDescriptor ? "5" : "3"] }
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
    if boundByDescriptor {
      args += ["--bind-fd", "3", mounts.workspacePath, "--bind-fd", "4", mounts.outputPath]
    } else {
      args += ["--bind", mounts.workspace.path, mounts.workspacePath]
      args += ["--bind", mounts.hostOutput.path, mounts.outputPath]
    }
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
      let hint =
        firstLine.contains("Permission denied")
        ? "the sandbox user \(hostIdentity.name) cannot reach a bind source: chmod o+x its "
          + "parent folders, or keep Dojo's folders out of /root"
        : "check Sandbox.isAvailable() on this host"
      return DojoError(.sandbox, "the sandbox could not start: \(firstLine); \(hint)")
    }
    if [1, 126, 127].contains(outcome.exitCode), firstLine.hasPrefix("setpriv: ") {
      return DojoError(
        .sandbox,
        "the sandbox could not switch to \(hostIdentity.name): \(firstLine); run Dojo as root")
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

/// A folder by device and inode: what a bind mount holds on to, whatever its path holds now.
struct FolderIdentity: Equatable, Sendable {
  let device: UInt64
  let inode: UInt64

  init?(_ path: String) {
    var info = stat()
    guard lstat(path, &info) == 0 else { return nil }
    device = UInt64(info.st_dev)
    inode = UInt64(info.st_ino)
  }

  init?(descriptor: Int32) {
    var info = stat()
    guard fstat(descriptor, &info) == 0 else { return nil }
    device = UInt64(info.st_dev)
    inode = UInt64(info.st_ino)
  }
}
