internal import DojoCore
public import Foundation

/// The first pass of a two-pass split: a file's shape and the values of a few columns,
/// without keeping whole rows in memory.
public struct CSVIndex: Sendable {
  /// The file's name, as errors show it.
  public let name: String
  /// The column names.
  public let header: [String]
  /// The number of data rows.
  public let rowCount: Int
  /// The values of each requested column, one per data row, quotes removed.
  public let values: [String: [String]]
  let lines: LineMap

  /// The values of a requested column, one per row; nil if it was not requested.
  public func values(of column: String) -> [String]? { values[column] }

  /// The 1-based line a data row starts on (the header is line 1).
  public func line(ofRow row: Int) -> Int { lines.line(ofRow: row) }

  /// Reads a file once, keeping its header, row count and the values of `columns`.
  ///
  /// - Throws: ``DojoError`` `.invalidArgument` naming a column the header lacks, or any
  ///   error of ``CSVReader``.
  public static func scan(_ url: URL, columns: [String] = [], options: CSVReader.Options = .init())
    throws -> CSVIndex
  {
    let reader = try CSVReader(url: url, options: options)
    let indexes = try resolve(columns, in: reader.header, file: reader.name)
    var collected = [[String]](repeating: [], count: columns.count)
    var lines = LineMap()
    var row = 0
    while let record = try reader.next() {
      lines.note(row: row, line: record.line)
      for (k, column) in indexes.enumerated() { collected[k].append(record.string(column)) }
      row += 1
    }
    var values: [String: [String]] = [:]
    for (k, column) in columns.enumerated() { values[column] = collected[k] }
    return CSVIndex(
      name: reader.name, header: reader.header, rowCount: row, values: values, lines: lines)
  }

  /// Column indexes by name, with an error that lists the header when one is missing.
  static func resolve(_ names: [String], in header: [String], file: String) throws -> [Int] {
    try names.map { name in
      guard let i = header.firstIndex(of: name) else {
        throw DojoError(
          .invalidArgument,
          "\(file): has no column \"\(name)\"; its columns are "
            + header.map { "\"\($0)\"" }.joined(separator: ", "))
      }
      return i
    }
  }
}

/// One file a split writes: which rows go in it and which of their columns.
public struct SplitOutput: Sendable {
  /// Which columns an output keeps.
  public enum Columns: Sendable, Equatable {
    /// Every column, each record copied byte for byte.
    case all
    /// These columns, in this order.
    case only([String])
    /// Every column but these, in file order.
    case dropping([String])
  }

  /// Where the file is written (atomically).
  public var url: URL
  /// The rows it receives: those whose assignment equals this class.
  public var rowClass: UInt8
  /// The columns it keeps.
  public var columns: Columns

  public init(url: URL, rowClass: UInt8, columns: Columns = .all) {
    self.url = url
    self.rowClass = rowClass
    self.columns = columns
  }
}

/// The second pass of a two-pass split: streams a file once and copies each row to the
/// outputs of its class.
///
/// Fields are copied as bytes, never parsed and re-printed, so numbers keep their exact
/// spelling and quoted fields their quoting. Records end in LF in every output (a CRLF
/// source is normalised). Each output has the projected header as its first line.
public enum CSVSplitter {
  /// Conventional row classes; any `UInt8` works, and a class no output asks for is dropped.
  public static let drop: UInt8 = 0
  public static let train: UInt8 = 1
  public static let test: UInt8 = 2

  /// Writes the outputs.
  ///
  /// - Parameters:
  ///   - assignments: one class per data row, in file order (typically from a
  ///     ``CSVIndex`` of the same file).
  ///   - outputs: the files to write; several may share a class (test rows and answers).
  /// - Returns: the number of data rows written to each output, in `outputs` order.
  /// - Throws: ``DojoError`` `.invalidArgument` for an unknown column or an assignment
  ///   count that differs from the file's row count (the file changed since it was
  ///   indexed), or any reader or writer error. Unfinished outputs are removed on error.
  @discardableResult
  public static func write(
    source: URL, assignments: [UInt8], outputs: [SplitOutput],
    options: CSVReader.Options = .init()
  ) throws -> [Int] {
    let reader = try CSVReader(url: source, options: options)
    let header = reader.header
    // nil projection: the whole record, verbatim.
    let projections: [[Int]?] = try outputs.map { output in
      switch output.columns {
      case .all: return nil
      case .only(let names): return try CSVIndex.resolve(names, in: header, file: reader.name)
      case .dropping(let names):
        let dropped = Set(try CSVIndex.resolve(names, in: header, file: reader.name))
        let kept = (0..<header.count).filter { !dropped.contains($0) }
        return kept.count == header.count ? nil : kept
      }
    }
    var writers: [CSVWriter] = []
    do {
      for output in outputs { writers.append(try CSVWriter(url: output.url)) }
      for (k, writer) in writers.enumerated() {
        if let columns = projections[k] {
          try writer.writeRawFields(columns.map { reader.headerRawFields[$0] })
        } else {
          try reader.headerBytes.withUnsafeBufferPointer { try writer.writeRaw(recordBytes: $0) }
        }
      }
      // Flat routing tables, read through unsafe buffers inside the loop: nested arrays
      // and class references fetched from arrays cost a retain and a release per record.
      var routes: [Int] = []  // output indexes, grouped by class
      var firstRoute = [Int](repeating: 0, count: 257)  // routes of class c: first[c]..<first[c+1]
      for c in 0..<256 {
        firstRoute[c] = routes.count
        for (k, output) in outputs.enumerated() where Int(output.rowClass) == c { routes.append(k) }
      }
      firstRoute[256] = routes.count
      var columns: [Int] = []  // every projection, concatenated
      var firstColumn: [Int] = []  // output k's projection: first[k]..<first[k+1]; -1: verbatim
      for projection in projections {
        firstColumn.append(projection == nil ? -1 : columns.count)
        columns.append(contentsOf: projection ?? [])
      }
      firstColumn.append(columns.count)
      let lastColumn = (0..<outputs.count).map { k in
        projections[k] == nil ? -1 : firstColumn[k] + (projections[k]?.count ?? 0)
      }
      var written = [Int](repeating: 0, count: outputs.count)
      var row = 0
      try assignments.withUnsafeBufferPointer { classes in
        try writers.withUnsafeBufferPointer { writers in
          try routes.withUnsafeBufferPointer { routes in
            try firstRoute.withUnsafeBufferPointer { firstRoute in
              try columns.withUnsafeBufferPointer { columns in
                try written.withUnsafeMutableBufferPointer { written in
                  while let record = try reader.next() {
                    guard row < classes.count else {
                      throw DojoError(
                        .invalidArgument,
                        "\(reader.name):\(record.line): has more rows than the \(classes.count) "
                          + "assigned; the file changed since it was indexed, index it again")
                    }
                    let c = Int(classes[row])
                    for r in firstRoute[c]..<firstRoute[c + 1] {
                      let k = routes[r]
                      let first = firstColumn[k]
                      if first < 0 {
                        try writers[k].writeRaw(record)
                      } else {
                        try writers[k].writeFields(
                          of: record,
                          columns: UnsafeBufferPointer(rebasing: columns[first..<lastColumn[k]]))
                      }
                      written[k] += 1
                    }
                    row += 1
                  }
                }
              }
            }
          }
        }
      }
      guard row == assignments.count else {
        throw DojoError(
          .invalidArgument,
          "\(reader.name): has \(row) rows but \(assignments.count) were assigned; "
            + "the file changed since it was indexed, index it again")
      }
      for writer in writers { try writer.finish() }
      return written
    } catch {
      for writer in writers { writer.discard() }
      throw error
    }
  }
}
