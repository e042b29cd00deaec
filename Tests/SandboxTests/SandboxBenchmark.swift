import DojoCore
import Foundation
import Sandbox
import Testing

/// The sandbox's start overhead: the median of 20 sandboxed `print(1)` runs against 20 plain
/// `python3 -c 'print(1)'` runs of the same interpreter. Opt-in (`DOJO_BENCHMARK=1`), since
/// timings on a shared machine are not a pass/fail matter for the unit tests.
@Suite(
  "Sandbox benchmark", .serialized,
  .enabled(if: ProcessInfo.processInfo.environment["DOJO_BENCHMARK"] == "1", "DOJO_BENCHMARK=1"))
struct SandboxBenchmark {
  @Test func startOverhead() throws {
    let sandbox = try #require(sharedSandbox)
    let f = try Fixture()
    defer { f.remove() }
    let limits = SandboxLimits(wallSeconds: 30, cpuSeconds: 30, memoryMB: 1024, maxProcesses: 256)
    var sandboxed: [Double] = []
    var direct: [Double] = []
    for _ in 0..<20 {
      var start = Date()
      let r = try sandbox.runPython(code: "print(1)", mounts: f.mounts, limits: limits)
      sandboxed.append(Date().timeIntervalSince(start))
      #expect(r.stdoutTail == "1\n")
      start = Date()
      let d = try ProcessRunner.run(
        sandbox.python.executable, ["-c", "print(1)"], limits: ProcessLimits(wallSeconds: 30))
      direct.append(Date().timeIntervalSince(start))
      #expect(d.stdoutTail == "1\n")
    }
    let medianSandboxed = median(sandboxed) * 1000
    let medianDirect = median(direct) * 1000
    print(
      String(
        format: "sandbox print(1): median %.1f ms; python3 -c 'print(1)': median %.1f ms; "
          + "overhead %.1f ms (%@)", medianSandboxed, medianDirect, medianSandboxed - medianDirect,
        sandbox.limitEnforcement.rawValue))
    // The runtime's budget for a whole step's overhead is 150 ms.
    #expect(medianSandboxed - medianDirect < 150)
  }

  func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return (sorted[(sorted.count - 1) / 2] + sorted[sorted.count / 2]) / 2
  }
}
