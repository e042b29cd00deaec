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
  /// Per data row, the bytes from its start to the next record's start (blank lines and
  /// terminators included); nil if a span did not fit in 32 bits. Lets the split copy rows
  /// without parsing them again.
  let spans: [UInt32]?
  /// The file offset of the first data row.
  let dataStart: Int
  /// The file as it was indexed; a split checks it has not changed since.
  let identity: FileIdentity
  /// The reader options the index was made with (spans are in their decoded bytes).
  let options: CSVReader.Options

  /// The same index without its column values: what a split's copy pass needs (spans, line
  /// numbers), so a caller done with the values can free them before copying.
  public func droppingValues() -> CSVIndex {
    CSVIndex(
      name: name, header: header, rowCount: rowCount, values: [:], lines: lines, spans: spans,
      dataStart: dataStart, identity: identity, options: options)
  }

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
    var spans: [UInt32]? = []
    var dataStart = reader.offset
    var previous = -1
    while let record = try reader.next() {
      lines.note(row: row, line: record.line)
      for (k, column) in indexes.enumerated() { collected[k].append(record.string(column)) }
      if previous >= 0 {
        spans?.append(UInt32(exactly: record.offset - previous) ?? 0)
      } else {
        dataStart = record.offset
      }
      previous = record.offset
      row += 1
      if row == 1024 {
        // Reserve for the whole file from the first rows' average length, with a margin:
        // growing by doubling would copy the columns and, at its peak, hold them twice.
        // Pages reserved but never filled cost no memory.
        let average = max((record.offset - dataStart) / 1023, 1)
        let estimate = max(reader.identity.size - dataStart, 0) / average * 5 / 4 + 1024
        spans?.reserveCapacity(estimate)
        for k in collected.indices { collected[k].reserveCapacity(estimate) }
      }
    }
    if previous >= 0 { spans?.append(UInt32(exactly: reader.endOffset - previous) ?? 0) }
    if spans?.contains(0) == true { spans = nil }
    var values: [String: [String]] = [:]
    for (k, column) in columns.enumerated() { values[column] = collected[k] }
    return CSVIndex(
      name: reader.name, header: reader.header, rowCount: row, values: values, lines: lines,
      spans: spans, dataStart: dataStart, identity: reader.identity, options: options)
  }

  /// The first row whose value in `column` repeats an earlier row's, as (row, earlier row),
  /// or nil when every value is unique (or the column was not requested).
  ///
  /// For checking an id column of millions of rows: an open-addressing table of row
  /// numbers (4 bytes a slot) hashed from the values' bytes, rather than a `Set<String>`.
  public func firstDuplicate(in column: String) -> (row: Int, earlierRow: Int)? {
    guard let values = values[column], values.count < Int(UInt32.max) else { return nil }
    var size = 16
    while size < values.count + values.count / 2 { size <<= 1 }
    let mask = size - 1
    var slots = [UInt32](repeating: UInt32.max, count: size)
    return slots.withUnsafeMutableBufferPointer { slots in
      for row in values.indices {
        var value = values[row]
        var i = value.withUTF8 { Int(truncatingIfNeeded: KeyIndex.hash($0)) } & mask
        while slots[i] != UInt32.max {
          let other = Int(slots[i])
          if values[other] == values[row] { return (row, other) }
          i = (i + 1) & mask
        }
        slots[i] = UInt32(row)
      }
      return nil
    }
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
  /// Further classes whose rows it also receives (test rows that are shown but not scored).
  public var alsoRowClasses: [UInt8]

  /// An output receiving the rows of `rowClass` (and of `also`), with `columns` of each.
  public init(url: URL, rowClass: UInt8, also: [UInt8] = [], columns: Columns = .all) {
    self.url = url
    self.rowClass = rowClass
    self.columns = columns
    self.alsoRowClasses = also
  }

  func receives(_ c: Int) -> Bool {
    Int(rowClass) == c || alsoRowClasses.contains { Int($0) == c }
  }
}

/// The second pass of a two-pass split: streams a file once and copies each row to the
/// outputs of its class.
///
/// Fields are copied as bytes, never parsed and re-printed, so numbers keep their exact
/// spelling and quoted fields their quoting. Records end in LF in every output (a CRLF
/// source is normalised). Each output has the projected header as its first line.
public enum CSVSplitter {
  /// A row in no output. Any `UInt8` works as a class; one no output asks for is dropped.
  public static let drop: UInt8 = 0
  /// The conventional class of training rows.
  public static let train: UInt8 = 1
  /// The conventional class of held-out rows.
  public static let test: UInt8 = 2

  /// Writes the outputs.
  ///
  /// - Parameters:
  ///   - assignments: one class per data row, in file order (typically from a
  ///     ``CSVIndex`` of the same file).
  ///   - outputs: the files to write; several may share a class (test rows and answers).
  ///   - index: the ``CSVIndex`` of `source` from the first pass, if at hand: rows that go
  ///     to whole-record outputs are then copied by the byte spans it measured, in runs,
  ///     without being parsed again (the file's size and modification time must be
  ///     unchanged). Without it every record is parsed again.
  ///   - options: how to read `source` (ignored when `index` is given: its options apply).
  /// - Returns: the number of data rows written to each output, in `outputs` order.
  /// - Throws: ``DojoError`` `.invalidArgument` for an unknown column or an assignment
  ///   count that differs from the file's row count (the file changed since it was
  ///   indexed), or any reader or writer error. Unfinished outputs are removed on error.
  @discardableResult
  public static func write(
    source: URL, assignments: [UInt8], outputs: [SplitOutput], index: CSVIndex? = nil,
    options: CSVReader.Options = .init()
  ) throws -> [Int] {
    let reader = try CSVReader(url: source, options: index?.options ?? options)
    if let index {
      guard index.identity == reader.identity, index.header == reader.header else {
        throw DojoError(
          .conflict,
          "\(reader.name): changed since it was indexed; index it again and redo the split")
      }
      guard index.rowCount == assignments.count else {
        throw DojoError(
          .invalidArgument,
          "\(reader.name): has \(index.rowCount) rows but \(assignments.count) were assigned; "
            + "assign a class to every row")
      }
    }
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
      let routing = Routing(outputs: outputs, projections: projections)
      let written: [Int]
      if let index, let spans = index.spans {
        written = try copyBySpans(
          reader: reader, index: index, spans: spans, assignments: assignments,
          routing: routing, writers: writers)
      } else {
        written = try copyParsing(
          reader: reader, assignments: assignments, routing: routing, writers: writers)
      }
      for writer in writers { try writer.finish() }
      return written
    } catch {
      for writer in writers { writer.discard() }
      throw error
    }
  }

  /// Which outputs each class goes to and with which columns, as flat tables: nested
  /// arrays and class references fetched from arrays cost a retain and a release per record.
  struct Routing {
    /// Output indexes, grouped by class: class c's are `routes[first[c]..<first[c + 1]]`.
    var routes: [Int] = []
    var first = [Int](repeating: 0, count: 257)
    /// Every projection, concatenated; output k's is `columns[from[k]..<to[k]]`, and
    /// `from[k] < 0` means the whole record verbatim.
    var columns: [Int] = []
    var from: [Int] = []
    var to: [Int] = []
    /// Whether class c has outputs and all of them take whole records.
    var verbatimOnly = [Bool](repeating: false, count: 256)

    init(outputs: [SplitOutput], projections: [[Int]?]) {
      for c in 0..<256 {
        first[c] = routes.count
        for (k, output) in outputs.enumerated() where output.receives(c) { routes.append(k) }
        verbatimOnly[c] =
          routes.count > first[c] && routes[first[c]...].allSatisfy { projections[$0] == nil }
      }
      first[256] = routes.count
      for projection in projections {
        from.append(projection == nil ? -1 : columns.count)
        columns.append(contentsOf: projection ?? [])
        to.append(columns.count)
      }
    }

    /// Writes one parsed record to the outputs of class `c`.
    @inline(__always)
    func emit(
      _ record: CSVRecord, class c: Int, writers: UnsafeBufferPointer<CSVWriter>,
      columns: UnsafeBufferPointer<Int>, written: UnsafeMutableBufferPointer<Int>
    ) throws {
      for r in first[c]..<first[c + 1] {
        let k = routes[r]
        if from[k] < 0 {
          try writers[k].writeRaw(record)
        } else {
          try writers[k].writeFields(
            of: record, columns: UnsafeBufferPointer(rebasing: columns[from[k]..<to[k]]))
        }
        written[k] += 1
      }
    }
  }

  /// The second pass without an index: every record is parsed.
  private static func copyParsing(
    reader: CSVReader, assignments: [UInt8], routing: Routing, writers: [CSVWriter]
  ) throws -> [Int] {
    var written = [Int](repeating: 0, count: writers.count)
    var row = 0
    try assignments.withUnsafeBufferPointer { classes in
      try writers.withUnsafeBufferPointer { writers in
        try routing.columns.withUnsafeBufferPointer { columns in
          try written.withUnsafeMutableBufferPointer { written in
            while let record = try reader.next() {
              guard row < classes.count else {
                throw DojoError(
                  .invalidArgument,
                  "\(reader.name):\(record.line): has more rows than the \(classes.count) "
                    + "assigned; the file changed since it was indexed, index it again")
              }
              try routing.emit(
                record, class: Int(classes[row]), writers: writers, columns: columns,
                written: written)
              row += 1
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
    return written
  }

  /// The second pass with an index: consecutive rows of one class whose outputs all take
  /// whole records, each ending in a single LF, are copied as one run of bytes; other rows
  /// are parsed within their known span.
  private static func copyBySpans(
    reader: CSVReader, index: CSVIndex, spans: [UInt32], assignments: [UInt8],
    routing: Routing, writers: [CSVWriter]
  ) throws -> [Int] {
    let changed = DojoError(
      .conflict, "\(reader.name): changed while being split; index it again and redo the split")
    var written = [Int](repeating: 0, count: writers.count)
    var scanner = RecordScanner()
    defer { scanner.deallocate() }
    let skip = index.dataStart - reader.offset
    guard skip >= 0, try reader.ensure(skip) else { throw changed }
    reader.advance(skip)
    let width = index.header.count
    try assignments.withUnsafeBufferPointer { classes in
      try spans.withUnsafeBufferPointer { spans in
        try writers.withUnsafeBufferPointer { writers in
          try routing.columns.withUnsafeBufferPointer { columns in
            try written.withUnsafeMutableBufferPointer { written in
              // The pending run: bytes at `runStart` of `runRows` rows of class `runClass`.
              var runStart = reader.cursor
              var runLength = 0
              var runRows = 0
              var runClass = 0
              func flush() throws {
                guard runRows > 0 else { return }
                let bytes = UnsafeBufferPointer(start: runStart, count: runLength)
                for r in routing.first[runClass]..<routing.first[runClass + 1] {
                  let k = routing.routes[r]
                  try writers[k].writeVerbatim(bytes, records: runRows)
                  written[k] += runRows
                }
                runRows = 0
                runLength = 0
              }
              for row in 0..<spans.count {
                let span = Int(spans[row])
                let c = Int(classes[row])
                if reader.available < span {
                  try flush()
                  guard try reader.ensure(span) else { throw changed }
                }
                let p = reader.cursor
                if routing.first[c] == routing.first[c + 1] {
                  try flush()
                } else if routing.verbatimOnly[c] && span >= 2 && p[span - 1] == asciiLF
                  && p[span - 2] != asciiLF && p[span - 2] != asciiCR
                {
                  if runRows > 0 && runClass == c {
                    runLength += span
                    runRows += 1
                  } else {
                    try flush()
                    runStart = p
                    runLength = span
                    runRows = 1
                    runClass = c
                  }
                } else {
                  try flush()
                  guard scanner.scan(p, from: 0, limit: span, atEOF: true) == .record,
                    scanner.count == width
                  else { throw changed }
                  let record = CSVRecord(
                    line: index.line(ofRow: row), base: p, starts: scanner.starts,
                    ends: scanner.ends, start: 0, end: scanner.recordEnd, count: width,
                    offset: reader.offset)
                  try routing.emit(
                    record, class: c, writers: writers, columns: columns, written: written)
                }
                reader.advance(span)
              }
              try flush()
            }
          }
        }
      }
    }
    guard try !reader.ensure(1) else { throw changed }
    return written
  }
}
