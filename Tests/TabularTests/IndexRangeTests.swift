import DojoCore
import Foundation
import Testing

@testable import Tabular

/// A file indexed in several byte ranges on several threads must give the index of one
/// sequential pass: the same rows, values, spans and lines, the same error with the same line.
@Suite struct IndexRangeTests {
  static func same(_ a: CSVIndex, _ b: CSVIndex, columns: [String]) -> Bool {
    guard a.header == b.header, a.rowCount == b.rowCount, a.spans == b.spans,
      a.dataStart == b.dataStart
    else { return false }
    for column in columns where a.values(of: column) != b.values(of: column) { return false }
    return (0..<a.rowCount).allSatisfy { a.line(ofRow: $0) == b.line(ofRow: $0) }
  }

  @Test(arguments: [2, 3, 7, 16])
  func rangesGiveTheSequentialIndex(_ ranges: Int) throws {
    let dir = try TempDir()
    defer { dir.cleanup() }
    for seed: UInt64 in [1, 2, 3] {
      let url = try dir.file("t\(seed).csv", RangeParseTests.awkwardCSV(rows: 3_000, seed: seed))
      let columns = ["note", "id"]
      let one = try CSVIndex.scan(url, columns: columns, ranges: 1)
      let many = try CSVIndex.scan(url, columns: columns, ranges: ranges)
      #expect(one.rowCount == 3_000)
      #expect(one.spans != nil)
      #expect(Self.same(one, many, columns: columns), "seed \(seed), \(ranges) ranges")
    }
  }

  /// A byte-order mark, a header with a quoted line feed, blank lines before the first row
  /// and a last row without its line feed.
  @Test func rangesKeepTheFileEdges() throws {
    let dir = try TempDir()
    defer { dir.cleanup() }
    var text = "\u{FEFF}\"i\nd\",v\n\n\n"
    for row in 0..<2_000 { text += "\(row),\(row * 7)\n" }
    text += "2000,1"
    let url = try dir.file("edges.csv", Array(text.utf8))
    let one = try CSVIndex.scan(url, columns: ["v"], ranges: 1)
    let many = try CSVIndex.scan(url, columns: ["v"], ranges: 5)
    #expect(one.rowCount == 2_001)
    #expect(one.line(ofRow: 0) == 5)
    #expect(Self.same(one, many, columns: ["v"]))
  }

  /// Cuts that all land inside one long quoted field: every range guesses wrong.
  @Test func cutsInsideOneQuotedFieldFallBackToTheSequentialScan() throws {
    let dir = try TempDir()
    defer { dir.cleanup() }
    let long = String(repeating: "x\n", count: 5_000)
    let url = try dir.file("long.csv", Array("a,b\n1,\"\(long)\"\n2,y\n".utf8))
    let many = try CSVIndex.scan(url, columns: ["b"], ranges: 4)
    #expect(many.rowCount == 2)
    #expect(many.values(of: "b") == [long, "y"])
    #expect(many.line(ofRow: 1) == 5_003)
  }

  /// An error past a cut is reported as the sequential scan reports it, line included.
  @Test(arguments: [
    ("1,x\n", "t.csv:2401: has 2 fields but the header has 3"),
    ("1,\"open,0.5\n", "t.csv:2401: a quoted field opened on this line is never closed"),
    ("1,\u{FF},2\n", "t.csv:2401: byte 0xFF is not UTF-8"),
  ])
  func errorsAfterACutNameTheSequentialLine(_ bad: String, _ message: String) throws {
    let dir = try TempDir()
    defer { dir.cleanup() }
    var bytes = Array("id,note,value\n".utf8)
    for row in 0..<3_000 {
      if row == 2_399 {
        // U+00FF stands for the raw byte 0xFF, which no Swift string holds.
        bytes += bad.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }
      } else {
        bytes += Array("\(row),a,1\n".utf8)
      }
    }
    let url = try dir.file("t.csv", bytes)
    let sequential = errorMessage { _ = try CSVIndex.scan(url, columns: ["id"], ranges: 1) }
    let ranged = errorMessage { _ = try CSVIndex.scan(url, columns: ["id"], ranges: 5) }
    #expect(sequential == ranged)
    #expect(ranged?.contains(message) == true, "\(ranged ?? "no error")")
  }

  /// A split by an index made in ranges writes what one made sequentially does.
  @Test func aSplitByARangedIndexIsTheSameFile() throws {
    let dir = try TempDir()
    defer { dir.cleanup() }
    let source = try dir.file("s.csv", RangeParseTests.awkwardCSV(rows: 3_000, seed: 9))
    var outputs: [[UInt8]] = []
    for ranges in [1, 4] {
      let index = try CSVIndex.scan(source, columns: ["id"], ranges: ranges)
      let assignments = (0..<index.rowCount).map { UInt8($0 % 3 == 0 ? 2 : 1) }
      let out = dir.url.appendingPathComponent("out\(ranges).csv")
      let written = try CSVSplitter.write(
        source: source, assignments: assignments,
        outputs: [SplitOutput(url: out, rowClass: 1)], index: index, hashing: true)
      let bytes = try dir.contents("out\(ranges).csv")
      #expect(written[0].rows == 2_000)
      #expect(written[0].size == bytes.count)
      #expect(written[0].sha256 == SHA256Hasher.hash(Data(bytes)))
      outputs.append(bytes)
    }
    #expect(outputs[0] == outputs[1])
  }
}
