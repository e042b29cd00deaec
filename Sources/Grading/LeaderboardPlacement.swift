/// Kaggle's medal rule by team count, as MLE-bench applies it: the 1-based rank whose score
/// is each medal's threshold.
///
/// | teams N | gold | silver | bronze |
/// |---|---|---|---|
/// | 1-99 | max(1, ⌊0.1N⌋) | max(1, ⌊0.2N⌋) | max(1, ⌊0.4N⌋) |
/// | 100-249 | 10 | ⌊0.2N⌋ | ⌊0.4N⌋ |
/// | 250-999 | 10 + ⌊0.002N⌋ | 50 | 100 |
/// | 1000+ | 10 + ⌊0.002N⌋ | ⌊0.05N⌋ | ⌊0.1N⌋ |
public struct MedalRanks: Sendable, Equatable {
  public var gold: Int
  public var silver: Int
  public var bronze: Int

  public init(gold: Int, silver: Int, bronze: Int) {
    self.gold = gold
    self.silver = silver
    self.bronze = bronze
  }

  /// The ranks for a board of `teams` entries (integer arithmetic: ⌊0.1N⌋ is N / 10).
  public init(teams n: Int) {
    switch n {
    case ..<100: self.init(gold: max(1, n / 10), silver: max(1, n / 5), bronze: max(1, 2 * n / 5))
    case 100..<250: self.init(gold: 10, silver: max(1, n / 5), bronze: max(1, 2 * n / 5))
    case 250..<1000: self.init(gold: 10 + n / 500, silver: 50, bronze: 100)
    default: self.init(gold: 10 + n / 500, silver: max(1, n / 20), bronze: max(1, n / 10))
    }
  }
}

/// Where a score lands on the human leaderboard(s).
public struct Placement: Sendable, Equatable {
  /// The rank the score would take: 1 + the entries strictly better (ties share a rank).
  public var rank: Int
  /// The share of entries the score beats or ties, in [0, 1]; the mean over boards when
  /// public and private both exist.
  public var humanRank: Double
  /// Strictly better than the board's median.
  public var aboveMedian: Bool
  public var gold: Bool
  public var silver: Bool
  public var bronze: Bool
  public var anyMedal: Bool { gold || silver || bronze }
  /// The scores at the gold, silver and bronze ranks, and the median.
  public var thresholds: Thresholds
  /// The number of entries of the board used for rank and medals.
  public var leaderboardSize: Int

  public struct Thresholds: Sendable, Equatable {
    public var gold: Double
    public var silver: Double
    public var bronze: Double
    public var median: Double
  }

  /// Places a score. Rank, medals and thresholds come from the last board (the private one
  /// when public and private both exist, as MLE-bench scores medals on the private board);
  /// HumanRank is the mean over all boards.
  ///
  /// - Returns: nil when there is no board.
  public static func place(score: Double, on boards: [Leaderboard], lowerIsBetter: Bool)
    -> Placement?
  {
    guard let board = boards.last, !board.scores.isEmpty else { return nil }
    func better(_ a: Double, _ b: Double) -> Bool { lowerIsBetter ? a < b : a > b }
    let human =
      boards.map { b in
        Double(b.scores.count { !better($0, score) }) / Double(b.scores.count)
      }.reduce(0, +) / Double(boards.count)
    let sorted = board.scores.sorted { better($0, $1) }
    let n = sorted.count
    let ranks = MedalRanks(teams: n)
    func at(_ rank: Int) -> Double { sorted[min(max(rank, 1), n) - 1] }
    let median = Metrics.median(board.scores)
    let thresholds = Thresholds(
      gold: at(ranks.gold), silver: at(ranks.silver), bronze: at(ranks.bronze), median: median)
    let gold = !better(thresholds.gold, score)
    let silver = !gold && !better(thresholds.silver, score)
    let bronze = !gold && !silver && !better(thresholds.bronze, score)
    return Placement(
      rank: 1 + sorted.count { better($0, score) }, humanRank: human,
      aboveMedian: better(score, median), gold: gold, silver: silver, bronze: bronze,
      thresholds: thresholds, leaderboardSize: n)
  }
}
