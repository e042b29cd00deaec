internal import Foundation
internal import Grading

/// One agent's sessions on one task: every valid score it submitted there.
struct Attempt: Sendable {
  var agent: String
  var task: String
  var scores: [Double]
}

/// One agent's record over the tasks it attempted, as MLE-bench's aggregate report counts
/// it, plus a Bradley–Terry rating from head-to-head comparisons on every task two agents
/// both attempted, with a bootstrap confidence interval.
public struct AgentStanding: Sendable, Equatable, Encodable {
  /// 1 for the best; agents whose ratings are equal share a rank (ties stay ties).
  public var rank: Int
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
  /// Bradley–Terry strength on the Elo scale (1000 + 400 log10 p, geometric mean 1000).
  public var rating: Double
  /// The 2.5th and 97.5th percentiles of the rating over bootstrap resamples of the tasks.
  public var ratingLow: Double
  public var ratingHigh: Double

  enum CodingKeys: String, CodingKey {
    case rank, agent, gold, silver, bronze, rating
    case tasksAttempted = "tasks_attempted"
    case validSubmissions = "valid_submissions"
    case tasksWithValidSubmission = "tasks_with_valid_submission"
    case meanHumanRank = "mean_human_rank"
    case anyMedal = "any_medal"
    case aboveMedian = "above_median"
    case ratingLow = "rating_low"
    case ratingHigh = "rating_high"
  }
}

enum AgentStandings {
  static let bootstrapSamples = 200

  static let ratingMethod =
    "Rating: a Bradley–Terry model fitted (maximum likelihood, minorization–maximization) "
    + "over one comparison per task and pair of agents that both attempted it, on their best "
    + "valid scores (better wins, equal is half a win each, no valid score loses to any and "
    + "ties another without one), with one virtual tie of each agent against a reference of "
    + "strength 1 so ratings stay finite; shown as 1000 + 400 log10(strength), the order of "
    + "the games playing no part. 95% interval: 200 bootstrap resamples of the tasks (seeded). "
    + "Equal ratings share a rank."

  /// Standings, best rating first; equal ratings share a rank (listed by name).
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
    let tasks = Set(best.values.flatMap(\.keys)).sorted()
    let ratings = fit(best: best, agents: agents, tasks: tasks, lowerIsBetter: lowerIsBetter)
    let interval = bootstrap(best: best, agents: agents, tasks: tasks, lowerIsBetter: lowerIsBetter)
    var standings = agents.map { agent in
      let tasks = best[agent] ?? [:]
      var standing = AgentStanding(
        rank: 0, agent: agent, tasksAttempted: tasks.count, validSubmissions: valid[agent] ?? 0,
        tasksWithValidSubmission: tasks.values.count { $0 != nil }, meanHumanRank: 0, gold: 0,
        silver: 0, bronze: 0, anyMedal: 0, aboveMedian: 0, rating: ratings[agent] ?? 1000,
        ratingLow: interval[agent]?.low ?? 1000, ratingHigh: interval[agent]?.high ?? 1000)
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
    }.sorted { ($0.rating, $1.agent) > ($1.rating, $0.agent) }
    // Competition ranking ("1, 1, 3"): an agent ties the one above when their ratings agree
    // to within fitting precision.
    for i in standings.indices {
      standings[i].rank =
        i > 0 && abs(standings[i].rating - standings[i - 1].rating) < tieTolerance
        ? standings[i - 1].rank : i + 1
    }
    return standings
  }

  /// Ratings closer than this are equal (the fit converges far below it).
  static let tieTolerance = 1e-6

  /// Wins of `a` over `b` for every pair on `tasks` (a task drawn twice counts twice).
  static func games(
    best: [String: [String: Double?]], agents: [String], tasks: [String],
    lowerIsBetter: (String) -> Bool
  ) -> (wins: [[Double]], played: [[Double]]) {
    let n = agents.count
    var wins = Array(repeating: Array(repeating: 0.0, count: n), count: n)
    var played = wins
    for task in tasks {
      let lower = lowerIsBetter(task)
      for i in 0..<n {
        guard let a = best[agents[i]]?[task] else { continue }
        for j in (i + 1)..<n {
          guard let b = best[agents[j]]?[task] else { continue }
          let outcome = result(a, b, lower)
          wins[i][j] += outcome
          wins[j][i] += 1 - outcome
          played[i][j] += 1
          played[j][i] += 1
        }
      }
    }
    return (wins, played)
  }

  /// The Bradley–Terry fit on the Elo scale, by minorization–maximization (Hunter 2004),
  /// each agent also tying once a virtual reference of strength 1.
  static func fit(
    best: [String: [String: Double?]], agents: [String], tasks: [String],
    lowerIsBetter: (String) -> Bool
  ) -> [String: Double] {
    let n = agents.count
    guard n > 0 else { return [:] }
    let (wins, played) = games(
      best: best, agents: agents, tasks: tasks, lowerIsBetter: lowerIsBetter)
    var strength = Array(repeating: 1.0, count: n)
    for _ in 0..<10_000 {
      var next = strength
      var change = 0.0
      for i in 0..<n {
        // The virtual tie: half a win, one game against strength 1.
        var won = 0.5
        var denominator = 1 / (strength[i] + 1)
        for j in 0..<n where j != i && played[i][j] > 0 {
          won += wins[i][j]
          denominator += played[i][j] / (strength[i] + strength[j])
        }
        next[i] = won / denominator
        change = max(change, abs(log(next[i]) - log(strength[i])))
      }
      strength = next
      if change < 1e-12 { break }
    }
    let center = strength.map { log10($0) }.reduce(0, +) / Double(n)
    return Dictionary(
      uniqueKeysWithValues: agents.indices.map {
        (agents[$0], 1000 + 400 * (log10(strength[$0]) - center))
      })
  }

  /// 95% bootstrap intervals: the tasks resampled with replacement, the model refitted.
  static func bootstrap(
    best: [String: [String: Double?]], agents: [String], tasks: [String],
    lowerIsBetter: (String) -> Bool
  ) -> [String: (low: Double, high: Double)] {
    guard !tasks.isEmpty else { return [:] }
    var generator = SplitMix64(seed: 0x5EED)
    var samples: [String: [Double]] = [:]
    for _ in 0..<bootstrapSamples {
      let drawn = (0..<tasks.count).map { _ in tasks[Int(generator.next() % UInt64(tasks.count))] }
      let ratings = fit(best: best, agents: agents, tasks: drawn, lowerIsBetter: lowerIsBetter)
      for (agent, rating) in ratings { samples[agent, default: []].append(rating) }
    }
    return samples.mapValues { values in
      let sorted = values.sorted()
      let at = { (q: Double) in
        sorted[min(sorted.count - 1, Int((q * Double(sorted.count - 1)).rounded()))]
      }
      return (at(0.025), at(0.975))
    }
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

/// A small seeded generator (SplitMix64), so the bootstrap gives the same interval on every
/// run and machine.
struct SplitMix64 {
  private var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

extension CuratorReport {
  /// The standings as an aligned text table, for the terminal.
  public func rankTable() -> String {
    let headers = [
      "#", "agent", "rating", "95% CI", "tasks", "valid", "HumanRank", "gold", "silver",
      "bronze", "medal", ">median",
    ]
    var rows = [headers]
    for a in agents {
      rows.append([
        "\(a.rank)", a.agent, String(format: "%.0f", a.rating),
        String(format: "%.0f-%.0f", a.ratingLow, a.ratingHigh), "\(a.tasksAttempted)",
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
