public import DojoCore
internal import Foundation
internal import Tabular

/// The columns a ``MetricShape/columns`` metric reads, by name, in answers row order: the
/// answers' targets (scored and answers-only) and the submission's columns, as text. Each
/// metric parses what it needs through the helpers here, so a bad cell is refused with the
/// submission line, column and value, and a bad answer is a grader error naming its row.
public struct NamedColumns: Sendable {
  /// The answers' columns: every target, including answers-only ones.
  public var truth: [String: [String]]
  /// The submission's columns, put in answers row order.
  public var predicted: [String: [String]]
  /// The submission columns besides the id, in layout order (the scored targets).
  public var submissionColumns: [String]
  /// The number of answer rows.
  public var rows: Int
  var checker: ValueChecker

  init(
    truth: [String: [String]], predicted: [String: [String]], submissionColumns: [String],
    rows: Int, checker: ValueChecker
  ) {
    self.truth = truth
    self.predicted = predicted
    self.submissionColumns = submissionColumns
    self.rows = rows
    self.checker = checker
  }

  /// Columns given directly (tests and `dojo metric`): answer row `i` is submission line
  /// `i + 2`.
  public init(truth: [String: [String]], predicted: [String: [String]], columns: [String]) {
    self.init(
      truth: truth, predicted: predicted, submissionColumns: columns,
      rows: truth.values.first?.count ?? 0, checker: ValueChecker(lines: nil))
  }

  /// An answers column.
  func answers(_ name: String) throws -> [String] {
    guard let column = truth[name], column.count == rows else {
      throw DojoError(.graderError, "the answers have no column \"\(name)\"; prepare again")
    }
    return column
  }

  /// A submission column.
  func submitted(_ name: String) throws -> [String] {
    guard let column = predicted[name], column.count == rows else {
      throw DojoError(.graderError, "the submission has no column \"\(name)\"; a Dojo bug")
    }
    return column
  }

  /// The only scored column, for single-target metrics.
  func single(_ metric: String) throws -> String {
    guard submissionColumns.count == 1 else {
      throw DojoError(
        .graderError,
        "\(metric) scores one column but the task has \(submissionColumns.count) (\(submissionColumns.joined(separator: ", ")))"
      )
    }
    return submissionColumns[0]
  }

  /// The scored columns, which must number `count` (their order gives their roles).
  func scored(_ metric: String, count: Int, roles: String) throws -> [String] {
    guard submissionColumns.count == count else {
      throw DojoError(
        .graderError,
        "\(metric) scores \(count) columns (\(roles)) but the task has \(submissionColumns.count) (\(submissionColumns.joined(separator: ", "))); list them in answers.targets in that order"
      )
    }
    return submissionColumns
  }

  /// A submission column as finite numbers; `problem` refuses further values (a latitude
  /// beyond ±90).
  func submittedNumbers(_ name: String, _ problem: ((Double) -> String?)? = nil) throws
    -> [Double]
  {
    let values = try checker.numbers(try submitted(name), column: name, probability: false)
    if let problem {
      let texts = try submitted(name)
      try checker.check(indices: rows, column: name) { i in
        problem(values[i]).map { "\"\(texts[i])\" \($0)" }
      }
    }
    return values
  }

  /// An answers column as finite numbers; an empty cell is `empty` when given, else refused.
  func answerNumbers(_ name: String, empty: Double? = nil) throws -> [Double] {
    let column = try answers(name)
    var out = [Double](repeating: 0, count: column.count)
    for (i, text) in column.enumerated() {
      if let v = ValueChecker.parse(text), v.isFinite {
        out[i] = v
      } else if let empty, text.trimmingCharacters(in: .whitespaces).isEmpty {
        out[i] = empty
      } else {
        throw DojoError(
          .graderError, "answers row \(i + 2): column \"\(name)\": \"\(text)\" is not a number")
      }
    }
    return out
  }

  /// An answers column of 0/1 labels (a probability of at least 0.5 counts as 1 when
  /// `threshold` is given: Jigsaw's fractional toxicity).
  func answerBinary(_ name: String, metric: String, threshold: Double? = nil, empty: Bool = false)
    throws -> [Bool]
  {
    let values = try answerNumbers(name, empty: empty ? 0 : nil)
    return try values.enumerated().map { i, v in
      if let threshold { return v >= threshold }
      guard v == 0 || v == 1 else {
        throw DojoError(
          .graderError,
          "answers row \(i + 2): column \"\(name)\": \(metric) needs labels 0 or 1, not \(v)")
      }
      return v == 1
    }
  }

  /// Refuses the first row (in file order) that `problem` objects to, naming its line and
  /// column; the message must not quote the answers.
  func check(_ column: String, _ problem: (Int) -> String?) throws {
    try checker.check(indices: rows, column: column, problem)
  }

  /// A column's cells split on blanks.
  static func tokens(_ column: [String]) -> [[Substring]] {
    column.map { $0.split(whereSeparator: \.isWhitespace) }
  }
}

extension MetricData {
  func namedColumns() throws -> NamedColumns {
    guard case .columns(let c) = self else {
      throw DojoError(.graderError, "the metric expected named columns; a Dojo bug")
    }
    return c
  }
}

extension SubmissionLayout {
  /// The sample submission's value of a ``MetricShape/columns`` metric's column: the training
  /// mean when every training value is a number, else the most frequent training value.
  static func columnDefault(column: String, _ values: CodedColumn) throws -> String {
    var sum = 0.0
    for text in values {
      guard let v = ValueChecker.parse(text), v.isFinite else {
        return mostFrequent(counts: values.histogram(), count: 1)[0]
      }
      sum += v
    }
    return format(sum / Double(values.count))
  }

  /// The sample submission's row for one answers row, for metrics whose every row must hold
  /// its own items (an ordering of a notebook's cells, of a set's days): the row's items in
  /// sorted order (numerically when all are numbers), which says nothing of their true order.
  /// Nil for every other metric: the sample repeats ``defaultPrediction(for:answers:classes:train:)``.
  ///
  /// - Parameters:
  ///   - metric: The manifest's metric spec.
  ///   - answers: The answers row's values of `answers.targets`, in that order.
  public static func rowDefault(for metric: Manifest.MetricSpec, answers: [String]) -> [String]? {
    guard MetricCatalogue.orderingMetrics.contains(metric.name), answers.count == 1 else {
      return nil
    }
    let items = answers[0].split(whereSeparator: \.isWhitespace).map(String.init)
    return [LabelOrder.sorted(items).joined(separator: " ")]
  }
}
