internal import DojoCore
internal import Foundation
internal import Synchronization
internal import Tabular

/// The data a metric reads, aligned row by row (answers order), in the metric's shape.
///
/// Built by ``MetricData/init(metric:truth:truthColumns:predicted:predictedColumns:classes:submissionLines:)``
/// from text columns, which checks every predicted value and says which row broke which rule.
public enum MetricData: Sendable {
  /// Labels against predicted labels; `positive` is the positive label when one is defined.
  case labels(LabelPairs)
  /// Per target column: binary truth against the probability of the positive label.
  case probabilities([BinaryScores])
  /// Truth as class indices; probabilities row-major, one row of `classes.count` per answer.
  case classProbabilities(truth: [Int], probabilities: ProbabilityRows)
  /// Per target column: numeric truth against numeric predictions.
  case values(truth: [[Double]], predicted: [[Double]], columns: [String])
  /// Relevant items per row against the ranked predicted items per row.
  case rankings(truth: [[String]], predicted: [[String]])
  /// Text against text.
  case texts(truth: [String], predicted: [String])
  /// Numeric truth against predictions (every target column's cells pooled), with what the
  /// metric reads besides: answers-only row weights or groups, a submitted confidence.
  case annotated(AnnotatedValues)
  /// Run-length masks or prediction strings, one image per row, with the submission's lines
  /// and the answers-only columns (image sizes) the metric reads.
  case encoded(EncodedRows)
  /// The named columns of a ``MetricShape/columns`` metric, with the submission's lines.
  case columns(NamedColumns)

  /// Pooled numeric truth and predictions with their per-row annotations, each as long as
  /// `truth` when present.
  public struct AnnotatedValues: Sendable {
    public var truth: [Double]
    public var predicted: [Double]
    /// Per-row weights from the answers' `weight_column`.
    public var weights: [Double]?
    /// Per-row group keys from the answers' `group_column`.
    public var groups: [String]?
    /// Per-row confidences from the submission's `confidence_column`.
    public var confidence: [Double]?

    public init(
      truth: [Double], predicted: [Double], weights: [Double]? = nil, groups: [String]? = nil,
      confidence: [Double]? = nil
    ) {
      self.truth = truth
      self.predicted = predicted
      self.weights = weights
      self.groups = groups
      self.confidence = confidence
    }

    func requireWeights() throws -> [Double] {
      guard let weights else {
        throw DojoError(.graderError, "the metric expected row weights; a Dojo bug")
      }
      return weights
    }
  }

  /// Labels and predicted labels with what is known about the label set.
  public struct LabelPairs: Sendable {
    public var truth: [String]
    public var predicted: [String]
    /// The positive label as the metric spec gives it.
    public var positive: String?
    /// The task's classes, when known.
    public var classes: [String]?

    public init(
      truth: [String], predicted: [String], positive: String? = nil, classes: [String]? = nil
    ) {
      self.truth = truth
      self.predicted = predicted
      self.positive = positive
      self.classes = classes
    }
  }

  /// One binary column: truth (positive or not) and the predicted positive probability.
  public struct BinaryScores: Sendable {
    public var truth: [Bool]
    public var scores: [Double]
    public init(truth: [Bool], scores: [Double]) {
      self.truth = truth
      self.scores = scores
    }
  }

  private func mismatch(_ wanted: String) -> DojoError {
    DojoError(.graderError, "the metric expected \(wanted) but was given other data; a Dojo bug")
  }

  func labels() throws -> LabelPairs {
    guard case .labels(let l) = self else { throw mismatch("labels") }
    return l
  }

  /// The positive label of binary label metrics: the spec's `positive`, else `1`, `true` or
  /// `yes` when one of the labels is spelled so, else the greater of exactly two labels
  /// (scikit-learn's order).
  func positiveLabel() throws -> String {
    let l = try labels()
    if let p = l.positive { return p }
    var seen = Set(l.classes ?? [])
    for v in l.truth { seen.insert(v) }
    for v in l.predicted { seen.insert(v) }
    return try MetricData.defaultPositive(among: seen)
  }

  /// Why a predicted label is refused: it names how many classes there are, never which, since
  /// the class list may hold labels that only the answers have.
  static func unknownLabel(_ count: Int) -> String {
    "is not one of the task's \(count) classes; predict a label as the training data spells it"
  }

  static func defaultPositive(among labels: Set<String>) throws -> String {
    if let label = defaultPositiveLabel(among: labels) { return label }
    // The labels come from the answers: the message counts them, never quotes them.
    throw DojoError(
      .graderError,
      "cannot tell the positive label among \(labels.count) labels; set positive: in the metric spec"
    )
  }

  /// The default rule, nil when it cannot tell.
  static func defaultPositiveLabel(among labels: Set<String>) -> String? {
    for candidate in ["1", "true", "yes"] {
      if let hit = labels.first(where: { $0.lowercased() == candidate }) { return hit }
    }
    if labels.count == 2 { return LabelOrder.sorted(Array(labels))[1] }
    return nil
  }

  func probabilities() throws -> [BinaryScores] {
    guard case .probabilities(let p) = self else { throw mismatch("probabilities") }
    return p
  }

  func classProbabilities() throws -> ([Int], ProbabilityRows) {
    guard case .classProbabilities(let t, let p) = self else {
      throw mismatch("class probabilities")
    }
    return (t, p)
  }

  /// Every column's cells as one sample (one column is the common case).
  func pooledValues() throws -> ([Double], [Double]) {
    guard case .values(let t, let p, _) = self, t.count == p.count, !t.isEmpty else {
      throw mismatch("numeric columns")
    }
    return (t.flatMap { $0 }, p.flatMap { $0 })
  }

  func singleValues() throws -> ([Double], [Double]) {
    guard case .values(let t, let p, _) = self, t.count == 1, p.count == 1 else {
      throw mismatch("one numeric column")
    }
    return (t[0], p[0])
  }

  func values() throws -> ([[Double]], [[Double]]) {
    guard case .values(let t, let p, _) = self, t.count == p.count, !t.isEmpty else {
      throw mismatch("numeric columns")
    }
    return (t, p)
  }

  /// The weights of `weighted_mae` in target-column order.
  func columnWeights(_ weights: MetricParameters.Weights?) throws -> [Double] {
    guard case .values(let t, _, let columns) = self else { throw mismatch("numeric columns") }
    switch weights {
    case .list(let w)?:
      guard w.count == t.count else {
        throw DojoError(
          .graderError,
          "weighted_mae has \(w.count) weights for \(t.count) target columns (\(columns.joined(separator: ", "))); give one per column"
        )
      }
      return w
    case .byColumn(let m)?:
      if let extra = m.keys.sorted().first(where: { !columns.contains($0) }) {
        throw DojoError(
          .graderError, "weighted_mae has a weight for \"\(extra)\", which is not a target column")
      }
      return try columns.map { c in
        guard let w = m[c] else {
          throw DojoError(.graderError, "weighted_mae has no weight for target column \"\(c)\"")
        }
        return w
      }
    case nil:
      throw DojoError(.graderError, "weighted_mae needs weights (one per target column)")
    }
  }

  func rankings() throws -> ([[String]], [[String]]) {
    guard case .rankings(let t, let p) = self else { throw mismatch("ranked lists") }
    return (t, p)
  }

  func annotatedValues() throws -> AnnotatedValues {
    guard case .annotated(let a) = self else { throw mismatch("annotated numeric columns") }
    return a
  }

  func texts() throws -> ([String], [String]) {
    guard case .texts(let t, let p) = self else { throw mismatch("texts") }
    return (t, p)
  }
}

extension MetricData {
  /// Whether a cell is a probability (in `[0, 1]`; NaN is not), as every row of a
  /// class-probability metric's submission must be.
  @inline(__always)
  static func isProbability(_ v: Double) -> Bool { v >= 0 && v <= 1 }
}

/// One probability per class for every row, row-major in one flat array: a million rows
/// held as a million small arrays cost a million allocations.
public struct ProbabilityRows: Sendable, Equatable {
  /// Probabilities per row.
  public let classes: Int
  /// `values[row * classes + k]` is class `k`'s probability on `row`; empty when the rows
  /// were reduced as they were read (``init(classes:sums:truthValues:)``).
  public private(set) var values: [Double]
  /// Reduced rows: each row's sum, and the probability its true class was given.
  private var sums: [Double]?
  private var truthValues: [Double]?

  public var rowCount: Int { sums?.count ?? (classes == 0 ? 0 : values.count / classes) }

  /// From one array per row (all the same length).
  public init(rows: [[Double]]) {
    classes = rows.first?.count ?? 0
    values = rows.flatMap { $0 }
  }

  /// From values already row-major (`values[row * classes + k]`).
  init(classes: Int, values: [Double]) {
    self.classes = classes
    self.values = values
  }

  /// From what the class-probability metrics read of a row, reduced as it was read: its sum
  /// (added in class order, as ``sum(ofRow:)`` adds a whole row) and its true class's
  /// probability, for the truth these rows are scored against. A wide submission then
  /// never holds its matrix (80 MB for 1M rows of 10 classes).
  init(classes: Int, sums: [Double], truthValues: [Double]) {
    self.classes = classes
    self.values = []
    self.sums = sums
    self.truthValues = truthValues
  }

  /// From one array per class (all the same length).
  init(columns: [[Double]]) {
    classes = columns.count
    let rows = columns.first?.count ?? 0
    values = [Double](repeating: 0, count: rows * classes)
    for (k, column) in columns.enumerated() {
      for (i, v) in column.enumerated() { values[i * classes + k] = v }
    }
  }

  /// The probability of `row`'s true class `k` (the truth these rows are scored against).
  @inline(__always)
  func truthValue(row: Int, class k: Int) -> Double {
    truthValues?[row] ?? values[row * classes + k]
  }

  func sum(ofRow row: Int) -> Double {
    if let sums { return sums[row] }
    var total = 0.0
    for k in 0..<classes { total += values[row * classes + k] }
    return total
  }
}

extension MetricData {
  /// The distinct values of a column. Label columns hold a handful of values over millions
  /// of rows: those are compared against the few seen so far, and a set (hashing every
  /// value) is built only once there are more than eight.
  static func distinct(_ values: [String]) -> Set<String> {
    var few: [String] = []
    for (i, value) in values.enumerated() where !few.contains(value) {
      few.append(value)
      if few.count > 8 { return Set(few).union(values[(i + 1)...]) }
    }
    return Set(few)
  }
}

/// Label order as scikit-learn's `unique_labels` sorts: numerically when every label is a
/// number, else by code point (Python's string order).
public enum LabelOrder {
  /// Sorts labels the way scikit-learn would.
  public static func sorted(_ labels: [String]) -> [String] {
    let numbers = labels.map { Double($0.trimmingCharacters(in: .whitespaces)) }
    if numbers.allSatisfy({ $0 != nil }) {
      return zip(labels, numbers).sorted { $0.1! < $1.1! }.map(\.0)
    }
    return labels.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
  }
}

extension MetricData {
  /// Builds a metric's data from text columns aligned by answer row, checking every predicted
  /// value.
  ///
  /// - Parameters:
  ///   - metric: The resolved metric; its shape decides how the columns are read.
  ///   - truth: The answers' columns named by `truthColumns`, in answers row order.
  ///   - truthColumns: Their names: the submission columns, except for class probabilities
  ///     where it is the one class column.
  ///   - predicted: The submission's columns in the order of `predictedColumns`, already put
  ///     in answers row order.
  ///   - predictedColumns: The submission columns, as ``SubmissionLayout/layout(for:answers:classes:)``
  ///     gives them.
  ///   - classes: The task's classes when known; labels are checked against them.
  ///   - submissionLines: For each answer row, the line of the submission file it came from
  ///     (nil: answer row `i` is line `i + 2`), so errors name the line a person can open.
  /// - Throws: ``DojoError`` `.invalidSubmission` naming the first offending line, column and
  ///   value in file order; `.graderError` when the answers themselves do not fit the metric.
  public init(
    metric: ResolvedMetric, truth: [[String]], truthColumns: [String], predicted: [[String]],
    predictedColumns: [String], classes: [String]?, submissionLines: [Int]? = nil
  ) throws {
    try self.init(
      metric: metric, truth: TruthCells(texts: truth), truthColumns: truthColumns,
      cells: PredictedCells(texts: { predicted[$0] }), predictedColumns: predictedColumns,
      classes: classes, submissionLines: submissionLines.map { lines in SubmissionLines { lines } })
  }

  /// As the public initializer, with the answers' cells given by ``TruthCells`` and the
  /// submission's by ``PredictedCells``, so that a caller holding parsed numbers or label
  /// codes spares making a string of every cell.
  init(
    metric: ResolvedMetric, truth truthCells: TruthCells, truthColumns: [String],
    cells: PredictedCells, predictedColumns: [String], classes: [String]?,
    submissionLines: SubmissionLines? = nil
  ) throws {
    // Texts of the truth, made only for the shapes that read them.
    lazy var truth = truthCells.allTexts()
    let checker = ValueChecker(lines: submissionLines)
    // Numbers of predicted column `j`: the caller's parsed ones when every one of them is
    // fine, else parsed from the texts, which finds and names the offending cell.
    func numbers(_ j: Int, probability: Bool) throws -> [Double] {
      if let parsed = cells.numbers?(j) {
        let ok = parsed.withUnsafeBufferPointer { values in
          probability
            ? values.allSatisfy(MetricData.isProbability) : values.allSatisfy(\.isFinite)
        }
        if ok { return parsed }
      }
      return try checker.numbers(
        cells.texts(j), column: predictedColumns[j], probability: probability)
    }
    // Texts are made only for shapes that read them (and for error messages).
    var textCache: [Int: [String]] = [:]
    func texts(_ j: Int) -> [String] {
      if let t = textCache[j] { return t }
      let t = cells.texts(j)
      textCache[j] = t
      return t
    }
    let name = metric.name
    let rows = truthCells.rows
    guard truthCells.count > 0, rows > 0 else {
      throw DojoError(.graderError, "the answers have no rows; \(name) needs at least one")
    }
    switch metric.definition.shape {
    case .label:
      try MetricData.expectOne(name, truthColumns, predictedColumns)
      if let classes {
        // The class list may hold labels only the answers have: no message quotes it.
        let known = Set(classes)
        try checker.check(texts(0), column: predictedColumns[0]) { v in
          known.contains(v) ? nil : MetricData.unknownLabel(classes.count)
        }
        if let bad = truth[0].firstIndex(where: { !known.contains($0) }) {
          throw DojoError(
            .graderError,
            "answers row \(bad + 2): column \"\(truthColumns[0])\" holds a label that is not one of the task's classes; prepare again"
          )
        }
      }
      self = .labels(
        LabelPairs(
          truth: truth[0], predicted: texts(0), positive: metric.parameters.positive,
          classes: classes))
    case .probability:
      var columns: [BinaryScores] = []
      for j in predictedColumns.indices {
        let scores = try numbers(j, probability: true)
        let codes = truthCells.labels?[j]
        var labels = codes.map { Set($0.distinct) } ?? MetricData.distinct(truth[j])
        if let classes, predictedColumns.count == 1 { labels.formUnion(classes) }
        let positive = try metric.parameters.positive ?? MetricData.defaultPositive(among: labels)
        labels.remove(positive)
        if labels.count > 1 {
          throw DojoError(
            .graderError,
            "\(name) needs a binary target but answers column \"\(truthColumns[j])\" holds \(labels.count) labels besides the positive one"
          )
        }
        if let codes {
          let isPositive = codes.distinct.map { $0 == positive }
          columns.append(
            BinaryScores(truth: codes.codes.map { isPositive[Int($0)] }, scores: scores))
        } else {
          columns.append(BinaryScores(truth: truth[j].map { $0 == positive }, scores: scores))
        }
      }
      self = .probabilities(columns)
    case .classProbabilities:
      guard truthCells.count == 1 || truthCells.count == predictedColumns.count,
        predictedColumns.count >= 2
      else {
        throw DojoError(
          .graderError,
          "\(name) needs one class column (or one-hot class columns) and a probability column per class"
        )
      }
      var index: [String: Int] = [:]
      for (i, c) in predictedColumns.enumerated() { index[c] = i }
      var truthIndex = [Int](repeating: 0, count: rows)
      // One-hot answers: the class is the column holding the row's largest value (its 1).
      let oneHot = truthCells.count > 1
      if !oneHot, let codes = truthCells.labels?[0] {
        // A probability column per distinct label, looked up once per label, not per row.
        let columnOf = codes.distinct.map { index[$0] }
        if let missing = codes.codes.firstIndex(where: { columnOf[Int($0)] == nil }) {
          throw DojoError(
            .graderError,
            "answers row \(missing + 2): its class has no probability column; the task's classes miss it; prepare again"
          )
        }
        truthIndex = codes.codes.map { columnOf[Int($0)]! }
      }
      let truthLabels =
        oneHot
        ? try (0..<rows).map { i -> String in
          let values = truth.map { ValueChecker.parse($0[i]) ?? -.infinity }
          guard let best = values.indices.max(by: { values[$0] < values[$1] }),
            values[best] > 0
          else {
            throw DojoError(
              .graderError, "answers row \(i + 2): no class column holds a 1 in this one-hot row")
          }
          return truthColumns[best]
        } : truthCells.labels?[0] == nil ? truth[0] : []
      for (i, label) in truthLabels.enumerated() {
        guard let k = index[label] else {
          throw DojoError(
            .graderError,
            "answers row \(i + 2): its class has no probability column; the task's classes miss it; prepare again"
          )
        }
        truthIndex[i] = k
      }
      // Row-major as the caller parsed them when every one is a probability; else a column
      // at a time, which names the first offending cell.
      let probabilities: ProbabilityRows
      if let reduced = cells.rowReductions?(truthIndex), reduced.sums.count == rows {
        // Every cell a probability, each row reduced as it was read: no matrix held.
        probabilities = ProbabilityRows(
          classes: predictedColumns.count, sums: reduced.sums, truthValues: reduced.truthValues)
      } else if let values = cells.numberRows?(), values.count == rows * predictedColumns.count,
        values.withUnsafeBufferPointer({ v in v.allSatisfy(MetricData.isProbability) })
      {
        probabilities = ProbabilityRows(classes: predictedColumns.count, values: values)
      } else {
        let perClass = try predictedColumns.indices.map { j in
          try numbers(j, probability: true)
        }
        probabilities = ProbabilityRows(columns: perClass)
      }
      try checker.check(
        indices: rows, place: "columns \(predictedColumns.joined(separator: ", "))"
      ) { i in
        probabilities.sum(ofRow: i) > 0
          ? nil : "the probabilities of all classes are 0; they must sum to more than 0"
      }
      self = .classProbabilities(truth: truthIndex, probabilities: probabilities)
    case .value, .values:
      if !metric.parameters.answerOnlyColumns.isEmpty || metric.parameters.confidenceColumn != nil {
        self = .annotated(
          try MetricData.annotated(
            metric, truth: truth, truthColumns: truthColumns,
            predicted: predictedColumns.indices.map { texts($0) },
            predictedColumns: predictedColumns, checker: checker))
        return
      }
      if metric.definition.shape == .value && !MetricCatalogue.poolsColumns.contains(name) {
        try MetricData.expectOne(name, truthColumns, predictedColumns)
      }
      let logMetric = name.hasSuffix("rmsle")
      let distribution = name == "kl_divergence"
      var t: [[Double]] = []
      var p: [[Double]] = []
      for (j, column) in predictedColumns.enumerated() {
        let values = try numbers(j, probability: distribution)
        if logMetric {
          try checker.check(indices: rows, column: column) { i in
            values[i] > -1
              ? nil : "\"\(texts(j)[i])\" is -1 or less; \(name) takes log(1 + x)"
          }
        }
        p.append(values)
        if let parsed = truthCells.numbers?[j] {
          try MetricData.checkAnswerNumbers(parsed, column: truthColumns[j], log: logMetric)
          t.append(parsed)
        } else {
          t.append(
            try MetricData.answerNumbers(truth[j], column: truthColumns[j], log: logMetric))
        }
      }
      if distribution {
        // Kaggle's KL divergence expects each predicted row to be a distribution; MLE-bench
        // refuses rows whose sum, rounded to 5 decimals, is not 1.
        try checker.check(
          indices: rows, place: "columns \(predictedColumns.joined(separator: ", "))"
        ) { i in
          let total = p.reduce(0) { $0 + $1[i] }
          return abs(total - 1) < 5e-6
            ? nil : "the probabilities sum to \(total); each row must sum to 1"
        }
      }
      self = .values(truth: t, predicted: p, columns: truthColumns)
    case .ranking:
      try MetricData.expectOne(name, truthColumns, predictedColumns)
      let lists = texts(0).map { $0.split(whereSeparator: \.isWhitespace).map(String.init) }
      if let classes {
        let known = Set(classes)
        try checker.check(indices: rows, column: predictedColumns[0]) { i in
          guard let bad = lists[i].first(where: { !known.contains($0) }) else { return nil }
          return "\"\(bad)\" \(MetricData.unknownLabel(classes.count))"
        }
      }
      let relevant = truth[0].map { $0.split(whereSeparator: \.isWhitespace).map(String.init) }
      self = .rankings(truth: relevant, predicted: lists)
    case .text:
      if MetricCatalogue.readsEncodedRows.contains(name), predictedColumns.count == 1 {
        var answerColumns: [String: [String]] = [:]
        for (c, values) in zip(truthColumns.dropFirst(), truth.dropFirst()) {
          answerColumns[c] = values
        }
        self = .encoded(
          EncodedRows(
            truth: truth[0], predicted: texts(0), column: predictedColumns[0],
            lines: submissionLines?.all, answerColumns: answerColumns))
        return
      }
      try MetricData.expectOne(name, truthColumns, predictedColumns)
      self = .texts(truth: truth[0], predicted: texts(0))
    case .columns:
      self = .columns(
        NamedColumns(
          truth: Dictionary(zip(truthColumns, truth), uniquingKeysWith: { a, _ in a }),
          predicted: Dictionary(
            predictedColumns.indices.map { (predictedColumns[$0], texts($0)) },
            uniquingKeysWith: { a, _ in a }),
          submissionColumns: predictedColumns, rows: rows, checker: checker))
    }
  }

  /// The pooled values of a metric with answers-only weight or group columns or a submitted
  /// confidence column: `truthColumns` are the scored targets followed by the answers-only
  /// columns; `predictedColumns` the scored targets, then the confidence column.
  private static func annotated(
    _ metric: ResolvedMetric, truth: [[String]], truthColumns: [String], predicted: [[String]],
    predictedColumns: [String], checker: ValueChecker
  ) throws -> AnnotatedValues {
    let parameters = metric.parameters
    let targets = predictedColumns.filter { $0 != parameters.confidenceColumn }
    func answerColumn(_ name: String) throws -> [String] {
      guard let j = truthColumns.firstIndex(of: name) else {
        throw DojoError(
          .graderError, "\(metric.name) reads answers column \"\(name)\", which is missing")
      }
      return truth[j]
    }
    var values = AnnotatedValues(truth: [], predicted: [])
    for column in targets {
      let j = predictedColumns.firstIndex(of: column)!
      values.predicted += try checker.numbers(predicted[j], column: column, probability: false)
      values.truth += try answerNumbers(try answerColumn(column), column: column, log: false)
    }
    let copies = targets.count
    if let w = parameters.weightColumn {
      let weights = try answerNumbers(try answerColumn(w), column: w, log: false)
      if let bad = weights.firstIndex(where: { $0 < 0 }) {
        throw DojoError(
          .graderError, "answers row \(bad + 2): column \"\(w)\": the weight is negative")
      }
      values.weights = Array([[Double]](repeating: weights, count: copies).joined())
    }
    if let g = parameters.groupColumn {
      values.groups = Array([[String]](repeating: try answerColumn(g), count: copies).joined())
    }
    if let c = parameters.confidenceColumn, let j = predictedColumns.firstIndex(of: c) {
      guard copies == 1 else {
        throw DojoError(
          .graderError,
          "\(metric.name) scores one target column besides \(c); the task has \(copies)")
      }
      values.confidence = try checker.numbers(predicted[j], column: c, probability: false)
    }
    return values
  }

  private static func expectOne(_ name: String, _ truth: [String], _ predicted: [String]) throws {
    guard truth.count == 1, predicted.count == 1 else {
      throw DojoError(
        .graderError,
        "\(name) scores one column but the task has \(predicted.count) (\(predicted.joined(separator: ", "))); use a multi-column metric"
      )
    }
  }

  private static func answerNumbers(_ column: [String], column name: String, log: Bool) throws
    -> [Double]
  {
    let out = column.map { ValueChecker.parse($0) ?? .nan }
    try checkAnswerNumbers(out, column: name, log: log)
    return out
  }

  /// Refuses answers whose cell did not parse (NaN) or does not fit the metric.
  private static func checkAnswerNumbers(_ values: [Double], column name: String, log: Bool)
    throws
  {
    let bad = values.withUnsafeBufferPointer { v in
      v.firstIndex { !$0.isFinite || (log && !($0 > -1)) }
    }
    if let i = bad {
      throw DojoError(
        .graderError,
        "answers row \(i + 2): column \"\(name)\" holds no usable number for this metric; prepare again"
      )
    }
  }
}

/// A submission's predicted cells in answers row order, as `MetricData` reads them.
struct PredictedCells {
  /// Column `j`'s texts, one per answer row.
  var texts: (Int) -> [String]
  /// Column `j`'s numbers, one per answer row, NaN where a cell did not parse; nil when the
  /// caller has none (the texts are parsed then). Must parse as ``ValueChecker/parse(_:)``
  /// does wherever it gives a number. (NaN, not an optional: a column of `Double?` takes
  /// twice the memory and one more copy, and a NaN is refused like an unparsed cell.)
  var numbers: ((Int) -> [Double])?
  /// Every column's numbers at once, row-major (`values[row * columns + j]`) in answers
  /// row order, NaN where a cell did not parse; nil when the caller has none. A caller that
  /// reads a shuffled submission scatters each row's cells to one place, where a column at
  /// a time would scatter every cell to a place of its own.
  var numberRows: (() -> [Double])?
  /// Given each answer row's true column, every row's sum over the columns (added in column
  /// order) and its true column's number, in answers row order; nil when the caller has none
  /// or a cell is not a number in `[0, 1]` (``numberRows`` or the columns then name it).
  var rowReductions: (([Int]) -> (sums: [Double], truthValues: [Double])?)?

  init(
    texts: @escaping (Int) -> [String], numbers: ((Int) -> [Double])? = nil,
    numberRows: (() -> [Double])? = nil,
    rowReductions: (([Int]) -> (sums: [Double], truthValues: [Double])?)? = nil
  ) {
    self.texts = texts
    self.numbers = numbers
    self.numberRows = numberRows
    self.rowReductions = rowReductions
  }
}

/// Answer row → the submission line it came from, made on first use: only an error message
/// names a line, and making them costs a write to a random place per row of a shuffled file.
final class SubmissionLines: Sendable {
  private let make: @Sendable () -> [Int]
  private let made = Mutex<[Int]?>(nil)

  init(_ make: @escaping @Sendable () -> [Int]) { self.make = make }

  var all: [Int] {
    made.withLock { made in
      if let made { return made }
      let lines = make()
      made = lines
      return lines
    }
  }

  subscript(i: Int) -> Int { all[i] }
}

/// Checks predicted values and reports the first offending one in file order.
struct ValueChecker {
  /// Answer row → submission line; nil means answer row `i` is line `i + 2`.
  var lines: SubmissionLines?

  func line(_ i: Int) -> Int { lines?[i] ?? i + 2 }

  /// Parses a number as the submission writes it: surrounding blanks ignored.
  static func parse(_ text: String) -> Double? {
    // Tabular's parser agrees with Double(String) on ASCII-trimmed text and avoids strtod
    // for plain decimals: a million answers were parsed by strtod before.
    // CSVNumber owns the number grammar (pandas' read_csv's: no hex floats); blanks other
    // than ASCII spaces and tabs are trimmed here first.
    var text = text
    if let v = text.withUTF8(CSVNumber.double) { return v }
    var trimmed = text.trimmingCharacters(in: .whitespaces)
    guard trimmed.utf8.count != text.utf8.count else { return nil }
    return trimmed.withUTF8(CSVNumber.double)
  }

  /// Parses a column of numbers, refusing empty, non-numeric and non-finite values, and values
  /// outside [0, 1] when `probability`.
  func numbers(_ column: [String], column name: String, probability: Bool) throws -> [Double] {
    var out = [Double](repeating: 0, count: column.count)
    for i in column.indices {
      if let v = ValueChecker.parse(column[i]), v.isFinite,
        !probability || MetricData.isProbability(v)
      {
        out[i] = v
        continue
      }
      // Slow path only on failure: find the offending value that comes first in the file.
      try check(column, column: name) { text in
        guard let v = ValueChecker.parse(text) else {
          return text.isEmpty ? "is empty; expected a number" : "is not a number"
        }
        if !v.isFinite { return "is not a finite number" }
        if probability && !MetricData.isProbability(v) { return "is not a probability in [0, 1]" }
        return nil
      }
    }
    return out
  }

  /// Throws for the first value (in file order) that `problem` objects to.
  func check(_ column: [String], column name: String, _ problem: (String) -> String?) throws {
    var worst: (line: Int, index: Int, message: String)?
    for i in column.indices {
      if let worst, line(i) > worst.line { continue }
      if let message = problem(column[i]) { worst = (line(i), i, message) }
      if lines == nil, worst != nil { break }
    }
    if let worst {
      throw DojoError(
        .invalidSubmission,
        "row \(worst.line): column \"\(name)\": \"\(column[worst.index])\" \(worst.message)")
    }
  }

  /// Throws for the first row (in file order) that `problem` objects to; the message stands
  /// on its own (it quotes the value itself if it wants to).
  func check(indices count: Int, column name: String, _ problem: (Int) -> String?) throws {
    try check(indices: count, place: "column \"\(name)\"", problem)
  }

  /// As ``check(indices:column:_:)``, with `place` naming where on the row, e.g.
  /// `columns a, b, c`.
  func check(indices count: Int, place: String, _ problem: (Int) -> String?) throws {
    var worst: (line: Int, message: String)?
    for i in 0..<count {
      if let worst, line(i) > worst.line { continue }
      if let message = problem(i) { worst = (line(i), message) }
      if lines == nil, worst != nil { break }
    }
    if let worst {
      throw DojoError(.invalidSubmission, "row \(worst.line): \(place): \(worst.message)")
    }
  }
}
