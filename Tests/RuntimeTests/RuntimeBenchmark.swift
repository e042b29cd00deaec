import DojoCore
import Foundation
import Runtime
import Sandbox
import Testing

/// A step's overhead beyond the agent's own code: `execute_code` of `print(1)` through the
/// server against plain `python3 -c 'print(1)'`, and a step that writes and grades a
/// 10,000-row submission against the same script run directly. Opt-in (`DOJO_BENCHMARK=1`):
/// timings on a shared machine are not a pass/fail matter for the unit tests.
extension RuntimeSuites {
  @Suite(
    "Runtime benchmark", .serialized,
    .enabled(
      if: runtimeAvailable && ProcessInfo.processInfo.environment["DOJO_BENCHMARK"] == "1",
      "DOJO_BENCHMARK=1"))
  struct RuntimeBenchmark {
    @Test func stepOverhead() async throws {
      let fixture = try PublishedFixture(id: "rt-bench", rows: 40_000)
      defer { try? FileManager.default.removeItem(at: fixture.root) }
      let live = try await LiveServer.start(
        fixture.configuration(sessions: fixture.sessionsDirectory()))
      let client = live.client
      let sid = try await client.open(task: fixture.id)
      let sandbox = try Sandbox()
      let interpreter = sandbox.python.executable

      var stepped: [Double] = []
      var direct: [Double] = []
      for _ in 0..<20 {
        let step = try await client.step(sid, "execute_code", code: "print(1)")
        #expect(step.observation["stdout"]?.string == "1\n")
        stepped.append(step.seconds)
        let start = Date()
        let plain = try await runOffPool(interpreter, ["-c", "print(1)"])
        direct.append(Date().timeIntervalSince(start))
        #expect(plain.stdoutTail == "1\n")
      }

      // The same 10,000-row submission script, through the server (graded) and directly.
      let publicDirectory = fixture.taskPath.appendingPathComponent("public").path
      let scratch = fixture.root.appendingPathComponent("direct-output")
      try AtomicFiles.createDirectory(scratch)
      let script = fixture.root.appendingPathComponent("submit.py")
      try AtomicFiles.write(constantSubmission("b"), to: script)
      var graded: [Double] = []
      var plainSubmit: [Double] = []
      for _ in 0..<10 {
        let step = try await client.step(sid, "execute_code", code: constantSubmission("b"))
        #expect(step.observation["status"]?.string == "success")
        #expect(step.observation["stdout"]?.string == "wrote 10000 rows\n")
        graded.append(step.seconds)
        let start = Date()
        let plain = try await runOffPool(
          "/usr/bin/env",
          ["DOJO_DATA=\(publicDirectory)", "DOJO_OUTPUT=\(scratch.path)", interpreter, script.path])
        plainSubmit.append(Date().timeIntervalSince(start))
        #expect(plain.succeeded)
      }
      let m = (
        median(stepped) * 1000, median(direct) * 1000, median(graded) * 1000,
        median(plainSubmit) * 1000
      )
      print(
        String(
          format:
            "execute_code print(1) via the server: median %.1f ms; python3 -c 'print(1)': median %.1f ms; overhead %.1f ms",
          m.0, m.1, m.0 - m.1))
      print(
        String(
          format:
            "execute_code writing + grading a 10,000-row submission: median %.1f ms; the same script run directly: median %.1f ms; overhead %.1f ms (%@)",
          m.2, m.3, m.2 - m.3, sandbox.limitEnforcement.rawValue))
      #expect(m.0 - m.1 < 150)
      #expect(m.2 - m.3 < 150)
      await live.stop()
    }
  }
}
