internal import DojoCore
internal import Foundation

/// Metrics that single Kaggle competitions define; each cites the definition it follows.
extension Metrics {
  /// Weighted mean absolute error, `Σ wᵢ|yᵢ - ŷᵢ| / Σ wᵢ` (scikit-learn `mean_absolute_error`
  /// with `sample_weight`; the row-weighted MAE of Benchmark Bond Trade Price and of Walmart
  /// Store Sales, whose holiday weeks weigh 5). Undefined when the weights sum to 0. With
  /// `overRows`, `Σ wᵢ|yᵢ - ŷᵢ| / n` instead: Kaggle's Winton Stock Market Challenge WMAE
  /// ("the mean of the weighted absolute errors"), as MLE-Dojo grades it.
  public static func mae(
    _ truth: [Double], _ predicted: [Double], weights: [Double], overRows: Bool = false
  ) throws -> Double {
    try requireRows(truth.count, "mae")
    var sum = 0.0
    var total = 0.0
    for i in truth.indices {
      sum += weights[i] * abs(truth[i] - predicted[i])
      total += weights[i]
    }
    if overRows { return sum / Double(truth.count) }
    guard total > 0 else { throw undefined("mae: the row weights sum to 0") }
    return sum / total
  }

  /// Micro-averaged F1 over label sets, each row a space-separated set: `2TP / (2TP + FP +
  /// FN)` over every (row, label) pair, the labels being those of the answers; a predicted
  /// label no answer row holds is ignored and duplicates count once (scikit-learn
  /// `f1_score(average="micro")` on `MultiLabelBinarizer(classes=answers' labels)`, as MLE-bench
  /// grades iMet 2020, Plant Pathology 2021 and Facebook Recruiting III). 0 when no row has a
  /// label on either side.
  public static func multilabelMicroF1(truth: [[String]], predicted: [[String]]) throws -> Double {
    try requireRows(truth.count, "multilabel_f1_micro")
    let known = Set(truth.joined())
    var tp = 0
    var fp = 0
    var fn = 0
    for (t, p) in zip(truth, predicted) {
      let trueSet = Set(t)
      let predictedSet = Set(p).intersection(known)
      let hit = trueSet.intersection(predictedSet).count
      tp += hit
      fp += predictedSet.count - hit
      fn += trueSet.count - hit
    }
    let denominator = 2 * tp + fp + fn
    return denominator == 0 ? 0 : Double(2 * tp) / Double(denominator)
  }

  /// Mean per-row F1 between label sets, `2|P ∩ T| / (|P| + |T|)`, a row scoring 1 when both
  /// sets are empty; duplicates count once and every predicted label counts (Kaggle's Shopee
  /// Product Matching "mean F1"; scikit-learn `f1_score(average="samples", zero_division=1)`).
  public static func multilabelSamplesF1(truth: [[String]], predicted: [[String]]) throws
    -> Double
  {
    try requireRows(truth.count, "multilabel_f1_samples")
    var sum = 0.0
    for (t, p) in zip(truth, predicted) {
      let trueSet = Set(t)
      let predictedSet = Set(p)
      let size = trueSet.count + predictedSet.count
      sum += size == 0 ? 1 : 2 * Double(trueSet.intersection(predictedSet).count) / Double(size)
    }
    return sum / Double(truth.count)
  }

  /// Top-1 error: the share of rows whose first predicted label is not among the true ones,
  /// `1 - accuracy` of the first prediction (Kaggle's iNaturalist 2019 and iMaterialist
  /// Furniture 2018 "top-1 classification error"; MLE-bench takes the first of a
  /// space-separated list). An empty prediction is an error.
  public static func topOneError(truth: [[String]], predicted: [[String]]) throws -> Double {
    try requireRows(truth.count, "top1_error")
    var wrong = 0
    for (t, p) in zip(truth, predicted) where p.first.map({ !t.contains($0) }) ?? true {
      wrong += 1
    }
    return Double(wrong) / Double(truth.count)
  }

  /// Root mean squared percentage error over the rows whose answer is not 0,
  /// `sqrt(mean(((y - ŷ) / y)²))` (Kaggle's Rossmann Store Sales: "any day and store with 0
  /// sales is ignored in scoring"). Undefined when every answer is 0.
  public static func rmspe(_ truth: [Double], _ predicted: [Double]) throws -> Double {
    var sum = 0.0
    var n = 0
    for (t, p) in zip(truth, predicted) where t != 0 {
      let r = (t - p) / t
      sum += r * r
      n += 1
    }
    guard n > 0 else { throw undefined("rmspe is undefined when every answer is 0") }
    return (sum / Double(n)).squareRoot()
  }

  /// Class-balanced log loss: each row's probabilities rescaled to sum to 1 and clipped to
  /// `[eps, 1-eps]`; for each class, the mean of `-log p(class)` over the rows of that class;
  /// the sum over classes divided by the number of classes, a class with no rows adding 0
  /// (Kaggle's ICR - Identifying Age-Related Conditions "balanced logarithmic loss", as
  /// MLE-Dojo grades it).
  public static func balancedLogLoss(truth: [Int], probabilities: [[Double]], eps: Double)
    throws -> Double
  {
    try balancedLogLoss(truth: truth, probabilities: ProbabilityRows(rows: probabilities), eps: eps)
  }

  static func balancedLogLoss(truth: [Int], probabilities: ProbabilityRows, eps: Double)
    throws -> Double
  {
    try requireRows(truth.count, "balanced_log_loss")
    let classes = probabilities.classes
    var sums = [Double](repeating: 0, count: classes)
    var counts = [Int](repeating: 0, count: classes)
    for (i, t) in truth.enumerated() {
      let total = probabilities.sum(ofRow: i)
      guard total > 0 else { throw undefined("balanced_log_loss: a row's probabilities sum to 0") }
      sums[t] -= log(min(max(probabilities.truthValue(row: i, class: t) / total, eps), 1 - eps))
      counts[t] += 1
    }
    var loss = 0.0
    for k in 0..<classes where counts[k] > 0 { loss += sums[k] / Double(counts[k]) }
    return loss / Double(classes)
  }

  /// Kullback-Leibler divergence, Kaggle's `kullback-leibler-divergence` metric with row-wise
  /// (micro) averaging as HMS Harmful Brain Activity Classification scores it: each answer row
  /// is divided by its sum (votes become a distribution, as MLE-bench does), each prediction
  /// clipped to `[eps, 1-eps]`; a row scores `Σ y·log(y / ŷ)` over its non-zero `y`; the
  /// mean over rows. Undefined for an answer row whose values sum to 0.
  public static func klDivergence(truth: [[Double]], predicted: [[Double]], eps: Double) throws
    -> Double
  {
    let n = truth.first?.count ?? 0
    try requireRows(n, "kl_divergence")
    var sum = 0.0
    for i in 0..<n {
      let total = truth.reduce(0) { $0 + $1[i] }
      guard total > 0 else {
        throw undefined("kl_divergence: answers row \(i + 2) holds no votes; it needs some")
      }
      for j in truth.indices where truth[j][i] != 0 {
        let y = truth[j][i] / total
        sum += y * log(y / min(max(predicted[j][i], eps), 1 - eps))
      }
    }
    return sum / Double(n)
  }

  /// The smallest confidence (σ) the Laplace log likelihood accepts; a perfect prediction
  /// scores best with it.
  public static let laplaceMinimumConfidence = 70.0

  /// Laplace log likelihood, OSIC Pulmonary Fibrosis Progression's metric: per row
  /// `σ = max(confidence, 70)`, `Δ = min(|y - ŷ|, 1000)`, score `-√2·Δ/σ - ln(√2·σ)`; the mean
  /// over rows. Higher is better; the best possible is `-ln(70√2)` ≈ -4.595.
  public static func laplaceLogLikelihood(
    truth: [Double], predicted: [Double], confidence: [Double]
  ) throws -> Double {
    try requireRows(truth.count, "laplace_log_likelihood")
    var sum = 0.0
    for i in truth.indices {
      let sigma = max(confidence[i], laplaceMinimumConfidence)
      let delta = min(abs(truth[i] - predicted[i]), 1000)
      sum += -2.0.squareRoot() * delta / sigma - log(2.0.squareRoot() * sigma)
    }
    return sum / Double(truth.count)
  }

  /// The floor of a group's MAE before its log is taken, as Kaggle's CHAMPS metric kernel
  /// applies it (so a perfect group scores log(1e-9), not -∞).
  public static let groupLogMAEFloor = 1e-9

  /// Mean over groups of `log(max(MAE of the group, 1e-9))` (Kaggle's CHAMPS Predicting
  /// Molecular Properties: "the log of the MAE, calculated for each scalar coupling type, then
  /// averaged across types"; the floor is the metric kernel's, MLE-bench omits it).
  public static func meanGroupLogMAE(truth: [Double], predicted: [Double], groups: [String])
    throws -> Double
  {
    try requireRows(truth.count, "mean_group_log_mae")
    var errors: [String: (sum: Double, count: Int)] = [:]
    for i in truth.indices {
      errors[groups[i], default: (0, 0)].sum += abs(truth[i] - predicted[i])
      errors[groups[i], default: (0, 0)].count += 1
    }
    var total = 0.0
    for key in errors.keys.sorted() {
      let e = errors[key]!
      total += log(max(e.sum / Double(e.count), groupLogMAEFloor))
    }
    return total / Double(errors.count)
  }
}
