internal import DojoCore
public import Foundation

/// A whole CSV file read into memory, with typed access to its fields.
///
/// This is the random-access side of the tabular engine, used by grading (two files joined
/// by id) and by splits that need a column's values. Fields are addressed by row (0-based,
/// header excluded) and column index.
public struct Table: Sendable {
  /// The column names, in file order, BOM stripped.
  public let header: [String]
  /// Every data row's fields.
  let rows: [[String]]
  /// Where the table came from, for error messages.
  public let name: String

  /// The number of data rows (the header excluded).
  public var rowCount: Int { rows.count }

  /// The index of a column by exact name.
  public func index(of column: String) -> Int? { header.firstIndex(of: column) }

  /// A field as text, exactly as it stood in the file (quotes removed).
  public func string(row: Int, column: Int) -> String { rows[row][column] }

  /// A field as a number: nil if it is empty or does not parse. `nan`, `inf` parse as such.
  public func double(row: Int, column: Int) -> Double? {
    Double(rows[row][column].trimmingCharacters(in: .whitespaces))
  }

  /// Reads a CSV file whole.
  ///
  /// - Throws: ``DojoError`` `.invalidData` naming the file and line for ragged rows,
  ///   unterminated quotes or non-UTF-8 bytes; `.notFound` if the file is missing.
  public static func read(_ url: URL) throws -> Table {
    guard let data = FileManager.default.contents(atPath: url.path) else {
      throw DojoError(.notFound, "\(url.path): no such file")
    }
    return try parse(data, name: url.lastPathComponent)
  }

  /// Parses CSV bytes; `name` is used in error messages.
  public static func parse(_ data: Data, name: String) throws -> Table {
    var bytes = [UInt8](data)
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
    guard String(validating: bytes, as: UTF8.self) != nil else {
      throw DojoError(.invalidData, "\(name): is not UTF-8 text; convert it to UTF-8")
    }
    var records: [[String]] = []
    var field: [UInt8] = []
    var record: [String] = []
    var inQuotes = false
    var i = 0
    var line = 1
    var recordLine = 1
    while i < bytes.count {
      let b = bytes[i]
      if inQuotes {
        if b == UInt8(ascii: "\"") {
          if i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "\"") {
            field.append(b)
            i += 1
          } else {
            inQuotes = false
          }
        } else {
          if b == UInt8(ascii: "\n") { line += 1 }
          field.append(b)
        }
      } else if b == UInt8(ascii: "\"") && field.isEmpty {
        inQuotes = true
      } else if b == UInt8(ascii: ",") {
        record.append(String(decoding: field, as: UTF8.self))
        field.removeAll(keepingCapacity: true)
      } else if b == UInt8(ascii: "\n") || b == UInt8(ascii: "\r") {
        if b == UInt8(ascii: "\r") && i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "\n") {
          i += 1
        }
        record.append(String(decoding: field, as: UTF8.self))
        field.removeAll(keepingCapacity: true)
        try finish(&records, record, name: name, line: recordLine)
        record = []
        line += 1
        recordLine = line
      } else {
        field.append(b)
      }
      i += 1
    }
    if inQuotes {
      throw DojoError(
        .invalidData, "\(name):\(recordLine): a quoted field is never closed; check the quotes")
    }
    if !field.isEmpty || !record.isEmpty {
      record.append(String(decoding: field, as: UTF8.self))
      try finish(&records, record, name: name, line: recordLine)
    }
    guard let header = records.first else {
      throw DojoError(.invalidData, "\(name): is empty; expected a header line")
    }
    return Table(header: header, rows: Array(records.dropFirst()), name: name)
  }

  private static func finish(
    _ records: inout [[String]], _ record: [String], name: String, line: Int
  )
    throws
  {
    if let width = records.first?.count, record.count != width {
      throw DojoError(
        .invalidData,
        "\(name):\(line): has \(record.count) fields but the header has \(width); fix the row")
    }
    records.append(record)
  }
}
