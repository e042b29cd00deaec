internal import DojoCore
internal import Foundation

/// Metrics over per-row orderings and sequences of items.
extension Metrics {
  /// Kendall's τ pooled over rows, Kaggle's AI4Code metric: each row's predicted order is
  /// turned into the true positions of its items, the inversions of those positions are
  /// summed over every row, and `τ = 1 - 4·Σ inversions / Σ n(n-1)` (so a long notebook
  /// weighs more than a short one, unlike a mean of per-row τ). Each predicted row must be a
  /// permutation of its true row (the caller checks). Undefined when no row has two items.
  public static func kendallTauOrderings(truth: [[String]], predicted: [[String]]) throws
    -> Double
  {
    try requireRows(truth.count, "kendall_tau_orderings")
    var inversions = 0
    var pairs = 0
    for (t, p) in zip(truth, predicted) {
      var position: [String: Int] = [:]
      for (i, item) in t.enumerated() { position[item] = i }
      var ranks = p.map { position[$0] ?? 0 }
      inversions += countInversions(&ranks)
      pairs += t.count * (t.count - 1)
    }
    guard pairs > 0 else {
      throw undefined("kendall_tau_orderings is undefined when no row has two items to order")
    }
    return 1 - 4 * Double(inversions) / Double(pairs)
  }

  /// The number of pairs `i < j` with `a[i] > a[j]`, by merge sort (sorts `a`).
  static func countInversions(_ a: inout [Int]) -> Int {
    guard a.count > 1 else { return 0 }
    var buffer = a
    var count = 0
    var width = 1
    while width < a.count {
      var start = 0
      while start < a.count {
        let mid = min(start + width, a.count)
        let end = min(start + 2 * width, a.count)
        var i = start
        var j = mid
        var k = start
        while i < mid && j < end {
          if a[i] <= a[j] {
            buffer[k] = a[i]
            i += 1
          } else {
            buffer[k] = a[j]
            count += mid - i
            j += 1
          }
          k += 1
        }
        while i < mid {
          buffer[k] = a[i]
          i += 1
          k += 1
        }
        while j < end {
          buffer[k] = a[j]
          j += 1
          k += 1
        }
        start = end
      }
      swap(&a, &buffer)
      width *= 2
    }
    return count
  }

  /// The mean over rows of the Spearman correlation between the true and the predicted
  /// sequence of numbers (Draper Satellite Image Chronology: each set's predicted day of
  /// each image against its true day; SciPy `spearmanr` per row, then the mean). Undefined
  /// when a row has fewer than two items.
  public static func meanSpearmanOrderings(truth: [[Double]], predicted: [[Double]]) throws
    -> Double
  {
    try requireRows(truth.count, "mean_spearman_orderings")
    var sum = 0.0
    for (t, p) in zip(truth, predicted) {
      guard t.count >= 2 else {
        throw undefined("mean_spearman_orderings is undefined on a row of \(t.count) item")
      }
      sum += try spearman(t, p)
    }
    return sum / Double(truth.count)
  }

  /// The sum over rows of the Levenshtein distance between the true and the predicted
  /// sequence of tokens, divided by the total number of true tokens (Multi-modal Gesture
  /// Recognition: "analogous to an error rate; it can exceed one"). Undefined when no row
  /// holds a true token.
  public static func sequenceEditDistance(truth: [[String]], predicted: [[String]]) throws
    -> Double
  {
    try requireRows(truth.count, "sequence_edit_distance")
    var ids: [String: Int] = [:]
    func encode(_ s: [String]) -> [Int] {
      s.map { token in
        if let id = ids[token] { return id }
        ids[token] = ids.count
        return ids.count - 1
      }
    }
    var distance = 0
    var total = 0
    for (t, p) in zip(truth, predicted) {
      distance += editDistance(encode(t), encode(p))
      total += t.count
    }
    guard total > 0 else {
      throw undefined("sequence_edit_distance is undefined when the answers hold no token")
    }
    return Double(distance) / Double(total)
  }

  /// Levenshtein distance between two sequences (unit insertions, deletions, substitutions).
  static func editDistance(_ a: [Int], _ b: [Int]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
      current[0] = i
      for j in 1...b.count {
        let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
        current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
      }
      swap(&previous, &current)
    }
    return previous[b.count]
  }
}

extension NamedColumns {
  /// The true and predicted items of each row, the prediction checked to be a permutation
  /// of the row's true items (no item twice, none unknown, none missing).
  func permutations(_ metric: String) throws -> ([[String]], [[String]]) {
    let column = try single(metric)
    let truth = NamedColumns.tokens(try answers(column)).map { $0.map(String.init) }
    let predicted = NamedColumns.tokens(try submitted(column)).map { $0.map(String.init) }
    try check(column) { i in
      let known = Set(truth[i])
      var seen = Set<String>()
      for item in predicted[i] {
        if !known.contains(item) { return "\"\(item)\" is not one of this row's items" }
        if !seen.insert(item).inserted {
          return "lists \"\(item)\" twice; each of the row's items goes once"
        }
      }
      if seen.count != known.count {
        return
          "lists \(seen.count) of the row's \(known.count) items; list every item once, in order"
      }
      return nil
    }
    return (truth, predicted)
  }

  /// Each row's tokens as integers, refusing a submitted token that is not one.
  func integerSequences(_ metric: String) throws -> ([[String]], [[String]]) {
    let column = try single(metric)
    let truth = NamedColumns.tokens(try answers(column)).map { $0.map(String.init) }
    let predicted = NamedColumns.tokens(try submitted(column)).map { $0.map(String.init) }
    try check(column) { i in
      guard let bad = predicted[i].first(where: { Int($0) == nil }) else { return nil }
      return "\"\(bad)\" is not a whole number; the sequence is space-separated whole numbers"
    }
    for (i, row) in truth.enumerated() where row.contains(where: { Int($0) == nil }) {
      throw DojoError(
        .graderError,
        "answers row \(i + 2): column \"\(column)\" holds a token that is not a number")
    }
    // Numbers compare as numbers: "07" is gesture 7.
    func normalized(_ rows: [[String]]) -> [[String]] {
      rows.map { $0.compactMap { Int($0).map(String.init) } }
    }
    return (normalized(truth), normalized(predicted))
  }
}
