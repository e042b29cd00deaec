import DojoCore
import Foundation
import Sandbox
import Synchronization
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// A task-like layout on disk: `public/` with a train file, a `private/` folder next to it
/// holding answers that must stay unreachable, and an empty workspace.
struct Fixture {
  let root: URL
  let publicDir: URL
  let privateDir: URL
  let workspace: URL

  init() throws {
    root = FileManager.default.temporaryDirectory
      .appendingPathComponent("dojo-sandbox-\(UUID().uuidString)")
    publicDir = root.appendingPathComponent("public")
    privateDir = root.appendingPathComponent("private")
    workspace = root.appendingPathComponent("workspace")
    for dir in [publicDir, privateDir, workspace] {
      try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }
    try "id,x\n1,0.5\n2,1.5\n".write(
      to: publicDir.appendingPathComponent("train.csv"), atomically: true, encoding: .utf8)
    try "id,y\n1,SECRET\n".write(
      to: privateDir.appendingPathComponent("answers.csv"), atomically: true, encoding: .utf8)
  }

  var mounts: SandboxMounts { SandboxMounts(publicDirectory: publicDir, workspace: workspace) }

  func remove() { try? FileManager.default.removeItem(at: root) }
}

/// The project's `.venv` interpreter (numpy, pandas, scikit-learn), built by
/// `scripts/install-deps` from `/usr/bin/python3` so the sandbox user can reach it; nil when
/// it has not been built.
let projectPython: String? = {
  let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
  let python = repository.appendingPathComponent(".venv/bin/python3").path
  return FileManager.default.isExecutableFile(atPath: python) ? python : nil
}()

/// The configuration the suites share: the project's environment where built, else the
/// first `python3` the sandbox user can reach.
let sharedConfiguration = SandboxConfiguration(python: projectPython ?? "python3")

/// One sandbox for the whole suite; nil (and the suite skipped) where bwrap cannot run.
/// `theSharedSandboxCanBeMadeAsRoot` fails when it is nil for another reason.
let sharedSandbox: Sandbox? = {
  guard Sandbox.isAvailable().available else { return nil }
  return try? Sandbox(sharedConfiguration)
}()

/// The cgroup directories of this process's runs that still exist, found by `find` so the
/// check does not share the library's idea of where they are. Other suites run in the same
/// process at the same time, so a test asks about its own runs by name (``leftoverCgroups(of:)``)
/// and uses this one only to see that runs are visible at all.
func leftoverRunCgroups(named pattern: String = "run-\(getpid())-*") -> [String] {
  let r = try? ProcessRunner.run(
    "find", ["/sys/fs/cgroup", "-maxdepth", "8", "-type", "d", "-name", pattern],
    limits: ProcessLimits(wallSeconds: 10))
  return (r?.stdoutTail ?? "").split(separator: "\n").map(String.init)
}

/// The cgroup directories one finished run left behind; empty also under the rlimit
/// fallback, where a run has no cgroup.
func leftoverCgroups(of outcome: SandboxOutcome?) -> [String] {
  guard let name = outcome?.cgroupName else { return [] }
  return leftoverRunCgroups(named: name)
}

@Suite("Sandbox", .serialized, .enabled(if: sharedSandbox != nil, "bwrap cannot run here"))
struct SandboxTests {
  let sandbox = sharedSandbox!
  let limits = SandboxLimits(wallSeconds: 20, cpuSeconds: 20, memoryMB: 512, maxProcesses: 64)

  @Test func readsPublicDataAndWritesTheWorkspace() throws {
    let f = try Fixture()
    defer { f.remove() }
    let r = try sandbox.runPython(
      code: """
        import os
        rows = open("/data/train.csv").read().splitlines()
        open("notes.txt", "w").write(str(len(rows)))
        open(os.environ["DOJO_OUTPUT"] + "/submission.csv", "w").write("id,y\\n1,2\\n")
        print("rows", len(rows), os.getcwd())
        """, mounts: f.mounts, limits: limits)
    #expect(r.succeeded, "\(r.summary): \(r.stderrTail)")
    #expect(r.stdoutTail == "rows 3 /workspace\n")
    let notes = try String(
      contentsOf: f.workspace.appendingPathComponent("notes.txt"), encoding: .utf8)
    #expect(notes == "3")
    #expect(FileManager.default.fileExists(atPath: f.workspace.path + "/output/submission.csv"))
    #expect(r.limitsEnforcedBy == sandbox.limitEnforcement)
  }

  @Test func runsAsAnUnprivilegedUserInItsOwnPIDNamespace() throws {
    let f = try Fixture()
    defer { f.remove() }
    let r = try sandbox.runPython(
      code:
        "import os; print(os.getuid(), os.getgid(), len([p for p in os.listdir('/proc') if p.isdigit()]))",
      mounts: f.mounts, limits: limits)
    let words = r.stdoutTail.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
    #expect(words.count == 3, "\(r.stdoutTail) \(r.stderrTail)")
    #expect(words.first != 0)
    #expect(words.first == 65534)
    // Only bwrap's init and the script itself: no host process is visible.
    #expect(words.last.map { $0 <= 3 } == true)
  }

  /// Each path must be unreadable from inside, and a run right after must still work.
  @Test(arguments: [
    "../private/answers.csv", "/data/../private/answers.csv", "PRIVATE/answers.csv",
    "/root/.bashrc", "/work", "/home", "/etc/shadow", "/etc/passwd", "/sys/fs/cgroup",
  ])
  func hostFilesOutsideTheMountsAreUnreachable(path: String) throws {
    let f = try Fixture()
    defer { f.remove() }
    let target = path.replacingOccurrences(of: "PRIVATE", with: f.privateDir.path)
    let r = try sandbox.runPython(
      code: """
        import os, sys
        p = \(pythonLiteral(target))
        try:
            if os.path.isdir(p):
                print("LISTED", os.listdir(p))
            else:
                print("READ", open(p).read()[:100])
        except OSError as e:
            print("DENIED", type(e).__name__)
        """, mounts: f.mounts, limits: limits)
    #expect(r.stdoutTail.hasPrefix("DENIED"), "\(target): \(r.stdoutTail) \(r.stderrTail)")
    #expect(!r.stdoutTail.contains("SECRET"))
    try expectNextRunWorks(f)
  }

  @Test func theInterpreterPrefixIsAllThatShowsOfItsHome() throws {
    let f = try Fixture()
    defer { f.remove() }
    let r = try sandbox.runPython(
      code: """
        import os, sys
        seen = []
        for root, dirs, files in os.walk("/"):
            if root.startswith(("/proc", "/usr", "/dev", "/sys")) or root.startswith(sys.prefix):
                dirs[:] = []
                continue
            seen.append(root)
        print("\\n".join(sorted(seen)))
        """, mounts: f.mounts, limits: limits)
    #expect(r.succeeded, "\(r.stderrTail)")
    let seen = Set(r.stdoutTail.split(separator: "\n").map(String.init))
    for forbidden in ["/home", "/root", "/root/.ssh", "/root/.bashrc", f.root.path] {
      #expect(!seen.contains(forbidden))
    }
    // Nothing but the sandbox's own folders and the folders leading to the interpreter's
    // prefixes (the project's .venv lives under /work here, so /work shows, empty but for it).
    let own = ["/", "/etc", "/tmp", "/data", "/workspace"]
    for path in seen where !own.contains(where: { path == $0 || path.hasPrefix($0 + "/") }) {
      #expect(sandbox.python.prefixes.contains { $0.hasPrefix(path + "/") }, "\(path)")
    }
  }

  @Test func hostLoopbackServersAreUnreachable() throws {
    let f = try Fixture()
    defer { f.remove() }
    let server = try LoopbackServer()
    defer { server.close() }
    // The host can reach it, so a refusal inside is the sandbox's doing.
    #expect(LoopbackServer.canConnect(port: server.port))
    usleep(100_000)
    let before = server.acceptedConnections
    #expect(before == 1)
    let r = try sandbox.runPython(
      code: """
        import socket
        try:
            socket.create_connection(("127.0.0.1", \(server.port)), timeout=2)
            print("CONNECTED")
        except OSError as e:
            print("REFUSED", type(e).__name__)
        """, mounts: f.mounts, limits: limits)
    #expect(r.stdoutTail.hasPrefix("REFUSED"), "\(r.stdoutTail) \(r.stderrTail)")
    #expect(server.acceptedConnections == before)
    try expectNextRunWorks(f)
  }

  @Test(arguments: ["/data/new.csv", "/data/train.csv", "/usr/evil", "/etc/evil", "/evil"])
  func writingOutsideTheWorkspaceFails(path: String) throws {
    let f = try Fixture()
    defer { f.remove() }
    let r = try sandbox.runPython(
      code: """
        try:
            open(\(pythonLiteral(path)), "w").write("x")
            print("WROTE")
        except OSError as e:
            print("DENIED", type(e).__name__)
        """, mounts: f.mounts, limits: limits)
    #expect(r.stdoutTail.hasPrefix("DENIED"), "\(r.stdoutTail) \(r.stderrTail)")
    let train = try String(
      contentsOf: f.publicDir.appendingPathComponent("train.csv"), encoding: .utf8)
    #expect(train == "id,x\n1,0.5\n2,1.5\n")
    #expect(!FileManager.default.fileExists(atPath: f.publicDir.path + "/new.csv"))
  }

  @Test func aForkBombHitsTheProcessLimit() throws {
    let f = try Fixture()
    defer { f.remove() }
    let r = try sandbox.run(
      command: ["/bin/sh", "-c", "b() { b | b & }; b; sleep 2"], mounts: f.mounts,
      limits: SandboxLimits(wallSeconds: 8, maxProcesses: 32))
    #expect(r.process.seconds < 8.5)
    if r.limitsEnforcedBy != .rlimit { #expect(r.processLimitHit) }
    #expect(leftoverCgroups(of: r).isEmpty)
    try expectNextRunWorks(f)
  }

  @Test func allocatingPastTheMemoryLimitIsReportedAsOutOfMemory() throws {
    let f = try Fixture()
    defer { f.remove() }
    let r = try sandbox.runPython(
      code: """
        chunks = []
        for i in range(64):
            chunks.append(bytearray(16 * 1024 * 1024))  # touched: bytearray zero-fills
        print("ALLOCATED", len(chunks))
        """, mounts: f.mounts, limits: SandboxLimits(wallSeconds: 15, memoryMB: 128))
    #expect(!r.stdoutTail.contains("ALLOCATED"))
    #expect(!r.succeeded)
    if r.limitsEnforcedBy != .rlimit {
      #expect(r.outOfMemory, "\(r.summary) \(r.stderrTail)")
      #expect(r.summary.contains("out of memory"))
    }
    try expectNextRunWorks(f)
  }

  @Test func anEndlessLoopIsKilledAtTheWallLimit() throws {
    let f = try Fixture()
    defer { f.remove() }
    let r = try sandbox.runPython(
      code: "while True:\n    pass\n", mounts: f.mounts, limits: SandboxLimits(wallSeconds: 1.5))
    #expect(r.timedOut)
    #expect(r.process.seconds < 5)
    #expect(leftoverCgroups(of: r).isEmpty)
    try expectNextRunWorks(f)
  }

  @Test func theCPULimitEndsABusyProgram() throws {
    let f = try Fixture()
    defer { f.remove() }
    let r = try sandbox.runPython(
      code: "while True:\n    pass\n", mounts: f.mounts,
      limits: SandboxLimits(wallSeconds: 10, cpuSeconds: 1))
    #expect(r.cpuLimitExceeded, "\(r.summary)")
    #expect(!r.timedOut)
    #expect(r.summary.contains("CPU limit"))
  }

  @Test func hundredMegabytesOfOutputKeepOnlyTheTail() throws {
    let f = try Fixture()
    defer { f.remove() }
    let r = try sandbox.runPython(
      code: """
        import sys
        line = b"x" * 1023 + b"\\n"
        for i in range(100 * 1024):
            sys.stdout.buffer.write(line)
        sys.stdout.buffer.write(b"END\\n")
        """, mounts: f.mounts,
      limits: SandboxLimits(wallSeconds: 20, outputTailBytes: 4096))
    #expect(r.succeeded, "\(r.summary) \(r.stderrTail)")
    #expect(r.process.stdoutBytes == 100 * 1024 * 1024 + 4)
    #expect(r.stdoutTail.utf8.count == 4096)
    #expect(r.stdoutTail.hasSuffix("x\nEND\n"))
  }

  @Test func backgroundProcessesDieWithTheRun() throws {
    let f = try Fixture()
    defer { f.remove() }
    let start = Date()
    let r = try sandbox.runPython(
      code: """
        import subprocess
        subprocess.Popen(["sh", "-c", "sleep 60; echo LATE > late.txt"], start_new_session=True)
        subprocess.Popen(["sleep", "60"])
        print("returning")
        """, mounts: f.mounts, limits: SandboxLimits(wallSeconds: 30))
    #expect(r.succeeded, "\(r.summary) \(r.stderrTail)")
    #expect(Date().timeIntervalSince(start) < 5)
    #expect(leftoverCgroups(of: r).isEmpty)
    usleep(200_000)
    #expect(!FileManager.default.fileExists(atPath: f.workspace.path + "/late.txt"))
  }

  @Test func theFileSizeLimitHolds() throws {
    let f = try Fixture()
    defer { f.remove() }
    let r = try sandbox.runPython(
      code: """
        import signal
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        try:
            with open("big.bin", "wb") as out:
                out.write(b"0" * (3 * 1024 * 1024))
            print("WROTE")
        except OSError as e:
            print("REFUSED", e.errno)
        """, mounts: f.mounts, limits: SandboxLimits(wallSeconds: 10, fileSizeMB: 1))
    #expect(r.stdoutTail.hasPrefix("REFUSED"), "\(r.stdoutTail) \(r.stderrTail)")
    let size =
      (try? FileManager.default.attributesOfItem(atPath: f.workspace.path + "/big.bin"))?[.size]
      as? Int
    #expect((size ?? 0) <= 1024 * 1024)
  }

  @Test func aFailingScriptReportsItsTraceback() throws {
    let f = try Fixture()
    defer { f.remove() }
    let r = try sandbox.runPython(
      code: "import pandas_not_here\n", mounts: f.mounts, limits: limits)
    #expect(r.exitCode == 1)
    #expect(r.stderrTail.contains("ModuleNotFoundError"))
    #expect(r.summary == "exited with status 1")
  }

  @Test func eachRunHasItsOwnCgroupWhichIsRemovedAfterwards() throws {
    let f = try Fixture()
    defer { f.remove() }
    guard sandbox.limitEnforcement != .rlimit else { return }
    let sandbox = self.sandbox
    let mounts = f.mounts
    let done = DispatchSemaphore(value: 0)
    let result = Mutex<SandboxOutcome?>(nil)
    DispatchQueue.global().async {
      let r = try? sandbox.runPython(
        code: "import time; print(open('/proc/self/cgroup').read()); time.sleep(1.5)",
        mounts: mounts, limits: SandboxLimits(wallSeconds: 10, memoryMB: 256))
      result.withLock { $0 = r }
      done.signal()
    }
    // While it runs, the host sees its cgroup (one per hierarchy under v1) ...
    var seen = Set<String>()
    while done.wait(timeout: .now() + .milliseconds(20)) == .timedOut {
      seen.formUnion(leftoverRunCgroups())
    }
    #expect(seen.allSatisfy { $0.contains("/dojo/run-") })
    let r = try #require(result.withLock { $0 })
    #expect(r.succeeded)
    // ... under the name its outcome reports ...
    let name = try #require(r.cgroupName)
    #expect(seen.contains { $0.hasSuffix("/" + name) }, "\(seen)")
    // ... the run itself sees its cgroup as the root of a cgroup namespace ...
    #expect(
      r.stdoutTail.contains("memory:/\n") || r.stdoutTail.contains("0::/\n"), "\(r.stdoutTail)")
    // ... and afterwards it is gone.
    #expect(leftoverCgroups(of: r).isEmpty)
  }

  /// The wrapper joins by moving only its own thread under v1 (`tasks`, not `cgroup.procs`):
  /// the program and what it forks must still be held by the run's group in every
  /// hierarchy, its processes by the pids limit and its memory counted.
  @Test func theProgramAndItsChildrenAreHeldByTheRunsGroupInEveryHierarchy() throws {
    let f = try Fixture()
    defer { f.remove() }
    guard sandbox.limitEnforcement != .rlimit else { return }
    let r = try sandbox.runPython(
      code: """
        import os, time
        kids = []
        try:
            for _ in range(16):
                pid = os.fork()
                if pid == 0:
                    time.sleep(5)
                    os._exit(0)
                kids.append(pid)
        except OSError:
            print('refused after', len(kids))
        for k in kids:
            os.kill(k, 9)
        """, mounts: f.mounts,
      limits: SandboxLimits(wallSeconds: 20, memoryMB: 256, maxProcesses: 6))
    #expect(r.succeeded, "\(r.summary) \(r.stderrTail)")
    // Six tasks in all: the shell became bwrap, whose init and the interpreter are two more.
    #expect(r.stdoutTail.hasPrefix("refused after "), "\(r.stdoutTail)")
    #expect(r.processLimitHit)
    #expect((r.peakMemoryBytes ?? 0) > 1_000_000, "the interpreter's memory is the group's")
  }

  @Test func concurrentRunsStayApart() throws {
    let fixtures = try (0..<4).map { _ in try Fixture() }
    defer { for f in fixtures { f.remove() } }
    let sandbox = self.sandbox
    let outcomes = Mutex<[Int: SandboxOutcome]>([:])
    DispatchQueue.concurrentPerform(iterations: fixtures.count) { i in
      let r = try? sandbox.runPython(
        code: """
          import os, getpass
          open("mine.txt", "w").write("\(i)")
          print(sorted(os.listdir(".")), getpass.getuser())
          """, mounts: fixtures[i].mounts,
        limits: SandboxLimits(wallSeconds: 20, memoryMB: 256, maxProcesses: 32))
      outcomes.withLock { $0[i] = r }
    }
    for (i, f) in fixtures.enumerated() {
      let r = try #require(outcomes.withLock { $0[i] })
      #expect(r.succeeded, "\(r.summary) \(r.stderrTail)")
      // Each run sees its own workspace only.
      #expect(r.stdoutTail == "['main.py', 'mine.txt', 'output'] nobody\n")
      let mine = try String(
        contentsOf: f.workspace.appendingPathComponent("mine.txt"), encoding: .utf8)
      #expect(mine == "\(i)")
    }
    for i in fixtures.indices { #expect(leftoverCgroups(of: outcomes.withLock { $0[i] }).isEmpty) }
  }

  @Test func missingWorkspaceIsASandboxError() throws {
    let mounts = SandboxMounts(
      publicDirectory: nil, workspace: URL(fileURLWithPath: "/nonexistent/\(UUID().uuidString)"))
    #expect(throws: DojoError.self) {
      try sandbox.run(command: ["true"], mounts: mounts, limits: limits)
    }
  }

  func expectNextRunWorks(_ f: Fixture) throws {
    let r = try sandbox.runPython(
      code: "print(open('/data/train.csv').read().count('\\n'))", fileName: "next.py",
      mounts: f.mounts, limits: limits)
    #expect(r.succeeded && r.stdoutTail == "3\n", "next run: \(r.summary) \(r.stderrTail)")
  }
}

/// A Python string literal for `text` (JSON strings are valid Python literals).
func pythonLiteral(_ text: String) -> String {
  let data = try? JSONSerialization.data(withJSONObject: [text])
  let array = data.map { String(decoding: $0, as: UTF8.self) } ?? "[\"\"]"
  return String(array.dropFirst().dropLast())
}
