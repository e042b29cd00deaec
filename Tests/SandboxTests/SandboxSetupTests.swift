import DojoCore
import Foundation
import Testing

@testable import Sandbox

/// Set-up paths that need no particular host: the rlimit fallback, GPU passthrough (with stand-in
/// device nodes, and with real ones where a GPU exists) and cgroup discovery.
@Suite("Sandbox set-up", .serialized, .enabled(if: sharedSandbox != nil, "bwrap cannot run here"))
struct SandboxSetupTests {
  @Test func withoutACgroupRlimitsHoldAndTheOutcomeSaysSo() throws {
    let sandbox = try Sandbox(SandboxConfiguration(useCgroups: false))
    #expect(sandbox.limitEnforcement == .rlimit)
    let f = try Fixture()
    defer { f.remove() }
    let r = try sandbox.runPython(
      code: """
        try:
            block = bytearray(1024 * 1024 * 1024)
            print("ALLOCATED")
        except MemoryError:
            print("REFUSED")
        """, mounts: f.mounts, limits: SandboxLimits(wallSeconds: 15, memoryMB: 256))
    #expect(r.limitsEnforcedBy == .rlimit)
    #expect(r.stdoutTail == "REFUSED\n", "\(r.summary) \(r.stderrTail)")
    #expect(r.peakMemoryBytes == nil)
  }

  @Test func gpusWithoutACgroupAreRefused() throws {
    let devices = try fakeDevices(2)
    defer { try? FileManager.default.removeItem(at: devices) }
    let sandbox = try Sandbox(
      SandboxConfiguration(useCgroups: false, deviceDirectory: devices.path))
    let f = try Fixture()
    defer { f.remove() }
    #expect(throws: DojoError.self) {
      try sandbox.run(
        command: ["true"], mounts: f.mounts, limits: SandboxLimits(wallSeconds: 5, gpus: 1))
    }
  }

  @Test func askingForMoreGPUsThanExistIsAnError() throws {
    let devices = try fakeDevices(1)
    defer { try? FileManager.default.removeItem(at: devices) }
    let sandbox = try Sandbox(SandboxConfiguration(deviceDirectory: devices.path))
    let error = #expect(throws: DojoError.self) { try sandbox.gpuNodes(2) }
    #expect(error?.message.contains("nvidia1") == true)
  }

  /// Stand-in device nodes (plain files) are bound in exactly as real ones would be.
  @Test func gpuNodesAreBoundAndNumbered() throws {
    let devices = try fakeDevices(3)
    defer { try? FileManager.default.removeItem(at: devices) }
    let sandbox = try Sandbox(SandboxConfiguration(deviceDirectory: devices.path))
    guard sandbox.limitEnforcement != .rlimit else { return }
    let f = try Fixture()
    defer { f.remove() }
    let r = try sandbox.runPython(
      code: """
        import os
        print(os.environ["CUDA_VISIBLE_DEVICES"])
        print(sorted(n for n in os.listdir("/dev") if n.startswith("nvidia")))
        """, mounts: f.mounts, limits: SandboxLimits(wallSeconds: 10, gpus: 2))
    #expect(r.succeeded, "\(r.summary) \(r.stderrTail)")
    #expect(r.stdoutTail == "0,1\n['nvidia-uvm', 'nvidia0', 'nvidia1', 'nvidiactl']\n")
    #expect(r.gpus == [0, 1])
  }

  @Test(.enabled(if: FileManager.default.fileExists(atPath: "/dev/nvidia0"), "no GPU here"))
  func aRealGPUIsUsableInside() throws {
    let sandbox = try Sandbox()
    let f = try Fixture()
    defer { f.remove() }
    let r = try sandbox.runPython(
      code: """
        import ctypes
        cuda = ctypes.CDLL("libcuda.so.1")
        count = ctypes.c_int(0)
        assert cuda.cuInit(0) == 0, "cuInit failed"
        assert cuda.cuDeviceGetCount(ctypes.byref(count)) == 0
        print(count.value)
        """, mounts: f.mounts, limits: SandboxLimits(wallSeconds: 60, memoryMB: 8192, gpus: 1))
    #expect(r.succeeded, "\(r.summary) \(r.stderrTail)")
    #expect(r.stdoutTail == "1\n")
  }

  @Test func cgroupV2IsFoundWhereItsControllersAreEnabled() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent(
      "cg-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: root) }
    try FileManager.default.createDirectory(
      at: root.appendingPathComponent("dojo"), withIntermediateDirectories: true)
    try "cpuset cpu io memory hugetlb pids\n".write(
      to: root.appendingPathComponent("cgroup.controllers"), atomically: true, encoding: .utf8)
    let selfCgroup = root.appendingPathComponent("self-cgroup")
    try "0::/user.slice/session-1.scope\n".write(to: selfCgroup, atomically: true, encoding: .utf8)
    // No controllers enabled for the parent's children: unusable, so the fallback applies.
    try "".write(
      to: root.appendingPathComponent("dojo/cgroup.subtree_control"), atomically: true,
      encoding: .utf8)
    #expect(CgroupLayout.detect(root: root.path, selfCgroup: selfCgroup.path) == nil)
    try "memory pids\n".write(
      to: root.appendingPathComponent("dojo/cgroup.subtree_control"), atomically: true,
      encoding: .utf8)
    let layout = CgroupLayout.detect(root: root.path, selfCgroup: selfCgroup.path)
    #expect(layout == CgroupLayout(version: .v2(parent: root.path + "/dojo")))
    #expect(layout?.enforcement == .cgroupV2)
  }

  @Test func runGroupsOfADeadServerAreRemovedAndLiveOnesKept() throws {
    let parent = FileManager.default.temporaryDirectory.appendingPathComponent(
      "cg-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: parent) }
    // A server that ended but is not yet reaped (a zombie) still answers kill(pid, 0): its
    // groups are orphans all the same. This test's own unreaped child plays that server.
    var child: pid_t = 0
    var argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
    defer { free(argv[0]) }
    #expect(posix_spawn(&child, "/bin/true", nil, nil, &argv, nil) == 0)
    var status: Int32 = 0
    defer { _ = waitpid(child, &status, 0) }
    let zombie = Date().addingTimeInterval(5)
    while (try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8))?.contains(") Z ")
      != true, Date() < zombie
    {
      usleep(5_000)
    }
    #expect(kill(child, 0) == 0)
    #expect(!CgroupLayout.isRunning(child))
    #expect(CgroupLayout.isRunning(getpid()))
    let names = [
      "run-\(child)-0a1b2c3d", "run-\(getpid())-11111111", "not-a-run", "run-x-1", "run-\(child)",
    ]
    for name in names {
      try FileManager.default.createDirectory(
        at: parent.appendingPathComponent(name), withIntermediateDirectories: true)
    }
    let layout = CgroupLayout(version: .v2(parent: parent.path))
    #expect(layout.removeOrphanedRuns() == [parent.path + "/run-\(child)-0a1b2c3d"])
    let left = try FileManager.default.contentsOfDirectory(atPath: parent.path).sorted()
    #expect(left == names.dropFirst().sorted())
  }

  @Test func noCgroupMountMeansNoLayout() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent(
      "cg-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: root) }
    #expect(CgroupLayout.detect(root: root.path) == nil)
  }

  @Test(arguments: [
    ("memory.events", "low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\n", "oom_kill", 1),
    ("memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n", "oom_kill", 3),
    ("pids.events", "max 7\n", "max", 7),
  ])
  func cgroupCounterFilesParse(name: String, text: String, key: String, value: Int) throws {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent(
      "\(UUID().uuidString)-\(name)")
    try text.write(to: file, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: file) }
    #expect(RunCgroup.keyed(file.path)[key] == value)
  }

  @Test func theInterpreterIsResolvedPastShims() throws {
    let python = try PythonEnvironment.resolve("python3")
    #expect(python.executable.hasPrefix("/"))
    #expect(!python.executable.contains("/shims/"))
    #expect(!python.prefixes.isEmpty)
    #expect(throws: DojoError.self) { try PythonEnvironment.resolve("/nonexistent/python3") }
  }

  /// The system interpreter (prefix /usr, already bound) works as well as a pyenv one.
  @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")))
  func theSystemInterpreterWorksToo() throws {
    let sandbox = try Sandbox(SandboxConfiguration(python: "/usr/bin/python3"))
    #expect(sandbox.python.prefixes == ["/usr"])
    let f = try Fixture()
    defer { f.remove() }
    let r = try sandbox.runPython(
      code: "import sys, csv; print(sys.prefix, len(list(csv.reader(open('/data/train.csv')))))",
      mounts: f.mounts, limits: SandboxLimits(wallSeconds: 10))
    #expect(r.stdoutTail == "/usr 3\n", "\(r.summary) \(r.stderrTail)")
  }

  /// A virtual environment under /tmp (where the sandbox mounts its own private /tmp) is
  /// still visible inside: reference solutions run from the project's `.venv` this way. It is
  /// built from Debian's interpreter, as install-deps builds `.venv`: the sandbox user cannot
  /// reach one under /root.
  @Test func aVirtualEnvironmentUnderTmpIsVisible() throws {
    let venv = FileManager.default.temporaryDirectory.appendingPathComponent("dojo-venv-\(UUID())")
    defer { try? FileManager.default.removeItem(at: venv) }
    let made = try ProcessRunner.run(
      "/usr/bin/python3", ["-m", "venv", "--without-pip", venv.path],
      limits: ProcessLimits(wallSeconds: 60))
    #expect(made.succeeded, "\(made.stderrTail)")
    let sandbox = try Sandbox(
      SandboxConfiguration(python: venv.appendingPathComponent("bin/python3").path))
    let f = try Fixture()
    defer { f.remove() }
    let r = try sandbox.runPython(
      code: "import sys; print(sys.prefix != sys.base_prefix)", mounts: f.mounts,
      limits: SandboxLimits(wallSeconds: 10))
    #expect(r.stdoutTail == "True\n", "\(r.summary) \(r.stderrTail)")
  }

  @Test func availabilityIsReportedWithAReason() {
    let here = Sandbox.isAvailable()
    #expect(here.available, "\(here.reason)")
    let missing = Sandbox.isAvailable(bwrap: "/nonexistent/bwrap")
    #expect(!missing.available)
    #expect(missing.reason.contains("not installed"))
  }

  /// bwrap's own refusal (here: a bind source that does not exist) is a set-up error that
  /// names the cause, never an outcome blamed on the program.
  @Test func bwrapSetUpFailuresAreSandboxErrors() throws {
    let sandbox = try #require(sharedSandbox)
    let f = try Fixture()
    defer { f.remove() }
    var mounts = f.mounts
    mounts.readOnly = [
      SandboxMounts.Bind(
        host: URL(fileURLWithPath: "/nonexistent/solution.py"), path: "/solution.py")
    ]
    let error = #expect(throws: DojoError.self) {
      try sandbox.run(command: ["true"], mounts: mounts, limits: SandboxLimits(wallSeconds: 10))
    }
    #expect(error?.code == .sandbox)
    #expect(
      error?.message.contains("/nonexistent/solution.py") == true, "\(String(describing: error))")
  }

  /// A read-only extra bind (a reference solution, say) runs where it is bound.
  @Test func aBoundScriptRunsReadOnly() throws {
    let sandbox = try #require(sharedSandbox)
    let f = try Fixture()
    defer { f.remove() }
    let solutionDir = f.root.appendingPathComponent("solution")
    try FileManager.default.createDirectory(at: solutionDir, withIntermediateDirectories: true)
    try """
    import os
    open(os.environ["DOJO_OUTPUT"] + "/submission.csv", "w").write("id,y\\n1,0\\n")
    try:
        open("/solution/solution.py", "a").write("#")
        print("MODIFIED")
    except OSError:
        print("READ-ONLY")
    """.write(
      to: solutionDir.appendingPathComponent("solution.py"), atomically: true, encoding: .utf8)
    var mounts = f.mounts
    mounts.readOnly = [SandboxMounts.Bind(host: solutionDir, path: "/solution")]
    let r = try sandbox.run(
      command: [sandbox.python.executable, "/solution/solution.py"], mounts: mounts,
      limits: SandboxLimits(wallSeconds: 10))
    #expect(r.succeeded, "\(r.summary) \(r.stderrTail)")
    #expect(r.stdoutTail == "READ-ONLY\n")
    let submission = try String(
      contentsOf: f.workspace.appendingPathComponent("output/submission.csv"), encoding: .utf8)
    #expect(submission == "id,y\n1,0\n")
  }

  /// A folder with plain files named like the NVIDIA device nodes for `count` GPUs.
  func fakeDevices(_ count: Int) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "dev-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    for name in (0..<count).map({ "nvidia\($0)" }) + ["nvidiactl", "nvidia-uvm"] {
      try "".write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }
    return dir
  }
}
