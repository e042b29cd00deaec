import DojoCore
import Foundation
import Synchronization
import Testing

@testable import Sandbox

#if canImport(Glibc)
  import Glibc
#endif

/// The host's dedicated sandbox user, as the system knows it (not as the library does).
let dedicatedUser: (uid: UInt32, gid: UInt32)? = getpwnam("dojo-sandbox").map {
  ($0.pointee.pw_uid, $0.pointee.pw_gid)
}

/// The owner, group and mode of `path`, not following a final link.
func ownership(_ path: String) -> (uid: UInt32, gid: UInt32, mode: UInt32)? {
  var info = stat()
  guard lstat(path, &info) == 0 else { return nil }
  return (info.st_uid, info.st_gid, UInt32(info.st_mode))
}

/// Whether a process running as `uid`/`gid` (no other groups) may search `path`: asked of the
/// kernel through `setpriv` and `test -x`, not of the library.
func canSearch(_ path: String, uid: UInt32, gid: UInt32) throws -> Bool {
  let r = try ProcessRunner.run(
    "/usr/bin/setpriv",
    ["--reuid", "\(uid)", "--regid", "\(gid)", "--clear-groups", "/usr/bin/test", "-x", path],
    limits: ProcessLimits(wallSeconds: 10))
  return r.succeeded
}

/// The sandbox suites are skipped where the shared sandbox cannot be made; as root (CI, and
/// this project's machines) that is a failure, and this test says why.
@Test(.enabled(if: geteuid() == 0, "not root: the same-user mode is opt-in"))
func theSharedSandboxCanBeMadeAsRoot() throws {
  let available = Sandbox.isAvailable()
  #expect(available.available, "\(available.reason)")
  #expect(dedicatedUser != nil, "run scripts/install-deps to create dojo-sandbox")
  let sandbox = try Sandbox(sharedConfiguration)
  #expect(sandbox.hostIdentity.isDedicated)
  #expect(sharedSandbox != nil)
}

// Nested in SandboxTests, whose `.serialized` then covers these runs too: its tests count the
// process's live run cgroups, and a run of a parallel suite would show up among them.
extension SandboxTests {
  /// Who sandboxed code is on the host, what it leaves behind, and which folders it needs.
  @Suite("Sandbox identity", .enabled(if: geteuid() == 0, "Dojo's tests run as root"))
  struct SandboxIdentityTests {
    let sandbox = sharedSandbox!
    let limits = SandboxLimits(wallSeconds: 20, cpuSeconds: 20, memoryMB: 512, maxProcesses: 64)

    /// The attack of issue 13: a setuid file written in the workspace. On the host it must
    /// belong to the dedicated user, never to root or to Dojo's own uid.
    @Test func aSetuidFileLeftByTheCodeIsNotRootsButTheSandboxUsers() throws {
      let user = try #require(dedicatedUser)
      let f = try Fixture()
      defer { f.remove() }
      let r = try sandbox.runPython(
        code: """
          import os, shutil
          shutil.copy("/bin/sh", "evil")
          os.chmod("evil", 0o4755)
          os.mkdir("dir")
          st = os.stat("evil")
          print(oct(st.st_mode & 0o7777), st.st_uid)
          mounts = [l.split() for l in open("/proc/self/mountinfo")]
          print([m[5] for m in mounts if m[4] == "/workspace"][0])
          """, mounts: f.mounts, limits: limits)
      #expect(r.succeeded, "\(r.summary) \(r.stderrTail)")
      let lines = r.stdoutTail.split(separator: "\n")
      // Inside, the code did what it wanted: a setuid file of its own uid 65534 ...
      #expect(lines.first == "0o4755 65534")
      // ... on a mount the kernel will not honour setuid bits or device nodes on.
      let options = lines.dropFirst().first?.split(separator: ",") ?? []
      #expect(options.contains("nosuid") && options.contains("nodev"), "\(options)")
      // On the host, the file is setuid to the sandbox user, not to root nor to Dojo's uid.
      let evil = try #require(ownership(f.workspace.path + "/evil"))
      #expect(evil.uid == user.uid && evil.gid == user.gid)
      #expect(evil.uid != 0 && evil.uid != geteuid() && evil.gid != 0)
      #expect(evil.mode & UInt32(S_ISUID) != 0)
      #expect(ownership(f.workspace.path + "/dir")?.uid == user.uid)
    }

    /// Inside, the code is uid/gid 65534 with no capabilities; on the host, every process of
    /// the run (seen by the host's own /proc while it runs) is the dedicated user, and so is
    /// every file it writes.
    @Test func theCodeIsUid65534InsideAndTheDedicatedUserOnTheHost() throws {
      let user = try #require(dedicatedUser)
      #expect(sandbox.hostIdentity.isDedicated)
      #expect(sandbox.hostIdentity.name == "dojo-sandbox")
      #expect(sandbox.hostIdentity.uid == user.uid && sandbox.hostIdentity.gid == user.gid)
      let f = try Fixture()
      defer { f.remove() }
      let script = "who-\(UUID().uuidString).py"
      let sandbox = self.sandbox
      let limits = self.limits
      let mounts = f.mounts
      let done = DispatchSemaphore(value: 0)
      let result = Mutex<Result<SandboxOutcome, any Error>?>(nil)
      DispatchQueue.global().async {
        let r = Result {
          try sandbox.runPython(
            code: """
              import os, time
              print(os.getuid(), os.geteuid(), os.getgid(), os.getgroups())
              print(open("/proc/self/status").read().split("CapEff:")[1].split()[0])
              open("mine.txt", "w").write("x")
              time.sleep(1.5)
              """, fileName: script, mounts: mounts, limits: limits)
        }
        result.withLock { $0 = r }
        done.signal()
      }
      // The host's view of the running script: its real, effective, saved and filesystem uid
      // and gid, and the uid its namespace maps 65534 to.
      var hostView: (uids: [String], gids: [String], map: [String])?
      for _ in 0..<100 where hostView == nil {
        usleep(20_000)
        hostView = Self.hostView(ofProcessRunning: script)
      }
      done.wait()
      let r = try #require(try result.withLock { $0 }?.get())
      #expect(r.succeeded, "\(r.summary) \(r.stderrTail)")
      #expect(r.stdoutTail == "65534 65534 65534 []\n0000000000000000\n", "\(r.stdoutTail)")
      let view = try #require(hostView, "the sandboxed script never showed in the host's /proc")
      #expect(view.uids == Array(repeating: "\(user.uid)", count: 4))
      #expect(view.gids == Array(repeating: "\(user.gid)", count: 4))
      #expect(view.map == ["65534", "\(user.uid)", "1"])

      let mine = try #require(ownership(f.workspace.path + "/mine.txt"))
      #expect(mine.uid == user.uid && mine.gid == user.gid)
      // The workspace and its output folder were handed to the sandbox user, mode 0700.
      let workspace = try #require(ownership(f.workspace.path))
      #expect(workspace.uid == user.uid && workspace.mode & 0o777 == 0o700)
      #expect(ownership(f.workspace.path + "/output")?.uid == user.uid)
    }

    /// The Uid and Gid lines and the uid map of the host process whose command line names
    /// `script`, read from the host's /proc.
    static func hostView(
      ofProcessRunning script: String
    ) -> (uids: [String], gids: [String], map: [String])? {
      let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
      for pid in pids where Int(pid) != nil {
        guard let command = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
          // The interpreter itself, not setpriv or bwrap, whose command lines name it too.
          command.split(separator: 0).dropFirst().first.map(Array.init) == Array("-u".utf8),
          String(decoding: command, as: UTF8.self).contains("/workspace/" + script),
          let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
          let map = try? String(contentsOfFile: "/proc/\(pid)/uid_map", encoding: .utf8)
        else { continue }
        let fields = { (key: String) -> [String] in
          let line = status.split(separator: "\n").first { $0.hasPrefix(key) } ?? ""
          return line.split(whereSeparator: \.isWhitespace).dropFirst().map(String.init)
        }
        return (
          fields("Uid:"), fields("Gid:"), map.split(whereSeparator: \.isWhitespace).map(String.init)
        )
      }
      return nil
    }

    /// A bind source inside a folder the sandbox user cannot search (mode 0700, like /root) is
    /// refused before bwrap starts, naming the folder to fix; nothing runs.
    @Test(arguments: ["public", "bind"])
    func anUnreachableBindSourceIsAClearError(kind: String) throws {
      let f = try Fixture()
      defer { f.remove() }
      let locked = f.root.appendingPathComponent("locked")
      let inside = locked.appendingPathComponent("source")
      try FileManager.default.createDirectory(at: inside, withIntermediateDirectories: true)
      #expect(chmod(locked.path, 0o700) == 0)
      var mounts = f.mounts
      if kind == "public" {
        mounts.publicDirectory = inside
      } else {
        mounts.readOnly = [SandboxMounts.Bind(host: inside, path: "/solution")]
      }
      let error = #expect(throws: DojoError.self) {
        try sandbox.run(
          command: ["/bin/sh", "-c", "echo ran > ran.txt"], mounts: mounts, limits: limits)
      }
      #expect(error?.code == .sandbox)
      #expect(error?.message.contains(locked.path + " is not searchable by dojo-sandbox") == true)
      #expect(error?.message.contains("chmod o+x") == true, "\(String(describing: error))")
      #expect(!FileManager.default.fileExists(atPath: f.workspace.path + "/ran.txt"))
    }

    /// The mode bits say yes but a POSIX ACL says no to the sandbox user: the library's check
    /// (mode bits only) lets it pass, bwrap (resolving sources as that user) refuses, and the
    /// refusal is still a set-up error with the fix, not an outcome blamed on the program.
    @Test func aBindSourceOnlyAnACLKeepsOutIsStillAClearError() throws {
      let user = try #require(dedicatedUser)
      let f = try Fixture()
      defer { f.remove() }
      let locked = f.root.appendingPathComponent("acl-locked")
      let inside = locked.appendingPathComponent("source")
      try FileManager.default.createDirectory(at: inside, withIntermediateDirectories: true)
      // system.posix_acl_access, version 2: owner rwx, the sandbox user nothing, group r-x,
      // mask r-x, others r-x (set through Python: Glibc's module has no setxattr).
      let set = try ProcessRunner.run(
        "/usr/bin/python3",
        [
          "-c",
          """
          import os, struct, sys
          entries = [(1, 7, 0xffffffff), (2, 0, \(user.uid)), (4, 5, 0xffffffff),
                     (0x10, 5, 0xffffffff), (0x20, 5, 0xffffffff)]
          acl = struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *e) for e in entries)
          os.setxattr(sys.argv[1], "system.posix_acl_access", acl)
          """,
          locked.path,
        ], limits: ProcessLimits(wallSeconds: 30))
      try #require(set.succeeded, "this file system refuses ACLs: \(set.stderrTail)")
      #expect(try canSearch(locked.path, uid: 65534, gid: 65534))
      #expect(try !canSearch(locked.path, uid: user.uid, gid: user.gid))
      var mounts = f.mounts
      mounts.readOnly = [SandboxMounts.Bind(host: inside, path: "/solution")]
      let error = #expect(throws: DojoError.self) {
        try sandbox.run(
          command: ["/bin/sh", "-c", "echo ran > ran.txt"], mounts: mounts, limits: limits)
      }
      #expect(error?.code == .sandbox)
      #expect(error?.message.contains("Permission denied") == true, "\(String(describing: error))")
      #expect(error?.message.contains("cannot reach a bind source") == true)
      #expect(!FileManager.default.fileExists(atPath: f.workspace.path + "/ran.txt"))
    }

    /// A sessions folder of mode 0700 keeps the sandbox user out too; prepareWorkspaceRoot makes
    /// it root's with group dojo-sandbox and mode 0710: the sandbox user may pass, other host
    /// users may not.
    @Test func aPreparedWorkspaceRootLetsOnlyTheSandboxUserThrough() throws {
      let user = try #require(dedicatedUser)
      let f = try Fixture()
      defer { f.remove() }
      let sessions = f.root.appendingPathComponent("sessions")
      let workspace = sessions.appendingPathComponent("s1/workspace")
      try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
      #expect(chmod(sessions.path, 0o700) == 0)
      let mounts = SandboxMounts(publicDirectory: f.publicDir, workspace: workspace)
      let refused = #expect(throws: DojoError.self) {
        try sandbox.runPython(code: "print(1)", mounts: mounts, limits: limits)
      }
      #expect(refused?.message.contains(sessions.path + " is not searchable") == true)

      try sandbox.prepareWorkspaceRoot(sessions)
      let root = try #require(ownership(sessions.path))
      #expect(root.uid == geteuid() && root.gid == user.gid && root.mode & 0o7777 == 0o710)
      let r = try sandbox.runPython(
        code: "open('out.txt', 'w').write('ok'); print(len(open('/data/train.csv').read()))",
        mounts: mounts, limits: limits)
      #expect(r.succeeded, "\(r.summary) \(r.stderrTail)")
      #expect(ownership(workspace.path + "/out.txt")?.uid == user.uid)
      // The kernel agrees: the sandbox user may search it, another host user (nobody) may not.
      #expect(try canSearch(sessions.path, uid: user.uid, gid: user.gid))
      #expect(try !canSearch(sessions.path, uid: 65534, gid: 65534))
    }

    @Test func prepareWorkspaceHandsAFolderOverAndRefusesALink() throws {
      let user = try #require(dedicatedUser)
      let f = try Fixture()
      defer { f.remove() }
      let fresh = f.root.appendingPathComponent("fresh/workspace")
      try sandbox.prepareWorkspace(fresh)
      let made = try #require(ownership(fresh.path))
      #expect(made.uid == user.uid && made.gid == user.gid && made.mode & 0o777 == 0o700)

      let victim = f.root.appendingPathComponent("victim")
      try FileManager.default.createDirectory(at: victim, withIntermediateDirectories: true)
      let link = f.root.appendingPathComponent("link")
      try FileManager.default.createSymbolicLink(at: link, withDestinationURL: victim)
      #expect(throws: DojoError.self) { try sandbox.prepareWorkspace(link) }
      #expect(ownership(victim.path)?.uid == geteuid())
    }

    /// An output folder that became a link to a host folder (the code cannot replace it while
    /// it is mounted, but anything between runs might): the run refuses it rather than hand the
    /// host folder to the sandbox user or bind it.
    @Test func anOutputFolderThatIsALinkIsRefusedAndNotHandedOver() throws {
      let f = try Fixture()
      defer { f.remove() }
      let output = f.workspace.appendingPathComponent("output")
      try FileManager.default.createSymbolicLink(at: output, withDestinationURL: f.privateDir)
      let error = #expect(throws: DojoError.self) {
        try sandbox.runPython(code: "print(1)", mounts: f.mounts, limits: limits)
      }
      #expect(error?.message.contains(output.path) == true, "\(String(describing: error))")
      #expect(error?.message.contains("link") == true)
      let privateFolder = try #require(ownership(f.privateDir.path))
      #expect(privateFolder.uid == geteuid() && privateFolder.mode & 0o777 == 0o755)
    }

    /// A descriptor Dojo left open without close-on-exec (here a directory of the host, through
    /// which `openat(fd, "..")` would leave the mount namespace) never reaches the code.
    @Test func noDescriptorOfTheHostReachesTheCode() throws {
      let f = try Fixture()
      defer { f.remove() }
      let leaked = open(f.privateDir.path, O_RDONLY | O_DIRECTORY)
      #expect(leaked >= 0)
      // A copy at 47 or above, never replacing a descriptor: dup2 onto a fixed number would
      // close whatever this process (where every suite runs at once) had there, and once that
      // was an event loop's epoll descriptor, which aborts the whole test process.
      let high = fcntl(leaked, F_DUPFD, 47)
      #expect(high >= 47)
      defer {
        close(leaked)
        close(high)
      }
      let r = try sandbox.runPython(
        code: "import os; print(sorted(int(n) for n in os.listdir('/proc/self/fd')))",
        mounts: f.mounts, limits: limits)
      #expect(r.succeeded, "\(r.summary) \(r.stderrTail)")
      // 0-2 and the descriptor listdir itself opened.
      #expect(r.stdoutTail == "[0, 1, 2, 3]\n", "\(r.stdoutTail)")
    }

    /// What the kernel lets no sandbox hide: mountinfo names each bind's host path. The test pins
    /// that the names lead nowhere: the private folder next to the named `public/` is absent.
    @Test func mountinfoNamesHostPathsThatLeadNowhere() throws {
      let f = try Fixture()
      defer { f.remove() }
      let r = try sandbox.runPython(
        code: """
          import os
          mounts = [l.split() for l in open("/proc/self/mountinfo")]
          source = [m[3] for m in mounts if m[4] == "/data"][0]
          print(source)
          for path in (source, os.path.join(source, "../private/answers.csv"),
                       os.path.join(os.path.dirname(source), "private")):
              try:
                  print("OPENED", open(path).read()[:20])
              except OSError as e:
                  print("DENIED", type(e).__name__)
          """, mounts: f.mounts, limits: limits)
      #expect(r.succeeded, "\(r.summary) \(r.stderrTail)")
      let lines = r.stdoutTail.split(separator: "\n").map(String.init)
      #expect(lines.first == f.publicDir.path, "bwrap 0.8 binds show their host path")
      #expect(lines.dropFirst().allSatisfy { $0.hasPrefix("DENIED") }, "\(lines)")
      #expect(!r.stdoutTail.contains("SECRET"))
    }

    @Test func aMissingSandboxUserNamesTheFix() throws {
      var configuration = sharedConfiguration
      configuration.hostUser = "dojo-no-such-user-\(getpid())"
      let error = #expect(throws: DojoError.self) { try Sandbox(configuration) }
      #expect(error?.code == .sandbox)
      #expect(error?.message.contains("run scripts/install-deps") == true)
      #expect(error?.message.contains(configuration.hostUser) == true)
    }

    /// A Dojo that is not root cannot switch users: it refuses unless the weaker same-user mode
    /// is asked for, and then says so in the identity.
    @Test func withoutRootOnlyAnExplicitSameUserModeRuns() throws {
      var configuration = SandboxConfiguration()
      let error = #expect(throws: DojoError.self) {
        try SandboxHostIdentity.resolve(configuration, callerUID: 1000, callerGID: 1000)
      }
      #expect(error?.message.contains("allowSameUser") == true)
      #expect(error?.message.contains("not root") == true)
      configuration.allowSameUser = true
      let identity = try SandboxHostIdentity.resolve(
        configuration, callerUID: 1000, callerGID: 1000)
      #expect(!identity.isDedicated && identity.uid == 1000 && identity.gid == 1000)
      // As root the flag changes nothing: the dedicated user is always used.
      let asRoot = try SandboxHostIdentity.resolve(configuration, callerUID: 0, callerGID: 0)
      #expect(asRoot.isDedicated && asRoot.uid == dedicatedUser?.uid)
    }

    /// An interpreter under /root (a pyenv one, say) is out of the sandbox user's reach: a name
    /// in PATH skips it, a path to it is refused with the fix.
    @Test func anInterpreterTheSandboxUserCannotReachIsSkippedOrRefused() throws {
      let home = URL(fileURLWithPath: "/root/dojo-test-\(UUID().uuidString)")
      let fm = FileManager.default
      try fm.createDirectory(at: home, withIntermediateDirectories: true)
      defer { try? fm.removeItem(at: home) }
      #expect(chmod(home.path, 0o700) == 0)
      let made = try ProcessRunner.run(
        "/usr/bin/python3",
        ["-m", "venv", "--without-pip", home.appendingPathComponent("venv").path],
        limits: ProcessLimits(wallSeconds: 60))
      #expect(made.succeeded, "\(made.stderrTail)")
      let identity = sandbox.hostIdentity
      let error = #expect(throws: DojoError.self) {
        try Sandbox.resolvePython(
          home.appendingPathComponent("venv/bin/python3").path, for: identity)
      }
      #expect(error?.message.contains("cannot reach the Python prefix") == true)
      #expect(error?.message.contains("scripts/install-deps") == true)
      let byName = try Sandbox.resolvePython("python3", for: identity)
      #expect(byName.prefixes.allSatisfy { !$0.hasPrefix("/root/") }, "\(byName.prefixes)")
    }
  }
}
