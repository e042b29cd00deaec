import Foundation
import Testing

@testable import Grading

/// Above a couple of thousand values, scores are sorted by a radix sort on their bits and
/// the AUC found from sorted positives and negatives: both must agree with the plain
/// definitions, ties, signs and infinities included.
@Suite struct RankMetricScaleTests {
  /// Deterministic values with many ties, both zeros, negatives and infinities.
  static func scores(_ n: Int, seed: UInt64) -> [Double] {
    var state = seed
    return (0..<n).map { i in
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      let r = Double(state >> 40) / Double(1 << 24)
      switch i % 50 {
      case 0: return 0.0
      case 1: return -0.0
      case 2: return .infinity
      case 3: return -.infinity
      case 4: return Double.leastNormalMagnitude / 1024  // subnormal (a literal warns)
      default: return ((r * 200).rounded() / 100 - 1) * (i % 3 == 0 ? 1e6 : 1)
      }
    }
  }

  @Test(arguments: [10, 2049, 50_000])
  func radixSortOrdersAsTheStandardSort(n: Int) {
    let values = Self.scores(n, seed: UInt64(n))
    let sorted = RadixSort.ascending(values)
    #expect(sorted.elementsEqual(values.sorted()))
    #expect(!sorted.contains { $0 == 0 && $0.sign == .minus })
  }

  @Test func rocAUCAgreesWithCountingEveryPair() throws {
    let n = 3000
    let scores = Self.scores(n, seed: 7).map { $0.isFinite ? $0 : 0.5 }
    let truth = (0..<n).map { ($0 * 7 + Int(scores[$0] * 3)) % 5 < 2 }
    var wins = 0.0
    var pairs = 0.0
    for i in 0..<n where truth[i] {
      for j in 0..<n where !truth[j] {
        pairs += 1
        wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0
      }
    }
    let auc = try Metrics.rocAUC(MetricData.BinaryScores(truth: truth, scores: scores))
    #expect(abs(auc - wins / pairs) < 1e-12)
  }

  /// Past the radix sort's threshold on both sides and the size where the negatives are
  /// sorted on a second thread: the Mann-Whitney statistic from average ranks, found with the
  /// standard sort.
  @Test func rocAUCAtScaleAgreesWithAverageRanks() throws {
    let n = 70_000
    let scores = Self.scores(n, seed: 11)
    let truth = (0..<n).map { ($0 * 7 + Int(scores[$0].isFinite ? scores[$0] * 3 : 1)) % 5 < 2 }
    let order = (0..<n).sorted { scores[$0] < scores[$1] }
    var rankSum = 0.0
    var i = 0
    while i < n {
      var j = i
      while j < n && scores[order[j]] == scores[order[i]] { j += 1 }
      let average = Double(i + j + 1) / 2  // ranks i+1 ... j
      for k in i..<j where truth[order[k]] { rankSum += average }
      i = j
    }
    let positives = Double(truth.filter { $0 }.count)
    let negatives = Double(n) - positives
    let expected = (rankSum - positives * (positives + 1) / 2) / (positives * negatives)
    let auc = try Metrics.rocAUC(MetricData.BinaryScores(truth: truth, scores: scores))
    #expect(abs(auc - expected) < 1e-12)
  }
}
