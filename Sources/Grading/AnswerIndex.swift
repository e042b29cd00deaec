internal import DojoCore
internal import Tabular

/// The answers' rows by id, for joining a submission to them.
///
/// Ids are text, but most tasks number their rows: when every answer id is a canonical
/// decimal integer (`0`, or a non-zero digit then digits; at most 18), ids are equal exactly
/// when their numbers are, so the join looks numbers up in a flat array (ids spanning at most
/// four times their count) or a sorted one, and makes no string at all. Hashing a million
/// strings was most of grading's time. Any other id set uses a `[String: Int]`.
///
/// The join claims each answer row as a submission row takes it, marking the slot it just
/// read: a repeated id is found in the same cache line, where a second table indexed by
/// answer row cost a cache miss per row of a shuffled million-row submission.
struct AnswerIndex: Sendable {
  private enum Kind {
    /// `slots[id - base]` is the answer row of `id`.
    case dense(base: Int)
    /// `ids` ascending; `slots[i]` is the answer row of `ids[i]`.
    case sorted
    case strings
  }

  /// The first row, in file order, that ``claimAll(_:column:)`` could not join.
  enum JoinProblem: Equatable {
    /// Its id is not an answer id.
    case unknown(row: Int)
    /// Its id was taken by the earlier row `first`.
    case taken(row: Int, first: Int)

    var row: Int {
      switch self {
      case .unknown(let row), .taken(let row, _): row
      }
    }
  }

  /// What a submission row's id is to the answers.
  enum Claim: Equatable {
    /// The answer row it takes.
    case row(Int)
    /// Not an answer id.
    case unknown
    /// An id an earlier submission row took already.
    case taken(bySubmissionRow: Int)
  }

  private let kind: Kind
  private var ids: [Int] = []
  /// Per slot: an answer row (>= 0), no id (-1), or taken by submission row r (-2 - r).
  private var slots: [Int32] = []
  private var rowOf: [String: Int] = [:]
  /// For string ids: the submission row that took each answer row, or -1.
  private var takenBy: [Int32] = []

  /// Indexes `table`'s column `column`.
  ///
  /// - Throws: ``DojoError`` `.graderError` naming the row when an id appears twice.
  init(_ table: Table, column: Int) throws {
    // The answers' ids go through the parse a submission's take (``integers(of:column:)``):
    // numeric only when every one is a canonical integer.
    let numbers = AnswerIndex.integers(of: table, column: column)
    if !numbers.contains(-1), let (kind, ids, slots) = AnswerIndex.numeric(numbers) {
      self.kind = kind
      self.ids = ids
      self.slots = slots
      return
    }
    rowOf.reserveCapacity(table.rowCount)
    for row in 0..<table.rowCount {
      let key = table.string(row: row, column: column)
      if rowOf.updateValue(row, forKey: key) != nil {
        throw DojoError(
          .graderError, "answers row \(row + 2): id \"\(key)\" appears twice; prepare again")
      }
    }
    takenBy = [Int32](repeating: -1, count: table.rowCount)
    kind = .strings
  }

  /// The slot of the id in `table`'s field at `row`, `column`, for ``claim(slot:row:)``;
  /// -1 when it is not an answer id.
  func slot(_ table: Table, row: Int, column: Int) -> Int {
    if case .strings = kind { return rowOf[table.string(row: row, column: column)] ?? -1 }
    return slot(
      integer: table.withFieldBytes(row: row, column: column, CSVNumber.canonicalInteger) ?? -1)
  }

  /// The slot of an id already parsed as a canonical integer (-1: it is not one), for a
  /// numeric index; -1 when it is not an answer id.
  @inline(__always)
  func slot(integer id: Int) -> Int {
    switch kind {
    case .strings:
      preconditionFailure("string ids are looked up by their text")
    case .dense(let base):
      let slot = id - base
      return id >= 0 && slot >= 0 && slot < slots.count ? slot : -1
    case .sorted:
      guard id >= 0 else { return -1 }
      var low = 0
      var high = ids.count
      while low < high {
        let mid = (low + high) / 2
        if ids[mid] < id { low = mid + 1 } else { high = mid }
      }
      return low < ids.count && ids[low] == id ? low : -1
    }
  }

  /// Every id of `table`'s `column` as a canonical integer, -1 where one is not: what a
  /// numeric index looks up, parsed before the index is made (while the answers are still
  /// being read).
  static func integers(of table: Table, column: Int) -> [Int] {
    HugePages.array(count: table.rowCount) { buffer in
      let out = SharedBuffer(buffer)
      RowChunks.run(table.rowCount) { range in
        for row in range {
          out.initialize(
            row,
            to: table.withFieldBytes(row: row, column: column, CSVNumber.canonicalInteger) ?? -1)
        }
      }
    }
  }

  /// Records that submission row `row` (below `Int32.max / 2`) takes the answer row at
  /// `slot` (from ``slot(_:row:column:)``), unless an earlier row took it.
  ///
  /// Finding slots and claiming them are separate so a caller can find a batch of slots
  /// (parsing ids) and then claim them: the claims' cache misses on a shuffled submission
  /// then overlap instead of each waiting behind the next id's parsing.
  mutating func claim(slot: Int, row: Int) -> Claim {
    guard slot >= 0 else { return .unknown }
    let numeric = isNumeric
    return claimState { Self.claim(slot: slot, row: row, numeric: numeric, in: $0) }
  }

  /// Whether slots hold the answer rows themselves (numeric ids) rather than `takenBy`'s
  /// takers (string ids, whose slot is the answer row).
  private var isNumeric: Bool {
    if case .strings = kind { return false }
    return true
  }

  /// The array claims write: `slots` for numeric ids, `takenBy` for string ids.
  private mutating func claimState<R>(_ body: (SharedBuffer<Int32>) -> R) -> R {
    isNumeric
      ? slots.withUnsafeMutableBufferPointer { body(SharedBuffer($0)) }
      : takenBy.withUnsafeMutableBufferPointer { body(SharedBuffer($0)) }
  }

  /// The one claim rule, on the claim array: numeric slots hold an answer row (>= 0), no id
  /// (-1) or the taker (-2 - row); string slots are answer rows, and `takenBy` holds the
  /// taker or -1.
  @inline(__always)
  private static func claim(slot: Int, row: Int, numeric: Bool, in state: SharedBuffer<Int32>)
    -> Claim
  {
    let value = state.base[slot]
    if numeric {
      if value == -1 { return .unknown }
      if value < -1 { return .taken(bySubmissionRow: Int(-2 - value)) }
      state.base[slot] = -2 - Int32(row)
      return .row(Int(value))
    }
    if value >= 0 { return .taken(bySubmissionRow: Int(value)) }
    state.base[slot] = Int32(row)
    return .row(slot)
  }

  /// Joins every row of `table` (one row per id), as claiming each row's slot in file order
  /// would: each submission row's answer row (-1 where none), and the first row, in file
  /// order, whose id is unknown or taken.
  ///
  /// Large submissions are joined on two threads: the ids are parsed in chunks of the
  /// rows, then each thread claims the slots of its half of the answers, reading the rows in
  /// file order. A slot is only ever claimed by one thread, in file order, so every claim and
  /// every repeat is what the sequential join finds; the first problem is the earliest of
  /// the two threads' and of the unknown ids.
  ///
  /// - Parameter integers: the column's ids from ``integers(of:column:)``, when parsed
  ///   already; used by a numeric index.
  mutating func claimAll(_ table: Table, column: Int, integers: [Int]? = nil) -> (
    answerRow: [Int], problem: JoinProblem?
  ) {
    let rows = table.rowCount
    let index = self
    let parsed = isNumeric && integers?.count == rows ? integers : nil
    let slotOf = HugePages.array(count: rows) { (buffer: UnsafeMutableBufferPointer<Int32>) in
      let out = SharedBuffer(buffer)
      RowChunks.run(rows) { range in
        if let parsed {
          for row in range {
            out.initialize(row, to: Int32(truncatingIfNeeded: index.slot(integer: parsed[row])))
          }
        } else {
          for row in range {
            out.initialize(
              row, to: Int32(truncatingIfNeeded: index.slot(table, row: row, column: column)))
          }
        }
      }
    }
    var problems: [JoinProblem] = []
    if let unknown = slotOf.firstIndex(where: { $0 < 0 }) {
      problems.append(.unknown(row: unknown))
    }
    let numeric = isNumeric
    var answerRow = HugePages.array(count: rows) { $0.initialize(repeating: -1) }
    let slotCount = numeric ? slots.count : takenBy.count
    // Each thread claims the slots it owns, in file order, and stops at its first problem.
    @Sendable func claimRange(
      _ state: SharedBuffer<Int32>, _ out: SharedBuffer<Int>, _ owned: Range<Int>
    ) -> JoinProblem? {
      for row in 0..<rows {
        let slot = Int(slotOf[row])
        guard owned.contains(slot) else { continue }
        switch Self.claim(slot: slot, row: row, numeric: numeric, in: state) {
        case .row(let a): out.base[row] = a
        case .unknown: return .unknown(row: row)  // in the dense range, not an id
        case .taken(let first): return .taken(row: row, first: first)
        }
      }
      return nil
    }
    answerRow.withUnsafeMutableBufferPointer { answers in
      let out = SharedBuffer(answers)
      claimState { state in
        if rows < RowChunks.threshold {
          if let p = claimRange(state, out, 0..<slotCount) { problems.append(p) }
          return
        }
        let half = slotCount / 2
        let first = BackgroundJob("dojo-grade-join") { claimRange(state, out, 0..<half) }
        if let p = claimRange(state, out, half..<slotCount) { problems.append(p) }
        if let p = (try? first.wait()) ?? nil { problems.append(p) }
      }
    }
    return (answerRow, problems.min { $0.row < $1.row })
  }

  /// A numeric index, or nil when an id repeats (the string index names it then).
  private static func numeric(_ ids: [Int]) -> (Kind, [Int], [Int32])? {
    guard let low = ids.min(), let high = ids.max(), ids.count < Int(Int32.max) / 2 else {
      return nil
    }
    if high - low < 4 * ids.count {
      var slots = HugePages.array(count: high - low + 1) { $0.initialize(repeating: Int32(-1)) }
      for (row, id) in ids.enumerated() {
        if slots[id - low] >= 0 { return nil }
        slots[id - low] = Int32(row)
      }
      return (.dense(base: low), [], slots)
    }
    let order = ids.indices.sorted { ids[$0] < ids[$1] }
    let sortedIDs = order.map { ids[$0] }
    if zip(sortedIDs, sortedIDs.dropFirst()).contains(where: { $0 == $1 }) { return nil }
    return (.sorted, sortedIDs, order.map { Int32($0) })
  }
}
