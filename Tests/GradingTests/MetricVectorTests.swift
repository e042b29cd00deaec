import DojoCore
import Foundation
import Grading
import Testing

/// One reference case from `scripts/metric_vectors.py` (scikit-learn / SciPy).
struct VectorCase: Decodable, CustomTestStringConvertible, Sendable {
  var metric: String = ""
  var name: String
  var params: [String: ManifestValue]
  var truth: [[String]]
  var truthColumns: [String]
  var predicted: [[String]]
  var predictedColumns: [String]
  var classes: [String]?
  var expected: Double?
  var error: Bool

  enum CodingKeys: String, CodingKey {
    case name, params, truth, predicted, classes, expected, error
    case truthColumns = "truth_columns"
    case predictedColumns = "predicted_columns"
  }

  var testDescription: String { "\(metric)/\(name)" }

  struct File: Decodable {
    var metric: String
    var cases: [VectorCase]
  }

  /// Every case of every committed vector file.
  static let all: [VectorCase] = {
    guard
      let folder = Bundle.module.url(forResource: "Vectors", withExtension: nil),
      let files = try? FileManager.default.contentsOfDirectory(
        at: folder, includingPropertiesForKeys: nil)
    else { return [] }
    var cases: [VectorCase] = []
    for url in files.sorted(by: { $0.path < $1.path }) where url.pathExtension == "json" {
      guard let data = try? Data(contentsOf: url),
        let file = try? JSONDecoder().decode(File.self, from: data)
      else { continue }
      cases += file.cases.map {
        var c = $0
        c.metric = file.metric
        return c
      }
    }
    return cases
  }()
}

/// Relative agreement to 1e-9, with an absolute floor for values that are 0 in exact terms.
func agrees(_ a: Double, _ b: Double) -> Bool {
  abs(a - b) <= 1e-9 * abs(b) + 1e-12
}

@Suite("Metric vectors (scikit-learn / SciPy)")
struct MetricVectorTests {
  @Test func vectorsAreLoadedForEveryReferenceMetric() {
    let metrics = Set(VectorCase.all.map(\.metric))
    let expected: Set<String> = [
      "accuracy", "balanced_accuracy", "roc_auc", "log_loss", "multiclass_log_loss", "f1",
      "f1_macro", "f1_micro", "f1_weighted", "precision", "recall", "mcc", "qwk", "rmse",
      "rmsle", "mae", "medae", "mape", "r2", "mcrmse", "mean_columnwise_rmsle", "ndcg@1",
      "ndcg@3", "ndcg@5", "spearman", "pearson", "kendall_tau", "multilabel_f1_micro",
      "multilabel_f1_samples", "mean_columnwise_spearman", "balanced_log_loss", "kl_divergence",
      "kendall_tau_orderings", "mean_spearman_orderings", "weighted_auc", "sequence_edit_distance",
      "bias_auc", "haversine_p50_p95", "hierarchical_macro_recall", "lwlrap",
      "mean_angular_error", "span_micro_f1", "mask_dice_hausdorff",
    ]
    #expect(metrics == expected)
    #expect(VectorCase.all.count > 400)
  }

  @Test(arguments: VectorCase.all)
  func agreesWithReference(_ c: VectorCase) throws {
    let metric = try MetricCatalogue.resolve(
      Manifest.MetricSpec(name: c.metric, parameters: c.params))
    let result = Result {
      try metric.evaluate(
        MetricData(
          metric: metric, truth: c.truth, truthColumns: c.truthColumns, predicted: c.predicted,
          predictedColumns: c.predictedColumns, classes: c.classes))
    }
    switch (result, c.expected) {
    case (.success(let value), let expected?):
      #expect(agrees(value, expected), "got \(value), reference \(expected)")
    case (.success(let value), nil):
      Issue.record("got \(value) where the reference is undefined")
    case (.failure(let error), let expected):
      #expect(expected == nil, "threw \(error) where the reference is \(expected!)")
      #expect((error as? DojoError)?.code == .graderError, "\(error)")
    }
  }
}
