public import Foundation

/// Writes that never leave a half-written file or folder behind: everything goes to a
/// temporary sibling first and is renamed into place, which POSIX makes atomic on one
/// file system.
public enum AtomicFiles {
  /// Writes `data` to `url` through `url.tmp-<random>` and a rename.
  ///
  /// - Throws: ``DojoError`` (`.io`, or `.diskFull` when the disk has no room).
  public static func write(_ data: Data, to url: URL) throws {
    let dir = url.deletingLastPathComponent()
    try createDirectory(dir)
    let temp = temporarySibling(of: url)
    do {
      try data.write(to: temp)
    } catch {
      try? FileManager.default.removeItem(at: temp)
      throw ioError("cannot write \(url.path)", error)
    }
    try rename(temp, to: url)
  }

  /// Writes a string as UTF-8, atomically.
  public static func write(_ string: String, to url: URL) throws {
    try write(Data(string.utf8), to: url)
  }

  /// As ``write(_:to:)``, without flushing to the disk first: readers see the whole file or
  /// the old one, but a crash may lose it. For small files on a latency-bound path that can
  /// be written again (a step's script): Foundation's write fsyncs, which costs
  /// milliseconds, more on a busy disk. The temporary file is created exclusively and never
  /// through a link, so a link planted at its name cannot redirect the write.
  ///
  /// - Throws: ``DojoError`` (`.io`, or `.diskFull` when the disk has no room).
  public static func writeWithoutSync(_ bytes: [UInt8], to url: URL) throws {
    let temp = temporarySibling(of: url)
    let fd = open(temp.path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw posixError("cannot write \(url.path)", errno) }
    var failure = bytes.withUnsafeBytes { writeAll(fd, $0) }
    if close(fd) != 0 && failure == 0 { failure = errno }
    guard failure == 0 else {
      unlink(temp.path)
      throw posixError("cannot write \(url.path)", failure)
    }
    do {
      try rename(temp, to: url)
    } catch {
      unlink(temp.path)
      throw error
    }
  }

  /// Writes every byte to `fd`, again after a short write or an interrupt; 0, or the errno
  /// of the write that failed.
  package static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32 {
    guard let base = bytes.baseAddress else { return 0 }
    var done = 0
    while done < bytes.count {
      let n = Foundation.write(fd, base + done, bytes.count - done)
      if n < 0 {
        if errno == EINTR { continue }
        return errno
      }
      done += n
    }
    return 0
  }

  /// The error for a failed system call, from its errno, recognising a full disk.
  package static func posixError(_ what: String, _ code: Int32 = errno) -> DojoError {
    if code == ENOSPC {
      return DojoError(.diskFull, "\(what): the disk is full; free some space and run again")
    }
    return DojoError(.io, "\(what): \(String(cString: strerror(code)))")
  }

  /// A fresh temporary path in the same folder as `url`, so a later rename stays on one
  /// file system.
  public static func temporarySibling(of url: URL) -> URL {
    let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
    return url.deletingLastPathComponent()
      .appendingPathComponent(".\(url.lastPathComponent).tmp-\(suffix)")
  }

  /// Renames `from` onto `to`, replacing a file there. Folders replace folders: the old one
  /// is moved aside first and removed after, so readers see either the old or the new tree.
  public static func rename(_ from: URL, to: URL) throws {
    var isDir: ObjCBool = false
    let exists = FileManager.default.fileExists(atPath: to.path, isDirectory: &isDir)
    if exists && isDir.boolValue {
      let aside = temporarySibling(of: to)
      guard Foundation.rename(to.path, aside.path) == 0 else {
        throw DojoError(.io, "cannot replace \(to.path): \(String(cString: strerror(errno)))")
      }
      guard Foundation.rename(from.path, to.path) == 0 else {
        let reason = String(cString: strerror(errno))
        _ = Foundation.rename(aside.path, to.path)
        throw DojoError(.io, "cannot move \(from.path) to \(to.path): \(reason)")
      }
      try? FileManager.default.removeItem(at: aside)
      return
    }
    guard Foundation.rename(from.path, to.path) == 0 else {
      throw DojoError(
        .io, "cannot move \(from.path) to \(to.path): \(String(cString: strerror(errno)))")
    }
  }

  /// Creates a folder and its parents, with an error that names it.
  public static func createDirectory(_ url: URL) throws {
    do {
      try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    } catch {
      throw ioError("cannot create folder \(url.path)", error)
    }
  }

  /// Maps a Foundation write error to a ``DojoError``, recognising a full disk.
  public static func ioError(_ what: String, _ error: any Error) -> DojoError {
    let ns = error as NSError
    let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError
    let posix = underlying?.domain == NSPOSIXErrorDomain ? underlying?.code : nil
    if posix == Int(ENOSPC) || ns.code == NSFileWriteOutOfSpaceError {
      return DojoError(.diskFull, "\(what): the disk is full; free some space and run again")
    }
    return DojoError(.io, "\(what): \(ns.localizedDescription)")
  }
}

/// SHA-256 and size of every regular file below a folder, by relative path.
public enum FileTree {
  /// One file's record.
  public struct Entry: Codable, Sendable, Equatable {
    public var path: String
    public var size: Int64
    public var sha256: String

    public init(path: String, size: Int64, sha256: String) {
      self.path = path
      self.size = size
      self.sha256 = sha256
    }
  }

  /// Every regular file below `root` (hidden files included unless `skip` says otherwise),
  /// sorted by path so that the listing is the same on every machine.
  public static func relativePaths(under root: URL, skip: (String) -> Bool = { _ in false })
    throws -> [String]
  {
    let base = root.standardizedFileURL.path
    guard
      let walker = FileManager.default.enumerator(
        at: root, includingPropertiesForKeys: [.isRegularFileKey], options: [])
    else {
      throw DojoError(.notFound, "folder \(root.path) does not exist")
    }
    var paths: [String] = []
    for case let url as URL in walker {
      let values = try url.resourceValues(forKeys: [.isRegularFileKey])
      guard values.isRegularFile == true else { continue }
      var rel = url.standardizedFileURL.path
      if rel.hasPrefix(base) { rel.removeFirst(base.count) }
      while rel.hasPrefix("/") { rel.removeFirst() }
      if !skip(rel) { paths.append(rel) }
    }
    return paths.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
  }

  /// Hashes every regular file below `root`.
  public static func entries(under root: URL, skip: (String) -> Bool = { _ in false }) throws
    -> [Entry]
  {
    try relativePaths(under: root, skip: skip).map { try entry($0, under: root) }
  }

  /// Hashes the one file at `relativePath` below `root`.
  public static func entry(_ relativePath: String, under root: URL) throws -> Entry {
    let url = root.appendingPathComponent(relativePath)
    let size =
      (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int64)
      .flatMap { $0 } ?? 0
    return Entry(path: relativePath, size: size, sha256: try SHA256Hasher.hash(fileAt: url))
  }
}

/// JSON encoding that is byte-identical across runs and machines: sorted keys, pretty
/// printed, no escaped slashes, trailing newline.
public enum StableJSON {
  public static func encode<T: Encodable>(_ value: T) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    var data = try encoder.encode(value)
    data.append(0x0A)
    return data
  }
}
