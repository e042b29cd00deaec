internal import DojoCore
public import Foundation
public import Grading
public import Registry
internal import Validation

/// Everything `dojo report` and `dojo rank` show, read from one registry.
public struct CuratorReport: Sendable {
  public var registryPath: String
  public var generatedAt: String
  public var tasks: [TaskRow]
  public var sessions: [SessionSeries]
  public var agents: [AgentStanding]
  /// How ratings were computed, for the page and `dojo rank`.
  public var ratingMethod: String
}

/// One task: its last validation, its reference solution, its leaderboard and where the
/// runtime's submissions landed.
public struct TaskRow: Sendable {
  public enum Status: String, Sendable {
    /// The newest validation passed.
    case passed
    /// The newest validation (or import) failed.
    case failed
    /// Published, with neither a recorded validation nor a passing report.
    case published
  }

  public var id: String
  public var title: String
  public var category: String?
  public var metric: String?
  public var lowerIsBetter: Bool
  public var published: Bool
  public var version: String?
  public var trainRows: Int?
  public var testRows: Int?
  public var status: Status
  /// The failed check (or import stage) and its message.
  public var failedCheck: String?
  public var message: String?
  public var referenceScore: Double?
  public var reference: Placement?
  /// Seconds to prepare the task: the determinism check prepares it again from scratch.
  public var prepareSeconds: Double?
  /// The board scores are placed on (private when both exist), best first.
  public var leaderboard: [Double]
  /// The leaderboard's thresholds, when it has one.
  public var thresholds: Placement.Thresholds?
  /// Every valid runtime submission on this task: agent and score.
  public var submissions: [(agent: String, score: Double)]
  /// The validation's warnings that hold or could not be measured (clear ones are left
  /// out); empty when the report predates warnings.
  public var warnings: [TaskWarning] = []
}

/// A validation warning on a task, as the report shows it.
public struct TaskWarning: Sendable, Equatable {
  /// `baseline_medal`, `duplicates` or `tier_separation`.
  public var name: String
  /// True when the warning holds; false when it could not be measured (never clear).
  public var warned: Bool
  public var detail: String
}

/// One runtime session's scores, step by step.
public struct SessionSeries: Sendable {
  public var id: String
  public var task: String
  public var agent: String
  /// Every step that produced a valid submission: its number and score.
  public var points: [(step: Int, score: Double)]
  public var steps: Int
  public var lowerIsBetter: Bool
}

extension CuratorReport {
  /// Reads a registry into a report.
  ///
  /// - Throws: ``DojoError`` when the registry cannot be opened.
  /// - Parameter excludingAgents: agents left out of the standings, the sessions' plots and
  ///   the submissions marked on the histograms (stray test runs, say).
  public static func build(
    registryAt url: URL, now: Date = Date(), excludingAgents: Set<String> = []
  ) throws -> CuratorReport {
    try build(registry: try Registry(at: url), now: now, excludingAgents: excludingAgents)
  }

  /// Reads an open registry into a report.
  ///
  /// - Throws: ``DojoError`` when the registry cannot be read.
  public static func build(
    registry: Registry, now: Date = Date(), excludingAgents: Set<String> = []
  ) throws -> CuratorReport {
    let published = Dictionary(
      try registry.latest().map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    let validations = Dictionary(
      try registry.latestValidations().map { ($0.task, $0) }, uniquingKeysWith: { a, _ in a })

    var boards: [String: [Leaderboard]] = [:]
    var rows: [String: TaskRow] = [:]
    for id in Set(published.keys).union(validations.keys).sorted() {
      let task = published[id]
      let record = validations[id]
      let spec = task.flatMap { try? registry.spec($0.id, version: $0.version) }
      let decode = { (json: String?) -> ValidationReport? in
        json.flatMap { try? JSONDecoder().decode(ValidationReport.self, from: Data($0.utf8)) }
      }
      // The newest validation decides; the report the task was published with fills in what
      // a later run skipped (a re-validation with --skip-reference keeps the reference's
      // score), as long as both are of the same version.
      let published = decode(
        task.flatMap { try? registry.report($0.id, version: $0.version) } ?? nil)
      let latest = decode(record?.reportJSON)
      let report = latest ?? published
      let sameVersion = latest == nil || latest?.version == published?.version
      let fallback = sameVersion ? published : nil
      let entries = try task.map { try registry.leaderboard($0.id, version: $0.version) } ?? []
      let names = ["public", "private"].filter { name in entries.contains { $0.board == name } }
      let taskBoards = names.map { name in
        Leaderboard(
          name: name, format: .mleDojo,
          scores: entries.filter { $0.board == name }.sorted { $0.rank < $1.rank }.map(\.score))
      }
      boards[id] = taskBoards
      let lowerIsBetter = task?.lowerIsBetter ?? false
      // The newest recorded validation decides; a task published before validations were
      // recorded still has the report it was published with.
      let status: TaskRow.Status =
        record.map { $0.passed ? .passed : .failed }
        ?? (report?.passed == true ? .passed : .published)
      let referenceScore =
        Self.check("reference", in: report)?.score ?? Self.check("reference", in: fallback)?.score
      rows[id] = TaskRow(
        id: id, title: task?.title ?? record?.title ?? id,
        category: spec?.category ?? record?.category, metric: task?.metric ?? record?.metric,
        lowerIsBetter: lowerIsBetter, published: task != nil,
        version: task?.version ?? record?.version, trainRows: task?.trainRows,
        testRows: task?.testRows, status: status,
        failedCheck: status == .failed ? record?.failedCheck : nil,
        message: status == .failed ? record?.message : nil, referenceScore: referenceScore,
        reference: referenceScore.flatMap {
          Placement.place(score: $0, on: taskBoards, lowerIsBetter: lowerIsBetter)
        },
        prepareSeconds: (Self.check("determinism", in: report)
          ?? Self.check("determinism", in: fallback))?.seconds,
        leaderboard: taskBoards.last?.scores ?? [],
        // Thresholds do not depend on the score placed.
        thresholds: Placement.place(score: 0, on: taskBoards, lowerIsBetter: lowerIsBetter)?
          .thresholds,
        submissions: [],
        warnings: (report?.warnings.isEmpty == false ? report : fallback)?.warnings
          .filter { $0.status != .clear }
          .map { TaskWarning(name: $0.name, warned: $0.status == .warned, detail: $0.detail) }
          ?? [])
    }

    var series: [SessionSeries] = []
    var attempts: [Attempt] = []
    for session in try registry.sessions() {
      let agent = session.agent ?? "unnamed"
      if excludingAgents.contains(agent) { continue }
      let steps = try registry.steps(session: session.id)
      let points = steps.compactMap { step in step.score.map { (step: step.step, score: $0) } }
      let lowerIsBetter =
        rows[session.task]?.lowerIsBetter ?? published[session.task]?.lowerIsBetter ?? false
      series.append(
        SessionSeries(
          id: session.id, task: session.task, agent: agent, points: points, steps: steps.count,
          lowerIsBetter: lowerIsBetter))
      for point in points { rows[session.task]?.submissions.append((agent, point.score)) }
      attempts.append(
        Attempt(agent: agent, task: session.task, scores: points.map(\.score)))
    }
    let standings = AgentStandings.compute(
      attempts: attempts,
      place: { task, score in
        guard let row = rows[task], let taskBoards = boards[task] else { return nil }
        return Placement.place(score: score, on: taskBoards, lowerIsBetter: row.lowerIsBetter)
      },
      lowerIsBetter: { rows[$0]?.lowerIsBetter ?? false })
    return CuratorReport(
      registryPath: registry.location.description,
      generatedAt: ISO8601DateFormatter().string(from: now),
      tasks: rows.keys.sorted().compactMap { rows[$0] }, sessions: series, agents: standings,
      ratingMethod: AgentStandings.ratingMethod)
  }
}

extension CuratorReport {
  /// A check that ran (passed or failed, not skipped) in `report`, if any.
  static func check(_ name: String, in report: ValidationReport?) -> CheckResult? {
    report?.checks.first { $0.name == name && $0.status != .skipped }
  }
}

extension CuratorReport {
  /// Counts for the summary: tasks published, validated, failing by check, per category
  /// and per metric.
  public struct Summary: Sendable, Equatable {
    public var tasks: Int
    public var published: Int
    public var passed: Int
    public var failed: Int
    /// Failing tasks by the check (or import stage) that failed.
    public var failingByCheck: [String: Int]
    /// Tasks, and of those failing, per category (`uncategorized` when none).
    public var byCategory: [String: (tasks: Int, failing: Int)]
    public var byMetric: [String: (tasks: Int, failing: Int)]
    /// Tasks whose validation raised a warning, and how many by warning.
    public var warned: Int = 0
    public var warnedByName: [String: Int] = [:]

    public static func == (a: Summary, b: Summary) -> Bool {
      a.tasks == b.tasks && a.published == b.published && a.passed == b.passed
        && a.failed == b.failed && a.failingByCheck == b.failingByCheck
        && a.warned == b.warned && a.warnedByName == b.warnedByName
        && a.byCategory.mapValues { [$0.tasks, $0.failing] }
          == b.byCategory.mapValues { [$0.tasks, $0.failing] }
        && a.byMetric.mapValues { [$0.tasks, $0.failing] }
          == b.byMetric.mapValues { [$0.tasks, $0.failing] }
    }
  }

  public var summary: Summary {
    var s = Summary(
      tasks: tasks.count, published: tasks.count { $0.published },
      passed: tasks.count { $0.status == .passed }, failed: tasks.count { $0.status == .failed },
      failingByCheck: [:], byCategory: [:], byMetric: [:])
    for task in tasks {
      let failing = task.status == .failed ? 1 : 0
      if failing == 1 { s.failingByCheck[task.failedCheck ?? "unknown", default: 0] += 1 }
      let category = task.category ?? "uncategorized"
      s.byCategory[category, default: (0, 0)].tasks += 1
      s.byCategory[category, default: (0, 0)].failing += failing
      let metric = task.metric ?? "unknown"
      s.byMetric[metric, default: (0, 0)].tasks += 1
      s.byMetric[metric, default: (0, 0)].failing += failing
      let warned = task.warnings.filter(\.warned)
      if !warned.isEmpty { s.warned += 1 }
      for warning in warned { s.warnedByName[warning.name, default: 0] += 1 }
    }
    return s
  }
}
