import Foundation
import Testing

@testable import Tabular

/// The word-at-a-time parse of plain decimals must give, bit for bit, what the byte loop of
/// ``CSVNumber/double(_:)`` gives, take every plain decimal it can, and leave everything
/// else (and every field whose words would run past the readable bytes) to that loop.
@Suite struct WordDecimalTests {
  /// A field is plain when it is an optional sign, then digits with at most one dot, at
  /// most 16 bytes after the sign and at most 15 digits.
  private static func isPlain(_ bytes: [UInt8]) -> Bool {
    var body = bytes[...]
    if let first = body.first, first == 0x2D || first == 0x2B { body = body.dropFirst() }
    let digits = body.filter { $0 >= 0x30 && $0 <= 0x39 }.count
    let dots = body.filter { $0 == 0x2E }.count
    return !body.isEmpty && body.count <= 16 && digits >= 1 && digits <= 15 && dots <= 1
      && digits + dots == body.count
  }

  /// Parses `field` placed at the start of a buffer padded with `junk` up to 32 bytes.
  private static func word(_ field: [UInt8], junk: UInt8) -> Double? {
    let buffer = field + [UInt8](repeating: junk, count: 32)
    return buffer.withUnsafeBufferPointer {
      WordDecimal.double($0.baseAddress!, 0, field.count, readable: buffer.count)
    }
  }

  private static func loop(_ field: [UInt8]) -> Double? {
    field.withUnsafeBufferPointer { CSVNumber.double($0) }
  }

  private static func check(_ field: [UInt8]) -> String? {
    let expected = loop(field)
    let text = String(decoding: field, as: UTF8.self)
    // The bytes after the field must not matter: digits, dots, separators, zeros.
    for junk: UInt8 in [0x00, 0x2C, 0x2E, 0x35, 0xFF] {
      let got = word(field, junk: junk)
      if let got {
        guard got.bitPattern == expected?.bitPattern else {
          return "\(text): word \(got) vs loop \(String(describing: expected))"
        }
      } else if isPlain(field) {
        return "\(text): a plain decimal was left to the loop"
      }
    }
    return nil
  }

  @Test(arguments: [
    "0", "7", "-0", "+0", "0.023132", "0.02265", "0.1039", "12345678", "1234567.8",
    ".12345678", "12345678.", "123456789", "0.123456789", "1234567890123456",
    "123456789012345.", ".123456789012345", "1234567890.12345", "999999999999999",
    "9999999999999999", "0.000000000000001", "-12.5", "+.5", "5.", ".5", ".", "-", "+", "-.",
    "1.2.3", "1..2", "..", "1e5", "1.5E3", " 1", "1 ", "\"1\"", "0x1", "1,2", "12:34", "1/2",
    "-1234567890123456", "00000000.0000001", "0000000000000001", "12345678.12345678",
  ])
  func edgeCasesMatchTheByteLoop(_ text: String) {
    let message = Self.check(Array(text.utf8))
    #expect(message == nil, "\(message ?? "")")
  }

  /// Random fields of 0 to 18 bytes over digits, dots, signs and bytes a number never holds.
  @Test func randomFieldsMatchTheByteLoop() {
    var rng = SplitMix64(seed: 1201)
    let alphabet =
      Array("0123456789012345678901234567890123456789..-+e :\u{7F}".utf8) + [0x00, 0x80]
    var failures: [String] = []
    var plain = 0
    for i in 0..<200_000 {
      let length = Int.random(in: 0...18, using: &rng)
      var field: [UInt8] = []
      for _ in 0..<length {
        // Most fields are digits with one dot, as submissions are; some hold anything.
        let pick =
          i % 3 == 0
          ? alphabet.randomElement(using: &rng)!
          : (Int.random(in: 0..<12, using: &rng) == 0
            ? 0x2E : UInt8.random(in: 0x30...0x39, using: &rng))
        field.append(pick)
      }
      if Self.isPlain(field) { plain += 1 }
      if let message = Self.check(field) { failures.append(message) }
    }
    #expect(failures.isEmpty, "\(failures.count) differ, first \(failures.prefix(5))")
    #expect(plain > 50_000, "too few plain decimals drawn (\(plain)) for the test to mean much")
  }

  /// A field whose eight-byte word would run past the readable bytes is left to the loop.
  @Test func aWordNeverReadsPastTheReadableBytes() {
    let bytes = Array("1,0.5".utf8)
    bytes.withUnsafeBufferPointer { buffer in
      let p = buffer.baseAddress!
      #expect(WordDecimal.double(p, 2, 5, readable: 5) == nil)
      #expect(WordDecimal.double(p, 2, 5, readable: 10) == 0.5)
    }
  }

  /// A table's last field (no newline after it), quoted, spaced and odd cells read the same
  /// by blocks of numbers, in any column order and block size, as cell by cell.
  @Test func blocksOfNumbersMatchCellByCell() throws {
    var text = "id,a,b,c\n"
    var rng = SplitMix64(seed: 7)
    let cells = [
      "0.5", "\"0.25\"", " 3.5", "1e-3", "", "x", "-0", "12345678.12345", "0.023132", "nan",
      "\"\"\"1\"\"\"", "7", "1.", ".5",
    ]
    for row in 0..<500 {
      let values = (0..<3).map { _ in cells.randomElement(using: &rng)! }
      text += "\(row),\(values.joined(separator: ","))"
      if row < 499 { text += "\n" }
    }
    for ranges in [1, 3] {
      let table = try Table.parse(Data(text.utf8), name: "t.csv", encoding: .utf8, ranges: ranges)
      for (columns, blockRows) in [([1, 2, 3], 7), ([3, 1], 1024), ([2], 1), ([1], Int.max)] {
        var seen = 0
        table.forEachBlockOfNumbers(
          rows: 0..<table.rowCount, columns: columns, blockRows: blockRows
        ) { rows, numbers in
          #expect(rows.lowerBound == seen && rows.count <= blockRows)
          #expect(numbers.count == rows.count * columns.count)
          for row in rows {
            for (k, column) in columns.enumerated() {
              let got = numbers[(row - rows.lowerBound) * columns.count + k]
              let expected = table.withFieldBytes(row: row, column: column) { CSVNumber.double($0) }
              #expect(
                got.bitPattern == (expected ?? .nan).bitPattern
                  || (got.isNaN && expected?.isNaN != false),
                "row \(row) column \(column)")
              let cell = table.double(row: row, column: column)
              #expect(
                cell?.bitPattern == expected?.bitPattern
                  || (expected?.isNaN == true && cell?.isNaN == true))
            }
          }
          seen = rows.upperBound
        }
        #expect(seen == 500)
      }
    }
  }
}
