internal import DojoCArchive
internal import DojoCore
internal import Foundation

/// Reads a zip's entry names as stored, byte for byte, and finds those holding a NUL or
/// another control byte, and those that differ from another only by Unicode normalisation.
///
/// Zip stores every name with its length, so a name can hold a NUL; libarchive copies names as
/// C strings and silently cuts them there (`evil.csv\0.txt` arrives as `evil.csv`). And
/// libarchive turns every UTF-8 name into its NFC form, so `café` spelled composed and
/// decomposed arrive as one name. So the names are read here, from the central directory and
/// from every local header it points to (libarchive takes the local header's name, or the
/// Info-ZIP Unicode path field beside it), before anything is extracted. Only headers are
/// read: a few bytes per entry.
enum ZipNames {
  /// A stored name with a control byte.
  struct Finding: Equatable {
    /// The stored name, control bytes shown as `\u{…}`.
    var name: String
    /// The offending byte.
    var byte: UInt8
  }

  enum Problem {
    case control(Finding)
    /// Two stored names (or folders of them) equal after normalisation, spelled differently.
    case clash(NameClaims.Clash)
  }

  /// The first problem among the stored names of the zip at `url`, or nil when all are clean.
  ///
  /// - Throws: ``DecompressedStream/Damage`` when the zip's directory cannot be found or runs
  ///   past the file (the file is damaged or truncated); `.io` when it cannot be read.
  static func firstProblem(in url: URL) throws -> Problem? {
    let file = try ZipFile(url)
    defer { file.close() }
    return try walk(file, file.centralDirectory(), piece: Int.max).problem
  }

  /// The number of entries the zip at `url` says its central directory holds, read from its
  /// end record alone; nil unless the file starts with a zip's local header and has a
  /// readable end record. (Another format, a tar whose last member is a zip for one, can
  /// hold a zip's end record in its last bytes; libarchive would read it as that format.)
  static func declaredCount(in url: URL) -> Int? {
    guard let file = try? ZipFile(url) else { return nil }
    defer { file.close() }
    guard file.size >= 4, (try? file.read(4, at: 0)) == [0x50, 0x4B, 3, 4] else { return nil }
    return try? file.centralDirectory().count
  }

  /// The first problem among the stored names, as ``firstProblem(in:)``, and the central
  /// directory cut into pieces of at most `piece` entries each, for a reader that holds one
  /// piece's entries at a time (``ZipPieceSource``).
  static func pieces(in url: URL, piece: Int) throws -> (problem: Problem?, layout: ZipLayout) {
    let file = try ZipFile(url)
    defer { file.close() }
    let directory = try file.centralDirectory()
    let (problem, starts) = try walk(file, directory, piece: piece)
    let end = directory.start + directory.size
    let ranges = starts.indices.map { i in
      starts[i]..<(i + 1 < starts.count ? starts[i + 1] : end)
    }
    let counts = ranges.indices.map { min(piece, directory.count - $0 * piece) }
    return (
      problem,
      ZipLayout(
        fileSize: file.size, correction: directory.correction,
        zip64: directory.zip64, pieces: Array(zip(ranges, counts)))
    )
  }

  /// Checks every stored name of `directory`; also returns where every `piece`-th record
  /// starts.
  private static func walk(_ file: ZipFile, _ directory: ZipFile.Directory, piece: Int) throws
    -> (problem: Problem?, pieceStarts: [Int64])
  {
    var claims = NameClaims()
    var starts: [Int64] = []
    var entries = DirectoryCursor(file: file, directory: directory)
    while true {
      if entries.read % piece == 0 && entries.read < directory.count {
        starts.append(entries.offset)
      }
      guard let entry = try entries.next() else { break }
      if let finding = check(entry.name) { return (.control(finding), starts) }
      if let text = String(validating: entry.name, as: UTF8.self),
        let parts = try? EntryPath.components(of: text),
        let clash = try claims.claim(
          parts.joined(separator: "/"),
          spelling: { try earlierSpelling(of: $0, in: file, directory, before: entries.read - 1) })
      {
        return (.clash(clash), starts)
      }
      if let finding = checkUnicodePath(entry.extra[...]) { return (.control(finding), starts) }
      var offset = UInt64(le32(entry.header, 42))
      if offset == 0xFFFF_FFFF, let big = zip64Offset(entry.extra[...], header: entry.header) {
        offset = big
      }
      if let finding = try file.localName(at: Int64(bitPattern: offset) &+ directory.correction) {
        return (.control(finding), starts)
      }
    }
    return (nil, starts)
  }

  /// The name (or folder of a name) among the directory's first `count` entries that equals
  /// `name` after normalisation but differs byte for byte: read again from the file, only
  /// when the names' hashes say there is one.
  private static func earlierSpelling(
    of name: String, in file: ZipFile, _ directory: ZipFile.Directory, before count: Int
  ) throws -> String? {
    var entries = DirectoryCursor(file: file, directory: directory)
    while entries.read < count, let entry = try entries.next() {
      guard let text = String(validating: entry.name, as: UTF8.self),
        let parts = try? EntryPath.components(of: text)
      else { continue }
      for end in 1...parts.count {
        let prefix = parts[..<end].joined(separator: "/")
        if prefix == name && !prefix.utf8.elementsEqual(name.utf8) { return prefix }
      }
    }
    return nil
  }

  fileprivate static func check<C: Collection<UInt8>>(_ name: C) -> Finding? {
    var previous: UInt8 = 0
    for byte in name {
      if byte < 0x20 || byte == 0x7F || (previous == 0xC2 && (0x80...0x9F).contains(byte)) {
        return Finding(name: visible(name), byte: byte)
      }
      previous = byte
    }
    return nil
  }

  /// The Info-ZIP Unicode path field (0x7075), which libarchive prefers over the name.
  fileprivate static func checkUnicodePath(_ extra: ArraySlice<UInt8>) -> Finding? {
    var p = extra.startIndex
    while p + 4 <= extra.endIndex {
      let id = le16(extra, p)
      let size = le16(extra, p + 2)
      let end = p + 4 + size
      guard end <= extra.endIndex else { return nil }
      // version (1), CRC-32 of the plain name (4), then the UTF-8 name.
      if id == 0x7075, size > 5, let finding = check(extra[(p + 9)..<end]) { return finding }
      p = end
    }
    return nil
  }

  /// The local header offset from the zip64 extra field (0x0001), whose values appear only for
  /// the fixed fields set to 0xFFFFFFFF, in the order: size, compressed size, offset.
  private static func zip64Offset(_ extra: ArraySlice<UInt8>, header: [UInt8]) -> UInt64? {
    var p = extra.startIndex
    while p + 4 <= extra.endIndex {
      let id = le16(extra, p)
      let size = le16(extra, p + 2)
      guard p + 4 + size <= extra.endIndex else { return nil }
      if id == 0x0001 {
        var q = p + 4
        if le32(header, 24) == 0xFFFF_FFFF { q += 8 }
        if le32(header, 20) == 0xFFFF_FFFF { q += 8 }
        guard q + 8 <= p + 4 + size else { return nil }
        return le64(extra, q)
      }
      p += 4 + size
    }
    return nil
  }

  private static func visible<C: Collection<UInt8>>(_ name: C) -> String {
    var out = ""
    for byte in name {
      if byte < 0x20 || byte == 0x7F {
        out += "\\u{\(String(byte, radix: 16, uppercase: true))}"
      } else {
        out.append(Character(Unicode.Scalar(byte)))
      }
    }
    // Non-ASCII bytes were widened one by one above; decode properly when they are UTF-8.
    let bytes = Array(name)
    if let text = String(validating: bytes, as: UTF8.self) { return EntryPath.visible(text) }
    return out
  }

  fileprivate static func le16<C: RandomAccessCollection<UInt8>>(_ b: C, _ i: C.Index) -> Int
  where C.Index == Int {
    Int(b[i]) | Int(b[i + 1]) << 8
  }
  fileprivate static func le32<C: RandomAccessCollection<UInt8>>(_ b: C, _ i: C.Index) -> UInt32
  where C.Index == Int {
    UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
  }
  fileprivate static func le64<C: RandomAccessCollection<UInt8>>(_ b: C, _ i: C.Index) -> UInt64
  where C.Index == Int {
    UInt64(le32(b, i)) | UInt64(le32(b, i + 4)) << 32
  }
}

/// A zip file opened for reading its directory, the way libarchive's seeking reader finds it.
private struct ZipFile {
  let fd: Int32
  let size: Int64
  let path: String

  /// Where the central directory lies, its entry count, and the shift to apply to the
  /// offsets it records (bytes prepended to the zip, as self-extractors have).
  struct Directory {
    var start: Int64
    var size: Int64
    var count: Int
    var correction: Int64
    /// Whether the numbers came from a zip64 end record.
    var zip64 = false
  }

  init(_ url: URL) throws {
    path = url.path
    fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else {
      throw DojoError(.io, "cannot open \(path): \(String(cString: strerror(errno)))")
    }
    var info = stat()
    guard fstat(fd, &info) == 0 else {
      let code = errno
      Foundation.close(fd)
      throw DojoError(.io, "cannot read \(path): \(String(cString: strerror(code)))")
    }
    size = Int64(info.st_size)
  }

  func close() { Foundation.close(fd) }

  func read(_ count: Int, at offset: Int64) throws -> [UInt8] {
    guard count >= 0, offset >= 0, offset <= size, Int64(count) <= size - offset else {
      throw DecompressedStream.Damage(reason: "zip: a header points past the end of the file")
    }
    var bytes = [UInt8](repeating: 0, count: count)
    var done = 0
    while done < count {
      let n = bytes.withUnsafeMutableBytes {
        pread(fd, $0.baseAddress! + done, count - done, off_t(offset) + off_t(done))
      }
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else {
        throw DojoError(.io, "cannot read \(path): \(String(cString: strerror(errno)))")
      }
      done += n
    }
    return bytes
  }

  func centralDirectory() throws -> Directory {
    // The last end-of-directory record, within the longest comment zip allows.
    let tailLength = Int(min(size, 65_535 + 22))
    let tailStart = size - Int64(tailLength)
    let tail = try read(tailLength, at: tailStart)
    var i = tailLength - 22
    while i >= 0 && !tail[i..<i + 4].elementsEqual([0x50, 0x4B, 5, 6]) { i -= 1 }
    guard i >= 0 else {
      throw DecompressedStream.Damage(
        reason: "zip: no central directory at the end of the file (truncated?)")
    }
    let eocd = tailStart + Int64(i)
    var zip64 = false
    var count = ZipNames.le16(tail, i + 10)
    var cdSize = Int64(ZipNames.le32(tail, i + 12))
    var cdOffset = Int64(ZipNames.le32(tail, i + 16))
    var cdStart = eocd - cdSize
    if i >= 20, tail[(i - 20)..<(i - 16)].elementsEqual([0x50, 0x4B, 6, 7]) {
      // Zip64: the real numbers are in the zip64 end record the locator points to.
      let record = Int64(bitPattern: ZipNames.le64(tail, i - 12))
      let z = try read(56, at: record)
      guard z[0..<4].elementsEqual([0x50, 0x4B, 6, 6]) else {
        throw DecompressedStream.Damage(reason: "zip: the zip64 directory record is missing")
      }
      guard let entries = Int(exactly: ZipNames.le64(z, 32)),
        let size64 = Int64(exactly: ZipNames.le64(z, 40)),
        let offset64 = Int64(exactly: ZipNames.le64(z, 48))
      else {
        throw DecompressedStream.Damage(reason: "zip: the zip64 directory record is forged")
      }
      count = entries
      cdSize = size64
      cdOffset = offset64
      cdStart = offset64
      zip64 = true
    }
    guard cdSize >= 0, cdStart >= 0, cdSize <= size - cdStart else {
      throw DecompressedStream.Damage(reason: "zip: the central directory's size is impossible")
    }
    return Directory(
      start: cdStart, size: cdSize, count: count, correction: cdStart - cdOffset, zip64: zip64)
  }

  /// The problem with the name (or Unicode path field) of the local header at `offset`.
  func localName(at offset: Int64) throws -> ZipNames.Finding? {
    // One read covers the header and any usual name; a longer one takes a second.
    guard offset >= 0, offset <= size - 30 else {
      throw DecompressedStream.Damage(reason: "zip: an entry's local header is missing")
    }
    var bytes = try read(Int(min(30 + 512, size - offset)), at: offset)
    guard bytes[0..<4].elementsEqual([0x50, 0x4B, 3, 4]) else {
      throw DecompressedStream.Damage(reason: "zip: an entry's local header is missing")
    }
    let n = ZipNames.le16(bytes, 26)
    let m = ZipNames.le16(bytes, 28)
    if bytes.count < 30 + n + m { bytes = try read(30 + n + m, at: offset) }
    if let finding = ZipNames.check(bytes[30..<30 + n]) { return finding }
    return ZipNames.checkUnicodePath(bytes[(30 + n)..<(30 + n + m)])
  }
}

/// The central directory's entries one at a time, read through a window of the file: a
/// directory of millions of names is never held whole.
private struct DirectoryCursor {
  /// One entry: its fixed 46-byte header, name and extra field.
  struct Entry {
    var header: [UInt8]
    var name: [UInt8]
    var extra: [UInt8]
  }

  let file: ZipFile
  let directory: ZipFile.Directory
  /// Entries returned so far.
  private(set) var read = 0
  private var window: [UInt8] = []
  private var position = 0
  /// The file offset of the window's end.
  private var windowEnd: Int64
  /// The file offset of the next entry's record.
  var offset: Int64 { windowEnd - Int64(window.count - position) }

  init(file: ZipFile, directory: ZipFile.Directory) {
    self.file = file
    self.directory = directory
    windowEnd = directory.start
  }

  mutating func next() throws -> Entry? {
    guard read < directory.count else { return nil }
    try need(46)
    guard window[position..<position + 4].elementsEqual([0x50, 0x4B, 1, 2]) else {
      throw cut()
    }
    let n = ZipNames.le16(window, position + 28)
    let m = ZipNames.le16(window, position + 30)
    let k = ZipNames.le16(window, position + 32)
    try need(46 + n + m + k)
    let header = Array(window[position..<position + 46])
    let name = Array(window[position + 46..<position + 46 + n])
    let extra = Array(window[position + 46 + n..<position + 46 + n + m])
    position += 46 + n + m + k
    read += 1
    return Entry(header: header, name: name, extra: extra)
  }

  /// Makes `count` bytes from `position` available, reading on in blocks of 1 MiB.
  private mutating func need(_ count: Int) throws {
    guard window.count - position < count else { return }
    let directoryEnd = directory.start + directory.size
    let wanted = max(Int64(count - (window.count - position)), 1 << 20)
    let more = min(wanted, directoryEnd - windowEnd)
    window.removeFirst(position)
    position = 0
    if more > 0 {
      window += try file.read(Int(more), at: windowEnd)
      windowEnd += more
    }
    guard window.count >= count else { throw cut() }
  }

  private func cut() -> DecompressedStream.Damage {
    DecompressedStream.Damage(reason: "zip: the central directory is cut short")
  }
}
