internal import DojoCore
internal import Foundation
internal import Tabular

/// The submission's shape for a task and the default row of its sample submission.
///
/// Interim: until the grading catalogue's layout functions land on main this holds a small
/// table of metric families; it is to be replaced by calls into `Grading`.
struct SubmissionFormat {
  let columns: [String]
  let classes: [String]?
  let lowerIsBetter: Bool
  let defaults: [String]

  static let lowerBetter: Set<String> = [
    "log_loss", "multiclass_log_loss", "rmse", "rmsle", "mae", "medae", "mape", "smape", "mcrmse",
    "mean_columnwise_rmsle", "levenshtein", "weighted_mae",
  ]
  static let labelMetrics: Set<String> = [
    "accuracy", "balanced_accuracy", "f1", "f1_macro", "f1_micro", "f1_weighted", "precision",
    "recall", "mcc", "qwk",
  ]

  init(manifest: Manifest, answers: Table, trainTargets: [[String]]) throws {
    let name = manifest.metric.name
    lowerIsBetter = manifest.metric.lowerIsBetter ?? Self.lowerBetter.contains(name)
    let targets = manifest.answers.targets
    let answerValues = targets.compactMap { t in
      answers.index(of: t).map { c in
        (0..<answers.rowCount).map { answers.string(row: $0, column: c) }
      }
    }
    let observed = (trainTargets.first ?? []) + (answerValues.first ?? [])
    let discovered = Array(Set(observed)).sorted()
    if name == "multiclass_log_loss" {
      let cls = manifest.answers.classes ?? discovered
      classes = cls
      columns = cls
      let counts = Dictionary(grouping: trainTargets.first ?? [], by: { $0 }).mapValues(\.count)
      let total = max(1, (trainTargets.first ?? []).count)
      defaults = cls.map { String(Double(counts[$0] ?? 0) / Double(total)) }
      return
    }
    columns = targets
    if Self.labelMetrics.contains(name) || name.hasPrefix("map@") || name.hasPrefix("ndcg@") {
      classes = manifest.answers.classes ?? discovered
      let k =
        manifest.metric.parameters["k"]?.integer ?? Int(name.split(separator: "@").last ?? "") ?? 1
      defaults = trainTargets.map { values in
        let tokens = values.flatMap { $0.split(separator: " ").map(String.init) }
        let counts = Dictionary(grouping: tokens, by: { $0 }).mapValues(\.count)
        let ranked = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        let take = Self.labelMetrics.contains(name) ? 1 : k
        return ranked.prefix(take).map(\.key).joined(separator: " ")
      }
      return
    }
    if name == "roc_auc" || name == "log_loss" {
      classes = discovered
      let positive = manifest.metric.parameters["positive"]?.string ?? discovered.last ?? "1"
      defaults = trainTargets.map { values in
        let share = Double(values.filter { $0 == positive }.count) / Double(max(1, values.count))
        return String(share)
      }
      return
    }
    classes = nil
    defaults = trainTargets.map { values in
      let numbers = values.compactMap { Double($0) }
      let mean = numbers.reduce(0, +) / Double(max(1, numbers.count))
      return String(mean)
    }
  }

  /// Writes every answer id with the default row.
  func writeSample(answers: Table, to url: URL) throws {
    guard let idIndex = answers.index(of: answers.header[0]) else { return }
    var sink = RowSink(url: url, header: [answers.header[0]] + columns)
    for row in 0..<answers.rowCount {
      sink.append([answers.string(row: row, column: idIndex)] + defaults)
    }
    try sink.finish()
  }
}
