import Foundation
import Testing

@testable import Tabular

/// A table parsed in several byte ranges on several threads must be the table parsed in one
/// pass: the same fields, the same line of every row, the same error with the same line.
@Suite struct RangeParseTests {
  /// A CSV whose line feeds often sit inside quoted fields (so many cuts land mid-record),
  /// with blank lines, CRLF endings, doubled quotes and non-ASCII text.
  static func awkwardCSV(rows: Int, seed: UInt64) -> [UInt8] {
    var rng = SplitMix64(seed: seed)
    var text = "id,note,value\n"
    for row in 0..<rows {
      let note: String
      switch Int.random(in: 0..<6, using: &rng) {
      case 0: note = "\"line one\nline two\nline three\""
      case 1: note = "\"say \"\"hi\"\"\n, twice\""
      case 2: note = "caf\u{E9}"
      case 3: note = ""
      default: note = "plain"
      }
      text += "\(row),\(note),\(Double.random(in: -1...1, using: &rng))"
      text += Int.random(in: 0..<10, using: &rng) == 0 ? "\r\n" : "\n"
      if Int.random(in: 0..<20, using: &rng) == 0 { text += "\n" }
    }
    return Array(text.utf8)
  }

  static func same(_ a: Table, _ b: Table) -> Bool {
    guard a.header == b.header, a.rowCount == b.rowCount else { return false }
    for row in 0..<a.rowCount {
      if a.line(ofRow: row) != b.line(ofRow: row) { return false }
      for column in 0..<a.header.count
      where a.string(row: row, column: column) != b.string(row: row, column: column) {
        return false
      }
    }
    return true
  }

  @Test(arguments: [2, 3, 7, 16])
  func rangesGiveTheSequentialTable(_ ranges: Int) throws {
    for seed: UInt64 in [1, 2, 3] {
      let data = Data(Self.awkwardCSV(rows: 3_000, seed: seed))
      let one = try Table.parse(data, name: "t.csv", encoding: .utf8, ranges: 1)
      let many = try Table.parse(data, name: "t.csv", encoding: .utf8, ranges: ranges)
      #expect(one.rowCount == 3_000)
      #expect(Self.same(one, many), "seed \(seed), \(ranges) ranges")
    }
  }

  /// Cuts that all land inside one long quoted field: every range guesses wrong.
  @Test func cutsInsideOneQuotedFieldFallBackToTheSequentialScan() throws {
    let long = String(repeating: "x\n", count: 5_000)
    let data = Data("a,b\n1,\"\(long)\"\n2,y\n".utf8)
    let many = try Table.parse(data, name: "t.csv", encoding: .utf8, ranges: 4)
    #expect(many.rowCount == 2)
    #expect(many.string(row: 0, column: 1) == long)
    #expect(many.line(ofRow: 1) == 5_003)
  }

  /// An error past a cut is reported as the sequential scan reports it, line included.
  @Test(arguments: [
    ("1,x\n", "t.csv:2401: has 2 fields but the header has 3"),
    ("1,\"open,0.5\n", "t.csv:2401: a quoted field opened on this line is never closed"),
  ])
  func errorsAfterACutNameTheSequentialLine(_ bad: String, _ message: String) throws {
    var text = "id,note,value\n"
    for row in 0..<3_000 { text += row == 2_399 ? bad : "\(row),a,1\n" }
    let data = Data(text.utf8)
    let sequential = errorMessage {
      _ = try Table.parse(data, name: "t.csv", encoding: .utf8, ranges: 1)
    }
    let ranged = errorMessage {
      _ = try Table.parse(data, name: "t.csv", encoding: .utf8, ranges: 5)
    }
    #expect(sequential == ranged)
    #expect(ranged?.contains(message) == true, "\(ranged ?? "no error")")
  }
}
