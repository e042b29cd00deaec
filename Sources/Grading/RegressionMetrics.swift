internal import DojoCore
internal import Foundation

extension Metrics {
  /// Root mean squared error, `sqrt(mean((y - ŷ)²))` (scikit-learn
  /// `root_mean_squared_error`).
  public static func rmse(_ truth: [Double], _ predicted: [Double]) throws -> Double {
    try requireRows(truth.count, "rmse")
    var sum = 0.0
    for (t, p) in zip(truth, predicted) { sum += (t - p) * (t - p) }
    return (sum / Double(truth.count)).squareRoot()
  }

  /// Root mean squared logarithmic error, `sqrt(mean((log(1+y) - log(1+ŷ))²))`; both sides
  /// must exceed -1 (scikit-learn `root_mean_squared_log_error`).
  public static func rmsle(_ truth: [Double], _ predicted: [Double]) throws -> Double {
    try requireRows(truth.count, "rmsle")
    var sum = 0.0
    for (t, p) in zip(truth, predicted) {
      guard t > -1, p > -1 else {
        throw undefined("rmsle is undefined for values of -1 or less")
      }
      let d = log1p(t) - log1p(p)
      sum += d * d
    }
    return (sum / Double(truth.count)).squareRoot()
  }

  /// Mean absolute error, `mean(|y - ŷ|)` (scikit-learn `mean_absolute_error`).
  public static func mae(_ truth: [Double], _ predicted: [Double]) throws -> Double {
    try requireRows(truth.count, "mae")
    var sum = 0.0
    for (t, p) in zip(truth, predicted) { sum += abs(t - p) }
    return sum / Double(truth.count)
  }

  /// Median absolute error, `median(|y - ŷ|)`, the mean of the two middle values for an even
  /// count (scikit-learn `median_absolute_error`).
  public static func medae(_ truth: [Double], _ predicted: [Double]) throws -> Double {
    try requireRows(truth.count, "medae")
    return median(zip(truth, predicted).map { abs($0 - $1) })
  }

  /// The median, NumPy's way: the mean of the two middle values for an even count.
  static func median(_ values: [Double]) -> Double {
    let s = values.sorted()
    let n = s.count
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
  }

  /// Mean absolute percentage error as a fraction, `mean(|y - ŷ| / max(|y|, ε))` with ε the
  /// float64 machine epsilon (scikit-learn `mean_absolute_percentage_error`).
  public static func mape(_ truth: [Double], _ predicted: [Double]) throws -> Double {
    try requireRows(truth.count, "mape")
    var sum = 0.0
    for (t, p) in zip(truth, predicted) { sum += abs(t - p) / max(abs(t), Double.ulpOfOne) }
    return sum / Double(truth.count)
  }

  /// Symmetric mean absolute percentage error in percent,
  /// `100/n · Σ 2|ŷ - y| / (|y| + |ŷ|)`, a row counting 0 when both are 0 (Kaggle's definition,
  /// Web Traffic Time Series Forecasting: "we define SMAPE = 0 when the actual and predicted
  /// values are both 0").
  public static func smape(_ truth: [Double], _ predicted: [Double]) throws -> Double {
    try requireRows(truth.count, "smape")
    var sum = 0.0
    for (t, p) in zip(truth, predicted) {
      let d = abs(t) + abs(p)
      if d > 0 { sum += 2 * abs(p - t) / d }
    }
    return 100 * sum / Double(truth.count)
  }

  /// Coefficient of determination, `1 - SS_res / SS_tot`; when the truth is constant it is 1
  /// for a perfect prediction and 0 otherwise (scikit-learn `r2_score`, `force_finite=True`).
  /// Undefined on fewer than two rows.
  public static func r2(_ truth: [Double], _ predicted: [Double]) throws -> Double {
    try requireRows(truth.count, "r2", atLeast: 2)
    let mean = truth.reduce(0, +) / Double(truth.count)
    var res = 0.0
    var tot = 0.0
    for (t, p) in zip(truth, predicted) {
      res += (t - p) * (t - p)
      tot += (t - mean) * (t - mean)
    }
    if tot == 0 { return res == 0 ? 1 : 0 }
    return 1 - res / tot
  }

  /// The mean over target columns of a per-column metric: MCRMSE (Kaggle's "mean columnwise
  /// root mean squared error", e.g. Feedback Prize - English Language Learning) with
  /// ``rmse(_:_:)``, mean columnwise RMSLE with ``rmsle(_:_:)``.
  public static func meanColumnwise(
    _ truth: [[Double]], _ predicted: [[Double]],
    _ metric: ([Double], [Double]) throws -> Double
  ) throws -> Double {
    guard !truth.isEmpty else { throw undefined("no target columns to score") }
    var sum = 0.0
    for (t, p) in zip(truth, predicted) { sum += try metric(t, p) }
    return sum / Double(truth.count)
  }

  /// Weighted MAE over target columns, `Σ_j w_j · MAE_j / Σ_j w_j`: each column's mean
  /// absolute error, averaged with the manifest's per-column weights.
  public static func weightedMAE(_ truth: [[Double]], _ predicted: [[Double]], weights: [Double])
    throws -> Double
  {
    let total = weights.reduce(0, +)
    guard total > 0, weights.count == truth.count else {
      throw undefined("weighted_mae needs one weight per column and weights that sum above 0")
    }
    var sum = 0.0
    for (j, w) in weights.enumerated() { sum += w * (try mae(truth[j], predicted[j])) }
    return sum / total
  }

  /// Pearson's correlation coefficient, `Σ(x-x̄)(y-ȳ) / sqrt(Σ(x-x̄)² Σ(y-ȳ)²)`
  /// (SciPy `stats.pearsonr`). Undefined with fewer than two rows or constant answers;
  /// constant predictions score 0.
  public static func pearson(_ truth: [Double], _ predicted: [Double]) throws -> Double {
    try requireRows(truth.count, "pearson", atLeast: 2)
    guard try requireVarying(truth, predicted, "pearson") else { return 0 }
    let n = Double(truth.count)
    let mx = truth.reduce(0, +) / n
    let my = predicted.reduce(0, +) / n
    var sxy = 0.0
    var sxx = 0.0
    var syy = 0.0
    for (x, y) in zip(truth, predicted) {
      sxy += (x - mx) * (y - my)
      sxx += (x - mx) * (x - mx)
      syy += (y - my) * (y - my)
    }
    let r = sxy / (sxx.squareRoot() * syy.squareRoot())
    return min(1, max(-1, r))
  }

  /// Constant answers make a correlation undefined: a grader error (the task is broken).
  /// Constant predictions are the submission's choice; SciPy returns NaN there, Dojo scores
  /// them 0 (no association shown), so a sample submission of means still grades. Returns
  /// false when the predictions are constant.
  private static func requireVarying(_ truth: [Double], _ predicted: [Double], _ name: String)
    throws -> Bool
  {
    if truth.allSatisfy({ $0 == truth[0] }) {
      throw undefined("\(name) is undefined: the answers are constant")
    }
    return !predicted.allSatisfy({ $0 == predicted[0] })
  }

  /// Ranks from 1, ties given the mean of the ranks they span (SciPy `rankdata`, "average").
  static func averageRanks(_ values: [Double]) -> [Double] {
    let order = values.indices.sorted { values[$0] < values[$1] }
    var ranks = [Double](repeating: 0, count: values.count)
    var i = 0
    while i < order.count {
      var j = i
      while j + 1 < order.count && values[order[j + 1]] == values[order[i]] { j += 1 }
      let rank = Double(i + j) / 2 + 1
      for m in i...j { ranks[order[m]] = rank }
      i = j + 1
    }
    return ranks
  }

  /// Spearman's rank correlation: Pearson's on average ranks (SciPy `stats.spearmanr`).
  /// Undefined with fewer than two rows or constant answers; constant predictions score 0.
  public static func spearman(_ truth: [Double], _ predicted: [Double]) throws -> Double {
    try requireRows(truth.count, "spearman", atLeast: 2)
    guard try requireVarying(truth, predicted, "spearman") else { return 0 }
    return try pearson(averageRanks(truth), averageRanks(predicted))
  }

  /// Kendall's tau-b, `(P - Q) / sqrt((P + Q + T_x)(P + Q + T_y))`, computed in
  /// O(n log n) by Knight's algorithm (SciPy `stats.kendalltau`, `variant="b"`). Undefined
  /// with fewer than two rows or constant answers; constant predictions score 0.
  public static func kendallTau(_ truth: [Double], _ predicted: [Double]) throws -> Double {
    let n = truth.count
    try requireRows(n, "kendall_tau", atLeast: 2)
    guard try requireVarying(truth, predicted, "kendall_tau") else { return 0 }
    let order = (0..<n).sorted {
      truth[$0] != truth[$1] ? truth[$0] < truth[$1] : predicted[$0] < predicted[$1]
    }
    func tiedPairs(_ same: (Int, Int) -> Bool, _ seq: [Int]) -> Double {
      var total = 0.0
      var run = 1.0
      for i in 1..<seq.count {
        if same(seq[i - 1], seq[i]) {
          run += 1
        } else {
          total += run * (run - 1) / 2
          run = 1
        }
      }
      return total + run * (run - 1) / 2
    }
    let xTies = tiedPairs({ truth[$0] == truth[$1] }, order)
    let jointTies = tiedPairs(
      { truth[$0] == truth[$1] && predicted[$0] == predicted[$1] }, order)
    // Discordant pairs are the strict inversions of the predictions in truth order.
    var ys = order.map { predicted[$0] }
    var buffer = ys
    let discordant = Double(Metrics.countInversions(&ys, &buffer, 0, n))
    let yTies = tiedPairs({ ys[$0] == ys[$1] }, Array(0..<n))
    let total = Double(n) * Double(n - 1) / 2
    let score = total - xTies - yTies + jointTies - 2 * discordant
    let tau = score / (total - xTies).squareRoot() / (total - yTies).squareRoot()
    return min(1, max(-1, tau))
  }

  /// Merge sort of `a[lo..<hi]` counting pairs `i < j` with `a[i] > a[j]`.
  private static func countInversions(
    _ a: inout [Double], _ b: inout [Double], _ lo: Int, _ hi: Int
  )
    -> Int
  {
    if hi - lo < 2 { return 0 }
    let mid = (lo + hi) / 2
    var count = countInversions(&a, &b, lo, mid) + countInversions(&a, &b, mid, hi)
    var i = lo
    var j = mid
    var k = lo
    while i < mid && j < hi {
      if a[j] < a[i] {
        count += mid - i
        b[k] = a[j]
        j += 1
      } else {
        b[k] = a[i]
        i += 1
      }
      k += 1
    }
    while i < mid {
      b[k] = a[i]
      i += 1
      k += 1
    }
    while j < hi {
      b[k] = a[j]
      j += 1
      k += 1
    }
    for m in lo..<hi { a[m] = b[m] }
    return count
  }

  /// Normalized Gini, `gini(y, ŷ) / gini(y, y)` with Kaggle's `gini`: rows sorted by
  /// prediction descending (ties in answers order), `(Σ cumsum(y) / Σ y - (n + 1) / 2) / n`
  /// (Kaggle, Porto Seguro's Safe Driver Prediction and Allstate Claims Severity kernels).
  /// Undefined when the truth sums to 0 or is constant.
  public static func normalizedGini(_ truth: [Double], _ predicted: [Double]) throws -> Double {
    try requireRows(truth.count, "normalized_gini")
    let perfect = try gini(truth, truth)
    guard perfect != 0 else {
      throw undefined("normalized_gini is undefined: the answers' own Gini is 0 (constant truth)")
    }
    return try gini(truth, predicted) / perfect
  }

  static func gini(_ truth: [Double], _ predicted: [Double]) throws -> Double {
    let n = truth.count
    let order = (0..<n).sorted {
      predicted[$0] != predicted[$1] ? predicted[$0] > predicted[$1] : $0 < $1
    }
    let total = truth.reduce(0, +)
    guard total != 0 else {
      throw undefined("normalized_gini is undefined: the answers sum to 0")
    }
    var running = 0.0
    var sum = 0.0
    for i in order {
      running += truth[i]
      sum += running
    }
    return (sum / total - Double(n + 1) / 2) / Double(n)
  }
}
