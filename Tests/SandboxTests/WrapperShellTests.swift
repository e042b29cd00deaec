import DojoCore
import Foundation
import Testing

@testable import Sandbox

/// The wrapper script says the same in dash and in bash: each counts `ulimit -f` in its own
/// unit and names the process limit its own way, and both must give the run the same limits.
@Suite("Sandbox wrapper shell", .enabled(if: sharedSandbox != nil, "bwrap cannot run here"))
struct WrapperShellTests {
  /// The limits a wrapper script in `shell` gives the program it becomes.
  func limits(_ shell: Sandbox.WrapperShell, _ sandbox: Sandbox, _ limits: SandboxLimits) throws
    -> [String]
  {
    let script = sandbox.wrapperScript(cgroup: nil, limits: limits, shell: shell)
    let r = try ProcessRunner.spawnCollecting(
      argv: [shell.path, "-c", script, "dojo-sandbox", "/bin/cat", "/proc/self/limits"],
      environment: ["PATH": "/usr/bin:/bin"], wallSeconds: 10, outputTailBytes: 1 << 16,
      displayName: shell.path)
    #expect(r.succeeded, "\(shell): \(r.summary) \(r.stderrTail)")
    let kept = ["Max cpu time", "Max file size", "Max address space", "Max processes"]
    return r.stdoutTail.split(separator: "\n").map(String.init).filter { line in
      kept.contains { line.hasPrefix($0) }
    }
  }

  @Test func dashAndBashSetTheSameLimits() throws {
    let sandbox = try #require(sharedSandbox)
    let asked = SandboxLimits(
      wallSeconds: 10, cpuSeconds: 7, memoryMB: 300, fileSizeMB: 3, maxProcesses: 40)
    let dash = try limits(.dash, sandbox, asked)
    let bash = try limits(.bash, sandbox, asked)
    #expect(dash.count == 4)
    #expect(dash == bash)
    #expect(dash.contains { $0.hasPrefix("Max file size") && $0.contains(" \(3 << 20) ") })
    #expect(dash.contains { $0.hasPrefix("Max processes") && $0.contains(" 40 ") })
  }

  /// Both shells keep the descriptors the spawn passed for bwrap (3 and 4, the folders it
  /// binds; the seccomp program is 5 then) and close every other one above stderr that this
  /// process left open across exec.
  @Test(arguments: [Sandbox.WrapperShell.dash, .bash])
  func theShellKeepsThePassedFoldersAndClosesTheRest(shell: Sandbox.WrapperShell) throws {
    let sandbox = try #require(sharedSandbox)
    #expect(sandbox.seccomp != nil)
    let inherited = open("/dev/null", O_RDONLY)
    let first = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    let second = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    defer { for fd in [inherited, first, second] { close(fd) } }
    let script = sandbox.wrapperScript(
      cgroup: nil, limits: SandboxLimits(wallSeconds: 10), shell: shell, passed: 2)
    let probe =
      "import os; print(sorted(int(n) for n in os.listdir('/proc/self/fd')), "
      + "os.readlink('/proc/self/fd/3'), os.readlink('/proc/self/fd/4'))"
    let child = try ProcessRunner.spawn(
      argv: [shell.path, "-c", script, "dojo-sandbox", "/usr/bin/python3", "-c", probe],
      environment: ["PATH": "/usr/bin:/bin"], displayName: shell.path,
      closeInheritedDescriptors: shell == .dash, passing: [first, second])
    let r = ProcessRunner.collect(child, wallSeconds: 10, outputTailBytes: 4096)
    #expect(r.succeeded, "\(r.summary) \(r.stderrTail)")
    // 6 is the listing's own.
    #expect(r.stdoutTail == "[0, 1, 2, 3, 4, 5, 6] /tmp /\n")
  }

  /// Where glibc closes inherited descriptors at spawn, the faster dash wrapper is used.
  @Test func dashIsTheWrapperWhereTheSpawnClosesDescriptors() throws {
    let sandbox = try #require(sharedSandbox)
    let dash = FileManager.default.isExecutableFile(atPath: "/bin/dash")
    #expect(
      sandbox.wrapperShell == (ProcessRunner.closesDescriptorsAtSpawn && dash ? .dash : .bash))
  }
}
