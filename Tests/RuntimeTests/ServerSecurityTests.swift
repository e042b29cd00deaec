import DojoCore
import Foundation
import Registry
import Runtime
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// A request for a raw socket: `method path` with the given headers and body.
func rawRequest(
  _ method: String, _ path: String, host: String, token: String? = nil,
  headers: [String] = [], body: String? = nil
) -> String {
  var lines = ["\(method) \(path) HTTP/1.1", "Host: \(host)", "Connection: close"]
  if let token { lines.append("Authorization: Bearer \(token)") }
  lines += headers
  if let body { lines.append("Content-Length: \(body.utf8.count)") }
  return lines.joined(separator: "\r\n") + "\r\n\r\n" + (body ?? "")
}

/// Runs the built `dojo` with `arguments`, off the cooperative pool.
func runDojo(_ arguments: [String]) async throws -> ProcessOutcome {
  try await runOffPool(dojoExecutable.path, arguments)
}

extension RuntimeSuites {
  /// The server against a hostile HTTP client (issue 13, items 3, 4, 5 and 9).
  @Suite(
    "Runtime server security", .serialized,
    .enabled(if: runtimeAvailable, "bwrap or the fixture is missing"))
  struct ServerSecurityTests {
    let fixture = PublishedFixture.shared!

    /// A test that throws before `stop()` drops its server: the support kills it then, so no
    /// `dojo serve` outlives the test that started it.
    @Test func aServerDroppedWithoutStopIsKilled() async throws {
      var pid: Int32 = 0
      do {
        let live = try await LiveServer.start(
          fixture.configuration(sessions: fixture.sessionsDirectory()))
        pid = live.pid
        #expect(try await live.client.call("GET", "/v1/health").status == 200)
      }
      let deadline = Date().addingTimeInterval(20)
      // Gone, or a zombie until Foundation reaps it: either way no longer serving.
      func serving() -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else {
          return false
        }
        return !stat.contains(") Z ")
      }
      while serving() && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
      #expect(!serving(), "dojo serve (pid \(pid)) outlived its LiveServer")
    }

    // MARK: - Limits are the server's

    @Test(
      arguments: [
        ("memory_mb", 1e18), ("memory_mb", 9.3e18), ("memory_mb", 1e300), ("memory_mb", -1e18),
        ("cpu_s", 1e18), ("cpu_s", 9.3e18), ("execution_timeout_s", 1e308), ("gpus", 1e12),
        ("memory_mb", 100.5),
      ])
    func aHugeLimitIsRefusedAndTheServerServesOn(name: String, value: Double) async throws {
      let live = try await LiveServer.start(
        fixture.configuration(sessions: fixture.sessionsDirectory()))
      let client = live.client
      let refused = try await client.call(
        "POST", "/v1/sessions",
        .object(["task": .string(fixture.id), "limits": .object([name: .number(value)])]))
      #expect(refused.status == 400, "\(refused.text)")
      #expect(refused["error"]?["message"]?.string?.contains(name) == true, "\(refused.text)")
      // The server neither crashed nor broke: it answers, and a session steps normally.
      #expect(try await client.call("GET", "/v1/health").status == 200)
      let sid = try await client.open(limits: ["cpu_s": .number(5)])
      let step = try await client.step(sid, "execute_code", code: "print('alive')")
      #expect(step.status == 200, "\(step.text)")
      #expect(step.observation["stdout"]?.string == "alive\n")
      await live.stop()
    }

    @Test func askingAboveTheServersCeilingIsRefusedNamingIt() async throws {
      // The fixture's server runs with --timeout 20 --memory 512, plus --cpu-s 10 here.
      let live = try await LiveServer.start(
        fixture.configuration(sessions: fixture.sessionsDirectory()),
        extraArguments: ["--cpu-s", "10"])
      let client = live.client
      for (name, value, ceiling, option) in [
        ("memory_mb", 513.0, "512", "--memory"), ("execution_timeout_s", 20.5, "20", "--timeout"),
        ("cpu_s", 11.0, "10", "--cpu-s"), ("gpus", 1.0, "0", "--gpus"),
      ] {
        let refused = try await client.call(
          "POST", "/v1/sessions",
          .object(["task": .string(fixture.id), "limits": .object([name: .number(value)])]))
        #expect(refused.status == 400, "\(refused.text)")
        let message = refused["error"]?["message"]?.string ?? ""
        #expect(message.contains("limits.\(name)"), "\(message)")
        #expect(message.contains("ceiling of \(ceiling)"), "\(message)")
        #expect(message.contains(option), "\(message)")
      }
      // Less than the ceiling is granted; nothing asked is the ceiling.
      let opened = try await client.call(
        "POST", "/v1/sessions",
        .object([
          "task": .string(fixture.id),
          "limits": .object(["memory_mb": .number(256), "cpu_s": .number(3)]),
        ]))
      #expect(opened.status == 201)
      #expect(opened.observation["limits"]?["memory_mb"]?.number == 256)
      #expect(opened.observation["limits"]?["cpu_s"]?.number == 3)
      #expect(opened.observation["limits"]?["execution_timeout_s"]?.number == 20)
      await live.stop()
    }

    @Test func unknownLimitsAndStepArgumentsAreRefusedByName() async throws {
      let live = try await LiveServer.start(
        fixture.configuration(sessions: fixture.sessionsDirectory()))
      let client = live.client
      let limits = try await client.call(
        "POST", "/v1/sessions",
        .object([
          "task": .string(fixture.id), "limits": .object(["memory_gb": .number(1)]),
        ]))
      #expect(limits.status == 400)
      #expect(limits["error"]?["message"]?.string?.contains("\"memory_gb\"") == true)
      let field = try await client.call(
        "POST", "/v1/sessions", .object(["task": .string(fixture.id), "priority": .number(9)]))
      #expect(field.status == 400)
      #expect(field["error"]?["message"]?.string?.contains("\"priority\"") == true)
      let sid = try await client.open()
      let unknown = try await client.call(
        "POST", "/v1/sessions/\(sid)/step",
        .object(["action": .string("execute_code"), "code": .string("1"), "timeout": .number(5)]))
      #expect(unknown.status == 400)
      #expect(unknown["error"]?["message"]?.string?.contains("\"timeout\"") == true)
      let misplaced = try await client.step(sid, "get_history", infoType: "all")
      #expect(misplaced.status == 400)
      #expect(misplaced["error"]?["message"]?.string?.contains("info_type") == true)
      // Refused arguments never became steps.
      #expect(try Registry(at: fixture.registry).steps(session: sid).isEmpty)
      await live.stop()
    }

    // MARK: - Authentication, Host, Origin, JSON only

    @Test func requestsWithoutTheTokenOrWithAWrongOneAre401() async throws {
      let live = try await LiveServer.start(
        fixture.configuration(sessions: fixture.sessionsDirectory()))
      let sid = try await live.client.open()
      let wrong: [String?] = [
        nil, "", "wrong-token-of-enough-length", String(live.token.dropLast()), live.token + "0",
        live.token.uppercased(),
      ]
      for token in wrong {
        let client = APIClient(port: live.port, token: token)
        for route in try RuntimeAPI.routes() where route.path != "/v1/health" {
          let path = route.path.replacingOccurrences(of: "{id}", with: fixture.id)
            .replacingOccurrences(of: "{sid}", with: sid)
          let answer = try await client.call(
            route.method, path,
            route.method == "POST" ? .object(["action": .string("get_history")]) : nil)
          #expect(answer.status == 401, "\(route.method) \(path) with \(token ?? "no token")")
          #expect(answer["error"]?["kind"]?.string == "authentication")
        }
      }
      // Another scheme carrying the right token is no bearer token.
      let basic = try await APIClient(port: live.port, token: nil).call(
        "GET", "/v1/tasks", headers: ["Authorization": "Basic \(live.token)"])
      #expect(basic.status == 401)
      // Health needs none; the refused requests changed nothing.
      #expect(
        try await APIClient(port: live.port, token: nil).call("GET", "/v1/health").status == 200)
      #expect(try Registry(at: fixture.registry).steps(session: sid).isEmpty)
      await live.stop()
    }

    @Test func aGeneratedTokenIsPrivatePrintedAndKeptAcrossRestarts() async throws {
      let sessions = fixture.sessionsDirectory()
      let configuration = fixture.configuration(sessions: sessions)
      let first = try await LiveServer.start(configuration, token: nil)
      let file = AccessTokens.tokenFile(for: sessions)
      let stored = try String(contentsOf: file, encoding: .utf8)
        .trimmingCharacters(in: .whitespacesAndNewlines)
      #expect(stored == first.token)
      #expect(stored.count == 64 && stored.allSatisfy(\.isHexDigit))
      let mode = try #require(
        try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int)
      #expect(mode & 0o777 == 0o600)
      let folder = try FileManager.default.attributesOfItem(atPath: sessions.path)
      let folderMode = try #require(folder[.posixPermissions] as? Int)
      // Others may not even pass; the sandbox's own group may only pass through.
      #expect(folderMode & 0o777 == 0o710, "the sessions folder is private")
      #expect(folder[.ownerAccountName] as? String == "root")
      #expect(folder[.groupOwnerAccountName] as? String == "dojo-sandbox")
      #expect(try await first.client.call("GET", "/v1/tasks").status == 200)
      await first.stop()
      let second = try await LiveServer.start(configuration, token: nil)
      #expect(second.token == stored, "a restart keeps the token clients already have")
      await second.stop()
      // A token file others may read is refused, not used.
      chmod(file.path, 0o644)
      let refused = try await LiveServer.refusal(configuration, token: nil, extraArguments: [])
      #expect(refused.status != 0)
      #expect(refused.output.contains("chmod 600"), "\(refused.output)")
    }

    @Test func aForeignHostHeaderIsRefused() async throws {
      let live = try await LiveServer.start(
        fixture.configuration(sessions: fixture.sessionsDirectory()))
      let port = live.port
      for host in [
        "evil.example:\(port)", "evil.example", "127.0.0.1:\(port + 1)", "127.0.0.1",
        "localhost.evil.example:\(port)", "127.0.0.2:\(port)", "[::2]:\(port)", "",
      ] {
        for path in ["/v1/tasks", "/v1/health"] {
          let answer = try await RawSocket.exchange(
            port: port, rawRequest("GET", path, host: host, token: live.token))
          #expect(answer.status == 403 || answer.status == 400, "Host \(host): \(answer.text)")
          #expect(!answer.text.contains("\"tasks\""))
        }
      }
      for host in ["127.0.0.1:\(port)", "localhost:\(port)", "LOCALHOST:\(port)", "[::1]:\(port)"] {
        let answer = try await RawSocket.exchange(
          port: port, rawRequest("GET", "/v1/tasks", host: host, token: live.token))
        #expect(answer.status == 200, "Host \(host): \(answer.text)")
      }
      await live.stop()
    }

    @Test func aForeignOriginIsRefused() async throws {
      let live = try await LiveServer.start(
        fixture.configuration(sessions: fixture.sessionsDirectory()))
      let port = live.port
      let before = try Registry(at: fixture.registry).sessions().count
      let body = JSONValue.object(["task": .string(fixture.id)]).jsonText()
      for origin in [
        "http://evil.example", "https://evil.example", "null", "http://127.0.0.1:\(port + 1)",
        "https://127.0.0.1:\(port)", "http://evil.example:\(port)",
      ] {
        let answer = try await RawSocket.exchange(
          port: port,
          rawRequest(
            "POST", "/v1/sessions", host: "127.0.0.1:\(port)", token: live.token,
            headers: ["Origin: \(origin)", "Content-Type: application/json"], body: body))
        #expect(answer.status == 403, "Origin \(origin): \(answer.text)")
      }
      #expect(try Registry(at: fixture.registry).sessions().count == before, "no session opened")
      let own = try await RawSocket.exchange(
        port: port,
        rawRequest(
          "GET", "/v1/tasks", host: "127.0.0.1:\(port)", token: live.token,
          headers: ["Origin: http://127.0.0.1:\(port)"]))
      #expect(own.status == 200)
      await live.stop()
    }

    @Test func aBodyThatIsNotJSONIs415() async throws {
      let live = try await LiveServer.start(
        fixture.configuration(sessions: fixture.sessionsDirectory()))
      let port = live.port
      let before = try Registry(at: fixture.registry).sessions().count
      let body = JSONValue.object(["task": .string(fixture.id)]).jsonText()
      for type in [
        "Content-Type: text/plain", "Content-Type: application/x-www-form-urlencoded",
        "Content-Type: multipart/form-data; boundary=x", "Content-Type: application/jsonp", nil,
      ] as [String?] {
        let answer = try await RawSocket.exchange(
          port: port,
          rawRequest(
            "POST", "/v1/sessions", host: "127.0.0.1:\(port)", token: live.token,
            headers: type.map { [$0] } ?? [], body: body))
        #expect(answer.status == 415, "\(type ?? "no type"): \(answer.text)")
        #expect(answer.text.contains("unsupported_media_type"))
      }
      #expect(try Registry(at: fixture.registry).sessions().count == before)
      let json = try await RawSocket.exchange(
        port: port,
        rawRequest(
          "POST", "/v1/sessions", host: "127.0.0.1:\(port)", token: live.token,
          headers: ["Content-Type: application/json; charset=utf-8"], body: body))
      #expect(json.status == 201, "\(json.text)")
      await live.stop()
    }

    @Test func anAgentsTokenCannotReadOrStepAnotherAgentsSession() async throws {
      let sessions = fixture.sessionsDirectory()
      let alice = LiveServer.randomToken()
      let bob = LiveServer.randomToken()
      let file = sessions.deletingLastPathComponent().appendingPathComponent(
        "tokens-\(UUID().uuidString.prefix(8))")
      try AtomicFiles.write("# agents\n\(alice) alice\n\n\(bob)\tbob the agent\n", to: file)
      chmod(file.path, 0o600)
      let live = try await LiveServer.start(
        fixture.configuration(sessions: sessions), extraArguments: ["--tokens", file.path])
      let asAlice = APIClient(port: live.port, token: alice)
      let asBob = APIClient(port: live.port, token: bob)
      let sid = try await asAlice.open()
      #expect(
        try Registry(at: fixture.registry).session(sid)?.agent == "alice",
        "a session opened with an agent's token is that agent's")
      let step = try await asAlice.step(
        sid, "execute_code", code: "open('secret.txt','w').write('s')")
      #expect(step.status == 200)

      for (method, path, body) in [
        ("GET", "/v1/sessions/\(sid)/history", nil),
        ("GET", "/v1/sessions/\(sid)/trajectory", nil),
        ("POST", "/v1/sessions/\(sid)/step", JSONValue.object(["action": .string("get_history")])),
        (
          "POST", "/v1/sessions/\(sid)/step",
          JSONValue.object(["action": .string("execute_code"), "code": .string("print(1)")])
        ),
        ("POST", "/v1/sessions/\(sid)/close", JSONValue.object([:])),
        ("DELETE", "/v1/sessions/\(sid)", nil),
      ] as [(String, String, JSONValue?)] {
        let answer = try await asBob.call(method, path, body)
        #expect(answer.status == 404, "\(method) \(path): \(answer.text)")
        #expect(answer["error"]?["message"]?.string?.contains("no session") == true)
      }
      // Bob cannot open a session in Alice's name either.
      let impersonation = try await asBob.call(
        "POST", "/v1/sessions", .object(["task": .string(fixture.id), "agent": .string("alice")]))
      #expect(impersonation.status == 403)
      // Nothing of Bob's reached Alice's session; she and the server's token still see it.
      let history = try await asAlice.call("GET", "/v1/sessions/\(sid)/history")
      #expect(history["steps"]?.array?.count == 1)
      #expect(history["closed_at"] == .null)
      #expect(try await live.client.call("GET", "/v1/sessions/\(sid)/history").status == 200)
      await live.stop()

      // A tokens file others may read is refused.
      chmod(file.path, 0o640)
      let refused = try await LiveServer.refusal(
        fixture.configuration(sessions: sessions), extraArguments: ["--tokens", file.path])
      #expect(refused.status != 0)
      #expect(refused.output.contains("chmod 600"), "\(refused.output)")
    }

    // MARK: - Connection hygiene

    @Test func slowLorisSocketsDoNotStarveHealthAndAreClosedAfterTheTimeout() async throws {
      // The header timeout (2 s) is well below the idle timeout (6 s), so what closes the
      // trickling clients early is the header timeout, not Hummingbird's idle timer.
      let live = try await LiveServer.start(
        fixture.configuration(sessions: fixture.sessionsDirectory()),
        extraArguments: ["--header-timeout", "2", "--idle-timeout", "6"])
      let port = live.port
      // 150 clients that send part of a head and hold; 50 that connect and send nothing.
      var partial: [RawSocket] = []
      for i in 0..<150 {
        let socket = try RawSocket(port: port)
        try socket.send("GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nX-Slow-\(i): ")
        partial.append(socket)
      }
      var silent: [RawSocket] = []
      for _ in 0..<50 { silent.append(try RawSocket(port: port)) }
      // One trickles its head a byte every 300 ms, another its body (after a whole head):
      // trickling extends neither deadline.
      let headTrickler = try RawSocket(port: port)
      try headTrickler.send("GET /v1/health HTTP/1.1\r\n")
      let bodyTrickler = try RawSocket(port: port)
      try bodyTrickler.send(
        "POST /v1/sessions HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAuthorization: Bearer \(live.token)\r\n"
          + "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
      let opened = Date()
      // Each trickler has a thread of its own: the blocking reads below hold the cooperative
      // pool's threads (two on this machine), and a trickler queued behind them would notice
      // its closed socket only when they end.
      let headTrickle = Trickler(headTrickler)
      let bodyTrickle = Trickler(bodyTrickler)

      var times: [Double] = []
      while Date().timeIntervalSince(opened) < 1.5 {
        let health = try await APIClient(port: port, token: nil).call("GET", "/v1/health")
        #expect(health.status == 200)
        times.append(health.seconds)
      }
      print(
        String(
          format: "health beside 202 held sockets: %d answers, median %.1f ms, max %.1f ms",
          times.count, median(times) * 1000, (times.max() ?? 0) * 1000))
      #expect(times.count >= 10)
      #expect((times.max() ?? 9) < 0.5)

      // Every held socket is closed by the server soon after its timeout: the half-sent heads
      // after the header timeout, the silent ones after the idle timeout.
      let (heldPartial, heldSilent) = (partial, silent)
      let closings = try await onOwnThread {
        () -> (partial: Int, partialAt: Double, silent: Int, silentAt: Double) in
        let partialClosed = heldPartial.filter { $0.readUntilClosed(seconds: 6).closed }.count
        let partialAt = Date().timeIntervalSince(opened)
        let silentClosed = heldSilent.filter { $0.readUntilClosed(seconds: 8).closed }.count
        return (partialClosed, partialAt, silentClosed, Date().timeIntervalSince(opened))
      }
      #expect(closings.partial == partial.count, "\(closings.partial) of \(partial.count) closed")
      #expect(
        closings.partialAt < 5, "half-sent heads closed \(closings.partialAt) s after opening")
      #expect(closings.silent == silent.count, "\(closings.silent) of \(silent.count) closed")
      #expect(closings.silentAt < 12, "silent sockets closed \(closings.silentAt) s after opening")
      let headEnded = await headTrickle.ended().timeIntervalSince(opened)
      let bodyEnded = await bodyTrickle.ended().timeIntervalSince(opened)
      #expect(headEnded < 5, "the head trickler was cut off after \(headEnded) s")
      #expect(bodyEnded < 5, "the body trickler was cut off after \(bodyEnded) s")
      print(
        String(
          format:
            "half-sent heads closed by %.1f s, silent sockets by %.1f s; tricklers cut off at %.1f s (head) and %.1f s (body)",
          closings.partialAt, closings.silentAt, headEnded, bodyEnded))
      // The server is as good as new.
      #expect(try await live.client.call("GET", "/v1/tasks").status == 200)
      await live.stop()
    }

    @Test func theConnectionCapDefersNewConnectionsUntilOneCloses() async throws {
      let live = try await LiveServer.start(
        fixture.configuration(sessions: fixture.sessionsDirectory()),
        extraArguments: ["--max-connections", "4", "--header-timeout", "2", "--idle-timeout", "2"])
      var held: [RawSocket] = []
      for _ in 0..<4 { held.append(try RawSocket(port: live.port)) }
      try await Task.sleep(for: .milliseconds(200))
      // A fifth connection waits in the backlog until a held one times out, then is served.
      let start = Date()
      let answer = try await RawSocket.exchange(
        port: live.port, rawRequest("GET", "/v1/health", host: "127.0.0.1:\(live.port)"),
        seconds: 10)
      let waited = Date().timeIntervalSince(start)
      #expect(answer.status == 200)
      #expect(waited > 1.0, "served after \(waited) s: the cap did not hold")
      #expect(waited < 6, "served after \(waited) s")
      print(String(format: "fifth connection over a cap of 4 served after %.1f s", waited))
      held.removeAll()
      await live.stop()
    }

    @Test func stepsBeyondATokensCapAre429WithRetryAfter() async throws {
      let sessions = fixture.sessionsDirectory()
      let agentToken = LiveServer.randomToken()
      let file = sessions.deletingLastPathComponent().appendingPathComponent(
        "tokens-\(UUID().uuidString.prefix(8))")
      try AtomicFiles.write("\(agentToken) capped-other\n", to: file)
      chmod(file.path, 0o600)
      let live = try await LiveServer.start(
        fixture.configuration(sessions: sessions),
        extraArguments: ["--max-steps-per-token", "2", "--tokens", file.path])
      let client = live.client
      let ids = [try await client.open(), try await client.open(), try await client.open()]
      let markers = ids.prefix(2).map {
        sessions.appendingPathComponent("\($0)/workspace/sleeping").path
      }
      // Each holds its slot until the test releases it (at most 15 s), however slowly the
      // machine starts the two sandboxes.
      let sleep = """
        import os, time
        open('sleeping', 'w').close()
        t = time.time()
        while not os.path.exists('release') and time.time() - t < 15:
            time.sleep(0.05)
        print('slept')
        """
      async let first = client.step(ids[0], "execute_code", code: sleep)
      async let second = client.step(ids[1], "execute_code", code: sleep)
      let deadline = Date().addingTimeInterval(15)
      while !markers.allSatisfy(FileManager.default.fileExists(atPath:)), Date() < deadline {
        try await Task.sleep(for: .milliseconds(20))
      }
      try #require(markers.allSatisfy(FileManager.default.fileExists(atPath:)))
      let third = try await client.step(ids[2], "execute_code", code: "print('third')")
      #expect(third.status == 429, "\(third.text)")
      #expect(third["error"]?["kind"]?.string == "too_many_requests")
      // Retry-After is read off a raw answer (URLSession keeps it too, but this is exact).
      let raw = try await RawSocket.exchange(
        port: live.port,
        rawRequest(
          "POST", "/v1/sessions/\(ids[2])/step", host: "127.0.0.1:\(live.port)",
          token: live.token, headers: ["Content-Type: application/json"],
          body: #"{"action":"get_history"}"#))
      #expect(raw.status == 429)
      #expect(raw.text.lowercased().contains("retry-after: 2"), "\(raw.text)")
      // Another token is not held by this one's cap.
      let other = APIClient(port: live.port, token: agentToken)
      let otherSession = try await other.open()
      #expect(try await other.step(otherSession, "get_history").status == 200)
      for id in ids.prefix(2) {
        try AtomicFiles.write("", to: sessions.appendingPathComponent("\(id)/workspace/release"))
      }
      let (a, b) = try await (first, second)
      #expect(a.observation["stdout"]?.string == "slept\n")
      #expect(b.observation["stdout"]?.string == "slept\n")
      // Refused steps were never recorded; once a slot is free, steps run again.
      #expect(try Registry(at: fixture.registry).steps(session: ids[2]).isEmpty)
      let after = try await client.step(ids[2], "execute_code", code: "print('third')")
      #expect(after.observation["stdout"]?.string == "third\n")
      #expect(after.observation["step"]?.number == 1)
      await live.stop()
    }

    // MARK: - Runtime bookkeeping

    @Test func aResetWhoseRemovalFailsReportsAnError() async throws {
      let sessions = fixture.sessionsDirectory()
      let live = try await LiveServer.start(fixture.configuration(sessions: sessions))
      let sid = try await live.client.open()
      _ = try await live.client.step(sid, "execute_code", code: "open('stuck.txt', 'w').write('x')")
      // An immutable file cannot be removed, not even by root: the removal fails.
      let stuck = sessions.appendingPathComponent("\(sid)/workspace/stuck.txt").path
      let pinned = try await runOffPool("/usr/bin/chattr", ["+i", stuck])
      try #require(pinned.succeeded, "chattr +i failed: \(pinned.stderrTail)")
      defer {
        _ = try? ProcessRunner.run(
          "/usr/bin/chattr", ["-i", stuck], limits: .init(wallSeconds: 10))
      }
      let reset = try await live.client.step(sid, "reset")
      #expect(reset.status == 200)
      #expect(reset.observation["status"]?.string == "error", "\(reset.text)")
      #expect(reset.observation["error"]?.string == "reset_failed")
      #expect(reset.observation["feedback"]?.string?.contains("fresh") == false)
      #expect(reset.observation["generation"]?.number == 0, "a failed reset is no new generation")
      let history = try await live.client.call("GET", "/v1/sessions/\(sid)/history")
      #expect(history["state"]?["generation"]?.number == 0)
      #expect(history["steps"]?.array?.last?["observation"]?["status"]?.string == "error")
      // Once the file can go, reset works and says so.
      _ = try await runOffPool("/usr/bin/chattr", ["-i", stuck])
      let second = try await live.client.step(sid, "reset")
      #expect(second.observation["status"]?.string == "reset")
      #expect(!FileManager.default.fileExists(atPath: stuck))
      await live.stop()
    }

    @Test func unpinnedAgentRequirementsAreRefusedNamingTheLine() async throws {
      let file = fixture.root.appendingPathComponent("agent-\(UUID()).txt")
      try AtomicFiles.write(
        "# comment\nnumpy==2.4.6\nlightgbm>=4\n", to: file)
      let (status, output) = try await LiveServer.refusal(
        fixture.configuration(sessions: fixture.sessionsDirectory()),
        extraArguments: ["--agent-requirements", file.path])
      #expect(status == 1)
      #expect(output.contains("line 3: \"lightgbm>=4\" is not pinned"), "\(output)")
    }

    @Test func strayTestSessionsCanBeExcludedFromRankAndDeleted() async throws {
      let sessions = fixture.sessionsDirectory()
      let live = try await LiveServer.start(fixture.configuration(sessions: sessions))
      let stray = "stray-\(UUID().uuidString.prefix(6))"
      let sid = try await live.client.open(agent: stray)
      _ = try await live.client.step(sid, "execute_code", code: constantSubmission("b"))
      await live.stop()
      let registry = fixture.registry.path

      let all = try await runDojo(["rank", "--registry", registry, "--json"])
      #expect(all.succeeded && all.stdoutTail.contains(stray), "\(all.stderrTail)")
      let excluded = try await runDojo([
        "rank", "--registry", registry, "--json", "--exclude-agent", stray,
      ])
      #expect(excluded.succeeded && !excluded.stdoutTail.contains(stray))

      let listed = try await runDojo(["sessions", "list", "--registry", registry, "--agent", stray])
      #expect(listed.stdoutTail.contains(sid))
      let removed = try await runDojo([
        "sessions", "rm", "--registry", registry, "--sessions", sessions.path, "--agent", stray,
      ])
      #expect(removed.succeeded && removed.stdoutTail.contains("deleted session \(sid)"))
      #expect(try Registry(at: fixture.registry).sessions(agent: stray).isEmpty)
      #expect(!FileManager.default.fileExists(atPath: sessions.appendingPathComponent(sid).path))
      // An id that is no session id (it would name another folder) is refused.
      let hostile = try await runDojo([
        "sessions", "rm", "--registry", registry, "--sessions", sessions.path, "../etc",
      ])
      #expect(hostile.exitCode == 1 && hostile.stderrTail.contains("is not a session id"))
    }

    @Test func rankAndTrajectoriesPrintAgentNamesEscaped() async throws {
      let live = try await LiveServer.start(
        fixture.configuration(sessions: fixture.sessionsDirectory()))
      // A name that would clear the screen, recolour, and forge a line if printed raw.
      let hostile = "evil\u{1b}[2J\u{1b}[31m\r\nagent 1  1000\u{7}\u{9b}1m\u{202e}"
      let sid = try await live.client.open(agent: hostile)
      let graded = try await live.client.step(sid, "execute_code", code: constantSubmission("b"))
      #expect(graded.observation["status"]?.string == "success")
      await live.stop()
      #expect(try Registry(at: fixture.registry).session(sid)?.agent == hostile, "stored as given")

      let rank = try await runDojo(["rank", "--registry", fixture.registry.path])
      #expect(rank.succeeded, "\(rank.stderrTail)")
      let out = fixture.root.appendingPathComponent("escaped-\(UUID()).jsonl")
      let exported = try await runDojo([
        "trajectories", "--registry", fixture.registry.path, "--out", out.path,
      ])
      #expect(exported.succeeded, "\(exported.stderrTail)")
      let escaped = #"evil\u{1b}[2J\u{1b}[31m\u{d}\u{a}agent 1  1000\u{7}\u{9b}1m\u{202e}"#
      for (command, printed) in [("rank", rank.stdoutTail), ("trajectories", exported.stdoutTail)] {
        #expect(printed.contains(escaped), "\(command) printed: \(printed)")
        let raw = printed.unicodeScalars.filter {
          ($0.value < 0x20 && $0 != "\n") || (0x7f...0x9f).contains($0.value)
            || $0.value == 0x202e
        }
        #expect(raw.isEmpty, "\(command) printed raw control characters: \(raw.map(\.value))")
      }
      // The exported JSON keeps the name exactly (JSON escapes it).
      let lines = try String(contentsOf: out, encoding: .utf8).split(separator: "\n")
      let records = try lines.map { try JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }
      #expect(records.contains { $0["agent"]?.string == hostile })
    }
  }
}

/// Sends a byte every 300 ms on a thread of its own until the server closes the socket (or
/// 60 bytes went through), and records when that was.
final class Trickler: @unchecked Sendable {
  // `end` is written once by the thread before `done` is signalled, and read only after.
  private var end = Date.distantFuture
  private let done = DispatchSemaphore(value: 0)

  init(_ socket: RawSocket) {
    let thread = Thread { [self] in
      for _ in 0..<60 {
        if (try? socket.send(" ")) == nil { break }
        Thread.sleep(forTimeInterval: 0.3)
      }
      end = Date()
      done.signal()
    }
    thread.start()
  }

  /// When the trickling stopped; by the time this is asked the thread has ended or is about
  /// to, so the wait is short.
  func ended() async -> Date {
    await Task.detached { [self] in
      done.wait()
      return end
    }.value
  }
}
