internal import DojoCore
internal import Tabular

/// The answers' rows by id, for joining a submission to them.
///
/// Ids are text, but most tasks number their rows: when every answer id is a canonical
/// decimal integer (`0`, or a non-zero digit then digits; at most 18), ids are equal exactly
/// when their numbers are, so the join looks numbers up in a flat array (ids spanning at most
/// four times their count) or a sorted one, and makes no string at all. Hashing a million
/// strings was most of grading's time. Any other id set uses a `[String: Int]`.
struct AnswerIndex {
  private enum Storage {
    /// `rows[id - base]` is the answer row of `id`, or -1.
    case dense(base: Int, rows: [Int32])
    /// Ids ascending, with their rows.
    case sorted(ids: [Int], rows: [Int32])
    case strings([String: Int])
  }

  private let storage: Storage

  /// Indexes `table`'s column `column`.
  ///
  /// - Throws: ``DojoError`` `.graderError` naming the row when an id appears twice.
  init(_ table: Table, column: Int) throws {
    if let numbers = AnswerIndex.integers(table, column: column),
      let storage = AnswerIndex.numeric(numbers)
    {
      self.storage = storage
      return
    }
    var rowOf: [String: Int] = [:]
    rowOf.reserveCapacity(table.rowCount)
    for row in 0..<table.rowCount {
      let key = table.string(row: row, column: column)
      if rowOf.updateValue(row, forKey: key) != nil {
        throw DojoError(
          .graderError, "answers row \(row + 2): id \"\(key)\" appears twice; prepare again")
      }
    }
    storage = .strings(rowOf)
  }

  /// The answer row of the id in `table`'s field at `row`, `column`; nil if it is none.
  func row(of table: Table, row: Int, column: Int) -> Int? {
    switch storage {
    case .strings(let rowOf):
      return rowOf[table.string(row: row, column: column)]
    case .dense(let base, let rows):
      guard let id = table.withFieldBytes(row: row, column: column, CSVNumber.canonicalInteger)
      else {
        return nil
      }
      let slot = id - base
      guard slot >= 0 && slot < rows.count, rows[slot] >= 0 else { return nil }
      return Int(rows[slot])
    case .sorted(let ids, let rows):
      guard let id = table.withFieldBytes(row: row, column: column, CSVNumber.canonicalInteger)
      else {
        return nil
      }
      var low = 0
      var high = ids.count
      while low < high {
        let mid = (low + high) / 2
        if ids[mid] < id { low = mid + 1 } else { high = mid }
      }
      return low < ids.count && ids[low] == id ? Int(rows[low]) : nil
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
  private static func numeric(_ ids: [Int]) -> Storage? {
    guard let low = ids.min(), let high = ids.max(), ids.count < Int(Int32.max) else {
      return nil
    }
    if high - low < 4 * ids.count {
      var rows = [Int32](repeating: -1, count: high - low + 1)
      for (row, id) in ids.enumerated() {
        if rows[id - low] >= 0 { return nil }
        rows[id - low] = Int32(row)
      }
      return .dense(base: low, rows: rows)
    }
    let order = ids.indices.sorted { ids[$0] < ids[$1] }
    let sortedIDs = order.map { ids[$0] }
    if zip(sortedIDs, sortedIDs.dropFirst()).contains(where: { $0 == $1 }) { return nil }
    return .sorted(ids: sortedIDs, rows: order.map { Int32($0) })
  }
}
