import DojoCore
import Foundation
import Grading
import Registry
import Testing

@testable import Report

/// A registry built the way import, validate and the runtime fill one: two published tasks
/// with leaderboards (one higher-is-better, one lower), a task whose validation failed (its
/// title trying to inject a script), and sessions of two agents.
struct ReportFixture {
  let root: URL
  var registryURL: URL { root.appendingPathComponent("registry.sqlite") }

  static let alphaBoard = [0.95, 0.90, 0.85, 0.80, 0.75, 0.70, 0.65, 0.60, 0.55, 0.50]
  static let betaBoard = [1.0, 1.2, 1.4, 1.6, 1.8, 2.0, 2.2, 2.4, 2.6, 2.8]
  static let hostileTitle = "Gamma <script>alert('x')</script> & \"friends\""

  init() throws {
    root = FileManager.default.temporaryDirectory.appendingPathComponent("dojo-report-\(UUID())")
    try AtomicFiles.createDirectory(root)
    let registry = try Registry(at: registryURL)
    try Self.publish(
      registry, id: "alpha", metric: "accuracy", lowerIsBetter: false, board: Self.alphaBoard,
      category: "Tabular", referenceScore: 0.87, prepareSeconds: 1.25)
    try Self.publish(
      registry, id: "beta", metric: "rmse", lowerIsBetter: true, board: Self.betaBoard,
      category: "NLP", referenceScore: nil, prepareSeconds: 0.5)
    try registry.recordValidation(
      ValidationRecord(
        task: "gamma", version: "c0ffee000000", title: Self.hostileTitle, category: "Tabular",
        metric: "roc_auc", passed: false, failedCheck: "leaks",
        message: "answers column <label> found in public/test.csv",
        recordedAt: "2026-11-26T10:00:00Z"))
    // agent-a: alpha 0.70 then 0.92 (best); beta 1.5. agent-b: alpha 0.80; beta nothing valid.
    try Self.session(
      registry, id: "s1", task: "alpha", agent: "agent-a", scores: [0.70, nil, 0.92])
    try Self.session(registry, id: "s2", task: "beta", agent: "agent-a", scores: [1.5])
    try Self.session(registry, id: "s3", task: "alpha", agent: "agent-b", scores: [0.80])
    try Self.session(registry, id: "s4", task: "beta", agent: "agent-b", scores: [nil, nil])
  }

  func remove() { try? FileManager.default.removeItem(at: root) }

  static func publish(
    _ registry: Registry, id: String, metric: String, lowerIsBetter: Bool, board: [Double],
    category: String, referenceScore: Double?, prepareSeconds: Double
  ) throws {
    let spec = TaskSpec(
      id: id, version: "\(id)-v1", title: id.capitalized, metric: .init(name: metric),
      lowerIsBetter: lowerIsBetter, idColumn: "id", targets: ["y"], classes: nil,
      submissionColumns: ["y"], trainRows: 900, testRows: 100, category: category)
    let report = """
      {"task": "\(id)", "version": "\(id)-v1", "passed": true, "validated_at": "2026-11-26T09:00:00Z",
       "checksums_sha256": "00", "checks": [
        {"name": "determinism", "status": "passed", "detail": "ok", "seconds": \(prepareSeconds)},
        {"name": "reference", "status": "\(referenceScore == nil ? "skipped" : "passed")",
         "detail": "", "seconds": 3\(referenceScore.map { ", \"score\": \($0)" } ?? "")}]}
      """
    _ = try registry.publish(
      PublishRequest(
        spec: spec, manifestSHA256: nil, checksums: [], reportJSON: report,
        leaderboard: board.enumerated().map {
          LeaderboardEntry(board: "public", rank: $0.offset + 1, score: $0.element)
        }, path: "/nowhere/\(id)"))
  }

  static func session(
    _ registry: Registry, id: String, task: String, agent: String, scores: [Double?]
  ) throws {
    try registry.insertSession(
      SessionRecord(
        id: id, task: task, version: "\(task)-v1", agent: agent, optionsJSON: "{}",
        stateJSON: "{}", createdAt: "2026-11-26T11:00:0\(id.suffix(1))Z",
        updatedAt: "2026-11-26T11:00:00Z"))
    for (i, score) in scores.enumerated() {
      try registry.appendStep(
        StepRecord(
          session: id, step: i + 1, action: "execute_code", code: "print(1)",
          observationJSON: "{}", reward: score == nil ? 0 : 0.5, score: score,
          startedAt: "2026-11-26T11:00:00Z", finishedAt: "2026-11-26T11:00:01Z"),
        sessionState: "{}")
    }
  }
}

@Suite("Curator's report")
struct ReportTests {
  @Test func tasksCarryStatusReferenceAndPrepareTime() throws {
    let f = try ReportFixture()
    defer { f.remove() }
    let report = try CuratorReport.build(registryAt: f.registryURL)
    #expect(report.tasks.map(\.id) == ["alpha", "beta", "gamma"])
    let alpha = try #require(report.tasks.first)
    #expect(alpha.status == .passed && alpha.published && alpha.category == "Tabular")
    #expect(alpha.referenceScore == 0.87)
    // 0.87 beats or ties 0.85 ... 0.50: 8 of 10. Medal ranks of 10 entries are 1, 2 and 4:
    // gold 0.95, silver 0.90, bronze 0.80, so 0.87 is bronze.
    #expect(alpha.reference?.humanRank == 0.8)
    #expect(alpha.reference?.bronze == true)
    #expect(alpha.prepareSeconds == 1.25)
    #expect(alpha.submissions.map(\.score) == [0.70, 0.92, 0.80])
    let gamma = report.tasks[2]
    #expect(gamma.status == .failed && !gamma.published)
    #expect(gamma.failedCheck == "leaks")
    #expect(gamma.title == ReportFixture.hostileTitle)

    let s = report.summary
    #expect(s.tasks == 3 && s.published == 2 && s.passed == 2 && s.failed == 1)
    #expect(s.failingByCheck == ["leaks": 1])
    #expect(s.byCategory["Tabular"]?.tasks == 2 && s.byCategory["Tabular"]?.failing == 1)
    #expect(s.byMetric["rmse"]?.tasks == 1)
  }

  @Test func aLaterRunThatSkippedTheReferenceKeepsThePublishedScore() throws {
    let f = try ReportFixture()
    defer { f.remove() }
    let registry = try Registry(at: f.registryURL)
    func revalidate(_ version: String, prepare: Double) throws {
      try registry.recordValidation(
        ValidationRecord(
          task: "alpha", version: version, title: "Alpha", metric: "accuracy", passed: true,
          reportJSON: """
            {"task": "alpha", "version": "\(version)", "passed": true, "validated_at": "x",
             "checksums_sha256": "00", "checks": [
              {"name": "determinism", "status": "passed", "detail": "", "seconds": \(prepare)},
              {"name": "reference", "status": "skipped", "detail": "", "seconds": 0}]}
            """, recordedAt: "2026-11-26T12:00:00Z"))
    }
    try revalidate("alpha-v1", prepare: 2.5)
    var alpha = try #require(CuratorReport.build(registryAt: f.registryURL).tasks.first)
    #expect(alpha.referenceScore == 0.87 && alpha.prepareSeconds == 2.5)
    // A newer version's validation does not borrow the old version's reference score.
    try revalidate("alpha-v2", prepare: 3.5)
    alpha = try #require(CuratorReport.build(registryAt: f.registryURL).tasks.first)
    #expect(alpha.referenceScore == nil && alpha.prepareSeconds == 3.5)
  }

  @Test func agentsAreCountedAsMLEBenchAggregatesThem() throws {
    let f = try ReportFixture()
    defer { f.remove() }
    let agents = try CuratorReport.build(registryAt: f.registryURL).agents
    #expect(agents.map(\.agent) == ["agent-a", "agent-b"])
    let a = agents[0]
    // alpha best 0.92: silver (0.90 <= 0.92 < 0.95), HumanRank 9/10; beta 1.5 (lower is
    // better): bronze (1.4 < 1.5 <= 1.6), HumanRank 7/10 (1.6 ... 2.8).
    #expect(a.tasksAttempted == 2 && a.validSubmissions == 3 && a.tasksWithValidSubmission == 2)
    #expect(abs(a.meanHumanRank - 0.8) < 1e-12)
    #expect([a.gold, a.silver, a.bronze, a.anyMedal, a.aboveMedian] == [Int]([0, 1, 1, 2, 2]))
    let b = agents[1]
    // alpha 0.80: bronze (ties the bronze threshold), HumanRank 7/10; beta: no valid score.
    #expect(b.tasksAttempted == 2 && b.validSubmissions == 1 && b.tasksWithValidSubmission == 1)
    #expect(abs(b.meanHumanRank - 0.35) < 1e-12)
    #expect([b.gold, b.silver, b.bronze, b.anyMedal, b.aboveMedian] == [Int]([0, 0, 1, 1, 1]))
  }

  @Test func theBradleyTerryFitSolvesItsLikelihoodEquations() throws {
    let f = try ReportFixture()
    defer { f.remove() }
    let agents = try CuratorReport.build(registryAt: f.registryURL).agents
    // a beats b on alpha (0.92 vs 0.80) and on beta (1.5 vs none). With each agent's virtual
    // tie against strength 1, the maximum-likelihood strengths solve
    //   pa = 2.5 / (2 / (pa + pb) + 1 / (pa + 1)),  pb = 0.5 / (2 / (pa + pb) + 1 / (pb + 1)).
    // Solved here by a fixed-point iteration of their own, then put on the shown scale.
    var (pa, pb) = (1.0, 1.0)
    for _ in 0..<100_000 {
      let na = 2.5 / (2 / (pa + pb) + 1 / (pa + 1))
      let nb = 0.5 / (2 / (na + pb) + 1 / (pb + 1))
      (pa, pb) = (na, nb)
    }
    let gap = 400 * log10(pa / pb)
    #expect(agents.map(\.agent) == ["agent-a", "agent-b"])
    #expect(abs((agents[0].rating - agents[1].rating) - gap) < 1e-6)
    #expect(abs(agents[0].rating + agents[1].rating - 2000) < 1e-9)
    #expect(agents.map(\.rank) == [1, 2])
    for a in agents { #expect(a.ratingLow <= a.rating + 1e-9 && a.rating <= a.ratingHigh + 1e-9) }
  }

  @Test func ratingsDoNotDependOnTheOrderOfSessionsAndTiesStayTies() {
    // c and d have the same results everywhere: equal ratings, one shared rank, whatever
    // order the sessions come in (Elo's sequential updates would split them).
    let attempts = [
      Attempt(agent: "c", task: "t1", scores: [0.9]),
      Attempt(agent: "d", task: "t1", scores: [0.9]),
      Attempt(agent: "e", task: "t1", scores: [0.5]),
      Attempt(agent: "c", task: "t2", scores: [0.4]),
      Attempt(agent: "d", task: "t2", scores: [0.4]),
      Attempt(agent: "e", task: "t2", scores: [0.7]),
      Attempt(agent: "c", task: "t4", scores: [0.3]),
      Attempt(agent: "d", task: "t4", scores: [0.3]),
      Attempt(agent: "e", task: "t4", scores: [0.1]),
      Attempt(agent: "e", task: "t3", scores: [0.2]), Attempt(agent: "c", task: "t3", scores: []),
    ]
    let compute = { (list: [Attempt]) in
      AgentStandings.compute(attempts: list, place: { _, _ in nil }, lowerIsBetter: { _ in false })
    }
    let forward = compute(attempts)
    let backward = compute(attempts.reversed())
    #expect(forward == backward)
    let byName = Dictionary(uniqueKeysWithValues: forward.map { ($0.agent, $0) })
    // Against e, c wins t1 and t4 and loses t2 and t3; d wins t1 and t4 and loses t2 (it
    // skipped t3); c and d tie wherever both played. d is above c; without t3 they tie.
    #expect(byName["c"]!.rating < byName["d"]!.rating)
    let tied = compute(attempts.filter { $0.task != "t3" })
    #expect(tied[0].rating == tied[1].rating || abs(tied[0].rating - tied[1].rating) < 1e-6)
    #expect(tied.filter { $0.agent == "c" || $0.agent == "d" }.map(\.rank) == [1, 1])
    #expect(tied.first { $0.agent == "e" }?.rank == 3)
  }

  @Test func anExcludedAgentLeavesTheStandings() throws {
    let f = try ReportFixture()
    defer { f.remove() }
    let report = try CuratorReport.build(registryAt: f.registryURL, excludingAgents: ["agent-b"])
    #expect(report.agents.map(\.agent) == ["agent-a"])
    #expect(report.agents[0].rating == 1000)
    #expect(report.sessions.allSatisfy { $0.agent == "agent-a" })
  }

  @Test(
    arguments: [
      (0.5, 0.5, false, 0.5), (0.9, 0.5, false, 1.0), (0.9, 0.5, true, 0.0), (nil, 0.1, false, 0.0),
      (0.1, nil, true, 1.0), (nil, nil, false, 0.5),
    ] as [(Double?, Double?, Bool, Double)])
  func aGameIsWonByTheBetterScore(a: Double?, b: Double?, lowerIsBetter: Bool, result: Double) {
    #expect(AgentStandings.result(a, b, lowerIsBetter) == result)
  }

  @Test func everyStringFromTheRegistryIsEscaped() throws {
    let f = try ReportFixture()
    defer { f.remove() }
    let html = try CuratorReport.build(registryAt: f.registryURL).html()
    #expect(!html.contains("<script>alert"))
    #expect(
      html.contains(
        "Gamma &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;friends&quot;"))
    #expect(html.contains("answers column &lt;label&gt; found"))
    // Exactly the report's own two scripts, and nothing loaded from elsewhere.
    #expect(html.components(separatedBy: "<script>").count - 1 == 2)
    // The only address is the SVG namespace, which names and never loads.
    let addresses =
      html.components(separatedBy: "http:").count + html.components(separatedBy: "https:").count - 2
    #expect(addresses == html.components(separatedBy: "http://www.w3.org/2000/svg").count - 1)
    #expect(!html.contains("src=") && !html.contains("url("))
  }

  @Test func rankPrintsOneLinePerAgent() throws {
    let f = try ReportFixture()
    defer { f.remove() }
    let lines = try CuratorReport.build(registryAt: f.registryURL).rankTable()
      .split(separator: "\n")
    #expect(lines.count == 3)
    let agents = try CuratorReport.build(registryAt: f.registryURL).agents
    #expect(
      lines[1].contains("agent-a") && lines[1].contains(String(format: "%.0f", agents[0].rating)))
    #expect(
      lines[2].contains("agent-b") && lines[2].contains(String(format: "%.0f", agents[1].rating)))
  }
}
