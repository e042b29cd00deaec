import DojoCore
import Foundation
import Testing

@Suite("Process runner")
struct ProcessRunnerTests {
  @Test func capturesOutputAndStatus() throws {
    let r = try ProcessRunner.run(
      "/bin/sh", ["-c", "echo hello; echo oops >&2; exit 3"], limits: ProcessLimits(wallSeconds: 10)
    )
    #expect(r.exitCode == 3)
    #expect(r.stdoutTail == "hello\n")
    #expect(r.stderrTail == "oops\n")
    #expect(!r.succeeded)
  }

  @Test func wallLimitKillsTheWholeGroup() throws {
    // A background grandchild holding the pipe open must not keep the run alive.
    let r = try ProcessRunner.run(
      "/bin/sh", ["-c", "sleep 30 & sleep 30"], limits: ProcessLimits(wallSeconds: 0.5))
    #expect(r.timedOut)
    #expect(r.seconds < 5)
  }

  @Test func backgroundProcessLeftBehindIsReaped() throws {
    let r = try ProcessRunner.run(
      "/bin/sh", ["-c", "(sleep 30 &) ; echo done"], limits: ProcessLimits(wallSeconds: 20))
    #expect(r.succeeded)
    #expect(r.seconds < 5)
  }

  @Test func keepsOnlyTheTail() throws {
    let r = try ProcessRunner.run(
      "/bin/sh", ["-c", "head -c 1000000 /dev/zero | tr '\\0' a; echo END"],
      limits: ProcessLimits(wallSeconds: 10, outputTailBytes: 100))
    #expect(r.stdoutBytes == 1_000_004)
    #expect(r.stdoutTail.count == 100)
    #expect(r.stdoutTail.hasSuffix("END\n"))
  }

  @Test func cpuLimitStopsABusyLoop() throws {
    let r = try ProcessRunner.run(
      "/bin/sh", ["-c", "while :; do :; done"],
      limits: ProcessLimits(wallSeconds: 20, cpuSeconds: 1))
    #expect(!r.succeeded)
    #expect(!r.timedOut)
    #expect(r.seconds < 10)
  }
}
