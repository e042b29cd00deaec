internal import DojoCore
public import Foundation
internal import Glibc

/// The text encoding of a CSV file.
public enum CSVEncoding: String, Sendable, CaseIterable {
  /// UTF-8 (a leading byte-order mark is dropped). Invalid bytes are an error naming the line.
  case utf8 = "utf-8"
  /// ISO 8859-1: every byte is a character; the text is transcoded to UTF-8 as it is read.
  case latin1 = "latin-1"

  /// Parses a user's spelling (`utf-8`, `utf8`, `latin-1`, `latin1`, `iso-8859-1`).
  public init?(name: String) {
    switch name.lowercased() {
    case "utf-8", "utf8": self = .utf8
    case "latin-1", "latin1", "iso-8859-1", "iso8859-1": self = .latin1
    default: return nil
    }
  }
}

/// A file's size and modification time, to tell whether it changed between two passes.
struct FileIdentity: Sendable, Equatable {
  var size: Int
  var seconds: Int
  var nanoseconds: Int
}

/// Latin-1 to UTF-8: bytes below 0x80 stay, the others become two bytes.
enum Latin1 {
  /// Transcodes in place, back to front: `p` holds `n` Latin-1 bytes, `high` of them
  /// >= 0x80, and has room for `n + high` bytes.
  static func expand(_ p: UnsafeMutablePointer<UInt8>, _ n: Int, _ high: Int) {
    guard high > 0 else { return }
    var src = n - 1
    var dst = n + high - 1
    while src >= 0 {
      let b = p[src]
      if b < 0x80 {
        p[dst] = b
        dst -= 1
      } else {
        p[dst] = 0x80 | (b & 0x3F)
        p[dst - 1] = 0xC0 | (b >> 6)
        dst -= 2
      }
      src -= 1
    }
  }
}

/// One record read by a ``CSVReader``: its line, its exact bytes and its fields' bounds.
///
/// A record points into the reader's buffer: it is valid only until the reader's next call
/// to ``CSVReader/next()``. Copy what must outlive that (e.g. with ``string(_:)``).
public struct CSVRecord {
  /// The 1-based line the record starts on (the header is line 1).
  public let line: Int
  let base: UnsafePointer<UInt8>
  let starts: UnsafePointer<Int>
  let ends: UnsafePointer<Int>
  let start: Int
  let end: Int
  /// The number of fields.
  public let count: Int
  /// Where the record starts in the (decoded) file, BOM included in the count.
  let offset: Int

  /// The record's exact bytes, without its line terminator.
  public func withRawBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
    try body(UnsafeBufferPointer(start: base + start, count: end - start))
  }

  /// A field's byte range within ``withRawBytes(_:)``, quotes included.
  public func rawRange(_ field: Int) -> Range<Int> {
    (starts[field] - start)..<(ends[field] - start)
  }

  /// A field's exact bytes, quotes included.
  public func withRawFieldBytes<R>(_ field: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R)
    rethrows -> R
  {
    precondition(field >= 0 && field < count, "field \(field) out of range")
    return try body(
      UnsafeBufferPointer(start: base + starts[field], count: ends[field] - starts[field]))
  }

  /// A field's content bytes (quotes removed, `""` decoded); copied only when the field
  /// holds doubled quotes.
  public func withFieldBytes<R>(_ field: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R)
    rethrows -> R
  {
    precondition(field >= 0 && field < count, "field \(field) out of range")
    return try FieldBytes.with(base, starts[field], ends[field], body)
  }

  /// A field's text (quotes removed).
  public func string(_ field: Int) -> String {
    precondition(field >= 0 && field < count, "field \(field) out of range")
    return FieldBytes.string(base, starts[field], ends[field])
  }

  /// Every field's text.
  public var strings: [String] { (0..<count).map(string) }

  /// A field as a number, as ``CSVNumber/double(_:)`` parses it.
  public func double(_ field: Int) -> Double? { withFieldBytes(field) { CSVNumber.double($0) } }
}

/// Reads a CSV file record by record in large blocks, so files larger than memory stream.
///
/// RFC 4180: fields are separated by commas; a field in double quotes may hold commas,
/// line breaks and doubled quotes. Records end at LF, CRLF or a lone CR (mixed freely); the
/// last record may lack a terminator; blank lines are skipped (but counted as lines); a
/// UTF-8 byte-order mark is dropped. The first record is the header; every later record must
/// have as many fields. Errors are ``DojoError`` `.invalidData` naming the file and line.
///
/// ```swift
/// let reader = try CSVReader(url: url)
/// while let record = try reader.next() { print(record.line, record.string(0)) }
/// ```
public final class CSVReader {
  /// How the reader reads.
  public struct Options: Sendable {
    /// Bytes read per `read(2)` call and the buffer's initial size; a record longer than
    /// this grows the buffer. Small values are for tests of records that straddle blocks.
    public var blockSize: Int
    /// The file's text encoding.
    public var encoding: CSVEncoding

    /// Options with 4 MiB blocks and UTF-8 by default.
    public init(blockSize: Int = 4 << 20, encoding: CSVEncoding = .utf8) {
      self.blockSize = max(blockSize, 1)
      self.encoding = encoding
    }
  }

  /// The file's name, as errors show it.
  public let name: String
  /// The column names (quotes removed).
  public private(set) var header: [String] = []
  /// The header record's exact bytes, without its terminator.
  public private(set) var headerBytes: [UInt8] = []
  /// Each header field's exact bytes, quotes included.
  public private(set) var headerRawFields: [[UInt8]] = []

  private let options: Options
  private var fd: Int32
  private var buffer: UnsafeMutablePointer<UInt8>
  private var capacity: Int
  private var pos = 0
  private var limit = 0
  private var eof = false
  /// Bytes dropped from the buffer's front so far, so that `consumed + pos` is a file offset.
  private var consumed = 0
  /// The file's size and modification time when opened, to tell an index of it is current.
  let identity: FileIdentity
  private var line = 1
  /// The header's field count, which every data record must have.
  private var width = 0
  private var scanner = RecordScanner()
  /// Data records returned so far.
  public private(set) var rowsRead = 0

  /// Opens a file and reads its header.
  ///
  /// - Throws: ``DojoError`` `.notFound` if the file is missing, `.invalidData` if it is
  ///   empty or its header is malformed.
  public init(url: URL, options: Options = Options()) throws {
    name = url.lastPathComponent
    self.options = options
    (fd, identity) = try Self.openForReading(url)
    capacity = options.blockSize
    buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
    // Enough bytes to see a byte-order mark, unless the file is shorter.
    while limit < 3 && !eof { try fill() }
    if options.encoding == .utf8 && limit >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB
      && buffer[2] == 0xBF
    {
      pos = 3
    }
    guard let first = try scanNext() else {
      throw DojoError(.invalidData, "\(name): is empty; expected a header line")
    }
    header = first.strings
    width = first.count
    headerBytes = first.withRawBytes { Array($0) }
    headerRawFields = (0..<first.count).map { i in first.withRawFieldBytes(i) { Array($0) } }
  }

  /// Opens `url` to read its data records from byte `offset` on, as if a record started
  /// there on `line`, each expected to have `width` fields: a range of a file whose header
  /// another reader read (``CSVIndex`` scans ranges on several cores). Nothing is read yet.
  ///
  /// - Throws: ``DojoError`` `.notFound` or `.io` if the file cannot be opened or sought.
  init(url: URL, options: Options, offset: Int, line: Int, width: Int) throws {
    name = url.lastPathComponent
    self.options = options
    (fd, identity) = try Self.openForReading(url)
    capacity = options.blockSize
    buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
    guard lseek(fd, off_t(offset), SEEK_SET) == off_t(offset) else {
      throw DojoError(.io, "cannot read \(url.path) from byte \(offset)")
    }
    consumed = offset
    self.line = line
    self.width = width
  }

  /// Opens `url` read-only (both initialisers: the whole file, or a range of it) and reads
  /// what identifies its contents now.
  private static func openForReading(_ url: URL) throws -> (Int32, FileIdentity) {
    let fd = open(url.path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else {
      let code = errno
      if code == ENOENT { throw DojoError(.notFound, "\(url.path): no such file") }
      throw DojoError(.io, "cannot open \(url.path): \(String(cString: strerror(code)))")
    }
    var info = stat()
    fstat(fd, &info)
    return (
      fd,
      FileIdentity(
        size: Int(info.st_size), seconds: Int(info.st_mtim.tv_sec),
        nanoseconds: Int(info.st_mtim.tv_nsec))
    )
  }

  deinit {
    if fd >= 0 { close(fd) }
    buffer.deallocate()
    scanner.deallocate()
  }

  /// The next data record, or nil at the end of the file. The record is valid until the
  /// next call.
  ///
  /// - Throws: ``DojoError`` `.invalidData` for a ragged row, an unterminated quote or bytes
  ///   that are not UTF-8, naming the line; `.io` if reading fails.
  public func next() throws -> CSVRecord? {
    guard let record = try scanNext() else { return nil }
    if record.count != width {
      throw raggedRow(name: name, line: record.line, count: record.count, width: width)
    }
    rowsRead += 1
    return record
  }

  private func scanNext() throws -> CSVRecord? {
    while true {
      if pos >= limit {
        if eof { return nil }
        try fill()
        continue
      }
      // A local copy of the scanner (plain pointers and integers) keeps the class's
      // exclusivity checks out of the per-byte loop.
      var scan = scanner
      let outcome = scan.scan(buffer, from: pos, limit: limit, atEOF: eof)
      scanner = scan
      switch outcome {
      case .needMore:
        try fill()
        continue
      case .blank:
        line += 1
        pos = scanner.next
        continue
      case .unterminatedQuote:
        throw RecordScanner.unterminatedQuote(name, line: line)
      case .record:
        let recordLine = line
        if scanner.highBit,
          let bad = UTF8Check.firstInvalid(
            buffer + scanner.recordStart, scanner.recordEnd - scanner.recordStart)
        {
          throw notUTF8(name: name, line: recordLine, byte: buffer[scanner.recordStart + bad])
        }
        line += 1 + scanner.innerNewlines
        pos = scanner.next
        return CSVRecord(
          line: recordLine, base: buffer, starts: scanner.starts, ends: scanner.ends,
          start: scanner.recordStart, end: scanner.recordEnd, count: scanner.count,
          offset: consumed + scanner.recordStart)
      }
    }
  }

  // MARK: - Byte-span access, for copying records an index has already measured

  /// The file offset of the next unread byte.
  var offset: Int { consumed + pos }

  /// The line the next record starts on (the header is line 1).
  var nextLine: Int { line }

  /// Goes on reading at file offset `offset` as if a record started there on `line`:
  /// past a range another reader scanned.
  func seek(to offset: Int, line: Int) throws {
    guard lseek(fd, off_t(offset), SEEK_SET) == off_t(offset) else {
      throw DojoError(.io, "cannot read \(name) from byte \(offset)")
    }
    consumed = offset
    pos = 0
    limit = 0
    eof = false
    self.line = line
  }

  /// The file offset just past the last byte, once the whole file has been read.
  var endOffset: Int { consumed + limit }

  /// The unread bytes in the buffer.
  var available: Int { limit - pos }

  /// The next unread byte; valid until the next read.
  var cursor: UnsafePointer<UInt8> { UnsafePointer(buffer + pos) }

  /// Reads until `count` bytes are available from the read position (moving them to the
  /// buffer's front, so earlier pointers die); false if the file ends first.
  func ensure(_ count: Int) throws -> Bool {
    while limit - pos < count {
      if eof { return false }
      try fill()
    }
    return true
  }

  /// Moves the read position `count` bytes on (they must be available).
  func advance(_ count: Int) {
    precondition(count <= limit - pos, "advancing past the buffered bytes")
    pos += count
  }

  /// Keeps the unread bytes, moved to the front, and reads more after them; grows the
  /// buffer when a single record fills it.
  private func fill() throws {
    if pos > 0 {
      consumed += pos
      let rest = limit - pos
      if rest > 0 { memmove(buffer, buffer + pos, rest) }
      limit = rest
      pos = 0
    }
    let wide = options.encoding == .latin1
    // Latin-1 may double in size when transcoded, so read at most half the free room.
    if capacity - limit < (wide ? 2 : 1) * max(options.blockSize / 2, 1) {
      let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2 + 2)
      bigger.update(from: buffer, count: limit)
      buffer.deallocate()
      buffer = bigger
      capacity = capacity * 2 + 2
    }
    let room = wide ? (capacity - limit) / 2 : capacity - limit
    while true {
      let n = Glibc.read(fd, buffer + limit, room)
      if n < 0 {
        if errno == EINTR { continue }
        throw DojoError(.io, "cannot read \(name): \(String(cString: strerror(errno)))")
      }
      if n == 0 {
        eof = true
        return
      }
      if wide {
        var high = 0
        for i in limit..<(limit + n) where buffer[i] >= 0x80 { high += 1 }
        Latin1.expand(buffer + limit, n, high)
        limit += n + high
      } else {
        limit += n
      }
      return
    }
  }
}
