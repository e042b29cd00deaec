import DojoCore
import Foundation
import Grading
import Registry
import Runtime
import Testing

extension RuntimeSuites {
  @Suite(
    "Runtime episode", .serialized,
    .enabled(if: runtimeAvailable, "bwrap or the fixture is missing"))
  struct EpisodeTests {
    let fixture = PublishedFixture.shared!

    @Test func onlyAnExplicitEventStreamIsStreamed() async throws {
      let live = try await LiveServer.start(
        fixture.configuration(sessions: fixture.sessionsDirectory()))
      let sid = try await live.client.open()
      let cases: [(String?, Bool)] = [
        ("text/event-stream", true), ("application/json, text/event-stream;q=0.9", true),
        ("application/json", false), (nil, false), ("*/*", false),
        ("text/event-stream;q=0, application/json", false),
      ]
      for (accept, streamed) in cases {
        let answer = try await live.client.call(
          "POST", "/v1/sessions/\(sid)/step",
          .object(["action": .string("request_info"), "info_type": .string("name")]),
          headers: accept.map { ["Accept": $0] } ?? [:])
        #expect(answer.status == 200, "\(accept ?? "none"): \(answer.text)")
        #expect(answer.text.hasPrefix("event: observation\n") == streamed, "\(accept ?? "none")")
        #expect((answer["observation"] != nil) == !streamed, "\(accept ?? "none")")
      }
      // The fixture's registry is shared: leave no session open for the metrics test.
      #expect(try await live.client.call("DELETE", "/v1/sessions/\(sid)").status == 200)
      await live.stop()
    }

    @Test func aWholeEpisode() async throws {
      let sessions = fixture.sessionsDirectory()
      let live = try await LiveServer.start(fixture.configuration(sessions: sessions))
      let client = live.client
      let health = try await client.call("GET", "/v1/health")
      #expect(health.status == 200)
      #expect(health["status"]?.string == "ok")

      let tasks = try await client.call("GET", "/v1/tasks")
      let listed = try #require(tasks["tasks"]?.array)
      #expect(
        listed.contains { $0["id"]?.string == fixture.id && $0["metric"]?.string == "accuracy" })
      let task = try await client.call("GET", "/v1/tasks/\(fixture.id)")
      #expect(task.status == 200)
      #expect(task["lower_is_better"]?.bool == false)
      #expect(task["path"] == nil, "the host path of a task is never shown")

      let opened = try await client.call(
        "POST", "/v1/sessions", .object(["task": .string(fixture.id), "agent": .string("episode")]))
      #expect(opened.status == 201)
      let sid = try #require(opened["session"]?.string)
      #expect(opened.observation["data_path"]?.string == "/data")

      // 1. Information.
      let info = try await client.step(sid, "request_info", infoType: "all")
      #expect(info.status == 200)
      #expect(info.reward == 0)
      #expect(info["done"]?.bool == false)
      let all = try #require(info.observation["info"])
      #expect(all["overview"]?.string?.contains("Predict label.") == true)
      #expect(all["sample_submission"]?.string?.hasPrefix("id,label") == true)
      #expect(all["data_structure"]?.string?.contains("test.csv") == true)
      #expect(all["data_structure"]?.string?.contains("answers") == false)
      #expect(all["output_path"]?.string == "/workspace/output")
      #expect(all["metadata"]?["metric"]?.string == "accuracy")
      let overview = try await client.step(sid, "request_info", infoType: "overview")
      #expect(overview.observation["info"]?.string?.contains("Runtime demo") == true)

      // 2. A failing script: its traceback comes back.
      let failing = try await client.step(
        sid, "execute_code", code: "def f():\n    raise ValueError('boom 42')\nf()\n")
      #expect(failing.status == 200)
      #expect(failing.reward == 0)
      #expect(failing.observation["status"]?.string == "error")
      let stderr = try #require(failing.observation["stderr"]?.string)
      #expect(stderr.contains("Traceback (most recent call last)"))
      #expect(stderr.contains("ValueError: boom 42"))
      #expect(failing.observation["run"]?["exit_code"]?.number == 1)
      #expect(failing.observation["run"]?["started_ahead"]?.bool == false, "a first run is cold")

      // 3. An invalid submission: its message, reward 0.
      let invalid = try await client.step(
        sid, "execute_code",
        code:
          "import os\nopen(os.environ['DOJO_OUTPUT'] + '/submission.csv', 'w').write('id,label\\n0,a\\n')\n"
      )
      #expect(invalid.reward == 0)
      #expect(invalid.observation["status"]?.string == "invalid_submission")
      #expect(invalid.observation["error"]?.string?.contains("missing") == true)
      #expect(invalid.observation["current_raw_score"] == .null)
      // The sandbox of every later run was started when the one before it ended.
      #expect(invalid.observation["run"]?["started_ahead"]?.bool == true)

      // 4. A valid solution: reward = its HumanRank, as the grader gives it.
      let good = try await client.step(sid, "execute_code", code: constantSubmission("b"))
      #expect(good.observation["status"]?.string == "success", "\(good.text)")
      let kept = sessions.appendingPathComponent("\(sid)/steps/0005/submission.csv")
      let report = try Grader(taskDirectory: fixture.taskPath).grade(submission: kept)
      let rank = try #require(report.placement?.humanRank)
      #expect(report.valid)
      #expect(good.reward == rank)
      #expect(rank > 0 && rank < 1)
      #expect(good.observation["current_raw_score"]?.number == report.score)
      #expect(good.observation["current_position_score"]?.number == rank)
      #expect(good.observation["best_position_score"]?.number == rank)
      #expect(good.observation["grade"]?["human_rank"]?.number == rank)
      #expect(
        FileManager.default.fileExists(
          atPath: sessions.appendingPathComponent("\(sid)/steps/0003/main.py").path))

      // 5. validate_code: syntax errors come back, a good run is never graded.
      let syntax = try await client.step(sid, "validate_code", code: "def broken(:\n  pass\n")
      #expect(syntax.observation["status"]?.string == "syntax_error")
      #expect(syntax.observation["error"]?.string?.contains("SyntaxError") == true)
      let validated = try await client.step(sid, "validate_code", code: constantSubmission("a"))
      #expect(validated.observation["status"]?.string == "success")
      #expect(validated.observation["submission_written"]?.bool == true)
      #expect(validated.observation["grade"] == nil)
      #expect(validated.reward == 0)

      // 6. The raw score mode and the best score.
      let worse = try await client.step(sid, "execute_code", code: constantSubmission("a"))
      #expect(worse.observation["status"]?.string == "success")
      #expect((worse.reward ?? 1) < rank)
      #expect(worse.observation["best_position_score"]?.number == rank)

      // 7. History, through the action and the route.
      let history = try await client.step(sid, "get_history")
      let entries = try #require(history.observation["history"]?.array)
      #expect(
        entries.map { $0["action"]?.string ?? "" } == [
          "request_info", "request_info", "execute_code", "execute_code", "execute_code",
          "validate_code", "validate_code", "execute_code",
        ])
      #expect(entries[4]["reward"]?.number == rank)
      let full = try await client.call("GET", "/v1/sessions/\(sid)/history")
      let steps = try #require(full["steps"]?.array)
      #expect(steps.count == 9)
      #expect(steps[2]["code"]?.string?.contains("boom 42") == true)
      #expect(full["state"]?["best_position_score"]?.number == rank)

      // 8. reset: a fresh workspace, history kept and marked.
      _ = try await client.step(sid, "execute_code", code: "open('keep.txt', 'w').write('x')")
      let reset = try await client.step(sid, "reset")
      #expect(reset.observation["status"]?.string == "reset")
      let after = try await client.step(
        sid, "execute_code", code: "import os\nprint(sorted(os.listdir('.')))")
      #expect(after.observation["stdout"]?.string?.contains("keep.txt") == false)
      #expect(
        after.observation["run"]?["started_ahead"]?.bool == false,
        "a sandbox bound to the workspace before the reset ran a step")
      let trajectory = try await client.call("GET", "/v1/sessions/\(sid)/trajectory")
      let lines = trajectory.text.split(separator: "\n")
      #expect(lines.count == 12)
      let first = try JSONDecoder().decode(JSONValue.self, from: Data(lines[4].utf8))
      #expect(first["task"]?.string == fixture.id)
      #expect(first["agent"]?.string == "episode")
      #expect(first["action"]?["type"]?.string == "execute_code")
      let asked = try JSONDecoder().decode(JSONValue.self, from: Data(lines[0].utf8))
      #expect(asked["action"]?["info_type"]?.string == "all")
      #expect(first["reward"]?.number == rank)
      #expect(first["score"]?.number == report.score)

      // Closing keeps the history and refuses further steps.
      let closed = try await client.call("POST", "/v1/sessions/\(sid)/close", .object([:]))
      #expect(closed.status == 200)
      let refused = try await client.step(sid, "get_history")
      #expect(refused.status == 409)
      #expect(refused["error"]?["kind"]?.string == "conflict")
      #expect(try await client.call("GET", "/v1/sessions/\(sid)/history").status == 200)

      // Export for training.
      let out = fixture.root.appendingPathComponent("episode-\(UUID()).jsonl")
      let written = try Trajectories.export(
        registry: try Registry(at: fixture.registry), agent: "episode", to: out)
      #expect(written.steps >= 12)
      let exported = try String(contentsOf: out, encoding: .utf8).split(separator: "\n")
      #expect(exported.count == written.steps)

      // Deleting removes the session, its steps and its files.
      let deleted = try await client.call("DELETE", "/v1/sessions/\(sid)")
      #expect(deleted.status == 200)
      #expect(deleted["deleted"]?.bool == true)
      #expect(try await client.call("GET", "/v1/sessions/\(sid)/history").status == 404)
      #expect(try Registry(at: fixture.registry).steps(session: sid).isEmpty)
      #expect(!FileManager.default.fileExists(atPath: sessions.appendingPathComponent(sid).path))
      await live.stop()
    }

    @Test func metricsAndLogLinesRecordRequestsAndSteps() async throws {
      let live = try await LiveServer.start(
        fixture.configuration(sessions: fixture.sessionsDirectory()))
      let sid = try await live.client.open(agent: "metrics")
      _ = try await live.client.step(sid, "request_info", infoType: "name")
      _ = try await live.client.step(sid, "execute_code", code: "print(1)")
      let metrics = try await live.client.call("GET", "/metrics")
      #expect(metrics.status == 200)
      #expect(metrics.text.contains(#"dojo_steps_total{action="request_info",status="success"} 1"#))
      #expect(
        metrics.text.contains(#"dojo_steps_total{action="execute_code",status="no_submission"} 1"#))
      #expect(metrics.text.contains(#"dojo_sandbox_runs_total{outcome="ok"} 1"#))
      #expect(metrics.text.contains(#"dojo_step_duration_seconds_bucket{action="execute_code""#))
      #expect(metrics.text.contains("dojo_sessions_open 1"), "\(metrics.text)")
      let anonymous = try await APIClient(port: live.port, token: nil).call("GET", "/metrics")
      #expect(anonymous.status == 401)
      await live.stop()
      let log = try String(contentsOf: live.log, encoding: .utf8)
      #expect(log.contains("path=/v1/sessions/\(sid)/step"), "\(log.suffix(2000))")
      #expect(log.contains("status=200"))
      #expect(log.contains("action=execute_code") && log.contains("session=\(sid)"))
      #expect(log.contains("status=401"))
    }

    @Test func rawScoreMode() async throws {
      let live = try await LiveServer.start(
        fixture.configuration(sessions: fixture.sessionsDirectory()))
      let sid = try await live.client.open(scoreMode: "raw")
      let step = try await live.client.step(sid, "execute_code", code: constantSubmission("b"))
      #expect(step.reward == step.observation["current_raw_score"]?.number)
      #expect(step.reward == 0.75 || (step.reward ?? 0) > 0.5)
      await live.stop()
    }

    @Test(
      arguments: [
        ("GET", "/v1/nowhere", nil, 404, "not_found"),
        ("GET", "/v1/tasks/no-such-task", nil, 404, "not_found"),
        (
          "POST", "/v1/sessions", JSONValue.object(["task": .string("no-such-task")]), 404,
          "not_found"
        ),
        (
          "POST", "/v1/sessions", JSONValue.object(["agent": .string("x")]), 400, "invalid_argument"
        ),
        (
          "POST", "/v1/sessions/nope/step", JSONValue.object(["action": .string("get_history")]),
          404,
          "not_found"
        ),
        ("GET", "/v1/sessions/nope/history", nil, 404, "not_found"),
        ("DELETE", "/v1/sessions/nope", nil, 404, "not_found"),
      ] as [(String, String, JSONValue?, Int, String)])
    func errorsHaveOneShape(
      method: String, path: String, body: JSONValue?, status: Int, kind: String
    )
      async throws
    {
      let live = try await LiveServer.start(
        fixture.configuration(sessions: fixture.sessionsDirectory()))
      let response = try await live.client.call(method, path, body)
      #expect(response.status == status, "\(response.text)")
      #expect(response["error"]?["kind"]?.string == kind)
      #expect(response["error"]?["message"]?.string?.isEmpty == false)
      await live.stop()
    }

    @Test func badStepsAreRefusedWithTheirReason() async throws {
      let live = try await LiveServer.start(
        fixture.configuration(sessions: fixture.sessionsDirectory()))
      let sid = try await live.client.open()
      let unknown = try await live.client.step(sid, "dance")
      #expect(unknown.status == 400)
      #expect(unknown["error"]?["message"]?.string?.contains("execute_code") == true)
      let noCode = try await live.client.step(sid, "execute_code")
      #expect(noCode.status == 400)
      let badInfo = try await live.client.step(sid, "request_info", infoType: "secrets")
      #expect(badInfo.status == 400)
      let notJSON = try await live.client.call("POST", "/v1/sessions/\(sid)/step", .string("x"))
      #expect(notJSON.status == 400)
      #expect(notJSON["error"]?["kind"]?.string == "invalid_argument")
      let badLimits = try await live.client.call(
        "POST", "/v1/sessions",
        .object(["task": .string(fixture.id), "limits": .object(["memory_mb": .number(1)])]))
      #expect(badLimits.status == 400)
      #expect(badLimits["error"]?["message"]?.string?.contains("memory_mb") == true)
      await live.stop()
    }
  }
}
