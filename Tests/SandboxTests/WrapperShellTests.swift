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

  /// Where glibc closes inherited descriptors at spawn, the faster dash wrapper is used.
  @Test func dashIsTheWrapperWhereTheSpawnClosesDescriptors() throws {
    let sandbox = try #require(sharedSandbox)
    let dash = FileManager.default.isExecutableFile(atPath: "/bin/dash")
    #expect(
      sandbox.wrapperShell == (ProcessRunner.closesDescriptorsAtSpawn && dash ? .dash : .bash))
  }
}
