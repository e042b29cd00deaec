internal import DojoCore
internal import Foundation

/// A `NAME.part` file being written: a raw descriptor (so a full disk surfaces as ENOSPC,
/// not as an exception), with a running SHA-256 of everything written.
final class PartFile {
  let url: URL
  private(set) var size: Int64 = 0
  private var hasher = SHA256Hasher()
  private var fd: Int32

  /// Creates (or truncates) the file.
  init(url: URL) throws {
    self.url = url
    fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw FetchErrors.writeError(url.path, errno: errno) }
  }

  private init(url: URL, fd: Int32, size: Int64, hasher: SHA256Hasher) {
    self.url = url
    self.fd = fd
    self.size = size
    self.hasher = hasher
  }

  /// Reopens a `.part` left by an interrupted run, to append to it: re-hashes the bytes
  /// already there. Nil when it is missing, not a regular file (a link is not followed) or
  /// unreadable: the caller then starts from zero.
  static func resume(url: URL) -> PartFile? {
    let fd = open(url.path, O_RDWR | O_NOFOLLOW | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    var info = stat()
    guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
      close(fd)
      return nil
    }
    var hasher = SHA256Hasher()
    var size: Int64 = 0
    let chunk = 1 << 20
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
    defer { buffer.deallocate() }
    while true {
      let n = read(fd, buffer.baseAddress, chunk)
      if n < 0 && errno == EINTR { continue }
      if n < 0 {
        close(fd)
        return nil
      }
      if n == 0 { break }
      hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
      size += Int64(n)
    }
    return PartFile(url: url, fd: fd, size: size, hasher: hasher)
  }

  deinit { if fd >= 0 { close(fd) } }

  /// Appends bytes, hashing them.
  func write(_ bytes: UnsafeRawBufferPointer) throws {
    guard var base = bytes.baseAddress else { return }
    var left = bytes.count
    while left > 0 {
      let n = Foundation.write(fd, base, left)
      if n < 0 {
        if errno == EINTR { continue }
        throw FetchErrors.writeError(url.path, errno: errno)
      }
      base += n
      left -= n
    }
    hasher.update(bytes)
    size += Int64(bytes.count)
  }

  /// Starts over from byte 0 (the server ignored a Range request, or the file changed).
  func reset() throws {
    guard ftruncate(fd, 0) == 0, lseek(fd, 0, SEEK_SET) == 0 else {
      throw FetchErrors.writeError(url.path, errno: errno)
    }
    hasher = SHA256Hasher()
    size = 0
  }

  /// Flushes to disk and closes; returns the SHA-256 of the whole file.
  func finish() throws -> String {
    // fsync before the rename, so that after a crash the final name never holds a torn file.
    if fsync(fd) != 0 && errno != EINVAL {
      throw FetchErrors.writeError(url.path, errno: errno)
    }
    let result = close(fd)
    fd = -1
    if result != 0 { throw FetchErrors.writeError(url.path, errno: errno) }
    return hasher.finalize()
  }

  /// Closes and deletes the file and its ``PartRecord``: a failed fetch leaves nothing behind.
  func discard() {
    if fd >= 0 {
      close(fd)
      fd = -1
    }
    unlink(url.path)
    PartRecord.remove(beside: url)
  }
}

/// The server's validator for a file: its strong ETag, else its Last-Modified date. A resumed
/// transfer continues only when the answer carries the same one, so bytes of two versions of
/// a file are never spliced.
struct ResourceValidator: Codable, Equatable {
  /// A strong ETag, quotes included (a weak `W/` one cannot vouch for bytes).
  var etag: String?
  /// The Last-Modified date, as the server wrote it.
  var lastModified: String?

  init(etag: String?, lastModified: String?) {
    self.etag = etag
    self.lastModified = lastModified
  }

  /// Nil when the answer has neither: such a file can only be downloaded whole.
  init?(head: ResponseHead) {
    etag = head.headers["etag"].flatMap { $0.hasPrefix("W/") || $0.isEmpty ? nil : $0 }
    lastModified = head.headers["last-modified"].flatMap { $0.isEmpty ? nil : $0 }
    if etag == nil && lastModified == nil { return nil }
  }

  /// The `If-Range` value: a server whose file changed then sends it whole.
  var ifRange: String { etag ?? lastModified ?? "" }

  /// Whether `head` describes the same version (checked even when the server claims to
  /// honour If-Range).
  func matches(_ head: ResponseHead) -> Bool {
    if let etag { return head.headers["etag"] == etag }
    return head.headers["last-modified"] == lastModified
  }
}

/// `DIR/.NAME.part.json`, written (atomically) when `NAME.part` is started: which source the
/// bytes come from and the server's validator and size at that moment. A later run resumes
/// the `.part` only through it. Hidden, so that no server-chosen name (leading dots are
/// stripped) can collide with it.
struct PartRecord: Codable, Equatable {
  /// The fetch source's canonical spelling (the `.fetch.json` key).
  var source: String
  var validator: ResourceValidator?
  /// The full size the server declared, when it did.
  var size: Int64?

  static func url(besidePart part: URL) -> URL {
    part.deletingLastPathComponent().appendingPathComponent(".\(part.lastPathComponent).json")
  }

  func save(besidePart part: URL) throws {
    try AtomicFiles.write(StableJSON.encode(self), to: Self.url(besidePart: part))
  }

  static func remove(beside part: URL) {
    unlink(url(besidePart: part).path)
  }

  /// The record of an interrupted download of `source` in `dir`, and the file name its
  /// `.part` is for.
  static func find(source: String, in dir: URL) -> (name: String, record: PartRecord)? {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else {
      return nil
    }
    for file in names.sorted() where file.hasPrefix(".") && file.hasSuffix(".part.json") {
      let name = String(file.dropFirst().dropLast(".part.json".count))
      guard FileNames.sanitize(name) == name,
        let data = try? Data(contentsOf: dir.appendingPathComponent(file)),
        let record = try? JSONDecoder().decode(PartRecord.self, from: data),
        record.source == source
      else { continue }
      return (name, record)
    }
    return nil
  }
}

/// `DIR/.fetch.json`: what each source was saved as, so a second fetch knows the file name
/// without asking the server, and re-hashes the file to confirm it.
struct FetchRecord: Codable, Equatable {
  struct Entry: Codable, Equatable {
    var file: String
    var sha256: String
    var size: Int64
  }

  var entries: [String: Entry] = [:]

  static func url(in dir: URL) -> URL { dir.appendingPathComponent(".fetch.json") }

  /// The record in `dir`; a missing or unreadable one is empty (it is only a cache).
  static func load(from dir: URL) -> FetchRecord {
    guard let data = try? Data(contentsOf: url(in: dir)),
      let entries = try? JSONDecoder().decode([String: Entry].self, from: data)
    else { return FetchRecord() }
    return FetchRecord(entries: entries)
  }

  func save(to dir: URL) throws {
    try AtomicFiles.write(StableJSON.encode(entries), to: Self.url(in: dir))
  }
}

/// File names chosen by servers, made safe to create inside the output folder.
enum FileNames {
  /// The `filename*=` (RFC 6266/5987) or `filename=` parameter of a Content-Disposition.
  static func fromContentDisposition(_ header: String) -> String? {
    if let match = header.firstMatch(of: /(?i)filename\*\s*=\s*([^;]+)/) {
      // charset'language'percent-encoded
      let value = String(match.output.1).trimmingCharacters(in: .whitespaces)
      let parts = value.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
      if parts.count == 3, let decoded = String(parts[2]).removingPercentEncoding,
        let name = sanitize(decoded)
      {
        return name
      }
    }
    if let match = header.firstMatch(of: /(?i)(?:^|;)\s*filename\s*=\s*("((?:[^"\\]|\\.)*)"|[^;]+)/)
    {
      let raw: String
      if let quoted = match.output.2 {
        raw = String(quoted).replacing(/\\(.)/) { String($0.output.1) }
      } else {
        raw = String(match.output.1).trimmingCharacters(in: .whitespaces)
      }
      return sanitize(raw)
    }
    return nil
  }

  /// The last path component of a URL, percent-decoded and sanitised.
  static func fromURL(_ url: URL) -> String? {
    sanitize(url.lastPathComponent)
  }

  /// Keeps only a plain file name: the part after any `/` or `\`, without control
  /// characters or leading dots (no `..`, no hidden files, no clash with `.fetch.json`),
  /// at most 255 bytes. Nil when nothing usable is left.
  static func sanitize(_ raw: String) -> String? {
    var lastComponent = Substring(raw)
    if let slash = raw.lastIndex(where: { $0 == "/" || $0 == "\\" }) {
      lastComponent = raw[raw.index(after: slash)...]
    }
    var scalars = String.UnicodeScalarView()
    for scalar in lastComponent.unicodeScalars
    where scalar.value >= 0x20 && scalar.value != 0x7F && scalar != ":" {
      scalars.append(scalar)
    }
    var name = String(scalars).trimmingCharacters(in: .whitespaces)
    while name.hasPrefix(".") { name.removeFirst() }
    while name.utf8.count > 255 { name.removeFirst() }
    guard !name.isEmpty else { return nil }
    return name
  }
}
