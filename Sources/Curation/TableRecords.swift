internal import DojoCore
internal import Foundation
internal import Tabular

/// One listed table of a task read row by row, whatever its format (CSV, TSV or JSON
/// records), so the leak checks treat every table alike. Any failure to open or parse the
/// file is a ``DojoError`` `.invalidData` naming the file: a table that cannot be read is
/// never skipped.
final class TableRecords {
  let file: TaskFile
  let url: URL
  /// JSON records, parsed once on first use.
  private var records: [[String: Any]]?

  init(_ file: TaskFile, in layout: TaskLayout) {
    self.file = file
    self.url = layout.root.appendingPathComponent(file.path)
  }

  /// The column names: a CSV or TSV header, or every key any JSON record holds (sorted).
  func columns() throws -> [String] {
    try reading {
      switch file.format {
      case .csv: return try CSVReader(url: url).header
      case .tsv:
        var header: [String] = []
        try TSVLines.read(url) { fields, _ in
          header = fields
          return false
        }
        guard !header.isEmpty else { throw DojoError(.invalidData, "is empty; expected a header") }
        return header
      case .json:
        var keys = Set<String>()
        for record in try jsonRecords() { keys.formUnion(record.keys) }
        return keys.sorted()
      case .other:
        throw DojoError(.invalidData, "is not a table")
      }
    }
  }

  /// Calls `body` with each row's values of `columns` (nil where a JSON record lacks the key,
  /// or a CSV/TSV header lacks the column) and the row's line (its record number for a JSON
  /// list); `body` returns false to stop early.
  func forEachRow(columns: [String], _ body: ([String?], Int) throws -> Bool) throws {
    try reading {
      switch file.format {
      case .csv:
        let reader = try CSVReader(url: url)
        let indices = columns.map { reader.header.firstIndex(of: $0) }
        while let record = try reader.next() {
          if try !body(indices.map { $0.map(record.string) }, record.line) { return }
        }
      case .tsv:
        var indices: [Int?]?
        var width = 0
        try TSVLines.read(url) { fields, line in
          guard let known = indices else {
            indices = columns.map { fields.firstIndex(of: $0) }
            width = fields.count
            return true
          }
          guard fields.count == width else {
            throw DojoError(
              .invalidData, "line \(line) has \(fields.count) fields; the header has \(width)")
          }
          return try body(known.map { $0.map { fields[$0] } }, line)
        }
      case .json:
        for (n, record) in try jsonRecords().enumerated() {
          if try !body(columns.map { record[$0].map(Self.text) }, n + 1) { return }
        }
      case .other:
        throw DojoError(.invalidData, "is not a table")
      }
    }
  }

  /// The number of data rows (records).
  func rowCount() throws -> Int {
    var count = 0
    try forEachRow(columns: []) { _, _ in
      count += 1
      return true
    }
    return count
  }

  /// Runs `body`, turning any error into one that names the file and its format.
  private func reading<T>(_ body: () throws -> T) throws -> T {
    do {
      return try body()
    } catch let error as DojoError {
      throw DojoError(
        .invalidData,
        "\(file.path) cannot be read as \(file.format.rawValue.uppercased()): \(error.message)")
    } catch {
      throw DojoError(
        .invalidData,
        "\(file.path) cannot be read as \(file.format.rawValue.uppercased()): \(error)")
    }
  }

  /// The file's records: a JSON list of objects, or one object per line (JSON lines).
  private func jsonRecords() throws -> [[String: Any]] {
    if let records { return records }
    let data: Data
    do {
      data = try Data(contentsOf: url, options: .mappedIfSafe)
    } catch {
      throw AtomicFiles.ioError("cannot read", error)
    }
    let first = data.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
    var parsed: [[String: Any]] = []
    if first == UInt8(ascii: "[") {
      let value: Any
      do {
        value = try JSONSerialization.jsonObject(with: data)
      } catch {
        throw DojoError(.invalidData, "is not valid JSON: \(error.localizedDescription)")
      }
      guard let list = value as? [Any] else { throw DojoError(.invalidData, "is not a list") }
      for (n, item) in list.enumerated() {
        guard let object = item as? [String: Any] else {
          throw DojoError(.invalidData, "record \(n + 1) is not a JSON object")
        }
        parsed.append(object)
      }
    } else {
      var line = 0
      for slice in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
        line += 1
        if slice.allSatisfy({ [0x20, 0x09, 0x0D].contains($0) }) { continue }
        guard
          let object = try? JSONSerialization.jsonObject(with: Data(slice)) as? [String: Any]
        else {
          throw DojoError(
            .invalidData,
            "line \(line) is not a JSON object (expected a list of objects or JSON lines)")
        }
        parsed.append(object)
      }
    }
    records = parsed
    return parsed
  }

  /// A JSON value as text: strings as they are, anything else as compact JSON (sorted keys),
  /// so numbers compare with the answers' CSV text and nested values compare exactly.
  static func text(_ value: Any) -> String {
    if let string = value as? String { return string }
    if value is NSNull { return "" }
    guard
      let data = try? JSONSerialization.data(
        withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys])
    else { return "\(value)" }
    return String(decoding: data, as: UTF8.self)
  }
}

/// Tab-separated lines, streamed: fields split at tabs, no quoting (as Kaggle's TSV files
/// are written), CR LF or LF line ends, blank lines skipped, UTF-8 checked.
enum TSVLines {
  /// Calls `body` with each non-blank line's fields and its line number (from 1); `body`
  /// returns false to stop.
  static func read(_ url: URL, _ body: ([String], Int) throws -> Bool) throws {
    guard let handle = FileHandle(forReadingAtPath: url.path) else {
      throw DojoError(.notFound, "cannot be opened")
    }
    defer { try? handle.close() }
    var pending: [UInt8] = []
    var line = 0
    func emit(_ bytes: ArraySlice<UInt8>) throws -> Bool {
      line += 1
      var bytes = bytes
      if bytes.last == 0x0D { bytes = bytes.dropLast() }
      if bytes.isEmpty { return true }
      var fields: [String] = []
      for field in bytes.split(separator: 0x09, omittingEmptySubsequences: false) {
        guard let text = String(validating: field, as: UTF8.self) else {
          throw DojoError(.invalidData, "line \(line) is not UTF-8")
        }
        fields.append(text)
      }
      return try body(fields, line)
    }
    while true {
      let chunk: Data?
      do {
        chunk = try handle.read(upToCount: 4 << 20)
      } catch {
        throw AtomicFiles.ioError("cannot read", error)
      }
      guard let chunk, !chunk.isEmpty else { break }
      pending.append(contentsOf: chunk)
      var start = pending.startIndex
      while let end = pending[start...].firstIndex(of: 0x0A) {
        if try !emit(pending[start..<end]) { return }
        start = end + 1
      }
      pending.removeSubrange(..<start)
    }
    if !pending.isEmpty { _ = try emit(pending[...]) }
  }
}
