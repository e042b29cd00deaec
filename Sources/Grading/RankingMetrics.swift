internal import DojoCore
internal import Foundation

extension Metrics {
  /// Mean average precision at k, Kaggle's `mapk` (ml_metrics `average_precision.apk`): per
  /// row, the first k predictions are walked in order; a prediction that is relevant and not
  /// already seen earlier in the list adds `hits / position`; the sum is divided by
  /// `min(|relevant|, k)`, and a row with no relevant items scores 0. A duplicate keeps its
  /// slot but counts once.
  public static func meanAveragePrecision(truth: [[String]], predicted: [[String]], k: Int)
    throws -> Double
  {
    try requireRows(truth.count, "map@k")
    var sum = 0.0
    for (actual, ranked) in zip(truth, predicted) {
      let relevant = Set(actual)
      if relevant.isEmpty { continue }
      var seen: Set<String> = []
      var hits = 0.0
      var score = 0.0
      for (i, p) in ranked.prefix(k).enumerated() {
        if relevant.contains(p) && !seen.contains(p) {
          hits += 1
          score += hits / Double(i + 1)
        }
        seen.insert(p)
      }
      sum += score / Double(min(relevant.count, k))
    }
    return sum / Double(truth.count)
  }

  /// Normalized discounted cumulative gain at k with binary relevance: per row,
  /// `Σ_{i<k} rel_i / log2(i + 2)` over the ranked predictions (a duplicate counts once),
  /// divided by the ideal `Σ_{i<min(|relevant|, k)} 1 / log2(i + 2)`; a row with no relevant
  /// items scores 0 (scikit-learn `ndcg_score` on the equivalent relevance matrix).
  public static func ndcg(truth: [[String]], predicted: [[String]], k: Int) throws -> Double {
    try requireRows(truth.count, "ndcg@k")
    var discounts = [Double](repeating: 0, count: k)
    for i in 0..<k { discounts[i] = 1 / log2(Double(i + 2)) }
    var sum = 0.0
    for (actual, ranked) in zip(truth, predicted) {
      let relevant = Set(actual)
      if relevant.isEmpty { continue }
      var seen: Set<String> = []
      var gain = 0.0
      for (i, p) in ranked.prefix(k).enumerated() {
        if relevant.contains(p) && !seen.contains(p) { gain += discounts[i] }
        seen.insert(p)
      }
      let ideal = discounts.prefix(min(relevant.count, k)).reduce(0, +)
      sum += gain / ideal
    }
    return sum / Double(truth.count)
  }

  /// Mean word-level Jaccard similarity, Kaggle's Tweet Sentiment Extraction definition:
  /// per row, the lower-cased whitespace-separated word sets `a`, `b` give
  /// `|a ∩ b| / (|a| + |b| - |a ∩ b|)`; two empty texts count 1 (identical).
  public static func jaccard(_ truth: [String], _ predicted: [String]) throws -> Double {
    try requireRows(truth.count, "jaccard")
    var sum = 0.0
    for (t, p) in zip(truth, predicted) {
      let a = Set(t.lowercased().split(whereSeparator: \.isWhitespace))
      let b = Set(p.lowercased().split(whereSeparator: \.isWhitespace))
      let common = a.intersection(b).count
      let union = a.count + b.count - common
      sum += union == 0 ? 1 : Double(common) / Double(union)
    }
    return sum / Double(truth.count)
  }

  /// Mean normalized Levenshtein distance: per row, the edit distance (insertions,
  /// deletions, substitutions of Unicode scalars, each costing 1) divided by the longer
  /// text's length; two empty texts count 0. Lower is better (the normalized edit distance
  /// of Kaggle's text-recognition competitions, e.g. Bengali.AI / HuBMAP OCR tasks). With
  /// `normalized: false` the raw edit distance is averaged instead (Kaggle's "mean
  /// Levenshtein distance" of BMS Molecular Translation and Billion Word Imputation, as
  /// MLE-bench grades them with `Levenshtein.distance`).
  public static func levenshtein(_ truth: [String], _ predicted: [String], normalized: Bool = true)
    throws -> Double
  {
    try requireRows(truth.count, "levenshtein")
    var sum = 0.0
    for (t, p) in zip(truth, predicted) {
      let a = Array(t.unicodeScalars)
      let b = Array(p.unicodeScalars)
      let longest = max(a.count, b.count)
      if longest == 0 { continue }
      let distance = Double(editDistance(a, b))
      sum += normalized ? distance / Double(longest) : distance
    }
    return sum / Double(truth.count)
  }

  /// Levenshtein distance with two rolling rows.
  static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
      current[0] = i
      for j in 1...b.count {
        let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
        current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
      }
      swap(&previous, &current)
    }
    return previous[b.count]
  }
}
