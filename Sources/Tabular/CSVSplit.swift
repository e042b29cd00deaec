internal import DojoCore
public import Foundation
internal import Glibc

/// The first pass of a two-pass split: a file's shape and the values of a few columns,
/// without keeping whole rows in memory.
public struct CSVIndex: Sendable {
  /// The file's name, as errors show it.
  public let name: String
  /// The file indexed.
  let url: URL
  /// The column names.
  public let header: [String]
  /// The number of data rows.
  public let rowCount: Int
  /// The values of each requested column, one per data row, quotes removed.
  public let values: [String: CodedColumn]
  /// What the scan learnt of each key column (see ``scan(_:columns:keys:options:ranges:)``).
  let keys: [String: KeyScan]
  let lines: LineMap
  /// Per data row, the bytes from its start to the next record's start; nil if a span was
  /// not positive (no valid scan gives one). Lets the split copy rows without parsing them
  /// again.
  let spans: RowSpans?
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
      name: name, url: url, header: header, rowCount: rowCount, values: [:], keys: [:],
      lines: lines,
      spans: spans, dataStart: dataStart, identity: identity, options: options)
  }

  /// The values of a requested column, one per row; nil if it was not requested.
  public func values(of column: String) -> CodedColumn? { values[column] }

  /// The 1-based line a data row starts on (the header is line 1).
  public func line(ofRow row: Int) -> Int { lines.line(ofRow: row) }

  /// Reads a file once, keeping its header, row count and the values of `columns`.
  ///
  /// A key column (`keys`) keeps no values: the scan notes its first empty row and whether
  /// its values are canonical integers in increasing order, which proves them unique
  /// without holding them (``firstDuplicate(in:)`` reads the file again only otherwise).
  ///
  /// A large UTF-8 file is cut into byte ranges at line feeds, four per core. Helper threads
  /// scan ranges from the back as if a record started at their cut while the sequential scan
  /// walks from the front (``RangeClaims``); a helper's range is joined only where the
  /// sequential scan reaches its cut exactly (so the cut is a record boundary, and the range
  /// scanned as it would have been). Elsewhere, as at a line feed inside a quoted field or in
  /// a range that met an error, the sequential scan goes on by itself: the index, errors and
  /// line numbers included, is always the sequential one.
  ///
  /// - Parameter ranges: how many ranges to cut, every one after the first scanned by a
  ///   helper (nil: four per core for a file of 8 MB and more, the caller taking those it
  ///   reaches first); for tests.
  /// - Throws: ``DojoError`` `.invalidArgument` naming a column the header lacks, or any
  ///   error of ``CSVReader``.
  public static func scan(
    _ url: URL, columns: [String] = [], keys: [String] = [], options: CSVReader.Options = .init(),
    ranges: Int? = nil
  ) throws -> CSVIndex {
    let reader = try CSVReader(url: url, options: options)
    let indexes = try resolve(columns, in: reader.header, file: reader.name)
    let keyIndexes = try resolve(keys, in: reader.header, file: reader.name)
    let width = reader.header.count
    let size = reader.identity.size
    let plan = RangeClaims<Piece.Box>.Plan(bytes: size - reader.offset, ranges: ranges)
    let wanted = options.encoding == .latin1 ? 1 : plan.ranges
    let cuts =
      wanted > 1 ? try lineStarts(url, from: reader.offset, size: size, ranges: wanted) : []
    let identity = reader.identity
    // Range k (from 1) runs from cuts[k - 1] to the next cut or the file's end.
    let claims = RangeClaims<Piece.Box>(
      ranges: cuts.count + 1, helpers: plan.helpers, name: "dojo-csv-index",
      callerTakes: plan.callerTakes
    ) { k in
      Piece.scan(
        url, options: options, from: cuts[k - 1], stop: k < cuts.count ? cuts[k] : Int.max,
        width: width, indexes: indexes, keyIndexes: keyIndexes, identity: identity
      ).map(Piece.Box.init)
    }
    defer { claims.finish() }
    var piece = Piece(indexes: indexes, keyIndexes: keyIndexes, expectedBytes: size - reader.offset)
    var next = 0  // the next cut to reach
    while let record = try reader.next() {
      while next < cuts.count && record.offset > cuts[next] {
        next += 1
        claims.pass(next)  // a cut inside a record: its range is scanned here
      }
      if next < cuts.count && record.offset == cuts[next] {
        next += 1
        if case .scanned(let joined?) = claims.reach(next) {
          // The range from this record on was scanned alone, exactly as here.
          let (end, endLine) = (joined.piece.end, joined.piece.endLine)
          piece.join(&joined.piece, line: record.line)
          try reader.seek(to: end, line: record.line + endLine - 2)
          continue
        }
        // Not taken by a helper, or its scan gave up: scanned here, on from this record.
      }
      piece.add(record)
    }
    piece.finish(end: reader.endOffset)
    var values: [String: CodedColumn] = [:]
    for (k, column) in columns.enumerated() { values[column] = piece.collected[k].finish() }
    var scans: [String: KeyScan] = [:]
    for (k, column) in keys.enumerated() { scans[column] = piece.keys[k] }
    return CSVIndex(
      name: reader.name, url: url, header: reader.header, rowCount: piece.rows, values: values,
      keys: scans, lines: piece.lines, spans: piece.spans,
      dataStart: piece.dataStart ?? reader.offset,
      identity: reader.identity, options: options)
  }

  /// Offsets just past a line feed near each `k / ranges` of the data bytes, ascending;
  /// fewer where the data has too few lines.
  static func lineStarts(_ url: URL, from: Int, size: Int, ranges: Int) throws -> [Int] {
    let fd = open(url.path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else {
      throw DojoError(.io, "cannot open \(url.path): \(String(cString: strerror(errno)))")
    }
    defer { close(fd) }
    var cuts: [Int] = []
    let window = 1 << 16
    let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: window)
    defer { buffer.deallocate() }
    for k in 1..<ranges {
      var at = max(from + (size - from) * k / ranges, cuts.last ?? from)
      search: while at < size {
        let n = pread(fd, buffer, window, off_t(at))
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { break }
        if let lf = memchr(buffer, Int32(asciiLF), n) {
          let cut = at + (UnsafeMutableRawPointer(buffer).distance(to: lf)) + 1
          if cut < size && cut > (cuts.last ?? from) { cuts.append(cut) }
          break search
        }
        at += n
      }
    }
    return cuts
  }

  /// What a scan collects: the rows' spans, line numbers and requested values. The whole
  /// file's index is one piece; a range scanned on its own thread is another, joined to it.
  struct Piece: Sendable {
    let indexes: [Int]
    var collected: [CodedColumnBuilder]
    let keyIndexes: [Int]
    var keys: [KeyScan]
    var lines = LineMap()
    var rows = 0
    /// Per row but the last, the bytes to the next row; the last's waits for the next
    /// piece's first offset or the file's end. nil if an offset did not advance (no valid
    /// scan gives one).
    var spans: RowSpans? = RowSpans()
    /// The first and last rows' offsets.
    var dataStart: Int?
    var previous = -1
    /// Bytes the piece is expected to cover, to reserve its arrays from the first rows.
    let expectedBytes: Int
    /// For a range: where the scan stopped (the next record's offset, or the file's end)
    /// and its line, counting the range's first record as line 2.
    var end = 0
    var endLine = 2

    init(indexes: [Int], keyIndexes: [Int], expectedBytes: Int) {
      // Copied, not shared: each row retains and releases these arrays, and a buffer shared
      // with the piece on the other core would bounce its reference count's cache line
      // between the cores on every row (most of a scan's time, measured).
      self.indexes = indexes.map { $0 }
      self.collected = [CodedColumnBuilder](repeating: .init(), count: indexes.count)
      self.keyIndexes = keyIndexes.map { $0 }
      self.keys = [KeyScan](repeating: .init(), count: keyIndexes.count)
      self.expectedBytes = expectedBytes
    }

    mutating func add(_ record: CSVRecord) {
      lines.note(row: rows, line: record.line)
      for (k, column) in indexes.enumerated() {
        record.withFieldBytes(column) { collected[k].append(bytes: $0) }
      }
      for (k, column) in keyIndexes.enumerated() {
        let row = rows
        record.withFieldBytes(column) { keys[k].add($0, row: row) }
      }
      noteOffset(record.offset)
      rows += 1
      if rows == 1024, let first = dataStart {
        // Reserve for the whole piece from the first rows' average length, with a margin:
        // growing by doubling would copy the columns and, at its peak, hold them twice.
        // Pages reserved but never filled cost no memory.
        let average = max((record.offset - first) / 1023, 1)
        let estimate = max(expectedBytes, 0) / average * 5 / 4 + 1024
        spans?.reserveCapacity(estimate)
        for k in collected.indices { collected[k].reserveCapacity(estimate) }
      }
    }

    private mutating func noteOffset(_ offset: Int) {
      if previous >= 0 {
        if spans != nil, offset > previous {
          spans?.append(offset - previous)
        } else {
          spans = nil
        }
      } else {
        dataStart = offset
      }
      previous = offset
    }

    /// A piece handed from its thread, emptied as it is joined.
    final class Box: @unchecked Sendable {
      var piece: Piece
      init(_ piece: Piece) { self.piece = piece }
    }

    /// Appends a range's piece, whose first record is on `line` of the file, emptying it
    /// column by column: the copy never holds a range's values twice.
    mutating func join(_ other: inout Piece, line: Int) {
      guard other.rows > 0, let first = other.dataStart else { return }
      noteOffset(first)
      lines.append(other.lines, fromRow: rows, offset: line - rows - 2)
      if spans != nil, let more = other.spans {
        spans?.append(contentsOf: more)
      } else {
        spans = nil
      }
      other.spans = nil
      for k in collected.indices { collected[k].join(&other.collected[k]) }
      for k in keys.indices { keys[k].join(other.keys[k], rows: rows) }
      rows += other.rows
      previous = other.previous
    }

    /// The last row's span, to `end` (the file's end).
    mutating func finish(end: Int) {
      if previous >= 0 { noteOffset(end) }
    }

    /// Scans the records that start in `from..<stop` on their own, `from` taken to be a
    /// record's start; nil when one is malformed (the sequential scan will say so).
    static func scan(
      _ url: URL, options: CSVReader.Options, from: Int, stop: Int, width: Int, indexes: [Int],
      keyIndexes: [Int], identity: FileIdentity
    ) -> Piece? {
      do {
        let reader = try CSVReader(
          url: url, options: options, offset: from, line: 2, width: width)
        guard reader.identity == identity else { return nil }
        var piece = Piece(
          indexes: indexes, keyIndexes: keyIndexes, expectedBytes: min(stop, identity.size) - from)
        while let record = try reader.next() {
          if record.offset >= stop {
            piece.end = record.offset
            piece.endLine = record.line
            return piece
          }
          piece.add(record)
        }
        piece.end = reader.endOffset
        piece.endLine = reader.nextLine
        return piece
      } catch {
        return nil
      }
    }
  }

  /// The first row (in file order) whose value in `column` repeats an earlier row's, as
  /// (row, the first row with that value, the value), or nil when every value is unique.
  ///
  /// A key column proven unique by its scan (increasing canonical integers) costs nothing;
  /// any other key column is read again by ``DuplicateSearch``, whose memory stays flat in
  /// the row count. A column kept with its values is checked in memory.
  ///
  /// - Parameter rowsInMemory: past this many rows, a key column's hashes are sorted in
  ///   partitions on disk; for tests.
  /// - Throws: ``DojoError`` `.invalidArgument` for a column neither kept nor a key, or
  ///   any error of reading the file again (`.invalidData` if it changed since the scan).
  public func firstDuplicate(in column: String, rowsInMemory: Int = 1_000_000) throws -> (
    row: Int, earlierRow: Int, value: String
  )? {
    if let scan = keys[column] {
      if scan.increasing { return nil }
      guard let field = header.firstIndex(of: column) else { return nil }
      return try DuplicateSearch(
        url: url, name: name, options: options, identity: identity, field: field,
        rowCount: rowCount, rowsInMemory: max(rowsInMemory, 1)
      ).first()
    }
    guard let values = values[column] else {
      throw DojoError(.invalidArgument, "\(name): column \"\(column)\" was not indexed")
    }
    var first: [String: Int] = [:]
    for row in values.indices {
      let value = values[row]
      if let earlier = first[value] { return (row, earlier, value) }
      first[value] = row
    }
    return nil
  }

  /// The first row whose value in `column` is empty, or nil; the column must be a key or
  /// kept with its values (nil otherwise).
  public func firstEmpty(in column: String) -> Int? {
    if let scan = keys[column] { return scan.firstEmpty }
    return values[column]?.firstIndex(where: \.isEmpty)
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
    try write(
      source: source, assignments: assignments, outputs: outputs, index: index,
      options: options, hashing: false
    ).map(\.rows)
  }

  /// One output as written: its data rows, and with `hashing`, its bytes' SHA-256 and size.
  public struct Written: Sendable {
    public var rows: Int
    public var sha256: String?
    public var size: Int?
  }

  /// ``write(source:assignments:outputs:index:options:)``, also hashing each output as it is
  /// written when `hashing` is set (each on a thread of its own, overlapping the copy), so
  /// the outputs need not be read again to be checksummed.
  public static func write(
    source: URL, assignments: [UInt8], outputs: [SplitOutput], index: CSVIndex?,
    options: CSVReader.Options = .init(), hashing: Bool
  ) throws -> [Written] {
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
      for output in outputs { writers.append(try CSVWriter(url: output.url, hashing: hashing)) }
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
      return zip(written, writers).map {
        Written(rows: $0, sha256: $1.digest?.sha256, size: $1.digest?.size)
      }
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
    reader: CSVReader, index: CSVIndex, spans table: RowSpans, assignments: [UInt8],
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
      try table.short.withUnsafeBufferPointer { spans in
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
                let span = table.span(row, stored: spans[row])
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
/// Each data row's length in bytes, from its start to the next record's start (blank lines
/// and terminators included): 2 bytes a row, since rows are nearly always shorter than
/// 64 KiB; a longer row stores 0 and its length in a side table.
struct RowSpans: Sendable, Equatable {
  private(set) var short: [UInt16] = []
  private(set) var long: [Int: Int] = [:]

  var count: Int { short.count }

  mutating func reserveCapacity(_ n: Int) { short.reserveCapacity(n) }

  /// Appends the next row's span (at least 1 byte).
  mutating func append(_ span: Int) {
    if span <= Int(UInt16.max) {
      short.append(UInt16(span))
    } else {
      long[short.count] = span
      short.append(0)
    }
  }

  mutating func append(contentsOf other: RowSpans) {
    let base = short.count
    short.append(contentsOf: other.short)
    for (row, span) in other.long { long[base + row] = span }
  }

  /// The span of `row`, whose short entry is `stored`.
  @inline(__always)
  func span(_ row: Int, stored: UInt16) -> Int {
    stored != 0 ? Int(stored) : long[row] ?? 0
  }
}
