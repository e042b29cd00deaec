internal import DojoCore
internal import Foundation

extension Metrics {
  /// Bengali.AI Handwritten Grapheme Classification's hierarchical macro recall: the rows are
  /// grouped by component (grapheme_root, vowel_diacritic, consonant_diacritic: the answers'
  /// group column); each group's macro recall is scikit-learn's `recall_score(average="macro")`
  /// (over the labels present on either side, a label never true adding 0); the score is
  /// their mean weighted by `weights` (2, 1, 1 on Kaggle). Every group must have a weight.
  public static func hierarchicalMacroRecall(
    truth: [String], predicted: [String], groups: [String], weights: [String: Double]
  ) throws -> Double {
    try requireRows(truth.count, "hierarchical_macro_recall")
    var rows: [String: [Int]] = [:]
    for (i, g) in groups.enumerated() { rows[g, default: []].append(i) }
    if let stray = rows.keys.sorted().first(where: { weights[$0] == nil }) {
      throw undefined(
        "hierarchical_macro_recall: the answers' group \"\(stray)\" has no weight; add it to weights"
      )
    }
    var score = 0.0
    var total = 0.0
    for (group, weight) in weights.sorted(by: { $0.key < $1.key }) {
      guard let members = rows[group] else {
        throw undefined("hierarchical_macro_recall: no answers row is in group \"\(group)\"")
      }
      var support: [String: Int] = [:]
      var hits: [String: Int] = [:]
      var labels = Set<String>()
      for i in members {
        support[truth[i], default: 0] += 1
        labels.insert(truth[i])
        labels.insert(predicted[i])
        if truth[i] == predicted[i] { hits[truth[i], default: 0] += 1 }
      }
      var recall = 0.0
      for label in labels where support[label] != nil {
        recall += Double(hits[label] ?? 0) / Double(support[label] ?? 1)
      }
      score += weight * recall / Double(labels.count)
      total += weight
    }
    guard total > 0 else { throw undefined("hierarchical_macro_recall: every weight is 0") }
    return score / total
  }
}
