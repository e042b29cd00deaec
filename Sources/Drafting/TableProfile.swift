public import Foundation
internal import Tabular

/// What a curator would look at in one column before writing a manifest: how many values are
/// empty, numeric, whole, ISO dates, in file order, long text; and its distinct values (kept
/// up to a cap, so a 10-million-row table profiles in bounded memory).
public struct ColumnProfile: Sendable {
  public let name: String
  public internal(set) var rows = 0
  public internal(set) var empty = 0
  public internal(set) var numeric = 0
  public internal(set) var integral = 0
  /// Values that start like an ISO date (`2013-01-01`, `2013-01-01T10:00:00Z`).
  public internal(set) var dates = 0
  /// Consecutive non-empty date values that do not go back in time (file order).
  public internal(set) var datesInOrder = 0
  /// Values holding a space (free text, or a space-separated list).
  public internal(set) var withSpace = 0
  public internal(set) var totalLength = 0
  /// Distinct values with their counts; complete unless ``distinctOverflow``.
  public internal(set) var counts: [String: Int] = [:]
  /// True when the column has more distinct values than were kept.
  public internal(set) var distinctOverflow = false
  let cap: Int
  var lastDate: String?

  init(name: String, cap: Int) {
    self.name = name
    self.cap = cap
  }

  /// The non-empty values.
  public var filled: Int { rows - empty }
  /// The number of distinct values: exact unless ``distinctOverflow``, then a lower bound.
  public var distinct: Int { counts.count }
  /// Every non-empty value is a number.
  public var isNumeric: Bool { filled > 0 && numeric == filled }
  /// Every non-empty value is a whole number.
  public var isIntegral: Bool { filled > 0 && integral == filled }
  /// Every non-empty value is an ISO date.
  public var isDate: Bool { filled > 0 && dates == filled }
  /// The mean length of a value, in bytes.
  public var meanLength: Double { rows == 0 ? 0 : Double(totalLength) / Double(rows) }

  mutating func add(_ value: String) {
    rows += 1
    if value.isEmpty {
      empty += 1
      return
    }
    totalLength += value.utf8.count
    if let number = Double(value), number.isFinite {
      numeric += 1
      if number == number.rounded() && !value.contains("e") && !value.contains("E") {
        integral += 1
      }
    }
    if Self.looksLikeDate(value) {
      dates += 1
      if let last = lastDate, last <= value { datesInOrder += 1 }
      lastDate = value
    }
    if value.utf8.contains(0x20) { withSpace += 1 }
    if let n = counts[value] {
      counts[value] = n + 1
    } else if counts.count < cap {
      counts[value] = 1
    } else {
      distinctOverflow = true
    }
  }

  /// `YYYY-MM-DD`, optionally followed by a time: the form the time split orders as text.
  static func looksLikeDate(_ value: String) -> Bool {
    let b = Array(value.utf8.prefix(10))
    guard b.count == 10, b[4] == 0x2D, b[7] == 0x2D else { return false }
    for i in [0, 1, 2, 3, 5, 6, 8, 9] where !(0x30...0x39).contains(b[i]) { return false }
    return true
  }
}

/// A CSV table's header, row count and column profiles.
public struct TableProfile: Sendable {
  /// The path inside the unpacked archive.
  public let path: String
  public let header: [String]
  public let rows: Int
  public let columns: [ColumnProfile]

  public func column(_ name: String) -> ColumnProfile? { columns.first { $0.name == name } }

  /// Reads `url` once, streaming. Columns named in `wide` keep up to `wideCap` distinct values
  /// (entity and target candidates); the others up to `cap`.
  public static func read(
    _ url: URL, path: String, cap: Int = 2_000, wide: Set<String> = [], wideCap: Int = 1_000_000
  ) throws -> TableProfile {
    let reader = try CSVReader(url: url)
    let header = reader.header
    var columns = header.map { ColumnProfile(name: $0, cap: wide.contains($0) ? wideCap : cap) }
    var rows = 0
    while let record = try reader.next() {
      rows += 1
      for i in 0..<min(record.count, columns.count) { columns[i].add(record.string(i)) }
    }
    return TableProfile(path: path, header: header, rows: rows, columns: columns)
  }

  /// The header and a few rows only, for tables whose values are not needed.
  public static func header(_ url: URL, path: String) throws -> TableProfile {
    let reader = try CSVReader(url: url)
    let header = reader.header
    var columns = header.map { ColumnProfile(name: $0, cap: 100) }
    var rows = 0
    while rows < 100, let record = try reader.next() {
      rows += 1
      for i in 0..<min(record.count, columns.count) { columns[i].add(record.string(i)) }
    }
    return TableProfile(path: path, header: header, rows: rows, columns: columns)
  }
}
