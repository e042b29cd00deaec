public import DojoCore
internal import Foundation

/// The values a metric can take, for sanity checks of leaderboards and scores: a board whose
/// best accuracy is 1.7 or whose RMSE is negative was read or curated wrong.
public struct MetricRange: Sendable, Equatable {
  public var lower: Double
  public var upper: Double

  public init(lower: Double, upper: Double) {
    self.lower = lower
    self.upper = upper
  }

  /// Whether `score` is a value the metric can produce.
  public func contains(_ score: Double) -> Bool { score >= lower && score <= upper }

  static let unit = MetricRange(lower: 0, upper: 1)
  static let signedUnit = MetricRange(lower: -1, upper: 1)
  static let nonNegative = MetricRange(lower: 0, upper: .infinity)

  /// The range of a metric spec: as ``of(_:)-(String)`` by name, except that a raw
  /// (`normalize: false`) Levenshtein distance has no upper bound.
  public static func of(_ spec: Manifest.MetricSpec) -> MetricRange {
    if spec.name == "levenshtein", let n = spec.parameters["normalize"],
      case .scalar(let s) = n, s.lowercased() == "false"
    {
      return .nonNegative
    }
    return of(spec.name)
  }

  /// The range of a catalogue metric by name (`map@3` as `map@k`).
  public static func of(_ name: String) -> MetricRange {
    let base = name.hasPrefix("map@") ? "map@k" : name.hasPrefix("ndcg@") ? "ndcg@k" : name
    switch base {
    case "accuracy", "balanced_accuracy", "roc_auc", "f1", "f1_macro", "f1_micro", "f1_weighted",
      "precision", "recall", "map@k", "ndcg@k", "jaccard", "levenshtein", "multilabel_f1_micro",
      "multilabel_f1_samples", "top1_error":
      return .unit
    case "mask_dice", "mask_fbeta", "mask_iou_precision", "mask_object_fbeta",
      "mask_dice_hausdorff", "box_map",
      "box_voc_map",
      "box_iou_precision",
      "point_in_box_f1":
      return .unit
    case "mcc", "qwk", "spearman", "pearson", "kendall_tau", "normalized_gini",
      "mean_columnwise_spearman":
      return .signedUnit
    case "weighted_auc", "bias_auc", "hierarchical_macro_recall", "lwlrap", "span_micro_f1":
      return .unit
    case "kendall_tau_orderings", "mean_spearman_orderings":
      return .signedUnit
    case "mean_angular_error":
      return MetricRange(lower: 0, upper: .pi)
    case "laplace_log_likelihood":
      return MetricRange(
        lower: -.infinity, upper: -log(2.0.squareRoot() * Metrics.laplaceMinimumConfidence))
    case "mean_group_log_mae":
      return MetricRange(lower: log(Metrics.groupLogMAEFloor), upper: .infinity)
    case "r2":
      return MetricRange(lower: -.infinity, upper: 1)
    case "smape":
      return MetricRange(lower: 0, upper: 200)
    default:
      // Losses and errors: log loss, RMSE, MAE, MAPE and their column-wise variants.
      return .nonNegative
    }
  }
}
