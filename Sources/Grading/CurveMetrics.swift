internal import DojoCore
internal import Foundation

/// Metrics built on the ROC curve or on label rankings.
extension Metrics {
  /// The ROC curve's vertices, from (0, 0) to (1, 1): one per distinct score, highest first,
  /// tied scores moving together (scikit-learn `roc_curve` without dropping collinear points).
  static func rocPoints(truth: [Bool], scores: [Double]) throws -> [(fpr: Double, tpr: Double)] {
    let positives = truth.count { $0 }
    let negatives = truth.count - positives
    guard positives > 0, negatives > 0 else {
      throw undefined(
        "the ROC curve is undefined when the scored rows hold only \(positives > 0 ? "positive" : "negative") labels"
      )
    }
    let order = scores.indices.sorted { scores[$0] > scores[$1] }
    var points: [(fpr: Double, tpr: Double)] = [(0, 0)]
    var tp = 0
    var fp = 0
    var k = 0
    while k < order.count {
      let score = scores[order[k]]
      while k < order.count && scores[order[k]] == score {
        if truth[order[k]] { tp += 1 } else { fp += 1 }
        k += 1
      }
      points.append((Double(fp) / Double(negatives), Double(tp) / Double(positives)))
    }
    return points
  }

  /// Weighted partial ROC-AUC: the ROC curve (linear between vertices) is cut into horizontal
  /// bands of TPR `bands[k]...bands[k+1]`; band `k`'s area is `∫ (clip(tpr(fpr), lo, hi) - lo)
  /// dfpr`, weighted by `weights[k]`; the sum is divided by `Σ weights[k]·(hi - lo)`, so a
  /// perfect ranking scores 1. ALASKA2 Image Steganalysis uses bands 0, 0.4, 1 with weights
  /// 2, 1; Flavours of Physics bands 0, 0.2, 0.4, 0.6, 0.8, 1 with weights 2, 1.5, 1, 0.5, 0.
  /// The band edges are met exactly where the curve crosses them (MLE-bench inserts them
  /// into the curve likewise). Bands `[0, 1]` with weight 1 give the plain ROC-AUC.
  public static func weightedAUC(
    truth: [Bool], scores: [Double], bands: [Double], weights: [Double]
  ) throws -> Double {
    try requireRows(truth.count, "weighted_auc")
    let points = try rocPoints(truth: truth, scores: scores)
    var area = 0.0
    var normalizer = 0.0
    for k in 0..<(bands.count - 1) where weights[k] > 0 {
      let lo = bands[k]
      let hi = bands[k + 1]
      normalizer += weights[k] * (hi - lo)
      var band = 0.0
      for s in 1..<points.count {
        band += clippedArea(points[s - 1], points[s], lo: lo, hi: hi)
      }
      area += weights[k] * band
    }
    guard normalizer > 0 else { throw undefined("weighted_auc: every band weighs 0") }
    return area / normalizer
  }

  /// `∫ (clip(y, lo, hi) - lo) dx` over the straight segment from `a` to `b`: the segment is
  /// cut where it crosses `lo` or `hi`, and the clipped line is straight on every piece.
  static func clippedArea(
    _ a: (fpr: Double, tpr: Double), _ b: (fpr: Double, tpr: Double), lo: Double, hi: Double
  ) -> Double {
    let dx = b.fpr - a.fpr
    guard dx > 0 else { return 0 }
    var cuts: [Double] = [0, 1]
    let dy = b.tpr - a.tpr
    if dy != 0 {
      for level in [lo, hi] {
        let t = (level - a.tpr) / dy
        if t > 0 && t < 1 { cuts.append(t) }
      }
    }
    cuts.sort()
    func clipped(_ t: Double) -> Double { min(max(a.tpr + t * dy, lo), hi) - lo }
    var area = 0.0
    for i in 1..<cuts.count {
      area += (clipped(cuts[i - 1]) + clipped(cuts[i])) / 2 * (cuts[i] - cuts[i - 1]) * dx
    }
    return area
  }

  /// Jigsaw Unintended Bias in Toxicity Classification's final metric: `0.25·AUC(all) +
  /// 0.25·(M_p(subgroup AUCs) + M_p(BPSN AUCs) + M_p(BNSP AUCs))`, where for each identity
  /// subgroup the subgroup AUC is taken over the rows that mention it, the BPSN AUC over its
  /// non-toxic rows and the toxic rows that do not mention it, the BNSP AUC over its toxic
  /// rows and the non-toxic rows that do not, and `M_p(x) = (mean(xᵢᵖ))^(1/p)` with `p = -5`.
  /// Each AUC is scikit-learn's (ties averaged). Undefined when a subset holds one class.
  public static func biasAUC(
    truth: [Bool], scores: [Double], subgroups: [(name: String, member: [Bool])],
    power: Double = -5
  ) throws -> Double {
    try requireRows(truth.count, "bias_auc")
    func auc(_ rows: [Int], _ what: String) throws -> Double {
      let column = MetricData.BinaryScores(
        truth: rows.map { truth[$0] }, scores: rows.map { scores[$0] })
      guard column.truth.contains(true), column.truth.contains(false) else {
        throw undefined(
          "bias_auc: the \(what) holds only \(column.truth.first == true ? "toxic" : column.truth.isEmpty ? "no" : "non-toxic") rows, so its AUC is undefined"
        )
      }
      return try rocAUC(column)
    }
    let overall = try auc(Array(truth.indices), "test set")
    guard !subgroups.isEmpty else { throw undefined("bias_auc needs at least one subgroup") }
    var means = [0.0, 0.0, 0.0]
    for (name, member) in subgroups {
      let inside = truth.indices.filter { member[$0] }
      let bpsn = truth.indices.filter { member[$0] != truth[$0] }
      let bnsp = truth.indices.filter { member[$0] == truth[$0] }
      let aucs = [
        try auc(inside, "subgroup \(name)"), try auc(bpsn, "BPSN set of \(name)"),
        try auc(bnsp, "BNSP set of \(name)"),
      ]
      for k in 0..<3 { means[k] += pow(aucs[k], power) }
    }
    let n = Double(subgroups.count)
    let bias = means.reduce(0) { $0 + pow($1 / n, 1 / power) }
    return 0.25 * overall + 0.25 * bias
  }

  /// Label-weighted label-ranking average precision (Freesound Audio Tagging 2019): for every
  /// row and every true label of it, the share of true labels among the labels scored at
  /// least as high; the mean over all (row, true label) pairs, so each label weighs by how
  /// often it is true. Rows without a true label do not count. Ties count pessimistically, as
  /// scikit-learn's `label_ranking_average_precision_score` with sample weights equal to the
  /// rows' label counts (the organisers' published equivalent). Columns are classes.
  public static func lwlrap(truth: [[Bool]], scores: [[Double]]) throws -> Double {
    let rows = truth.first?.count ?? 0
    try requireRows(rows, "lwlrap")
    let classes = truth.count
    var sum = 0.0
    var pairs = 0
    for i in 0..<rows {
      for j in 0..<classes where truth[j][i] {
        let s = scores[j][i]
        var rank = 0
        var hits = 0
        for k in 0..<classes where scores[k][i] >= s {
          rank += 1
          if truth[k][i] { hits += 1 }
        }
        sum += Double(hits) / Double(rank)
        pairs += 1
      }
    }
    guard pairs > 0 else { throw undefined("lwlrap is undefined when no row has a true label") }
    return sum / Double(pairs)
  }
}
