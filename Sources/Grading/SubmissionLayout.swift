public import DojoCore
internal import Foundation
public import Tabular

/// The one place that maps a metric spec and the answers' shape to a submission's shape, and
/// to the sample submission's default values.
///
/// `dojo prepare` calls ``layout(for:answers:classes:)`` for `TaskSpec.submissionColumns` and
/// ``defaultPrediction(for:answers:classes:train:)`` for the sample submission's rows; the
/// grader calls ``layout(for:answers:classes:)`` and ``truthColumns(for:answers:)`` to pair
/// submission columns with answer columns.
public enum SubmissionLayout {
  /// The columns a submission must hold besides the id, in order.
  ///
  /// - Label, value, ranking and text metrics: the answers' target column(s), same names.
  /// - `roc_auc` / `log_loss`: the `columns:` parameter when given (each must be a target),
  ///   else the targets; each holds the probability of the positive label.
  /// - `multiclass_log_loss`: one probability column per class, named by the class.
  ///
  /// - Parameters:
  ///   - metric: The manifest's metric spec.
  ///   - answers: The manifest's answers (id and targets).
  ///   - classes: The target's classes (from the manifest or discovered from the data).
  /// - Throws: ``DojoError`` `.invalidManifest` when the spec does not fit the answers (a
  ///   one-column metric with two targets, `columns:` naming a non-target, class probabilities
  ///   without classes) or the spec itself is wrong.
  public static func layout(
    for metric: Manifest.MetricSpec, answers: Manifest.Answers, classes: [String]?
  ) throws -> [String] {
    let resolved = try MetricCatalogue.resolve(metric)
    return try layout(resolved, targets: answers.targets, classes: classes)
  }

  /// The answers' columns the submission columns are scored against, in order: the same
  /// names as ``layout(for:answers:classes:)`` except for `multiclass_log_loss`, whose truth is
  /// the one class column.
  public static func truthColumns(for metric: Manifest.MetricSpec, answers: Manifest.Answers)
    throws -> [String]
  {
    let resolved = try MetricCatalogue.resolve(metric)
    return try truthColumns(resolved, targets: answers.targets)
  }

  static func truthColumns(_ metric: ResolvedMetric, targets: [String]) throws -> [String] {
    switch metric.definition.shape {
    case .classProbabilities where targets.count > 1: return targets
    case .classProbabilities: return try single(metric, targets)
    default:
      // The scored targets, then the answers-only columns (row weights, groups).
      let scored = try layout(metric, targets: targets, classes: nil).filter {
        $0 != metric.parameters.confidenceColumn
      }
      return scored + metric.parameters.answerOnlyColumns
    }
  }

  static func layout(_ metric: ResolvedMetric, targets all: [String], classes: [String]?) throws
    -> [String]
  {
    // Answers-only columns (a row weight, a group key) are targets the submission leaves out;
    // a confidence column is a submission column the answers lack.
    let answerOnly = metric.parameters.answerOnlyColumns
    for column in answerOnly where !all.contains(column) {
      throw DojoError(
        .invalidManifest,
        "metric \(metric.name): column \"\(column)\" must be one of answers.targets (\(all.joined(separator: ", "))), which the submission then leaves out"
      )
    }
    let targets = all.filter { !answerOnly.contains($0) }
    guard !targets.isEmpty else {
      throw DojoError(
        .invalidManifest, "metric \(metric.name): answers.targets has no column left to score")
    }
    if let c = metric.parameters.confidenceColumn {
      if all.contains(c) {
        throw DojoError(
          .invalidManifest,
          "metric \(metric.name): confidence column \"\(c)\" is a submission column, not one of answers.targets"
        )
      }
      return try single(metric, targets) + [c]
    }
    switch metric.definition.shape {
    case .value where MetricCatalogue.poolsColumns.contains(metric.name):
      return targets
    case .label, .value, .ranking, .text:
      return try single(metric, targets)
    case .values:
      return targets
    case .columns:
      return targets
    case .probability:
      guard let columns = metric.parameters.columns else { return targets }
      if let stray = columns.first(where: { !targets.contains($0) }) {
        throw DojoError(
          .invalidManifest,
          "metric \(metric.name): column \"\(stray)\" is not one of answers.targets (\(targets.joined(separator: ", ")))"
        )
      }
      return columns
    case .classProbabilities where targets.count > 1:
      // The answers are one-hot: one 0/1 column per class, named as the submission's.
      return targets
    case .classProbabilities:
      _ = try single(metric, targets)
      guard let classes, classes.count >= 2 else {
        throw DojoError(
          .invalidManifest,
          "metric \(metric.name) needs at least two classes (answers.classes); the submission has a probability column per class"
        )
      }
      return classes
    }
  }

  private static func single(_ metric: ResolvedMetric, _ targets: [String]) throws -> [String] {
    guard targets.count == 1 else {
      throw DojoError(
        .invalidManifest,
        "metric \(metric.name) scores one target column but answers.targets has \(targets.count) (\(targets.joined(separator: ", "))); pick one or use a multi-column metric"
      )
    }
    return targets
  }

  /// The sample submission's value for every submission column: what a model that learned
  /// only the training targets' distribution would predict.
  ///
  /// - Label metrics: the most frequent training label (the prior class).
  /// - `roc_auc` / `log_loss`: the positive label's training frequency, per column.
  /// - `multiclass_log_loss`: each class's training frequency.
  /// - Regression: the mean; the median for MAE-like metrics (`mae`, `medae`, `mape`, `smape`,
  ///   `weighted_mae`); `exp(mean(log(1 + y))) - 1` for the RMSLE family.
  /// - `map@k` / `ndcg@k`: the k most frequent training items, space-separated.
  /// - Text metrics: the most frequent training text.
  ///
  /// Ties go to the label that sorts first.
  ///
  /// - Parameters:
  ///   - metric: The manifest's metric spec.
  ///   - answers: The manifest's answers.
  ///   - classes: The target's classes, when known.
  ///   - train: The training side's values of each of `answers.targets`, in that order.
  /// - Returns: One value per column of ``layout(for:answers:classes:)``, as CSV text.
  /// - Throws: ``DojoError`` `.invalidManifest` as ``layout(for:answers:classes:)`` does;
  ///   `.invalidData` when the training targets are empty or not numbers where due.
  public static func defaultPrediction(
    for metric: Manifest.MetricSpec, answers: Manifest.Answers, classes: [String]?,
    train: [[String]]
  ) throws -> [String] {
    try defaultPrediction(
      for: metric, answers: answers, classes: classes, train: train.map { CodedColumn($0) })
  }

  /// ``defaultPrediction(for:answers:classes:train:)`` of coded training columns (what a
  /// split keeps): labels are counted and numbers parsed once per distinct value, summed in
  /// row order, so the defaults are those of the same values as text.
  public static func defaultPrediction(
    for metric: Manifest.MetricSpec, answers: Manifest.Answers, classes: [String]?,
    train: [CodedColumn]
  ) throws -> [String] {
    let resolved = try MetricCatalogue.resolve(metric)
    let columns = try layout(resolved, targets: answers.targets, classes: classes)
    guard train.count == answers.targets.count else {
      throw DojoError(
        .invalidArgument,
        "defaultPrediction got \(train.count) training columns for \(answers.targets.count) targets"
      )
    }
    func values(of target: String) throws -> CodedColumn {
      // A confidence column has no training values: it takes the first target's spread.
      let source = target == resolved.parameters.confidenceColumn ? columns[0] : target
      let column = train[answers.targets.firstIndex(of: source)!]
      guard !column.isEmpty else {
        throw DojoError(
          .invalidData, "training column \"\(target)\" is empty; no default prediction exists")
      }
      return column
    }
    switch resolved.definition.shape {
    case .text where MetricCatalogue.readsEncodedRows.contains(resolved.name):
      // An empty mask, no box, no point: valid for every image, whatever its size.
      return [""]
    case .label, .text:
      return [mostFrequent(counts: try values(of: columns[0]).histogram(), count: 1)[0]]
    case .ranking:
      let items = try values(of: columns[0]).flatMap {
        $0.split(whereSeparator: \.isWhitespace).map(String.init)
      }
      guard !items.isEmpty else { return [""] }
      return [mostFrequent(items, count: resolved.parameters.k ?? 1).joined(separator: " ")]
    case .probability:
      return try columns.map { column in
        let v = try values(of: column)
        let histogram = v.histogram()
        var labels = Set(histogram.keys)
        if let classes, columns.count == 1 { labels.formUnion(classes) }
        let positive =
          try resolved.parameters.positive
          ?? MetricData.defaultPositive(among: labels)
        let share = Double(histogram[positive] ?? 0) / Double(v.count)
        return format(share)
      }
    case .classProbabilities where answers.targets.count > 1:
      // One-hot answers: each class column's mean is the class's share.
      return try columns.map { column in
        let v = try values(of: column).compactMap(ValueChecker.parse)
        return format(v.reduce(0, +) / Double(max(1, v.count)))
      }
    case .classProbabilities:
      let v = try values(of: answers.targets[0])
      let counts = v.histogram()
      return columns.map { format(Double(counts[$0] ?? 0) / Double(v.count)) }
    case .values where resolved.name == "kl_divergence":
      // Each column's mean share of the row's votes, so the row sums to 1.
      let numbers = try columns.map { try numbersOf($0, values(of: $0)) }
      var shares = [Double](repeating: 0, count: columns.count)
      var counted = 0
      for i in numbers[0].indices {
        let total = numbers.reduce(0) { $0 + $1[i] }
        guard total > 0 else { continue }
        for j in columns.indices { shares[j] += numbers[j][i] / total }
        counted += 1
      }
      guard counted > 0 else {
        throw DojoError(.invalidData, "every training row's votes sum to 0; no default exists")
      }
      return shares.map { format($0 / Double(counted)) }
    case .columns:
      return try columns.map { try columnDefault(column: $0, values(of: $0)) }
    case .value, .values:
      return try columns.map { column in
        if column == resolved.parameters.confidenceColumn {
          // The training target's standard deviation: an honest, uninformed confidence.
          let texts = try values(of: column)
          var sum = 0.0
          try forEachNumber(column, texts) { sum += $0 }
          let mean = sum / Double(texts.count)
          var squares = 0.0
          try forEachNumber(column, texts) { squares += ($0 - mean) * ($0 - mean) }
          return format((squares / Double(texts.count)).squareRoot())
        }
        // Sums run in row order, as over an array of the numbers, without holding one.
        let texts = try values(of: column)
        switch resolved.name {
        case "mae", "medae", "mape", "smape", "weighted_mae", "mean_group_log_mae":
          return format(Metrics.median(try numbersOf(column, texts)))
        case "rmsle", "mean_columnwise_rmsle":
          var sum = 0.0
          try forEachNumber(column, texts) { sum += log1p(max($0, 0)) }
          return format(expm1(sum / Double(texts.count)))
        default:
          var sum = 0.0
          try forEachNumber(column, texts) { sum += $0 }
          return format(sum / Double(texts.count))
        }
      }
    }
  }

  /// Every row's value as a finite number, in row order.
  private static func numbersOf(_ column: String, _ texts: CodedColumn) throws -> [Double] {
    var numbers: [Double] = []
    numbers.reserveCapacity(texts.count)
    try forEachNumber(column, texts) { numbers.append($0) }
    return numbers
  }

  /// Calls `body` with every row's value as a finite number, in row order; a coded
  /// column's values are parsed once each.
  private static func forEachNumber(
    _ column: String, _ texts: CodedColumn, _ body: (Double) -> Void
  ) throws {
    func parse(_ text: String, row: Int) throws -> Double {
      guard let x = ValueChecker.parse(text), x.isFinite else {
        throw DojoError(
          .invalidData, "training column \"\(column)\" row \(row + 2): \"\(text)\" is not a number")
      }
      return x
    }
    guard texts.isCoded else {
      for row in texts.indices { body(try parse(texts[row], row: row)) }
      return
    }
    var parsed = [Double?](repeating: nil, count: texts.distinct.count)
    for row in texts.indices {
      let code = texts.code(row)
      if let x = parsed[code] {
        body(x)
      } else {
        let x = try parse(texts.distinct[code], row: row)
        parsed[code] = x
        body(x)
      }
    }
  }

  /// The `count` most frequent values, most frequent first, ties in label order.
  static func mostFrequent(_ values: some Sequence<String>, count: Int) -> [String] {
    var counts: [String: Int] = [:]
    for v in values { counts[v, default: 0] += 1 }
    return mostFrequent(counts: counts, count: count)
  }

  /// The `count` values of `counts` held most often, most frequent first, ties in label
  /// order.
  static func mostFrequent(counts: [String: Int], count: Int) -> [String] {
    let order = LabelOrder.sorted(Array(counts.keys))
    let rank = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
    return counts.keys.sorted {
      counts[$0]! != counts[$1]! ? counts[$0]! > counts[$1]! : rank[$0]! < rank[$1]!
    }.prefix(count).map { $0 }
  }

  /// A number as CSV text: the shortest form that reads back to the same value.
  static func format(_ x: Double) -> String {
    if x == x.rounded(), abs(x) < 1e15 { return String(Int(x)) }
    return "\(x)"
  }
}
