internal import Foundation
internal import Grading

/// One agent's sessions on one task: every valid score it submitted there.
struct Attempt: Sendable {
  var agent: String
  var task: String
  var scores: [Double]
}

/// One agent's record over the tasks it attempted, as MLE-bench's aggregate report counts
/// it, plus an Elo rating from head-to-head comparisons on shared tasks (as MLE-Dojo ranks
/// models).
public struct AgentStanding: Sendable, Equatable, Encodable {
  public var agent: String
  /// Distinct tasks with at least one session.
  public var tasksAttempted: Int
  /// Steps that produced a graded submission, over all sessions.
  public var validSubmissions: Int
  /// Tasks where at least one submission was valid.
  public var tasksWithValidSubmission: Int
  /// Mean over attempted tasks of the best submission's HumanRank (0 for a task without a
  /// valid submission or without a leaderboard), in [0, 1].
  public var meanHumanRank: Double
  public var gold: Int
  public var silver: Int
  public var bronze: Int
  public var anyMedal: Int
  public var aboveMedian: Int
  public var elo: Double

  enum CodingKeys: String, CodingKey {
    case agent, gold, silver, bronze, elo
    case tasksAttempted = "tasks_attempted"
    case validSubmissions = "valid_submissions"
    case tasksWithValidSubmission = "tasks_with_valid_submission"
    case meanHumanRank = "mean_human_rank"
    case anyMedal = "any_medal"
    case aboveMedian = "above_median"
  }
}

enum AgentStandings {
  static let initialElo = 1000.0
  static let k = 32.0
  static let scale = 400.0

  static let eloMethod =
    "Elo from 1000, K = 32, scale 400: for every task (in id order) and every pair of agents "
    + "(in name order) that both attempted it, one game on their best valid scores (better "
    + "wins, equal draws, no valid score loses to any); an agent without any valid score on "
    + "a task draws with another in the same state."

  /// Standings, best Elo first (then by name).
  ///
  /// - Parameters:
  ///   - place: places a score on a task's leaderboard (nil without one).
  ///   - lowerIsBetter: the task's direction.
  static func compute(
    attempts: [Attempt], place: (String, Double) -> Placement?, lowerIsBetter: (String) -> Bool
  ) -> [AgentStanding] {
    // Best valid score per agent per task.
    var best: [String: [String: Double?]] = [:]
    var valid: [String: Int] = [:]
    for attempt in attempts {
      let lower = lowerIsBetter(attempt.task)
      valid[attempt.agent, default: 0] += attempt.scores.count
      let current = best[attempt.agent, default: [:]][attempt.task] ?? nil
      let top = attempt.scores.reduce(current) { sofar, s in
        guard let sofar else { return s }
        return lower ? min(sofar, s) : max(sofar, s)
      }
      best[attempt.agent, default: [:]][attempt.task] = .some(top)
    }
    let agents = best.keys.sorted()
    let ratings = elo(best: best, agents: agents, lowerIsBetter: lowerIsBetter)
    return agents.map { agent in
      let tasks = best[agent] ?? [:]
      var standing = AgentStanding(
        agent: agent, tasksAttempted: tasks.count, validSubmissions: valid[agent] ?? 0,
        tasksWithValidSubmission: tasks.values.count { $0 != nil }, meanHumanRank: 0, gold: 0,
        silver: 0, bronze: 0, anyMedal: 0, aboveMedian: 0, elo: ratings[agent] ?? initialElo)
      var rankSum = 0.0
      for (task, score) in tasks {
        guard let score, let placement = place(task, score) else { continue }
        rankSum += placement.humanRank
        if placement.gold { standing.gold += 1 }
        if placement.silver { standing.silver += 1 }
        if placement.bronze { standing.bronze += 1 }
        if placement.anyMedal { standing.anyMedal += 1 }
        if placement.aboveMedian { standing.aboveMedian += 1 }
      }
      standing.meanHumanRank = tasks.isEmpty ? 0 : rankSum / Double(tasks.count)
      return standing
    }.sorted { ($0.elo, $1.agent) > ($1.elo, $0.agent) }
  }

  /// Sequential Elo over the games described in ``eloMethod``.
  static func elo(
    best: [String: [String: Double?]], agents: [String], lowerIsBetter: (String) -> Bool
  ) -> [String: Double] {
    var rating = Dictionary(uniqueKeysWithValues: agents.map { ($0, initialElo) })
    let tasks = Set(best.values.flatMap(\.keys)).sorted()
    for task in tasks {
      let present = agents.filter { best[$0]?[task] != nil }
      for (i, a) in present.enumerated() {
        for b in present[(i + 1)...] {
          let outcome = result(best[a]![task]!, best[b]![task]!, lowerIsBetter(task))
          let expected = 1 / (1 + pow(10, (rating[b]! - rating[a]!) / scale))
          rating[a]! += k * (outcome - expected)
          rating[b]! -= k * (outcome - expected)
        }
      }
    }
    return rating
  }

  /// 1 if `a` beats `b`, 0.5 for a draw, 0 if it loses.
  static func result(_ a: Double?, _ b: Double?, _ lowerIsBetter: Bool) -> Double {
    switch (a, b) {
    case (nil, nil): return 0.5
    case (nil, _): return 0
    case (_, nil): return 1
    case (let x?, let y?):
      if x == y { return 0.5 }
      return (lowerIsBetter ? x < y : x > y) ? 1 : 0
    }
  }
}

extension CuratorReport {
  /// The standings as an aligned text table, for the terminal.
  public func rankTable() -> String {
    let headers = [
      "#", "agent", "Elo", "tasks", "valid", "HumanRank", "gold", "silver", "bronze", "medal",
      ">median",
    ]
    var rows = [headers]
    for (i, a) in agents.enumerated() {
      rows.append([
        "\(i + 1)", a.agent, String(format: "%.0f", a.elo), "\(a.tasksAttempted)",
        "\(a.validSubmissions)", String(format: "%.3f", a.meanHumanRank), "\(a.gold)",
        "\(a.silver)", "\(a.bronze)", "\(a.anyMedal)", "\(a.aboveMedian)",
      ])
    }
    let widths = headers.indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
    return rows.map { row in
      row.enumerated().map { c, cell in
        c == 1
          ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
          : String(repeating: " ", count: widths[c] - cell.count) + cell
      }.joined(separator: "  ")
    }.joined(separator: "\n")
  }
}
