internal import DojoCore
public import Foundation
internal import Glibc

/// Writes a CSV file through a buffer to a temporary sibling, renamed into place by
/// ``finish()``, so a failed or interrupted write never leaves a half-written file.
///
/// Every record ends with LF: records copied verbatim from a CRLF file are normalised to
/// LF line endings (the bytes of their fields, including line breaks inside quoted fields,
/// are copied unchanged). Fields written from strings are quoted only when they must be: when
/// they hold a comma, a quote, CR or LF, or begin or end with a space; a lone empty field is
/// written as `""` so that the record is not read back as a blank line.
public final class CSVWriter {
  /// Where the file appears after ``finish()``.
  public let url: URL
  private let temporary: URL
  private var fd: Int32
  private var buffer: UnsafeMutablePointer<UInt8>
  /// With a hasher: the buffer it may still be reading, swapped with `buffer` at each flush.
  private var spare: UnsafeMutablePointer<UInt8>?
  private let capacity: Int
  private var count = 0
  private var finished = false
  private let hasher: StreamHasher?
  /// Records written so far (the header included).
  public private(set) var recordsWritten = 0
  /// The SHA-256 of the file's bytes (lowercase hex) and its size, once ``finish()`` wrote
  /// it; nil for a writer made without `hashing`.
  public private(set) var digest: (sha256: String, size: Int)?

  /// Creates the temporary file (and the destination's folder).
  ///
  /// - Parameters:
  ///   - bufferSize: bytes gathered before each `write(2)`.
  ///   - hashing: also hash the bytes as they are written, on a thread of its own (see
  ///     ``digest``), so the file need not be read again to be checksummed.
  /// - Throws: ``DojoError`` `.io` if the file cannot be created.
  public init(url: URL, bufferSize: Int = 1 << 20, hashing: Bool = false) throws {
    self.url = url
    try AtomicFiles.createDirectory(url.deletingLastPathComponent())
    temporary = AtomicFiles.temporarySibling(of: url)
    fd = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else {
      throw DojoError(.io, "cannot create \(temporary.path): \(String(cString: strerror(errno)))")
    }
    capacity = max(bufferSize, 64)
    buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
    spare = hashing ? UnsafeMutablePointer<UInt8>.allocate(capacity: capacity) : nil
    hasher = hashing ? StreamHasher() : nil
  }

  deinit {
    if !finished { discard() }
    buffer.deallocate()
    spare?.deallocate()
  }

  /// Writes a record of text fields, quoting each only when needed.
  public func write(fields: [String]) throws {
    if fields.count == 1 && fields[0].isEmpty {
      try append(#""""#)
    } else {
      for (i, field) in fields.enumerated() {
        if i > 0 { try appendByte(asciiComma) }
        try appendField(field)
      }
    }
    try endRecord()
  }

  /// Writes a record of one field, given by its text's bytes (quoted when needed), then
  /// `rest`: the record's further fields as ``encodedFields(_:)`` spells them, followed by
  /// LF. The same as ``write(fields:)`` of the field and those fields, for a tail that is
  /// the same on every row (a sample submission's default prediction) and encoded once.
  public func write(
    fieldBytes: UnsafeBufferPointer<UInt8>, encodedRest rest: UnsafeBufferPointer<UInt8>
  ) throws {
    if fieldBytes.isEmpty && rest.isEmpty {
      try append(#""""#)
    } else {
      try appendField(bytes: fieldBytes)
      try append(rest)
    }
    try endRecord()
  }

  /// Fields as ``write(fields:)`` spells them after a record's first field: each preceded
  /// by a comma and quoted only when needed.
  public static func encodedFields(_ fields: [String]) -> [UInt8] {
    var out: [UInt8] = []
    for field in fields {
      out.append(asciiComma)
      var field = field
      field.withUTF8 { bytes in encode(bytes) { out.append(contentsOf: $0) } }
    }
    return out
  }

  /// Writes a record's exact bytes (no terminator expected) followed by LF.
  public func writeRaw(recordBytes: UnsafeBufferPointer<UInt8>) throws {
    try append(recordBytes)
    try endRecord()
  }

  /// Writes a record read by ``CSVReader`` byte for byte, followed by LF.
  public func writeRaw(_ record: CSVRecord) throws {
    try record.withRawBytes { try append($0) }
    try endRecord()
  }

  /// Writes text fields (quoted when needed), a record's exact bytes and more text fields,
  /// followed by LF: a record with new columns (a synthesised id in front, derived columns
  /// after), its own fields copied without re-printing.
  public func writeRaw(_ record: CSVRecord, leading: [String], trailing: [String] = []) throws {
    for field in leading {
      try appendField(field)
      try appendByte(asciiComma)
    }
    try record.withRawBytes { try append($0) }
    for field in trailing {
      try appendByte(asciiComma)
      try appendField(field)
    }
    try endRecord()
  }

  /// Writes some fields of a record, in the given order, each copied byte for byte (a
  /// quoted field stays quoted exactly as it was), followed by LF.
  public func writeFields(of record: CSVRecord, columns: [Int]) throws {
    try columns.withUnsafeBufferPointer { try writeFields(of: record, columns: $0) }
  }

  /// ``writeFields(of:columns:)`` without the array, for the splitter's loop.
  func writeFields(of record: CSVRecord, columns: UnsafeBufferPointer<Int>) throws {
    for i in 0..<columns.count {
      if i > 0 { try appendByte(asciiComma) }
      try record.withRawFieldBytes(columns[i]) { try append($0) }
    }
    if columns.count == 1 && record.ends[columns[0]] == record.starts[columns[0]] {
      try append(#""""#)
    }
    try endRecord()
  }

  /// Appends bytes that already hold `records` whole records, each ending in LF.
  func writeVerbatim(_ bytes: UnsafeBufferPointer<UInt8>, records: Int) throws {
    try append(bytes)
    recordsWritten += records
  }

  /// Writes pre-encoded fields (e.g. a header's raw fields), joined by commas, then LF.
  public func writeRawFields(_ fields: [[UInt8]]) throws {
    for (i, field) in fields.enumerated() {
      if i > 0 { try appendByte(asciiComma) }
      try field.withUnsafeBufferPointer { try append($0) }
    }
    if fields.count == 1 && fields[0].isEmpty { try append(#""""#) }
    try endRecord()
  }

  /// Flushes, closes and renames the file into place.
  ///
  /// - Throws: ``DojoError`` `.io` or `.diskFull`; the temporary file is removed then.
  public func finish() throws {
    guard !finished else { return }
    do {
      try flush()
      if let hasher { digest = (hasher.finish(), hasher.byteCount) }
      let result = close(fd)
      fd = -1
      guard result == 0 else { throw writeError(errno) }
      try AtomicFiles.rename(temporary, to: url)
      finished = true
    } catch {
      discard()
      throw error
    }
  }

  /// Abandons the file: closes and removes the temporary file; the destination is untouched.
  public func discard() {
    if let hasher, digest == nil, !finished { _ = hasher.finish() }
    if fd >= 0 {
      close(fd)
      fd = -1
    }
    unlink(temporary.path)
    finished = true
  }

  // MARK: - Buffering

  @inline(__always)
  private func endRecord() throws {
    try appendByte(asciiLF)
    recordsWritten += 1
  }

  @inline(__always)
  private func appendByte(_ byte: UInt8) throws {
    if count == capacity { try flush() }
    buffer[count] = byte
    count += 1
  }

  @inline(__always)
  private func append(_ bytes: UnsafeBufferPointer<UInt8>) throws {
    guard let src = bytes.baseAddress, bytes.count > 0 else { return }
    if count + bytes.count > capacity {
      try flush()
      if bytes.count > capacity {
        try writeAll(src, bytes.count)
        hasher?.hashNow(UnsafeRawBufferPointer(bytes))
        return
      }
    }
    (buffer + count).update(from: src, count: bytes.count)
    count += bytes.count
  }

  private func append(_ string: String) throws {
    var string = string
    try string.withUTF8 { try append($0) }
  }

  private func appendField(_ field: String) throws {
    var field = field
    try field.withUTF8 { try appendField(bytes: $0) }
  }

  private func appendField(bytes: UnsafeBufferPointer<UInt8>) throws {
    try Self.encode(bytes) { try append($0) }
  }

  /// A field's text as a CSV field, in runs handed to `emit`: as it is, or quoted with each
  /// quote doubled when ``needsQuotes(_:)``.
  @inline(__always)
  private static func encode(
    _ bytes: UnsafeBufferPointer<UInt8>, _ emit: (UnsafeBufferPointer<UInt8>) throws -> Void
  ) rethrows {
    guard needsQuotes(bytes) else { return try emit(bytes) }
    try withUnsafeBytes(of: asciiQuote) { try emit($0.bindMemory(to: UInt8.self)) }
    var runStart = 0
    for i in 0..<bytes.count where bytes[i] == asciiQuote {
      try emit(UnsafeBufferPointer(rebasing: bytes[runStart...i]))
      runStart = i
    }
    try emit(UnsafeBufferPointer(rebasing: bytes[runStart...]))
    try withUnsafeBytes(of: asciiQuote) { try emit($0.bindMemory(to: UInt8.self)) }
  }

  private static func needsQuotes(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let first = bytes.first, let last = bytes.last else { return false }
    if first == 0x20 || last == 0x20 { return true }
    for b in bytes where b == asciiComma || b == asciiQuote || b == asciiLF || b == asciiCR {
      return true
    }
    return false
  }

  private func flush() throws {
    try writeAll(buffer, count)
    if let hasher, let other = spare {
      // The hasher reads this buffer while the next one fills the other.
      hasher.submit(UnsafeRawBufferPointer(start: buffer, count: count))
      spare = buffer
      buffer = other
    }
    count = 0
  }

  private func writeAll(_ p: UnsafePointer<UInt8>, _ n: Int) throws {
    guard fd >= 0 else {
      throw DojoError(.io, "\(url.path): the writer is already finished or discarded")
    }
    let failure = AtomicFiles.writeAll(fd, UnsafeRawBufferPointer(start: p, count: n))
    if failure != 0 { throw writeError(failure) }
  }

  private func writeError(_ code: Int32) -> DojoError {
    if code == ENOSPC {
      return DojoError(.diskFull, "cannot write \(url.path): the disk is full; free some space")
    }
    return DojoError(.io, "cannot write \(url.path): \(String(cString: strerror(code)))")
  }
}
