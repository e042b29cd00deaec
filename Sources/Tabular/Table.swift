internal import DojoCore
public import Foundation
internal import Glibc

/// A whole CSV file read into memory, with typed access to its fields.
///
/// This is the random-access side of the tabular engine, used by grading (two files joined
/// by id) and by splits that need a column's values. Fields are addressed by row (0-based,
/// header excluded) and column index.
///
/// The file is held as one contiguous byte buffer plus the start offset of every field;
/// strings and numbers are made from the bytes only when asked for, so reading a file costs
/// one pass over it and about 4 bytes per field on top of its size. Files of 4 GiB or more
/// are refused (stream them with ``CSVReader`` instead). Blank lines are skipped.
public struct Table: Sendable {
  /// The column names, in file order, BOM stripped.
  public let header: [String]
  /// Where the table came from, for error messages.
  public let name: String
  /// The number of data rows (the header excluded).
  public let rowCount: Int
  let storage: TableStorage

  /// The index of a column by exact name (the first, if the name repeats).
  public func index(of column: String) -> Int? { header.firstIndex(of: column) }

  /// The 1-based line of the file a data row starts on (the header is line 1); lines inside
  /// quoted fields and blank lines are counted.
  public func line(ofRow row: Int) -> Int { storage.lines.line(ofRow: row) }

  /// A field as text, exactly as it stood in the file (quotes removed).
  public func string(row: Int, column: Int) -> String {
    let (s, e) = storage.bounds(row: row, column: column)
    return FieldBytes.string(UnsafePointer(storage.bytes), s, e)
  }

  /// A field as a number: nil if it is empty or does not parse. `nan`, `inf` parse as such;
  /// surrounding spaces and tabs are tolerated. Agrees with `Double(String)` otherwise.
  public func double(row: Int, column: Int) -> Double? {
    storage.double(row: row, column: column)
  }

  /// Calls `body` with consecutive blocks of `rows` (up to `blockRows` each, in order) and
  /// the blocks' cells in `columns` as numbers, row-major in `columns`' order, NaN where a
  /// cell is not a number (as ``double(row:column:)`` reads them). The buffer is valid only
  /// during the call. The bounds are checked once for the whole range, and the cells are
  /// parsed in one tight loop a block at a time: a wide numeric submission is read without
  /// a check, a lookup or a call per cell.
  public func forEachBlockOfNumbers(
    rows: Range<Int>, columns: [Int], blockRows: Int = 1024,
    _ body: (_ rows: Range<Int>, _ numbers: UnsafeBufferPointer<Double>) -> Void
  ) {
    storage.forEachBlockOfNumbers(rows: rows, columns: columns, blockRows: blockRows, body)
  }

  /// Calls `body` with a field's bytes (UTF-8, quotes removed, `""` decoded). The buffer is
  /// valid only during the call; it is copied only for fields holding doubled quotes.
  public func withFieldBytes<R>(
    row: Int, column: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R
  ) rethrows -> R {
    let (s, e) = storage.bounds(row: row, column: column)
    return try FieldBytes.with(UnsafePointer(storage.bytes), s, e, body)
  }

  /// Every value of a column as text.
  public func strings(column: Int) -> [String] {
    (0..<rowCount).map { string(row: $0, column: column) }
  }

  /// Every value of a column as a number.
  ///
  /// - Throws: ``DojoError`` `.invalidData` naming the file, line, column and value of the
  ///   first field that is empty or not a number (`nan` and `inf` are numbers here).
  public func doubles(column: Int) throws -> [Double] {
    var bad = -1
    // Filled in place, without zeroing first: every page of a large column is touched once.
    let out = [Double](unsafeUninitializedCapacity: rowCount) { buffer, count in
      for row in 0..<rowCount {
        guard let value = storage.double(row: row, column: column) else {
          bad = row
          count = 0
          return
        }
        buffer.initializeElement(at: row, to: value)
      }
      count = rowCount
    }
    if bad >= 0 {
      let text = string(row: bad, column: column)
      throw DojoError(
        .invalidData,
        "\(name):\(line(ofRow: bad)): column \"\(header[column])\": "
          + (text.isEmpty ? "is empty" : "\"\(text.prefix(80))\" is not a number")
          + "; every value of this column must be a number")
    }
    return out
  }

  /// A map from each value of a key column to its row, for joining two tables by id.
  ///
  /// - Throws: ``DojoError`` `.invalidData` naming the file, the column, the value and both
  ///   lines when a key appears twice.
  public func rowIndexByKey(column: Int) throws -> [String: Int] {
    var index: [String: Int] = [:]
    index.reserveCapacity(rowCount)
    for row in 0..<rowCount {
      let key = string(row: row, column: column)
      if let first = index.updateValue(row, forKey: key) {
        throw DojoError(
          .invalidData,
          "\(name):\(line(ofRow: row)): column \"\(header[column])\": \"\(key.prefix(80))\" "
            + "repeats the value of line \(line(ofRow: first)); each value must appear once")
      }
    }
    return index
  }

  /// Reads a CSV file whole.
  ///
  /// - Parameter encoding: how the file's text is encoded; Latin-1 is transcoded to UTF-8.
  /// - Throws: ``DojoError`` `.invalidData` naming the file and line for ragged rows,
  ///   unterminated quotes or non-UTF-8 bytes; `.notFound` if the file is missing.
  public static func read(_ url: URL, encoding: CSVEncoding = .utf8) throws -> Table {
    try read(url, encoding: encoding) { _ in }
  }

  /// Reads a CSV file whole, first showing its bytes to `inspect`, which may refuse them by
  /// throwing (a submission that is blank or binary) before any is indexed: the bytes are
  /// read once, into the table's own buffer.
  public static func read(
    _ url: URL, encoding: CSVEncoding = .utf8,
    inspect: (UnsafeBufferPointer<UInt8>) throws -> Void
  ) throws -> Table {
    let name = url.lastPathComponent
    let fd = open(url.path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else {
      if errno == ENOENT { throw DojoError(.notFound, "\(url.path): no such file") }
      throw DojoError(.io, "cannot open \(url.path): \(String(cString: strerror(errno)))")
    }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else {
      throw DojoError(.io, "cannot read \(url.path): \(String(cString: strerror(errno)))")
    }
    if (info.st_mode & S_IFMT) == S_IFDIR {
      throw DojoError(.invalidArgument, "\(url.path) is a folder; expected a CSV file")
    }
    var capacity = max(Int(info.st_size), 0) + 1
    var buffer = PageBuffer.allocate(capacity)
    var count = 0
    while true {
      if count == capacity {
        // The file grew while being read (or is a pipe): double the buffer.
        let bigger = PageBuffer.allocate(capacity * 2)
        bigger.update(from: buffer, count: count)
        PageBuffer.deallocate(buffer, capacity)
        buffer = bigger
        capacity *= 2
      }
      let n = Glibc.read(fd, buffer + count, capacity - count)
      if n < 0 {
        if errno == EINTR { continue }
        let reason = String(cString: strerror(errno))
        PageBuffer.deallocate(buffer, capacity)
        throw DojoError(.io, "cannot read \(url.path): \(reason)")
      }
      if n == 0 { break }
      count += n
    }
    do {
      try inspect(UnsafeBufferPointer(start: buffer, count: count))
    } catch {
      PageBuffer.deallocate(buffer, capacity)
      throw error
    }
    return try build(
      buffer: buffer, capacity: capacity, count: count, name: name, encoding: encoding,
      ranges: nil)
  }

  /// Parses CSV bytes; `name` is used in error messages.
  public static func parse(_ data: Data, name: String, encoding: CSVEncoding = .utf8) throws
    -> Table
  {
    try parse(data, name: name, encoding: encoding, ranges: nil)
  }

  /// Parses CSV bytes in `ranges` byte ranges (nil: one per core for large inputs); tests
  /// force several ranges on small inputs to compare them with one.
  static func parse(_ data: Data, name: String, encoding: CSVEncoding, ranges: Int?) throws
    -> Table
  {
    let capacity = max(data.count, 1)
    let buffer = PageBuffer.allocate(capacity)
    data.withUnsafeBytes { raw in
      if let src = raw.bindMemory(to: UInt8.self).baseAddress {
        buffer.update(from: src, count: data.count)
      }
    }
    return try build(
      buffer: buffer, capacity: capacity, count: data.count, name: name, encoding: encoding,
      ranges: ranges)
  }

  /// Indexes a buffer it takes ownership of (it is freed on error too).
  private static func build(
    buffer: UnsafeMutablePointer<UInt8>, capacity: Int, count: Int, name: String,
    encoding: CSVEncoding, ranges: Int?
  ) throws -> Table {
    var buffer = buffer
    var capacity = capacity
    var count = count
    if encoding == .latin1 {
      var high = 0
      for i in 0..<count where buffer[i] >= 0x80 { high += 1 }
      let wide = PageBuffer.allocate(max(count + high, 1))
      wide.update(from: buffer, count: count)
      Latin1.expand(wide, count, high)
      PageBuffer.deallocate(buffer, capacity)
      buffer = wide
      capacity = max(count + high, 1)
      count += high
    }
    let storage = TableStorage(bytes: buffer, capacity: capacity, count: count)
    guard count < Int(UInt32.max) else {
      throw DojoError(
        .unsupported, "\(name): is 4 GiB or larger, too big to load whole; split it first")
    }
    let base = UnsafePointer(buffer)
    var pos = 0
    if count >= 3 && base[0] == 0xEF && base[1] == 0xBB && base[2] == 0xBF { pos = 3 }
    var scanner = RecordScanner()
    defer { scanner.deallocate() }
    var line = 1
    var width = -1
    var header: [String] = []
    var recordBytes = 1
    // The header: the first record after any blank lines.
    if try scanner.nextRecord(base, count: count, stop: count, pos: &pos, line: &line, name: name) {
      width = scanner.count
      header = (0..<width).map { FieldBytes.string(base, scanner.starts[$0], scanner.ends[$0]) }
      // Sized from the header record's length: a first guess that avoids most regrowth.
      recordBytes = max(scanner.next - pos, 1)
      storage.reserve(rows: count / recordBytes + 16, width: width)
      storage.append(scanner)
      line += 1 + scanner.innerNewlines
      pos = scanner.next
    }
    guard width > 0 else {
      throw DojoError(.invalidData, "\(name): is empty; expected a header line")
    }
    var lines = LineMap()
    let rows = try RangeParse.rows(
      base, count: count, from: pos, line: line, width: width, recordBytes: recordBytes,
      storage: storage, lines: &lines, name: name, ranges: ranges)
    storage.lines = lines
    return Table(header: header, name: name, rowCount: rows, storage: storage)
  }
}

/// The bytes and field offsets behind a ``Table``.
///
/// `@unchecked Sendable`: every property is set while the table is built, before the
/// storage is shared, and only read afterwards. Offsets are 32-bit (files are < 4 GiB) in
/// manually grown buffers, so building the index costs no per-field array bookkeeping.
final class TableStorage: @unchecked Sendable {
  let bytes: UnsafeMutablePointer<UInt8>
  let capacity: Int
  let count: Int
  /// The raw start of every field, header record first, row-major.
  private var fieldStarts: UnsafeMutablePointer<UInt32>
  /// The end (before the terminator) of every record, header first.
  private var recordEnds: UnsafeMutablePointer<UInt32>
  private var rowCapacity = 0
  private var records = 0
  private(set) var width = 0
  var lines = LineMap()

  /// Whether `bytes` is this storage's to free: a range parsed on another thread indexes
  /// bytes its table owns.
  private let ownsBytes: Bool

  init(bytes: UnsafeMutablePointer<UInt8>, capacity: Int, count: Int, ownsBytes: Bool = true) {
    self.bytes = bytes
    self.capacity = capacity
    self.count = count
    self.ownsBytes = ownsBytes
    fieldStarts = .allocate(capacity: 0)
    recordEnds = .allocate(capacity: 0)
  }

  deinit {
    if ownsBytes { PageBuffer.deallocate(bytes, capacity) }
    fieldStarts.deallocate()
    recordEnds.deallocate()
  }

  /// Sets the width and room for `rows` records.
  func reserve(rows: Int, width: Int) {
    self.width = width
    resize(rows)
  }

  private func resize(_ rows: Int) {
    let starts = UnsafeMutablePointer<UInt32>.allocate(capacity: rows * width)
    let ends = UnsafeMutablePointer<UInt32>.allocate(capacity: rows)
    HugePages.advise(starts, bytes: rows * width * 4)
    HugePages.advise(ends, bytes: rows * 4)
    starts.update(from: fieldStarts, count: records * width)
    ends.update(from: recordEnds, count: records)
    fieldStarts.deallocate()
    recordEnds.deallocate()
    fieldStarts = starts
    recordEnds = ends
    rowCapacity = rows
  }

  /// Appends the record the scanner just found (which has `width` fields).
  @inline(__always)
  func append(_ scanner: RecordScanner) {
    if records == rowCapacity { resize(rowCapacity * 2) }
    let row = fieldStarts + records * width
    for i in 0..<width { row[i] = UInt32(truncatingIfNeeded: scanner.starts[i]) }
    recordEnds[records] = UInt32(truncatingIfNeeded: scanner.recordEnd)
    records += 1
  }

  /// The number of records appended so far (the header included, in a table's storage).
  var recordCount: Int { records }

  /// Appends every record of `other` (of the same width, over the same bytes).
  func append(contentsOf other: TableStorage) {
    guard other.records > 0 else { return }
    if records + other.records > rowCapacity { resize(records + other.records) }
    (fieldStarts + records * width).update(from: other.fieldStarts, count: other.records * width)
    (recordEnds + records).update(from: other.recordEnds, count: other.records)
    records += other.records
  }

  /// The raw bounds (quotes included) of a data field.
  @inline(__always)
  func bounds(row: Int, column: Int) -> (Int, Int) {
    precondition(column >= 0 && column < width, "column \(column) out of range")
    precondition(row >= 0 && row + 1 < records, "row \(row) out of range")
    let record = row + 1
    let i = record * width + column
    let start = Int(fieldStarts[i])
    let end = column + 1 < width ? Int(fieldStarts[i + 1]) - 1 : Int(recordEnds[record])
    return (start, end)
  }

  /// A data field as a number, nil when it is not one: a plain decimal a word at a time,
  /// anything else (quoted, spaced, an exponent) by ``CSVNumber/double(_:)``.
  @inline(__always)
  func double(row: Int, column: Int) -> Double? {
    let (s, e) = bounds(row: row, column: column)
    return Self.double(UnsafePointer(bytes), s, e, readable: capacity)
  }

  @inline(__always)
  private static func double(_ base: UnsafePointer<UInt8>, _ s: Int, _ e: Int, readable: Int)
    -> Double?
  {
    if let value = WordDecimal.double(base, s, e, readable: readable) { return value }
    return otherDouble(base, s, e)
  }

  /// Every field that is not a plain decimal: kept out of line, so that the loops above stay
  /// small enough for their values to live in registers.
  @inline(never)
  private static func otherDouble(_ base: UnsafePointer<UInt8>, _ s: Int, _ e: Int) -> Double? {
    FieldBytes.with(base, s, e) { CSVNumber.double($0) }
  }

  /// Calls `body` with consecutive blocks of `rows` and their numbers in `columns`, row-major
  /// (NaN where a cell is not a number). The rows and columns are checked once, not per cell.
  func forEachBlockOfNumbers(
    rows: Range<Int>, columns: [Int], blockRows: Int,
    _ body: (Range<Int>, UnsafeBufferPointer<Double>) -> Void
  ) {
    let width = self.width
    precondition(columns.allSatisfy { $0 >= 0 && $0 < width }, "column out of range")
    precondition(rows.lowerBound >= 0 && rows.upperBound + 1 <= records, "rows out of range")
    let w = columns.count
    // No bigger than the rows asked for: a caller's large block size allocates no more.
    let block = max(1, min(blockRows, rows.count))
    let values = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(block * w, 1))
    defer { values.deallocate() }
    let base = UnsafePointer(bytes)
    let readable = capacity
    columns.withUnsafeBufferPointer { columns in
      var from = rows.lowerBound
      while from < rows.upperBound {
        let to = min(from + block, rows.upperBound)
        var out = values.baseAddress!
        for row in from..<to {
          let record = row + 1
          let starts = fieldStarts + record * width
          for k in 0..<w {
            let column = columns[k]
            let start = Int(starts[column])
            let end =
              column + 1 < width ? Int(starts[column + 1]) - 1 : Int(recordEnds[record])
            out[k] = Self.double(base, start, end, readable: readable) ?? .nan
          }
          out += w
        }
        body(from..<to, UnsafeBufferPointer(values).extracting(0..<(to - from) * w))
        from = to
      }
    }
  }
}

/// Memory for a whole file's bytes. Large buffers are mapped anonymously with transparent
/// huge pages requested: a file of hundreds of megabytes then costs hundreds of page faults
/// instead of tens of thousands. (The file itself is read, not mapped, so a file truncated
/// while in use cannot crash the process with SIGBUS.)
enum PageBuffer {
  static let threshold = 8 << 20

  static func allocate(_ count: Int) -> UnsafeMutablePointer<UInt8> {
    guard count >= threshold else { return .allocate(capacity: count) }
    let p = mmap(nil, count, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
    guard let p, p != MAP_FAILED else {
      fatalError("out of memory: cannot map \(count) bytes")
    }
    _ = madvise(p, count, MADV_HUGEPAGE)
    return p.assumingMemoryBound(to: UInt8.self)
  }

  static func deallocate(_ p: UnsafeMutablePointer<UInt8>, _ count: Int) {
    if count >= threshold {
      munmap(p, count)
    } else {
      p.deallocate()
    }
  }
}

/// The error for a record whose field count differs from the header's.
func raggedRow(name: String, line: Int, count: Int, width: Int) -> DojoError {
  DojoError(
    .invalidData,
    "\(name):\(line): has \(count) field\(count == 1 ? "" : "s") but the header has \(width); "
      + "fix the row (a field with a comma must be quoted)")
}

/// The error for bytes that are not UTF-8.
func notUTF8(name: String, line: Int, byte: UInt8) -> DojoError {
  DojoError(
    .invalidData,
    "\(name):\(line): byte 0x\(String(byte, radix: 16, uppercase: true)) is not UTF-8; "
      + "convert the file to UTF-8 or read it as Latin-1")
}
