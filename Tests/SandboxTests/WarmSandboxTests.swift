import DojoCore
import Foundation
import Sandbox
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Sandboxes started ahead of their run (`WarmSandboxes`): a warm run must be a cold run in
/// every way the code can see, and a warm sandbox must never be used for a run it was not
/// made for.
@Suite("Warm sandboxes", .serialized, .enabled(if: sharedSandbox != nil, "bwrap cannot run here"))
struct WarmSandboxTests {
  let sandbox = sharedSandbox!
  let limits = SandboxLimits(wallSeconds: 20, cpuSeconds: 20, memoryMB: 512, maxProcesses: 64)

  /// Runs `code` once to start a warm sandbox, waits until it is waiting, then runs it again.
  func warmRun(
    _ code: String, pool: WarmSandboxes, fixture f: Fixture, arguments: [String] = [],
    limits: SandboxLimits? = nil
  ) throws -> SandboxOutcome {
    _ = try sandbox.runPython(
      code: "pass", arguments: arguments, mounts: f.mounts, limits: limits ?? self.limits,
      warm: pool)
    return try sandbox.runPython(
      code: code, arguments: arguments, mounts: f.mounts, limits: limits ?? self.limits,
      warm: pool)
  }

  /// Pids of processes whose command line holds `marker` (a run's own argument).
  func processes(marked marker: String) -> [String] {
    let r = try? ProcessRunner.run("pgrep", ["-f", marker], limits: ProcessLimits(wallSeconds: 10))
    return (r?.stdoutTail ?? "").split(separator: "\n").map(String.init)
  }

  /// Runs once with a fresh marker argument so that a warm sandbox for the next run with it
  /// is started, and waits until that sandbox's process shows; returns the marker.
  func startWaiting(_ pool: WarmSandboxes, fixture f: Fixture) throws -> String {
    let marker = "warm-\(UUID().uuidString)"
    _ = try sandbox.runPython(
      code: "pass", arguments: [marker], mounts: f.mounts, limits: limits, warm: pool)
    #expect(waitUntil { !processes(marked: marker).isEmpty }, "no warm sandbox was started")
    return marker
  }

  func waitUntil(seconds: Double = 5, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      if condition() { return true }
      usleep(10_000)
    }
    return condition()
  }

  @Test(arguments: [
    // What the script sees of itself and its interpreter.
    """
    import sys, os
    print(sys.argv, sys.path[0], __file__, __name__, __spec__, sorted(k for k in globals() if not k.startswith('__')))
    print(type(__loader__).__name__, sys.stdin.read() == '', os.getcwd(), sys.flags.unbuffered)
    """,
    // An uncaught exception: the same traceback, the same status.
    "def f():\n    raise ValueError('no')\nf()\n",
    // A syntax error.
    "print('a'\n",
    // An explicit status, and output on both streams.
    "import sys\nprint('out')\nprint('err', file=sys.stderr)\nsys.exit(3)\n",
    // A coding cookie.
    "# -*- coding: latin-1 -*-\nprint(len('\u{e9}'))\n",
  ])
  func aWarmRunIsAColdRunToTheCode(code: String) throws {
    let f = try Fixture()
    defer { f.remove() }
    let pool = WarmSandboxes(sandbox: sandbox)
    let cold = try sandbox.runPython(
      code: code, arguments: ["an argument"], mounts: f.mounts, limits: limits)
    let warm = try warmRun(code, pool: pool, fixture: f, arguments: ["an argument"])
    #expect(warm.startedAhead)
    #expect(!cold.startedAhead)
    #expect(warm.stdoutTail == cold.stdoutTail)
    #expect(warm.stderrTail == cold.stderrTail)
    #expect(warm.exitCode == cold.exitCode)
    #expect(warm.process.signal == cold.process.signal)
  }

  @Test func theWallLimitCountsFromTheRunNotFromTheStart() throws {
    let f = try Fixture()
    defer { f.remove() }
    let pool = WarmSandboxes(sandbox: sandbox)
    var short = limits
    short.wallSeconds = 1.5
    _ = try sandbox.runPython(code: "pass", mounts: f.mounts, limits: short, warm: pool)
    // The warm sandbox waits longer than the run's whole wall limit.
    sleep(2)
    let r = try sandbox.runPython(
      code: "import time; time.sleep(0.5); print('done')", mounts: f.mounts, limits: short,
      warm: pool)
    #expect(r.startedAhead)
    #expect(r.succeeded, "\(r.summary): \(r.stderrTail)")
    #expect(r.stdoutTail == "done\n")
    let late = try sandbox.runPython(
      code: "import time; time.sleep(5)", mounts: f.mounts, limits: short, warm: pool)
    #expect(late.startedAhead)
    #expect(late.timedOut)
  }

  @Test func aReplacedOutputFolderIsNeverWrittenThroughAnOldSandbox() throws {
    let f = try Fixture()
    defer { f.remove() }
    let pool = WarmSandboxes(sandbox: sandbox)
    // Replaced once the warm sandbox has started (and so has noted what it binds).
    let marker = try startWaiting(pool, fixture: f)
    let output = f.workspace.appendingPathComponent("output")
    try FileManager.default.moveItem(at: output, to: f.root.appendingPathComponent("old-output"))
    try FileManager.default.createDirectory(at: output, withIntermediateDirectories: false)
    let r = try sandbox.runPython(
      code: "open('/workspace/output/submission.csv', 'w').write('id\\n')", arguments: [marker],
      mounts: f.mounts, limits: limits, warm: pool)
    #expect(!r.startedAhead)
    #expect(r.succeeded, "\(r.summary): \(r.stderrTail)")
    #expect(FileManager.default.fileExists(atPath: output.path + "/submission.csv"))
  }

  @Test func aRunWithOtherLimitsOrArgumentsStartsCold() throws {
    let f = try Fixture()
    defer { f.remove() }
    let pool = WarmSandboxes(sandbox: sandbox)
    _ = try sandbox.runPython(code: "pass", mounts: f.mounts, limits: limits, warm: pool)
    var more = limits
    more.memoryMB = 256
    let other = try sandbox.runPython(code: "pass", mounts: f.mounts, limits: more, warm: pool)
    #expect(!other.startedAhead)
    let otherArguments = try sandbox.runPython(
      code: "pass", arguments: ["x"], mounts: f.mounts, limits: more, warm: pool)
    #expect(!otherArguments.startedAhead)
    let same = try sandbox.runPython(
      code: "pass", arguments: ["x"], mounts: f.mounts, limits: more, warm: pool)
    #expect(same.startedAhead)
  }

  @Test func aDiscardedOrIdleSandboxIsKilledAndItsGroupRemoved() throws {
    let f = try Fixture()
    defer { f.remove() }
    let pool = WarmSandboxes(sandbox: sandbox)
    let marker = try startWaiting(pool, fixture: f)
    let groupsBefore = leftoverRunCgroups().count
    pool.discard(workspace: f.workspace)
    #expect(waitUntil { processes(marked: marker).isEmpty }, "the discarded sandbox lives on")
    #expect(pool.waiting == 0)
    if sandbox.limitEnforcement != .rlimit {
      #expect(waitUntil { leftoverRunCgroups().count < groupsBefore })
    }

    let brief = WarmSandboxes(sandbox: sandbox, idleSeconds: 0.3)
    _ = try sandbox.runPython(
      code: "pass", arguments: [marker], mounts: f.mounts, limits: limits, warm: brief)
    usleep(500_000)
    let r = try sandbox.runPython(
      code: "pass", arguments: [marker], mounts: f.mounts, limits: limits, warm: brief)
    #expect(!r.startedAhead, "a sandbox past its idle time was used")
  }

  @Test func aWarmSandboxThatDiedIsReplacedByAColdRun() throws {
    let f = try Fixture()
    defer { f.remove() }
    let pool = WarmSandboxes(sandbox: sandbox)
    let marker = try startWaiting(pool, fixture: f)
    for pid in processes(marked: marker) { if let pid = Int32(pid) { kill(pid, SIGKILL) } }
    #expect(waitUntil { processes(marked: marker).isEmpty })
    let r = try sandbox.runPython(
      code: "print('ran')", arguments: [marker], mounts: f.mounts, limits: limits, warm: pool)
    #expect(!r.startedAhead)
    #expect(r.stdoutTail == "ran\n")
  }

  @Test func theOldestWaitingSandboxGivesWayPastTheCapacity() throws {
    let a = try Fixture()
    let b = try Fixture()
    defer {
      a.remove()
      b.remove()
    }
    let pool = WarmSandboxes(sandbox: sandbox, capacity: 1)
    _ = try sandbox.runPython(code: "pass", mounts: a.mounts, limits: limits, warm: pool)
    _ = try sandbox.runPython(code: "pass", mounts: b.mounts, limits: limits, warm: pool)
    #expect(pool.waiting == 1)
    let ra = try sandbox.runPython(code: "pass", mounts: a.mounts, limits: limits, warm: pool)
    #expect(!ra.startedAhead)
  }
}
