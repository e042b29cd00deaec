import DojoCore
import Foundation
import Grading
import Testing

/// Scores one metric on text columns, the way the grader feeds it.
func score(
  _ name: String, _ parameters: [String: ManifestValue] = [:], truth: [[String]],
  predicted: [[String]], columns: [String]? = nil, classes: [String]? = nil
) throws -> Double {
  let names = columns ?? ["target"]
  return try score(
    name, parameters, truth: truth, predicted: predicted, truthColumns: names,
    predictedColumns: names, classes: classes)
}

/// As ``score(_:_:truth:predicted:columns:classes:)`` with the answers' and the submission's
/// columns named apart (answers-only weight or group columns).
func score(
  _ name: String, _ parameters: [String: ManifestValue] = [:], truth: [[String]],
  predicted: [[String]], truthColumns: [String], predictedColumns: [String],
  classes: [String]? = nil
) throws -> Double {
  let metric = try MetricCatalogue.resolve(.init(name: name, parameters: parameters))
  return try metric.evaluate(
    MetricData(
      metric: metric, truth: truth, truthColumns: truthColumns, predicted: predicted,
      predictedColumns: predictedColumns, classes: classes))
}

func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-12 * max(1, abs(b)) }

@Suite("Kaggle-only metrics, computed by hand")
struct HandComputedMetricTests {
  @Test func smapeCountsZeroOverZeroAsZero() throws {
    // rows: 0/0 → 0; 2·|3-1|/(1+3) = 1; exact → 0. Mean 1/3, in percent.
    #expect(
      close(try score("smape", truth: [["0", "1", "2"]], predicted: [["0", "3", "2"]]), 100.0 / 3))
    #expect(try score("smape", truth: [["0", "0"]], predicted: [["0", "0"]]) == 0)
    #expect(try score("smape", truth: [["0"]], predicted: [["5"]]) == 200)
  }

  @Test func mapAtKCountsDuplicatesOnce() throws {
    // "a a b" against {a, b}: 1/1 at slot 1, the duplicate adds nothing, 2/3 at slot 3;
    // divided by min(2, 3). Counting the duplicate would give 1.5, above 1.
    #expect(close(try score("map@3", truth: [["a b"]], predicted: [["a a b"]]), 5.0 / 6))
    #expect(close(try score("map@3", truth: [["b"]], predicted: [["a b c"]]), 0.5))
    // Only the first k predictions count.
    #expect(try score("map@2", truth: [["c"]], predicted: [["a b c"]]) == 0)
    #expect(
      close(
        try score("map@k", ["k": .scalar("3")], truth: [["c"]], predicted: [["a b c"]]), 1.0 / 3))
    // Mean over rows; an empty prediction scores 0.
    #expect(close(try score("map@3", truth: [["a", "b"]], predicted: [["a", ""]]), 0.5))
  }

  @Test func ndcgIgnoresDuplicatesToo() throws {
    // "a a" against {a}: gain 1 at slot 1, the duplicate nothing; ideal 1.
    #expect(try score("ndcg@2", truth: [["a"]], predicted: [["a a"]]) == 1)
    // {a, b}, "x a": 1/log2(3) over 1 + 1/log2(3).
    let g = 1 / log2(3.0)
    #expect(close(try score("ndcg@2", truth: [["a b"]], predicted: [["x a"]]), g / (1 + g)))
  }

  @Test func normalizedGini() throws {
    // By prediction: rows 0, 2, 3, 1 → y = 1,0,1,0; cumsum 1,1,2,2 = 6; 6/2 - 5/2 = 0.5; /4.
    // Perfect order y = 1,1,0,0: cumsum 7; 7/2 - 5/2 = 1; /4. Ratio 0.5 (= 2·AUC - 1).
    #expect(
      close(
        try score(
          "normalized_gini", truth: [["1", "0", "0", "1"]],
          predicted: [["0.9", "0.1", "0.8", "0.3"]]), 0.5))
    #expect(
      try score("normalized_gini", truth: [["3", "0", "1"]], predicted: [["3", "0", "1"]]) == 1)
    let error = #expect(throws: DojoError.self) {
      try score("normalized_gini", truth: [["0", "0"]], predicted: [["1", "2"]])
    }
    #expect(error?.code == .graderError)
  }

  @Test func jaccardIsWordLevelAndCaseBlind() throws {
    // {the, cat, sat} vs {the, cat, ran}: 2/4; both empty: 1; {a, b} vs {a}: 1/2.
    let value = try score(
      "jaccard", truth: [["The cat sat", "", "a a b"]], predicted: [["the CAT  ran", " ", "a"]])
    #expect(close(value, 2.0 / 3))
  }

  @Test func levenshteinIsNormalizedByTheLongerText() throws {
    let value = try score(
      "levenshtein", truth: [["kitten", "", "abc"]], predicted: [["sitting", "", ""]])
    #expect(close(value, (3.0 / 7 + 0 + 1) / 3))
  }

  @Test func weightedMAE() throws {
    // MAE a = 0.5, MAE b = 5; weights 1 and 3: (0.5 + 15) / 4.
    let truth = [["1", "2"], ["10", "20"]]
    let predicted = [["2", "2"], ["10", "10"]]
    let list: ManifestValue = .list([.scalar("1"), .scalar("3")])
    let map: ManifestValue = .map(["a": .scalar("1"), "b": .scalar("3")])
    for w in [list, map] {
      #expect(
        try score(
          "weighted_mae", ["weights": w], truth: truth, predicted: predicted, columns: ["a", "b"])
          == 3.875)
    }
    let error = #expect(throws: DojoError.self) {
      try score(
        "weighted_mae", ["weights": .list([.scalar("1")])], truth: truth, predicted: predicted,
        columns: ["a", "b"])
    }
    #expect(error?.message.contains("1 weights for 2 target columns") == true)
  }

  @Test func mcrmseAndColumnwiseRMSLE() throws {
    // RMSE of column a = 3, of column b = 4: mean 3.5.
    #expect(
      try score(
        "mcrmse", truth: [["0", "0"], ["0", "0"]], predicted: [["3", "-3"], ["4", "4"]],
        columns: ["a", "b"])
        == 3.5)
    // log1p(e - 1) = 1 against log1p(0) = 0 → RMSLE 1; column b exact → 0; mean 0.5.
    let e1 = "\(exp(1.0) - 1)"
    #expect(
      close(
        try score(
          "mean_columnwise_rmsle", truth: [[e1], ["0"]], predicted: [["0"], ["0"]],
          columns: ["a", "b"]),
        0.5))
  }

  @Test func rmsleRefusesPredictionsAtMinusOne() throws {
    let error = #expect(throws: DojoError.self) {
      try score("rmsle", truth: [["1", "2"]], predicted: [["0", "-1"]])
    }
    #expect(error?.code == .invalidSubmission)
    #expect(
      error?.message == "row 3: column \"target\": \"-1\" is -1 or less; rmsle takes log(1 + x)")
  }

  @Test func noRowsIsAGraderError() throws {
    let error = #expect(throws: DojoError.self) {
      try score("accuracy", truth: [[]], predicted: [[]])
    }
    #expect(error?.code == .graderError)
  }
}

@Suite("Metric catalogue")
struct MetricCatalogueTests {
  static let issueNames = [
    "accuracy", "balanced_accuracy", "roc_auc", "log_loss", "multiclass_log_loss", "f1",
    "f1_macro", "f1_micro", "f1_weighted", "precision", "recall", "mcc", "qwk", "rmse", "rmsle",
    "mae", "medae", "mape", "smape", "r2", "mcrmse", "mean_columnwise_rmsle", "map@k", "ndcg@k",
    "spearman", "pearson", "kendall_tau", "normalized_gini", "jaccard", "levenshtein",
    "weighted_mae",
  ]
  /// Added for real competitions (issue 7), after the issue's names.
  static let competitionNames = [
    "multilabel_f1_micro", "multilabel_f1_samples", "top1_error", "mean_columnwise_spearman",
    "rmspe",
    "balanced_log_loss", "kl_divergence", "laplace_log_likelihood", "mean_group_log_mae",
    // Issue 19: the metrics over named columns.
    "kendall_tau_orderings", "mean_spearman_orderings", "weighted_auc", "sequence_edit_distance",
    "bias_auc", "haversine_p50_p95", "hierarchical_macro_recall", "lwlrap", "mean_angular_error",
    "span_micro_f1",
  ]
  /// Masks and boxes, one text column per image (issue 19).
  static let imageNames = [
    "mask_dice", "mask_fbeta", "mask_iou_precision", "mask_object_fbeta", "mask_dice_hausdorff",
    "box_map", "box_voc_map",
    "box_iou_precision",
    "point_in_box_f1",
  ]
  static let lowerIsBetter: Set<String> = [
    "log_loss", "multiclass_log_loss", "rmse", "rmsle", "mae", "medae", "mape", "smape", "mcrmse",
    "mean_columnwise_rmsle", "levenshtein", "weighted_mae", "rmspe", "balanced_log_loss",
    "kl_divergence", "mean_group_log_mae", "top1_error",
    "sequence_edit_distance", "haversine_p50_p95", "mean_angular_error",
  ]

  @Test func holdsExactlyTheIssuesNames() {
    #expect(MetricCatalogue.names == Self.issueNames + Self.competitionNames + Self.imageNames)
  }

  @Test(arguments: issueNames + competitionNames + imageNames)
  func directionAndDocumentation(_ name: String) throws {
    let d = try #require(MetricCatalogue.definition(named: name))
    #expect(d.lowerIsBetter == Self.lowerIsBetter.contains(name))
    #expect(!d.summary.isEmpty)
  }

  @Test func shorthandSetsK() throws {
    let m = try MetricCatalogue.resolve(.init(name: "map@3"))
    #expect(m.name == "map@k")
    #expect(m.parameters.k == 3)
    let same = try MetricCatalogue.resolve(.init(name: "map@3", parameters: ["k": .scalar("3")]))
    #expect(same.parameters.k == 3)
    #expect(try MetricCatalogue.resolve(.init(name: "ndcg@10")).parameters.k == 10)
  }

  struct Refusal: Sendable, CustomTestStringConvertible {
    var spec: Manifest.MetricSpec
    var expected: String
    var testDescription: String { expected }
  }

  static let refusals: [Refusal] = [
    .init(spec: .init(name: "acuracy"), expected: "metric \"acuracy\" is not in the catalogue"),
    .init(
      spec: .init(name: "accuracy", parameters: ["positive": .scalar("yes")]),
      expected: "metric accuracy: unknown parameter \"positive\" (it takes none)"),
    .init(
      spec: .init(name: "roc_auc", parameters: ["column": .list([.scalar("a")])]),
      expected: "metric roc_auc: unknown parameter \"column\" (it takes columns, positive)"),
    .init(spec: .init(name: "map@k"), expected: "metric map@k: needs parameter k"),
    .init(
      spec: .init(name: "map@k", parameters: ["k": .scalar("three")]),
      expected: "metric map@k: parameter k must be a positive integer (got three)"),
    .init(
      spec: .init(name: "map@k", parameters: ["k": .scalar("0")]),
      expected: "metric map@k: parameter k must be a positive integer (got 0)"),
    .init(
      spec: .init(name: "map@3", parameters: ["k": .scalar("5")]),
      expected: "metric map@3: parameter k is 5 but the name says 3; drop one"),
    .init(
      spec: .init(name: "log_loss", parameters: ["eps": .scalar("2")]),
      expected: "metric log_loss: parameter eps must be a number between 0 and 0.5, or auto (got 2)"
    ),
    .init(
      spec: .init(name: "roc_auc", parameters: ["columns": .scalar("toxic")]),
      expected: "metric roc_auc: parameter columns must be a list of column names (got toxic)"),
    .init(
      spec: .init(name: "f1", parameters: ["positive": .list([.scalar("a")])]),
      expected: "metric f1: parameter positive must be a label (got [a])"),
    .init(
      spec: .init(name: "weighted_mae", parameters: ["weights": .list([.scalar("-1")])]),
      expected:
        "metric weighted_mae: parameter weights must be a list or map of non-negative numbers (got [-1])"
    ),
  ]

  @Test(arguments: refusals)
  func refusesBadSpecsNamingTheParameter(_ r: Refusal) {
    let error = #expect(throws: DojoError.self) { try MetricCatalogue.resolve(r.spec) }
    #expect(error?.code == .invalidManifest)
    #expect(error?.message.hasPrefix(r.expected) == true, "got: \(error?.message ?? "")")
  }

  @Test func rocAUCPositiveDecidesTheDirection() throws {
    let truth = [["yes", "no", "no"]]
    let predicted = [["0.9", "0.2", "0.1"]]
    #expect(try score("roc_auc", truth: truth, predicted: predicted) == 1)
    #expect(
      try score("roc_auc", ["positive": .scalar("no")], truth: truth, predicted: predicted) == 0)
  }

  @Test func binaryF1NeedsAPositiveLabelItCanTell() throws {
    let error = #expect(throws: DojoError.self) {
      try score("f1", truth: [["a", "b", "c"]], predicted: [["a", "b", "b"]])
    }
    #expect(error?.code == .graderError)
    #expect(error?.message.contains("set positive:") == true)
  }
}
