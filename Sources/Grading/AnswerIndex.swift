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
struct AnswerIndex {
  private enum Kind {
    /// `slots[id - base]` is the answer row of `id`.
    case dense(base: Int)
    /// `ids` ascending; `slots[i]` is the answer row of `ids[i]`.
    case sorted
    case strings
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
    if let numbers = AnswerIndex.integers(table, column: column),
      let (kind, ids, slots) = AnswerIndex.numeric(numbers)
    {
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
    switch kind {
    case .strings:
      return rowOf[table.string(row: row, column: column)] ?? -1
    case .dense(let base):
      guard let id = table.withFieldBytes(row: row, column: column, CSVNumber.canonicalInteger)
      else { return -1 }
      let slot = id - base
      return slot >= 0 && slot < slots.count ? slot : -1
    case .sorted:
      guard let id = table.withFieldBytes(row: row, column: column, CSVNumber.canonicalInteger)
      else { return -1 }
      var low = 0
      var high = ids.count
      while low < high {
        let mid = (low + high) / 2
        if ids[mid] < id { low = mid + 1 } else { high = mid }
      }
      return low < ids.count && ids[low] == id ? low : -1
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
    if case .strings = kind {
      if takenBy[slot] >= 0 { return .taken(bySubmissionRow: Int(takenBy[slot])) }
      takenBy[slot] = Int32(row)
      return .row(slot)
    }
    return slots.withUnsafeMutableBufferPointer { slots in
      let value = slots[slot]
      if value == -1 { return .unknown }
      if value < -1 { return .taken(bySubmissionRow: Int(-2 - value)) }
      slots[slot] = -2 - Int32(row)
      return .row(Int(value))
    }
  }

  /// Every id of the column as a number, or nil if one is not a canonical integer.
  private static func integers(_ table: Table, column: Int) -> [Int]? {
    var out = [Int](repeating: 0, count: table.rowCount)
    for row in 0..<table.rowCount {
      guard let v = table.withFieldBytes(row: row, column: column, CSVNumber.canonicalInteger)
      else { return nil }
      out[row] = v
    }
    return out
  }

  /// A numeric index, or nil when an id repeats (the string index names it then).
  private static func numeric(_ ids: [Int]) -> (Kind, [Int], [Int32])? {
    guard let low = ids.min(), let high = ids.max(), ids.count < Int(Int32.max) / 2 else {
      return nil
    }
    if high - low < 4 * ids.count {
      var slots = [Int32](repeating: -1, count: high - low + 1)
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
