import DojoCore
import DojoTestSupport
import Foundation
import Pipeline
import Registry
import Runtime
import Testing

extension RuntimeSuites {
  /// Several `dojo serve` replicas on one PostgreSQL registry and one sessions folder.
  @Suite(
    "Runtime replicas", .serialized,
    .enabled(if: runtimeAvailable, "bwrap or the fixture is missing"))
  struct ReplicaTests {
    let fixture = PublishedFixture.shared!

    @Test func aSessionMovesBetweenReplicasAndOutlivesOneKilledMidStep() async throws {
      let server = try TestPostgres.shared()
      let url = try server.withPassword(try server.createDatabase())
      let password = try #require(url.firstMatch(of: /dojo:([^@]+)@/)).1
      let registry = try Registry(RegistryLocation(parsing: url))
      try Publisher.publish(
        TaskLayout(root: fixture.taskPath), to: registry, allowSkipped: ["reference"])
      var configuration = fixture.configuration(sessions: fixture.sessionsDirectory())
      configuration.registry = try #require(URL(string: url))
      // The long step must still run when its replica is killed.
      configuration.defaultLimits.executionTimeoutS = 120
      let token = LiveServer.randomToken()
      let lease = ["--lease-seconds", "3"]
      let a = try await LiveServer.start(configuration, token: token, extraArguments: lease)
      let b = try await LiveServer.start(configuration, token: token, extraArguments: lease)

      // Each says which registry (no password) and which replica answered.
      for (live, pid) in [(a, a.pid), (b, b.pid)] {
        let health = try await live.client.call("GET", "/v1/health")
        #expect(health["registry"]?.string?.hasPrefix("postgres://dojo@127.0.0.1:") == true)
        #expect(health.text.contains(":\(server.port)/t_"))
        #expect(!health.text.contains(password))
        #expect(health["replica"]?["pid"]?.number == Double(pid))
        #expect(health["replica"]?["host"]?.string?.isEmpty == false)
      }

      // Opened on one, stepped on the other.
      let sid = try await a.client.open(agent: "replicas")
      let first = try await b.client.step(
        sid, "execute_code",
        code: "open('state.txt', 'w').write('carried over')\n" + constantSubmission("b"))
      #expect(first.status == 200, "\(first.text)")
      let reward = try #require(first.reward)

      // A long step on a: b is told the session is busy, and where. (The marker names the
      // step's sleeping process on the host.)
      let marker = "dojo-replica-\(UUID().uuidString.prefix(8))"
      let pending = Task {
        try? await a.client.step(
          sid, "execute_code",
          code: """
            import subprocess, sys
            subprocess.run([sys.executable, "-c", "import time; time.sleep(90)  # \(marker)"])
            """)
      }
      let deadline = Date().addingTimeInterval(20)
      while hostProcesses(containing: marker).isEmpty, Date() < deadline {
        try await Task.sleep(for: .milliseconds(20))
      }
      #expect(hostProcesses(containing: marker).count == 1)
      let busy = try await b.client.step(sid, "get_history")
      #expect(busy.status == 409, "\(busy.text)")
      #expect(busy.text.contains("busy"), "\(busy.text)")
      #expect(busy.text.contains(":\(a.pid)"), "\(busy.text)")
      // The lease is renewed while the step runs (3 s leases, the step outlives several).
      try await Task.sleep(for: .seconds(4))
      let stillBusy = try await b.client.step(sid, "get_history")
      #expect(stillBusy.status == 409, "\(stillBusy.text)")

      // a dies mid-step: b carries the session on, its history and workspace intact.
      await a.kill9()
      _ = await pending.value
      let next = try await b.client.step(
        sid, "execute_code", code: "print(open('state.txt').read())")
      #expect(next.status == 200, "\(next.text)")
      #expect(next.observation["stdout"]?.string == "carried over\n")
      #expect(next.observation["step"]?.number == 3, "number 2 belongs to the killed step")
      #expect(next.observation["best_position_score"]?.number == reward)
      let history = try await b.client.call("GET", "/v1/sessions/\(sid)/history")
      let steps = try #require(history["steps"]?.array)
      // The third step wrote no submission: it ran, and says so.
      #expect(
        steps.map { $0["observation"]?["status"]?.string ?? "" } == [
          "success", "interrupted", "no_submission",
        ])
      await b.stop()
    }

    /// A replica on another node died mid-step: its lease (here written as that replica left
    /// it, with a step begun and never finished) keeps the session busy, naming that node,
    /// until it expires; then the next step, on this replica, marks the dead one interrupted
    /// and carries on.
    @Test func aLeaseOfAReplicaOnAnotherNodeHoldsTheSessionUntilItExpires() async throws {
      let server = try TestPostgres.shared()
      let url = try server.withPassword(try server.createDatabase())
      let registry = try Registry(RegistryLocation(parsing: url))
      try Publisher.publish(
        TaskLayout(root: fixture.taskPath), to: registry, allowSkipped: ["reference"])
      var configuration = fixture.configuration(sessions: fixture.sessionsDirectory())
      configuration.registry = try #require(URL(string: url))
      let live = try await LiveServer.start(
        configuration, token: LiveServer.randomToken(), extraArguments: ["--lease-seconds", "3"])
      let sid = try await live.client.open(agent: "replicas")
      let elsewhere = ReplicaIdentity(host: "gpu-node-7.example", pid: 4242, token: "dead")
      #expect(try registry.acquireLease(session: sid, holder: elsewhere, seconds: 4) == nil)
      try registry.beginStep(
        StepRecord(
          session: sid, step: 1, action: "execute_code", code: "import time",
          observationJSON: "{\"status\":\"running\"}", reward: 0, score: nil,
          startedAt: "2026-11-30T12:00:00Z", finishedAt: ""))

      let busy = try await live.client.step(sid, "get_history")
      #expect(busy.status == 409, "\(busy.text)")
      #expect(busy.text.contains("gpu-node-7.example:4242"), "\(busy.text)")
      try await Task.sleep(for: .seconds(5))
      let next = try await live.client.step(sid, "get_history")
      #expect(next.status == 200, "\(next.text)")
      #expect(next.observation["step"]?.number == 2, "number 1 belongs to the dead replica's step")
      let steps = try registry.steps(session: sid)
      #expect(steps.map(\.step) == [1, 2])
      #expect(steps.first?.observationJSON.contains("interrupted") == true)
      #expect(try registry.lease(session: sid) == nil, "released once the step answered")
      await live.stop()
    }
  }
}
