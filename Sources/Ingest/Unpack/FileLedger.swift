internal import DojoCore
internal import Foundation

/// The records (path, size, SHA-256) of the regular files one extraction wrote, for
/// `.manifest.json`.
///
/// Records are held in memory up to a batch, then sorted and written to a run file in a
/// scratch folder; the manifest is then written from a merge of the runs. So an archive of
/// millions of entries costs one batch and a read buffer per run here, not its whole listing
/// (a path, a hex digest and a dictionary slot came to about 500 bytes an entry).
struct FileLedger {
  /// Where run files are written; it exists, and is removed by whoever made it.
  let folder: URL
  /// Records per run.
  let batchSize: Int
  private var batch: [FileTree.Entry] = []
  private var runs: [URL] = []
  /// Records appended so far.
  private(set) var count = 0
  /// The sum of their sizes.
  private(set) var totalBytes: Int64 = 0

  init(folder: URL, batchSize: Int = 8_192) {
    self.folder = folder
    self.batchSize = max(batchSize, 1)
  }

  mutating func append(_ entry: FileTree.Entry) throws {
    batch.append(entry)
    count += 1
    totalBytes += entry.size
    if batch.count >= batchSize { try spill() }
  }

  /// Every record, in no particular order; `body` returns false to stop early.
  func forEach(_ body: (FileTree.Entry) throws -> Bool) throws {
    for run in runs {
      let reader = try RunReader(run)
      defer { reader.close() }
      while let entry = try reader.next() {
        guard try body(entry) else { return }
      }
    }
    for entry in batch {
      guard try body(entry) else { return }
    }
  }

  /// Every record, sorted by path (byte order of the UTF-8 path).
  func forEachSorted(_ body: (FileTree.Entry) throws -> Void) throws {
    var readers: [RunReader] = []
    defer { readers.forEach { $0.close() } }
    for run in runs { readers.append(try RunReader(run)) }
    let tail = batch.sorted(by: Self.precedes)
    var tailIndex = 0
    // A binary heap of the runs' current records, smallest path on top.
    var heap: [(entry: FileTree.Entry, reader: Int)] = []
    func less(_ a: Int, _ b: Int) -> Bool { Self.precedes(heap[a].entry, heap[b].entry) }
    func siftUp(_ start: Int) {
      var i = start
      while i > 0 && less(i, (i - 1) / 2) {
        heap.swapAt(i, (i - 1) / 2)
        i = (i - 1) / 2
      }
    }
    func siftDown(_ start: Int) {
      var i = start
      while true {
        var least = i
        for child in [2 * i + 1, 2 * i + 2] where child < heap.count && less(child, least) {
          least = child
        }
        if least == i { return }
        heap.swapAt(i, least)
        i = least
      }
    }
    for (n, reader) in readers.enumerated() {
      if let entry = try reader.next() {
        heap.append((entry, n))
        siftUp(heap.count - 1)
      }
    }
    while !heap.isEmpty || tailIndex < tail.count {
      if tailIndex < tail.count && (heap.isEmpty || Self.precedes(tail[tailIndex], heap[0].entry)) {
        try body(tail[tailIndex])
        tailIndex += 1
        continue
      }
      try body(heap[0].entry)
      if let next = try readers[heap[0].reader].next() {
        heap[0].entry = next
      } else {
        heap[0] = heap[heap.count - 1]
        heap.removeLast()
      }
      if !heap.isEmpty { siftDown(0) }
    }
  }

  static func precedes(_ a: FileTree.Entry, _ b: FileTree.Entry) -> Bool {
    a.path.utf8.lexicographicallyPrecedes(b.path.utf8)
  }

  /// Writes the batch, sorted, to a new run file.
  private mutating func spill() throws {
    batch.sort(by: Self.precedes)
    let url = folder.appendingPathComponent(
      "run-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))")
    var bytes: [UInt8] = []
    bytes.reserveCapacity(batch.count * 128)
    for entry in batch {
      Self.appendLE(UInt32(entry.path.utf8.count), to: &bytes)
      bytes.append(contentsOf: entry.path.utf8)
      Self.appendLE(UInt64(bitPattern: entry.size), to: &bytes)
      Self.appendLE(UInt32(entry.sha256.utf8.count), to: &bytes)
      bytes.append(contentsOf: entry.sha256.utf8)
    }
    // A scratch file, read back once and removed with its folder: no fsync.
    try AtomicFiles.writeWithoutSync(bytes, to: url)
    runs.append(url)
    batch.removeAll(keepingCapacity: true)
  }

  private static func appendLE<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
  }
}

/// Reads one run file's records back, through a buffer.
private final class RunReader {
  let url: URL
  let fd: Int32
  /// 32 KiB: an archive of 2 million entries merges 245 runs at once (8 MB of buffers).
  private var buffer = [UInt8](repeating: 0, count: 32 << 10)
  private var start = 0
  private var end = 0
  private var atEnd = false

  init(_ url: URL) throws {
    self.url = url
    fd = open(url.path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw AtomicFiles.posixError("cannot open \(url.path)") }
  }

  func close() { Foundation.close(fd) }

  func next() throws -> FileTree.Entry? {
    guard try available(4) else {
      if start == end { return nil }
      throw cut()
    }
    let pathLength = Int(le32(at: start))
    guard try available(4 + pathLength + 12) else { throw cut() }
    let digestLength = Int(le32(at: start + 4 + pathLength + 8))
    guard try available(4 + pathLength + 12 + digestLength) else { throw cut() }
    // Offsets only now: each `available` may have moved the unread bytes to the front.
    let at = start + 4
    let path = String(decoding: buffer[at..<(at + pathLength)], as: UTF8.self)
    let sizeAt = at + pathLength
    let size = Int64(
      bitPattern: UInt64(le32(at: sizeAt)) | UInt64(le32(at: sizeAt + 4)) << 32)
    let digestAt = sizeAt + 12
    let digest = String(decoding: buffer[digestAt..<(digestAt + digestLength)], as: UTF8.self)
    start = digestAt + digestLength
    return FileTree.Entry(path: path, size: size, sha256: digest)
  }

  private func le32(at i: Int) -> UInt32 {
    UInt32(buffer[i]) | UInt32(buffer[i + 1]) << 8 | UInt32(buffer[i + 2]) << 16
      | UInt32(buffer[i + 3]) << 24
  }

  /// Whether `count` bytes from `start` are in the buffer, reading more as needed.
  private func available(_ count: Int) throws -> Bool {
    while end - start < count {
      if atEnd { return false }
      if start > 0 {
        buffer.withUnsafeMutableBytes { all in
          let base = all.baseAddress!
          memmove(base, base + start, end - start)
        }
        end -= start
        start = 0
      }
      if buffer.count - end < count { buffer += [UInt8](repeating: 0, count: count) }
      let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + end, $0.count - end) }
      if n < 0 && errno == EINTR { continue }
      guard n >= 0 else { throw AtomicFiles.posixError("cannot read \(url.path)") }
      if n == 0 { atEnd = true } else { end += n }
    }
    return true
  }

  private func cut() -> DojoError {
    DojoError(.io, "the scratch file \(url.path) ends inside a record; unpack again")
  }
}
