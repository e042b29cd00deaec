import Curation
import DojoCore
import Foundation
import Tabular
import Testing

@Suite("Split planning")
struct SplitPlannerTests {
  @Test func generatorSequenceIsPinned() {
    // SplitMix64's published first outputs for seed 0 and seed 1234567: a change here would
    // silently change every task's split.
    var g = SeededGenerator(seed: 0)
    #expect(g.next() == 0xE220_A839_7B1D_CDAF)
    #expect(g.next() == 0x6E78_9E6A_A1B9_65F4)
    var h = SeededGenerator(seed: 1_234_567)
    #expect(h.next() == 6_457_827_717_110_365_317)
    #expect(h.next() == 3_203_168_211_198_807_973)
  }

  @Test func belowIsUniformEnough() {
    var g = SeededGenerator(seed: 42)
    var counts = [Int](repeating: 0, count: 7)
    for _ in 0..<70_000 { counts[g.below(7)] += 1 }
    for c in counts { #expect(abs(c - 10_000) < 500) }
  }

  @Test func randomSplitIsDeterministicAndSized() throws {
    let planner = SplitPlanner(Manifest.Split(strategy: .random, testFraction: 0.1, seed: 3))
    let a = try planner.assign(rowCount: 1000) { _ in [] }
    let b = try planner.assign(rowCount: 1000) { _ in [] }
    #expect(a == b)
    #expect(a.filter { $0 == .test }.count == 100)
    let other = try SplitPlanner(Manifest.Split(strategy: .random, testFraction: 0.1, seed: 4))
      .assign(rowCount: 1000) { _ in [] }
    #expect(other != a)
  }

  /// The random split is the first `test` rows of a seeded Fisher-Yates permutation of the row
  /// numbers, whatever integer type holds them: a change would move every task's rows.
  @Test func randomSplitIsTheSeededPermutationsPrefix() throws {
    for (rows, seed) in [(2, UInt64(0)), (17, 5), (1000, 3), (54_321, 42)] {
      let split = Manifest.Split(strategy: .random, testFraction: 0.2, seed: seed)
      let planner = SplitPlanner(split)
      let sides = try planner.assign(rowCount: rows) { _ in [] }
      var generator = SeededGenerator(seed: seed)
      var order = Array(0..<rows)
      generator.shuffle(&order)
      let expected = Set(order.prefix(planner.testSize(rowCount: rows)))
      #expect(Set(sides.indices.filter { sides[$0] == .test }) == expected, "\(rows) rows")
    }
    // And one pinned outright, for seed 7 and 20 rows.
    let pinned = try SplitPlanner(Manifest.Split(strategy: .random, testRows: 4, seed: 7))
      .assign(rowCount: 20) { _ in [] }
    #expect(pinned.indices.filter { pinned[$0] == .test } == Self.pinnedTestRows)
  }

  /// Computed apart from Dojo (SplitMix64, Lemire's draw and the shuffle, ported to Python).
  static let pinnedTestRows = [10, 14, 17, 18]

  @Test func testSizeRoundsUpLikeScikitLearn() {
    let p = SplitPlanner(Manifest.Split(strategy: .random, testFraction: 0.25))
    #expect(p.testSize(rowCount: 10) == 3)
    #expect(p.testSize(rowCount: 1000) == 250)
    let q = SplitPlanner(Manifest.Split(strategy: .count, testRows: 17))
    #expect(q.testSize(rowCount: 1000) == 17)
  }

  @Test func stratifiedKeepsSharesAndBothSides() throws {
    var labels = [String](repeating: "common", count: 900)
    labels += [String](repeating: "rare", count: 90)
    labels += ["tiny", "tiny", "single"]
    let planner = SplitPlanner(
      Manifest.Split(strategy: .stratified, testFraction: 0.2, seed: 1, stratify: "y"))
    let sides = try planner.assign(rowCount: labels.count) { name in
      #expect(name == "y")
      return CodedColumn(labels)
    }
    func count(_ label: String, _ side: RowSide) -> Int {
      zip(labels, sides).filter { $0.0 == label && $0.1 == side }.count
    }
    #expect(count("common", .test) == 180)
    #expect(count("rare", .test) == 18)
    #expect(count("tiny", .test) == 1)
    #expect(count("tiny", .train) == 1)
    #expect(count("single", .train) == 1)
  }

  @Test func groupSplitKeepsGroupsTogether() throws {
    let groups = (0..<500).map { "user\($0 / 7)" }
    let planner = SplitPlanner(
      Manifest.Split(strategy: .group, testFraction: 0.2, seed: 9, group: "user"))
    let sides = try planner.assign(rowCount: groups.count) { _ in CodedColumn(groups) }
    var sideOf: [String: RowSide] = [:]
    for (g, s) in zip(groups, sides) {
      if let seen = sideOf[g] { #expect(seen == s, "group \(g) split across sides") }
      sideOf[g] = s
    }
    let test = sides.filter { $0 == .test }.count
    #expect(abs(test - 100) <= 7)
  }

  @Test func timeSplitTakesTheLatestRowsAndDropsTheGap() throws {
    let times = (0..<100).map { i in "2024-01-\(String(format: "%02d", i % 28 + 1))T\(i)" }
    let planner = SplitPlanner(
      Manifest.Split(strategy: .time, testFraction: 0.2, time: "t", gap: 5))
    let sides = try planner.assign(rowCount: times.count) { _ in CodedColumn(times) }
    let sorted = times.indices.sorted { times[$0] < times[$1] }
    #expect(sorted.suffix(20).allSatisfy { sides[$0] == .test })
    #expect(sorted.dropLast(20).suffix(5).allSatisfy { sides[$0] == .dropped })
    #expect(sorted.prefix(75).allSatisfy { sides[$0] == .train })
  }

  @Test func timeSplitOrdersNumbersNumerically() throws {
    let times = ["10", "9", "100", "1"]
    let planner = SplitPlanner(Manifest.Split(strategy: .time, testRows: 1, time: "t"))
    let sides = try planner.assign(rowCount: 4) { _ in CodedColumn(times) }
    #expect(sides == [.train, .train, .test, .train])
  }

  @Test func refusesAnEmptyTestSide() {
    let planner = SplitPlanner(Manifest.Split(strategy: .random, testFraction: 0.01))
    #expect(throws: DojoError.self) { try planner.assign(rowCount: 1) { _ in [] } }
    let all = SplitPlanner(Manifest.Split(strategy: .count, testRows: 10))
    #expect(throws: DojoError.self) { try all.assign(rowCount: 10) { _ in [] } }
  }

  @Test func refusesAGapThatEatsTheTrainSide() {
    let planner = SplitPlanner(
      Manifest.Split(strategy: .time, testFraction: 0.5, time: "t", gap: 5))
    #expect(throws: DojoError.self) {
      try planner.assign(rowCount: 10) { _ in CodedColumn((0..<10).map(String.init)) }
    }
  }
}
