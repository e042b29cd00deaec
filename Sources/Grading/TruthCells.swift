internal import Foundation
internal import Tabular

/// The answers' truth columns in answers row order, in the form a metric's shape reads them:
/// numbers for a numeric target and label codes for a class target are made straight from
/// the answers' bytes (on their reading thread, while the submission is still being read),
/// and texts only where a shape or an error message reads them. A million truth cells as
/// strings cost a grade about as much as reading the answers did.
struct TruthCells: Sendable {
  /// Answer rows.
  let rows: Int
  /// Truth columns.
  let count: Int
  /// Per column, numbers (NaN where a cell does not parse, as ``ValueChecker/parse(_:)``
  /// parses); nil when not made.
  let numbers: [[Double]]?
  /// Per column, labels as codes; nil when not made, or for a column of too many labels.
  let labels: [LabelCodes?]?
  private let makeTexts: @Sendable (Int) -> [String]

  /// Column `j` as text, exactly as each cell stood in the answers.
  func texts(_ j: Int) -> [String] {
    if let codes = labels?[j] { return codes.texts }
    return makeTexts(j)
  }

  /// Every column as text.
  func allTexts() -> [[String]] { (0..<count).map(texts) }

  /// Columns already made as text.
  init(texts: [[String]]) {
    rows = texts.first?.count ?? 0
    count = texts.count
    numbers = nil
    labels = nil
    makeTexts = { texts[$0] }
  }

  /// What a metric reads of its truth cells.
  enum Form {
    case numbers, labels, texts

    /// The form `metric` reads: numbers for a numeric target scored on its own (with
    /// answers-only weights or groups, or a confidence column, the cells go as texts), label
    /// codes for a class target scored against probabilities, else texts.
    init(_ metric: ResolvedMetric) {
      switch metric.definition.shape {
      case .value, .values:
        let annotated =
          !metric.parameters.answerOnlyColumns.isEmpty || metric.parameters.confidenceColumn != nil
        self = annotated ? .texts : .numbers
      case .probability, .classProbabilities:
        self = .labels
      default:
        self = .texts
      }
    }
  }

  /// The columns `columns` of `table`, with what `form` reads made now.
  init(_ table: Table, columns: [Int], form: Form) {
    rows = table.rowCount
    count = columns.count
    makeTexts = { j in (0..<table.rowCount).map { table.string(row: $0, column: columns[j]) } }
    switch form {
    case .numbers:
      numbers = columns.map { RowChunks.numbers(table, column: $0) }
      labels = nil
    case .labels:
      numbers = nil
      labels = columns.map { LabelCodes(table, column: $0) }
    case .texts:
      numbers = nil
      labels = nil
    }
  }
}

/// A column of few distinct labels as a code per row into its distinct texts.
struct LabelCodes: Sendable {
  /// The distinct texts, in order of first appearance.
  let distinct: [String]
  /// Each row's index into `distinct`.
  let codes: [UInt8]

  /// Most distinct labels kept as codes; a column with more is left to its texts.
  static let limit = 64

  /// Each row's text.
  var texts: [String] { codes.map { distinct[Int($0)] } }

  /// The codes of `table`'s `column`; nil past ``limit`` distinct texts. A table holds UTF-8
  /// only, and a field's text is its bytes (quotes removed), so distinct bytes are distinct
  /// texts.
  init?(_ table: Table, column: Int) {
    var spellings: [[UInt8]] = []
    // Each spelling as one word when it is at most 7 bytes (``ShortSpelling``), so a label
    // is found by integer comparisons: a `memcmp` call per known label was most of the time.
    var words: [UInt64] = []
    var distinct: [String] = []
    var last = -1
    var failed = false
    let codes = [UInt8](unsafeUninitializedCapacity: table.rowCount) { buffer, made in
      for row in 0..<table.rowCount {
        let found: Int? = table.withFieldBytes(row: row, column: column) { bytes in
          let word = ShortSpelling.packed(bytes)
          if word != .max {
            if last >= 0, words[last] == word { return last }
            if let known = words.firstIndex(of: word) {
              last = known
              return known
            }
          } else {
            if last >= 0, Self.same(spellings[last], bytes) { return last }
            if let known = spellings.firstIndex(where: { Self.same($0, bytes) }) {
              last = known
              return known
            }
          }
          guard spellings.count < Self.limit else { return nil }
          spellings.append(Array(bytes))
          words.append(word)
          distinct.append(table.string(row: row, column: column))
          last = spellings.count - 1
          return last
        }
        guard let found else {
          failed = true
          made = 0
          return
        }
        buffer.initializeElement(at: row, to: UInt8(found))
      }
      made = table.rowCount
    }
    guard !failed else { return nil }
    self.distinct = distinct
    self.codes = codes
  }

  /// Whether `spelling` holds exactly `bytes` (memcmp: a generic element loop was most of
  /// the codes' time).
  @inline(__always)
  private static func same(_ spelling: [UInt8], _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    guard spelling.count == bytes.count else { return false }
    guard bytes.count > 0, let base = bytes.baseAddress else { return true }
    return spelling.withUnsafeBufferPointer { memcmp($0.baseAddress!, base, bytes.count) == 0 }
  }
}
