internal import DojoCore
internal import Foundation
internal import Glibc

/// What an index scan learns of a key column without keeping its values: the first empty
/// row, and whether every value so far is a canonical decimal integer (`0`, or a non-zero
/// digit then digits) greater than the one before. Canonical integers are equal exactly when
/// their values are, so an increasing run is a unique one: the common case of a numbered id
/// column is proven unique in one pass and no memory.
struct KeyScan: Sendable {
  private(set) var firstEmpty: Int?
  private(set) var increasing = true
  private var first: Int?
  private var last: Int?

  mutating func add(_ bytes: UnsafeBufferPointer<UInt8>, row: Int) {
    if bytes.isEmpty {
      if firstEmpty == nil { firstEmpty = row }
      increasing = false
      return
    }
    guard increasing else { return }
    guard let value = CSVNumber.canonicalInteger(bytes), last.map({ value > $0 }) ?? true else {
      increasing = false
      return
    }
    if first == nil { first = value }
    last = value
  }

  /// Follows this scan with that of the `rows` rows' successor range.
  mutating func join(_ other: KeyScan, rows: Int) {
    if firstEmpty == nil, let empty = other.firstEmpty { firstEmpty = rows + empty }
    guard increasing else { return }
    guard other.increasing else {
      increasing = false
      return
    }
    if let last, let next = other.first, next <= last {
      increasing = false
      return
    }
    if first == nil { first = other.first }
    last = other.last ?? last
  }
}

/// Finds the first repeated value of one column by reading the file again, in memory that
/// does not grow with the row count: each row's value is hashed to 64 bits (seeded) and written with
/// its row number (12 bytes) to one of up to 256 partition files by the hash's top bits; each
/// partition is then sorted alone, and only rows whose hash another row shares are read a
/// third time, by value, to tell a true repeat from a chance collision.
struct DuplicateSearch {
  let url: URL
  let name: String
  let options: CSVReader.Options
  let identity: FileIdentity
  let field: Int
  let rowCount: Int
  /// Rows sorted in memory at once (16 bytes each); more are partitioned on disk.
  let rowsInMemory: Int

  struct Entry: Comparable {
    var hash: UInt64
    var row: UInt32
    static func < (a: Entry, b: Entry) -> Bool {
      a.hash != b.hash ? a.hash < b.hash : a.row < b.row
    }
  }

  func first() throws -> (row: Int, earlierRow: Int, value: String)? {
    guard rowCount < Int(UInt32.max) else {
      throw DojoError(
        .invalidData,
        "\(name): \(rowCount) rows are more than a uniqueness check counts (4,294,967,295)")
    }
    var candidates = Set<UInt32>()
    if rowCount <= rowsInMemory {
      var entries: [Entry] = []
      entries.reserveCapacity(rowCount)
      try forEachRow { row, bytes in entries.append(Entry(hash: Self.hash(bytes), row: row)) }
      Self.collect(&entries, into: &candidates)
    } else {
      try partitioned(into: &candidates)
    }
    guard !candidates.isEmpty else { return nil }
    // In row order, the first candidate whose value an earlier candidate holds is the first
    // repeat: both rows of every repeat are candidates.
    var firstRow: [String: Int] = [:]
    var found: (row: Int, earlierRow: Int, value: String)?
    try forEachRow { row, bytes in
      guard found == nil, candidates.contains(row) else { return }
      let value = String(decoding: bytes, as: UTF8.self)
      if let earlier = firstRow[value] {
        found = (Int(row), earlier, value)
      } else {
        firstRow[value] = Int(row)
      }
    }
    return found
  }

  /// Adds to `candidates` every row whose hash another row shares.
  private static func collect(_ entries: inout [Entry], into candidates: inout Set<UInt32>) {
    entries.sort()
    var i = 0
    while i < entries.count {
      var j = i + 1
      while j < entries.count && entries[j].hash == entries[i].hash { j += 1 }
      if j - i > 1 { for k in i..<j { candidates.insert(entries[k].row) } }
      i = j
    }
  }

  private func partitioned(into candidates: inout Set<UInt32>) throws {
    var bits = 1
    while bits < 8 && (rowCount >> bits) > rowsInMemory { bits += 1 }
    let count = 1 << bits
    let folder = try Self.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let files = (0..<count).map { folder.appendingPathComponent("p\($0)").path }
    var writers = try files.map { try PartitionWriter(path: $0) }
    defer { for w in writers { w.close() } }
    try forEachRow { row, bytes in
      let hash = Self.hash(bytes)
      try writers[Int(hash >> UInt64(64 - bits))].append(hash: hash, row: row)
    }
    for w in writers { try w.flush() }
    for w in writers { w.close() }
    writers = []
    for path in files {
      var entries = try PartitionWriter.read(path)
      Self.collect(&entries, into: &candidates)
      unlink(path)
    }
  }

  /// A 64-bit hash seeded per process (Swift's `Hasher`), so a table cannot be made of ids
  /// that collide and crowd the confirming read.
  static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
    var hasher = Hasher()
    hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
    return UInt64(UInt(bitPattern: hasher.finalize()))
  }

  private static func temporaryFolder() throws -> URL {
    var template = Array(
      FileManager.default.temporaryDirectory.appendingPathComponent("dojo-keys-XXXXXX").path
        .utf8CString)
    guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
      throw AtomicFiles.posixError("cannot make a folder for the uniqueness check")
    }
    return URL(fileURLWithPath: String(cString: made))
  }

  /// Reads the file again, giving each data row's number and its field's content bytes.
  private func forEachRow(_ body: (UInt32, UnsafeBufferPointer<UInt8>) throws -> Void) throws {
    let reader = try CSVReader(url: url, options: options)
    guard reader.identity == identity else {
      throw DojoError(
        .invalidData, "\(name) changed while it was being prepared; run the command again")
    }
    var row: UInt32 = 0
    while let record = try reader.next() {
      try record.withFieldBytes(field) { try body(row, $0) }
      row &+= 1
    }
  }
}

/// One partition file of (hash, row) entries, written through a 64 KiB buffer.
private final class PartitionWriter {
  private var fd: Int32
  private var buffer: [UInt8] = []
  private let path: String

  init(path: String) throws {
    self.path = path
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw AtomicFiles.posixError("cannot create \(path)") }
    buffer.reserveCapacity(1 << 16)
  }

  func append(hash: UInt64, row: UInt32) throws {
    withUnsafeBytes(of: hash.littleEndian) { buffer.append(contentsOf: $0) }
    withUnsafeBytes(of: row.littleEndian) { buffer.append(contentsOf: $0) }
    if buffer.count >= (1 << 16) - 12 { try flush() }
  }

  func flush() throws {
    let failure = buffer.withUnsafeBytes { AtomicFiles.writeAll(fd, $0) }
    guard failure == 0 else { throw AtomicFiles.posixError("cannot write \(path)", failure) }
    buffer.removeAll(keepingCapacity: true)
  }

  func close() {
    if fd >= 0 { Glibc.close(fd) }
    fd = -1
  }

  static func read(_ path: String) throws -> [DuplicateSearch.Entry] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    var entries: [DuplicateSearch.Entry] = []
    entries.reserveCapacity(data.count / 12)
    data.withUnsafeBytes { raw in
      var at = 0
      while at + 12 <= raw.count {
        let hash = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self))
        let row = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at + 8, as: UInt32.self))
        entries.append(DuplicateSearch.Entry(hash: hash, row: row))
        at += 12
      }
    }
    return entries
  }
}
