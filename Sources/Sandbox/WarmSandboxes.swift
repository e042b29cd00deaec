internal import DojoCore
public import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// A sandboxed run whose wrapper has been started and not yet collected.
struct LaunchedRun: Sendable {
  let process: SpawnedProcess
  let cgroup: RunCgroup?
  var limits: SandboxLimits
  /// The folders it binds, as they were just before it started (``Sandbox/boundFolders(_:)``).
  let folders: [FolderIdentity?]

  /// Kills everything the run started: its process group, then whatever is left in its
  /// cgroup (a program that made a session of its own).
  func killTree(_ pid: Int32) {
    kill(-pid, SIGKILL)
    cgroup?.killAll()
  }
}

/// Sandboxes started before their code arrives, one per workspace: the cgroup, the wrapper,
/// bwrap's namespaces and mounts and the interpreter's own start (about 20 ms of a runtime
/// step here) happen between steps, off the request's path, and a step only hands its
/// script to an interpreter already waiting inside the sandbox.
///
/// A warm sandbox is exactly a cold one (the same wrapper, user, seccomp filter, cgroup,
/// namespaces and binds) whose program is ``launcher``: it waits for one byte on a socket
/// that is its stdin, then runs the script as `python -u SCRIPT ARGS` would. It is used only
/// by a run that asks for the same script, arguments, mounts, environment and limits (the
/// wall limit aside, which counts from the go), and only while the folders it bound are the
/// very ones (device and inode) the run would bind: a workspace reset, an output folder the
/// host remade or a republished task makes it stale, and it is killed. Where bwrap binds by
/// descriptor (``Sandbox/bindsByDescriptor``) it is started as soon as the run before has
/// started, so a client that sends its next step at once finds it ready: the run's code may
/// then swap its folders while the host hands them over, and gains nothing by it, since the
/// hand-over opens them without following a link and bwrap binds those very folders and
/// checks after mounting that it did. Where bwrap binds by path, it is started only after
/// the run before has ended, so on this server no code of the session runs between the
/// hand-over and bwrap's mounts (another replica's run may). Waiting
/// ones are killed after ``idleSeconds`` or when more than ``capacity`` wait, and die with
/// Dojo (`--die-with-parent`: they are started from one long-lived thread, since the parent
/// death signal follows the thread that spawned them).
public final class WarmSandboxes: Sendable {
  /// Most sandboxes waiting at once.
  public let capacity: Int
  /// How long one may wait before it is killed.
  public let idleSeconds: Double
  private let sandbox: Sandbox
  private let slots = Mutex<[String: Slot]>([:])
  private let thread = SerialThread(name: "dojo-warm-sandboxes")

  public init(sandbox: Sandbox, capacity: Int = 8, idleSeconds: Double = 600) {
    self.sandbox = sandbox
    self.capacity = max(0, capacity)
    self.idleSeconds = idleSeconds
  }

  deinit {
    let sandbox = sandbox
    let left = slots.withLock { slots in
      defer { slots = [:] }
      return Array(slots.values)
    }
    for slot in left { if let run = slot.wait() { sandbox.abandon(run) } }
  }

  /// What a warm sandbox was started for; a run must ask for the same to use it.
  struct Key: Equatable, Sendable {
    var command: [String]
    var mounts: SandboxMounts
    var limits: SandboxLimits
    var environment: [String: String]

    init(
      command: [String], mounts: SandboxMounts, limits: SandboxLimits,
      environment: [String: String]
    ) {
      self.command = command
      self.mounts = mounts
      // Applied when the run is collected, not when it is started.
      var startLimits = limits
      startLimits.wallSeconds = 0
      startLimits.outputTailBytes = 0
      self.limits = startLimits
      self.environment = environment
    }
  }

  /// One workspace's warm sandbox, filled by the starting thread.
  private final class Slot: Sendable {
    let key: Key
    let made = Date()
    private let done = DispatchSemaphore(value: 0)
    private let value = Mutex<LaunchedRun?>(nil)

    init(key: Key) { self.key = key }

    func fill(_ ready: LaunchedRun?) {
      value.withLock { $0 = ready }
      done.signal()
    }

    /// The started sandbox, once the start has been tried; nil if it failed.
    func wait() -> LaunchedRun? {
      done.wait()
      done.signal()
      return value.withLock { $0 }
    }
  }

  /// Starts a sandbox for the next run of `command` (`python -u SCRIPT ARGS`) in `mounts`'
  /// workspace, replacing any other waiting there. Returns at once; failures only mean the
  /// next run starts cold.
  func prepare(
    command: [String], mounts: SandboxMounts, limits: SandboxLimits,
    environment: [String: String]
  ) {
    guard capacity > 0 else { return }
    let slot = Slot(
      key: Key(command: command, mounts: mounts, limits: limits, environment: environment))
    let workspace = mounts.workspace.path
    let stale = slots.withLock { slots -> [Slot] in
      var stale = slots.removeValue(forKey: workspace).map { [$0] } ?? []
      stale += expire(&slots, keeping: capacity - 1)
      slots[workspace] = slot
      return stale
    }
    let sandbox = sandbox
    thread.submit {
      Self.abandon(stale, in: sandbox)
      do {
        slot.fill(
          try sandbox.launch(
            command: Self.warmCommand(command), mounts: mounts, limits: limits,
            environment: environment, controlSocket: true))
      } catch {
        slot.fill(nil)
      }
    }
  }

  /// The sandbox waiting for exactly this run, told to go; nil when none is (the run then
  /// starts cold). Waits for a start still under way (a few milliseconds).
  func take(
    command: [String], mounts: SandboxMounts, limits: SandboxLimits,
    environment: [String: String]
  ) -> LaunchedRun? {
    let key = Key(command: command, mounts: mounts, limits: limits, environment: environment)
    guard let slot = slots.withLock({ $0.removeValue(forKey: mounts.workspace.path) }) else {
      return nil
    }
    guard var run = slot.wait() else { return nil }
    run.limits.wallSeconds = limits.wallSeconds
    run.limits.outputTailBytes = limits.outputTailBytes
    let usable =
      slot.key == key && Date().timeIntervalSince(slot.made) < idleSeconds
      && run.folders == sandbox.boundFolders(mounts) && !run.process.hasExited
      && Self.go(run.process.control)
    guard usable else {
      let (sandbox, stale) = (sandbox, run)
      thread.submit { sandbox.abandon(stale) }
      return nil
    }
    return run
  }

  /// Kills the sandbox waiting for `workspace`, if any: call it before the workspace is
  /// removed or its session ends.
  public func discard(workspace: URL) {
    guard let slot = slots.withLock({ $0.removeValue(forKey: workspace.path) }) else { return }
    let sandbox = sandbox
    thread.submit { Self.abandon([slot], in: sandbox) }
  }

  /// How many sandboxes are waiting (or starting).
  public var waiting: Int { slots.withLock { $0.count } }

  /// Takes out the slots past their idle time, then the oldest beyond `keeping`.
  private func expire(_ slots: inout [String: Slot], keeping: Int) -> [Slot] {
    let now = Date()
    var stale: [Slot] = []
    for (path, slot) in slots where now.timeIntervalSince(slot.made) >= idleSeconds {
      stale.append(slot)
      slots[path] = nil
    }
    while slots.count > max(0, keeping),
      let oldest = slots.min(by: { $0.value.made < $1.value.made })
    {
      stale.append(oldest.value)
      slots[oldest.key] = nil
    }
    return stale
  }

  private static func abandon(_ slots: [Slot], in sandbox: Sandbox) {
    for slot in slots { if let run = slot.wait() { sandbox.abandon(run) } }
  }

  /// Sends the one byte that starts the script; false if the launcher is gone.
  private static func go(_ control: Int32) -> Bool {
    var byte: UInt8 = UInt8(ascii: "g")
    return send(control, &byte, 1, Int32(MSG_NOSIGNAL)) == 1
  }

  /// `python -u SCRIPT ARGS` as a warm sandbox runs it: through ``launcher``.
  static func warmCommand(_ command: [String]) -> [String] {
    Array(command.prefix(2)) + ["-c", launcher] + command.dropFirst(2)
  }

  /// The program a warm sandbox runs: `python -u -c LAUNCHER SCRIPT ARGS`. It waits for the
  /// go byte on stdin (anything else, or the socket closing, ends it quietly), gives the
  /// script /dev/null as stdin, then runs it as the interpreter runs a script file: as
  /// `__main__`, with `sys.argv` the script and its arguments, the script's folder first on
  /// `sys.path`, `__file__` set, compiled from its bytes (so a coding cookie holds), and an
  /// uncaught exception printed without the launcher's own frame, exiting 1 (SIGINT for
  /// KeyboardInterrupt). The launcher's names leave `__main__` before the script runs.
  static let launcher = """
    def _dojo_start():
        import os, sys
        from importlib.machinery import SourceFileLoader
        if os.read(0, 1) != b"g":
            os._exit(0)
        null = os.open("/dev/null", os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        path = sys.argv[1]
        sys.argv[:] = sys.argv[1:]
        sys.path[0] = os.path.dirname(path)
        main = sys.modules["__main__"].__dict__
        del main["_dojo_start"]
        main["__file__"] = path
        main["__cached__"] = None
        main["__loader__"] = SourceFileLoader("__main__", path)
        try:
            with open(path, "rb") as script:
                code = compile(script.read(), path, "exec", dont_inherit=True)
            exec(code, main)
        except SystemExit:
            raise
        except BaseException as error:
            # The interpreter prints an exception's own traceback, so the frame goes from it.
            error.__traceback__ = error.__traceback__.tb_next
            sys.excepthook(type(error), error, error.__traceback__)
            if isinstance(error, KeyboardInterrupt):
                import signal
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                os.kill(os.getpid(), signal.SIGINT)
            sys.exit(1)
    _dojo_start()
    """
}
