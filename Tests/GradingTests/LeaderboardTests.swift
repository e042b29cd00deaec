import DojoCore
import Foundation
import Grading
import Tabular
import Testing

func board(_ csv: String, name: String = "board.csv") throws -> Leaderboard {
  try Leaderboard.parse(Table.parse(Data(csv.utf8), name: name))
}

@Suite("Leaderboard reading")
struct LeaderboardReadingTests {
  @Test func readsKaggleDownload() throws {
    let b = try board(
      "Rank,TeamId,TeamName,LastSubmissionDate,Score,SubmissionCount,TeamMemberUserNames\n"
        + "1,11,A,2020-01-01 00:00:00,0.91,3,a\n2,12,B,2020-01-02 00:00:00,0.90,1,b\n"
        + "3,13,C,2020-01-02 00:00:00,,1,c\n")
    #expect(b.format == .kaggle)
    #expect(b.scores == [0.91, 0.90])
    #expect(b.skipped == 1)
  }

  @Test func readsMLEDojo() throws {
    let b = try board("rank,score\n1,1.0\n2,0.99997\n3,n/a\n")
    #expect(b.format == .mleDojo)
    #expect(b.scores == [1.0, 0.99997])
    #expect(b.skipped == 1)
  }

  @Test func readsCorpus() throws {
    let b = try board("TeamId,TeamName,SubmissionDate,Score\n5,x,2024-03-01 00:00:00,0.82\n")
    #expect(b.format == .corpus)
    #expect(b.scores == [0.82])
  }

  @Test func readsAnyCSVWithAScoreColumnLikeMLEBench() throws {
    let b = try board("teamName,SCORE,submissionDate\nx,12.5,2020\ny,nan,2020\nz,abc,2020\n")
    #expect(b.format == .mleBench)
    #expect(b.scores == [12.5])
    #expect(b.skipped == 2)
  }

  @Test func refusesWithoutScoreColumnOrScores() throws {
    let noColumn = #expect(throws: DojoError.self) { try board("rank,points\n1,3\n") }
    #expect(noColumn?.message.contains("has no score column") == true)
    let noScores = #expect(throws: DojoError.self) { try board("rank,score\n1,\n2,x\n") }
    #expect(noScores?.message.contains("has no numeric score in 2 rows") == true)
  }
}

/// The medal ranks of the table, worked out by hand for each band edge.
struct MedalCase: Sendable, CustomTestStringConvertible {
  var teams: Int
  var gold: Int
  var silver: Int
  var bronze: Int
  var testDescription: String { "N=\(teams)" }
}

let medalCases: [MedalCase] = [
  .init(teams: 1, gold: 1, silver: 1, bronze: 1),
  .init(teams: 99, gold: 9, silver: 19, bronze: 39),
  .init(teams: 100, gold: 10, silver: 20, bronze: 40),
  .init(teams: 249, gold: 10, silver: 49, bronze: 99),
  .init(teams: 250, gold: 10, silver: 50, bronze: 100),
  .init(teams: 999, gold: 11, silver: 50, bronze: 100),
  .init(teams: 1000, gold: 12, silver: 50, bronze: 100),
  .init(teams: 5000, gold: 20, silver: 250, bronze: 500),
]

@Suite("Leaderboard placement")
struct PlacementTests {
  @Test(arguments: medalCases)
  func medalRanksFollowTheTeamCountTable(_ c: MedalCase) {
    #expect(
      MedalRanks(teams: c.teams) == MedalRanks(gold: c.gold, silver: c.silver, bronze: c.bronze))
  }

  /// A board of N distinct scores; entry at rank r scores N - r + 1 (higher better) or r
  /// (lower better). A score equal to a medal's threshold wins it; a hair worse does not.
  @Test(arguments: medalCases, [false, true])
  func medalBoundaries(_ c: MedalCase, lowerIsBetter: Bool) throws {
    let n = c.teams
    let scores = (1...n).map { lowerIsBetter ? Double($0) : Double(n - $0 + 1) }
    let boards = [Leaderboard(name: "b", format: .mleDojo, scores: scores.shuffled())]
    func atRank(_ r: Int) -> Double { lowerIsBetter ? Double(r) : Double(n - r + 1) }
    let worse = lowerIsBetter ? 0.5 : -0.5
    func place(_ s: Double) throws -> Placement {
      try #require(Placement.place(score: s, on: boards, lowerIsBetter: lowerIsBetter))
    }

    let gold = try place(atRank(c.gold))
    #expect(gold.gold && !gold.silver && !gold.bronze)
    #expect(gold.rank == c.gold)
    #expect(gold.thresholds.gold == atRank(c.gold))
    #expect(gold.thresholds.silver == atRank(c.silver))
    #expect(gold.thresholds.bronze == atRank(c.bronze))
    #expect(gold.leaderboardSize == n)

    let belowGold = try place(atRank(c.gold) + worse)
    #expect(!belowGold.gold)
    #expect(belowGold.silver == (c.silver > c.gold))

    let silver = try place(atRank(c.silver))
    #expect(silver.silver == (c.silver > c.gold) && silver.gold == (c.silver == c.gold))
    let belowSilver = try place(atRank(c.silver) + worse)
    #expect(!belowSilver.silver && !belowSilver.gold)
    #expect(belowSilver.bronze == (c.bronze > c.silver))

    let bronze = try place(atRank(c.bronze))
    #expect(bronze.anyMedal)
    #expect(bronze.bronze == (c.bronze > c.silver))
    let noMedal = try place(atRank(c.bronze) + worse)
    #expect(!noMedal.anyMedal)
    #expect(noMedal.rank == c.bronze + 1)
  }

  @Test func humanRankIsTheMeanOverPublicAndPrivate() throws {
    let pub = Leaderboard(name: "public", format: .mleDojo, scores: [1, 2, 3, 4])
    let priv = Leaderboard(name: "private", format: .mleDojo, scores: [1, 2])
    let p = try #require(Placement.place(score: 2.5, on: [pub, priv], lowerIsBetter: false))
    #expect(p.humanRank == 0.75)  // beats 2 of 4 publicly, 2 of 2 privately
    #expect(p.leaderboardSize == 2)  // medals and rank from the private board
    #expect(p.rank == 1)
  }

  @Test func tiesShareTheRankAndCountForHumanRank() throws {
    let b = [Leaderboard(name: "b", format: .mleDojo, scores: [5, 5, 3, 1])]
    let tie = try #require(Placement.place(score: 5, on: b, lowerIsBetter: false))
    #expect(tie.rank == 1)
    #expect(tie.humanRank == 1)
    let between = try #require(Placement.place(score: 4, on: b, lowerIsBetter: false))
    #expect(between.rank == 3)
    #expect(between.humanRank == 0.5)
    let lower = try #require(Placement.place(score: 4, on: b, lowerIsBetter: true))
    #expect(lower.rank == 3)
    #expect(lower.humanRank == 0.5)
  }

  @Test func aboveMedianIsStrict() throws {
    let b = [Leaderboard(name: "b", format: .mleDojo, scores: [1, 2, 3])]
    #expect(Placement.place(score: 2, on: b, lowerIsBetter: false)?.aboveMedian == false)
    #expect(Placement.place(score: 2.1, on: b, lowerIsBetter: false)?.aboveMedian == true)
    #expect(Placement.place(score: 2, on: b, lowerIsBetter: true)?.aboveMedian == false)
    #expect(Placement.place(score: 1.9, on: b, lowerIsBetter: true)?.aboveMedian == true)
    let even = [Leaderboard(name: "b", format: .mleDojo, scores: [1, 2, 3, 4])]
    #expect(Placement.place(score: 2.5, on: even, lowerIsBetter: false)?.thresholds.median == 2.5)
  }

  @Test func noBoardNoPlacement() {
    #expect(Placement.place(score: 1, on: [], lowerIsBetter: false) == nil)
  }
}

@Suite("Submission layout and sample defaults")
struct SubmissionLayoutTests {
  let one = Manifest.Answers(id: "id", targets: ["y"])

  @Test func columnsFollowTheMetric() throws {
    #expect(
      try SubmissionLayout.layout(for: .init(name: "accuracy"), answers: one, classes: nil) == ["y"]
    )
    #expect(
      try SubmissionLayout.layout(
        for: .init(name: "multiclass_log_loss"), answers: one, classes: ["a", "b", "c"]) == [
          "a", "b", "c",
        ])
    #expect(
      try SubmissionLayout.layout(for: .init(name: "map@3"), answers: one, classes: nil) == ["y"])
    let multi = Manifest.Answers(id: "id", targets: ["toxic", "obscene", "threat"])
    let auc = Manifest.MetricSpec(
      name: "roc_auc", parameters: ["columns": .list([.scalar("toxic"), .scalar("threat")])])
    #expect(
      try SubmissionLayout.layout(for: auc, answers: multi, classes: nil) == ["toxic", "threat"])
    #expect(
      try SubmissionLayout.layout(for: .init(name: "mcrmse"), answers: multi, classes: nil)
        == ["toxic", "obscene", "threat"])
    #expect(
      try SubmissionLayout.truthColumns(for: .init(name: "multiclass_log_loss"), answers: one) == [
        "y"
      ])
  }

  @Test func refusesSpecsThatDoNotFitTheAnswers() throws {
    let two = Manifest.Answers(id: "id", targets: ["a", "b"])
    let e1 = #expect(throws: DojoError.self) {
      try SubmissionLayout.layout(for: .init(name: "accuracy"), answers: two, classes: nil)
    }
    #expect(e1?.message.contains("scores one target column") == true)
    let e2 = #expect(throws: DojoError.self) {
      try SubmissionLayout.layout(
        for: .init(name: "multiclass_log_loss"), answers: one, classes: nil)
    }
    #expect(e2?.message.contains("needs at least two classes") == true)
    let e3 = #expect(throws: DojoError.self) {
      try SubmissionLayout.layout(
        for: .init(name: "roc_auc", parameters: ["columns": .list([.scalar("c")])]), answers: two,
        classes: nil)
    }
    #expect(e3?.message.contains("column \"c\" is not one of answers.targets") == true)
  }

  func defaults(_ spec: Manifest.MetricSpec, _ train: [String], classes: [String]? = nil) throws
    -> [String]
  {
    try SubmissionLayout.defaultPrediction(
      for: spec, answers: one, classes: classes, train: [train])
  }

  @Test func defaultsFollowTheMetric() throws {
    #expect(try defaults(.init(name: "accuracy"), ["no", "yes", "no"]) == ["no"])
    // A tie goes to the label that sorts first.
    #expect(try defaults(.init(name: "f1_macro"), ["b", "a", "b", "a"]) == ["a"])
    #expect(
      try defaults(
        .init(name: "roc_auc", parameters: ["positive": .scalar("yes")]), ["yes", "no", "no", "no"])
        == ["0.25"])
    #expect(try defaults(.init(name: "log_loss"), ["1", "0", "1", "1"]) == ["0.75"])
    #expect(
      try defaults(
        .init(name: "multiclass_log_loss"), ["a", "c", "c", "c"], classes: ["a", "b", "c"])
        == ["0.25", "0", "0.75"])
    #expect(try defaults(.init(name: "rmse"), ["1", "2", "6"]) == ["3"])
    #expect(try defaults(.init(name: "mae"), ["1", "2", "6"]) == ["2"])
    #expect(try defaults(.init(name: "medae"), ["1", "2", "6", "10"]) == ["4"])
    #expect(try defaults(.init(name: "rmsle"), ["0", "8"]) == ["2"])  // exp(mean(log 1, log 9)) - 1
    #expect(try defaults(.init(name: "map@2"), ["a", "b c", "c", "c a"]) == ["c a"])
  }

  @Test func defaultsRefuseNonNumbers() throws {
    let error = #expect(throws: DojoError.self) { try defaults(.init(name: "rmse"), ["1", "x"]) }
    #expect(error?.message == "training column \"y\" row 3: \"x\" is not a number")
  }
}
