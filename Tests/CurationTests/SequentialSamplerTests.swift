import Curation
import DojoCore
import Foundation
import Tabular
import Testing

/// `split.sampler: sequential`: selection sampling in one pass of row order, for tables too
/// large for a permutation of their row numbers. The shuffle stays the default, so no split
/// already made moves.
@Suite("Sequential sampler")
struct SequentialSamplerTests {
  static func testRows(_ sides: Sides) -> [Int] { sides.indices.filter { sides[$0] == .test } }

  static func planner(
    _ strategy: Manifest.Split.Strategy, rows: Int? = nil, fraction: Double? = nil,
    seed: UInt64, stratify: String? = nil, sampler: Manifest.Split.Sampler = .sequential
  ) -> SplitPlanner {
    SplitPlanner(
      Manifest.Split(
        strategy: strategy, testFraction: fraction, testRows: rows, seed: seed,
        stratify: stratify, sampler: sampler))
  }

  /// Computed apart from Dojo (SplitMix64, Lemire's draw and selection sampling, ported to
  /// Python): a change here would move every sequentially sampled task's rows.
  @Test func aSequentialRandomSplitIsPinned() throws {
    let sides = try Self.planner(.random, rows: 4, seed: 7).assign(rowCount: 20) { _ in [] }
    #expect(Self.testRows(sides) == [1, 8, 10, 17])
    // The default is still the shuffle's prefix, pinned in SplitPlannerTests.
    let shuffled = try Self.planner(.random, rows: 4, seed: 7, sampler: .shuffle)
      .assign(rowCount: 20) { _ in [] }
    #expect(Self.testRows(shuffled) == SplitPlannerTests.pinnedTestRows)
  }

  @Test func aSequentialStratifiedSplitIsPinned() throws {
    let labels = "aabbbabcabbacabbbaac".map(String.init)
    let sides = try Self.planner(.stratified, rows: 6, seed: 11, stratify: "y")
      .assign(rowCount: labels.count) { _ in CodedColumn(labels) }
    #expect(Self.testRows(sides) == [1, 4, 6, 10, 18, 19])
  }

  /// Exactly the asked count, at every size from 2 rows up and at both extremes of the
  /// count, for random and count strategies alike; the same seed gives the same rows.
  @Test func sendsExactlyTheAskedCount() throws {
    for rows in [2, 3, 10, 101, 4_099] {
      for test in Set([1, rows / 2, rows - 1]) where test >= 1 && test < rows {
        for seed: UInt64 in [0, 1, 99] {
          let a = try Self.planner(.count, rows: test, seed: seed).assign(rowCount: rows) { _ in
            []
          }
          #expect(Self.testRows(a).count == test, "\(test) of \(rows), seed \(seed)")
          let b = try Self.planner(.random, rows: test, seed: seed).assign(rowCount: rows) { _ in
            []
          }
          #expect(a == b)
        }
      }
    }
    let sized = try Self.planner(.random, fraction: 0.1, seed: 5).assign(rowCount: 1_001) { _ in
      []
    }
    #expect(Self.testRows(sized).count == 101)
  }

  /// Every subset of the asked size is equally likely: 2 of 5 rows over 30,000 seeds gives
  /// each of the 10 subsets about 3,000 times (a chi-square of 9 degrees of freedom stays
  /// under 35 but for one seed run in a million), and rows late in the file are as likely as
  /// early ones.
  @Test func everySubsetIsEquallyLikely() throws {
    var seen: [[Int]: Int] = [:]
    let trials = 30_000
    for seed in 0..<UInt64(trials) {
      let sides = try Self.planner(.count, rows: 2, seed: seed).assign(rowCount: 5) { _ in [] }
      seen[Self.testRows(sides), default: 0] += 1
    }
    #expect(seen.count == 10)
    let expected = Double(trials) / 10
    let chi = seen.values.reduce(0.0) { $0 + pow(Double($1) - expected, 2) / expected }
    #expect(chi < 35, "chi-square \(chi) over \(seen)")

    var perRow = [Int](repeating: 0, count: 200)
    for seed in 0..<UInt64(2_000) {
      let sides = try Self.planner(.count, rows: 20, seed: seed).assign(rowCount: 200) { _ in []
      }
      for row in Self.testRows(sides) { perRow[row] += 1 }
    }
    // Each row is drawn 200 times in expectation (2,000 × 20/200), a standard deviation of 13.
    let firstHalf = perRow[..<100].reduce(0, +)
    #expect(abs(firstHalf - 20_000) < 600, "first half \(firstHalf) of 40,000")
    #expect(perRow.allSatisfy { (120...280).contains($0) }, "\(perRow)")
  }

  /// Each class gets exactly the quota the shuffle gives it (largest remainder, a class of
  /// two or more rows on both sides, a lone row kept in train): the samplers differ in which
  /// rows, never in how many of each class.
  @Test func stratifiedQuotasMatchTheShuffles() throws {
    var g = SeededGenerator(seed: 8)
    let names = ["a", "b", "c", "d", "lone"]
    var labels = (0..<2_000).map { _ in names[min(g.below(10), 3)] }
    labels[1_234] = "lone"
    labels.append("b\u{301}")  // its own class, once
    for fraction in [0.05, 0.1, 0.37] {
      var perClass: [[String: Int]] = []
      for sampler in Manifest.Split.Sampler.allCases {
        let sides = try Self.planner(
          .stratified, fraction: fraction, seed: 2, stratify: "y", sampler: sampler
        ).assign(rowCount: labels.count) { _ in CodedColumn(labels) }
        var counts: [String: Int] = [:]
        for row in Self.testRows(sides) { counts[labels[row], default: 0] += 1 }
        perClass.append(counts)
      }
      #expect(perClass[0] == perClass[1], "fraction \(fraction)")
      #expect(perClass[1]["lone"] == nil && perClass[1]["b\u{301}"] == nil)
    }
  }

  /// A sampler where it means nothing, or one Dojo does not know, is refused naming the key.
  @Test func aSamplerOutsideRandomCountAndStratifiedIsRefused() throws {
    let base = """
      id: t
      title: t
      source:
        kaggle: t
      files:
        train: train.csv
      answers:
        id: id
        targets: [y]
      metric:
        name: accuracy

      """
    let cases = [
      (
        "split:\n  strategy: group\n  group: g\n  test_fraction: 0.2\n  sampler: sequential\n",
        "split.sampler", "applies to random, count and stratified"
      ),
      (
        "split:\n  strategy: random\n  test_fraction: 0.2\n  sampler: reservoir\n",
        "split.sampler", "must be one of shuffle, sequential"
      ),
    ]
    for (split, key, message) in cases {
      let error = #expect(throws: DojoError.self) {
        _ = try ManifestLoader.parse(base + split, name: "manifest.yaml")
      }
      #expect(error?.message.contains(key) == true, "\(error?.message ?? "")")
      #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
    }
    let accepted = try ManifestLoader.parse(
      base
        + "split:\n  strategy: stratified\n  stratify: y\n  test_fraction: 0.2\n  sampler: sequential\n",
      name: "manifest.yaml")
    #expect(accepted.split.sampler == .sequential)
    let plain = try ManifestLoader.parse(
      base + "split:\n  strategy: random\n  test_fraction: 0.2\n", name: "manifest.yaml")
    #expect(plain.split.sampler == .shuffle)
  }
}

extension SequentialSamplerTests {
  /// A shuffle of a very large table is pointed at the sequential sampler, never switched to
  /// it: only random, count and stratified shuffles past the threshold get the advice.
  @Test func aLargeShuffleIsAdvisedTheSequentialSampler() {
    let large = Manifest.Split.Sampler.sequentialAdviceRows
    let advice = Self.planner(.random, fraction: 0.1, seed: 0, sampler: .shuffle)
      .samplerAdvice(rowCount: large)
    #expect(advice?.contains("split.sampler: sequential") == true)
    #expect(advice?.contains("\(large * 4 / 1_000_000) MB") == true)
    #expect(
      Self.planner(.random, fraction: 0.1, seed: 0, sampler: .shuffle)
        .samplerAdvice(rowCount: large - 1) == nil)
    #expect(Self.planner(.random, fraction: 0.1, seed: 0).samplerAdvice(rowCount: large) == nil)
    let time = SplitPlanner(Manifest.Split(strategy: .time, testFraction: 0.1, time: "t"))
    #expect(time.samplerAdvice(rowCount: large) == nil)
  }
}
