internal import DojoCArchive
internal import DojoCore
internal import Foundation

/// What one extraction wrote below its root, by relative path.
struct ExtractedTree {
  /// Regular files (hard links included), with size and SHA-256 taken while writing.
  var files: [String: FileTree.Entry] = [:]
  /// Symlinks created (targets already checked to stay inside).
  var symlinks: Set<String> = []
  /// Folders created.
  var directories: Set<String> = []
}

/// The running totals every archive of one unpack draws from.
struct UnpackBudget {
  let limits: UnpackLimits
  var totalBytes: Int64 = 0
  var entries = 0
}

/// Streams one archive into a folder with libarchive, refusing anything hostile before it
/// touches the disk: every entry path is checked, every byte is counted as it is written.
struct ArchiveExtractor {
  /// The archive file to read.
  let archive: URL
  /// How messages name the archive: its file name, or `outer.zip: inner/train.zip` when nested.
  let label: String
  /// The folder written into; it exists and is empty or holds only this extraction's output.
  let root: URL
  /// Where `root`'s contents will finally land, relative to the output folder; symlink targets
  /// must stay inside the output folder from there.
  let logicalPrefix: [String]
  /// When set, the archive is a lone compressed file (`x.csv.gz`) and its one entry gets
  /// this name.
  let rawName: String?

  /// Size of the blocks libarchive reads from disk; large blocks keep syscalls rare.
  static let readBlockSize = 1 << 20

  // File-type constants from archive_entry.h (C macros with casts are not imported).
  private static let typeMask: UInt32 = 0o170000
  private static let typeRegular: UInt32 = 0o100000
  private static let typeDirectory: UInt32 = 0o040000
  private static let typeSymlink: UInt32 = 0o120000

  func extract(budget: inout UnpackBudget) throws -> ExtractedTree {
    try UTF8Locale.run { try extractInUTF8Locale(budget: &budget) }
  }

  private func extractInUTF8Locale(budget: inout UnpackBudget) throws -> ExtractedTree {
    guard let a = archive_read_new() else {
      throw DojoError(.internalError, "libarchive could not allocate a reader")
    }
    defer { archive_read_free(a) }
    archive_read_support_filter_all(a)
    if rawName != nil {
      archive_read_support_format_raw(a)
    } else {
      archive_read_support_format_zip(a)
      archive_read_support_format_tar(a)
      archive_read_support_format_gnutar(a)
      archive_read_support_format_7zip(a)
      archive_read_support_format_rar(a)
      archive_read_support_format_rar5(a)
      archive_read_support_format_empty(a)
    }
    guard archive_read_open_filename(a, archive.path, Self.readBlockSize) == ARCHIVE_OK else {
      throw corrupted(a, entry: nil)
    }
    if rawName != nil && archive_filter_count(a) < 2 {
      throw DojoError(
        .invalidData,
        "\(label) is not compressed data although its name says so; rename or recompress it")
    }

    var tree = ExtractedTree()
    var session = WriteSession(budget: budget)
    defer { budget = session.budget }
    var entry: OpaquePointer?
    while true {
      let status = archive_read_next_header(a, &entry)
      if status == ARCHIVE_EOF { break }
      guard status == ARCHIVE_OK || status == ARCHIVE_WARN, let entry else {
        throw corrupted(a, entry: nil)
      }
      try extractEntry(a, entry, into: &tree, session: &session)
    }
    return tree
  }

  // MARK: - One entry

  private func extractEntry(
    _ a: OpaquePointer, _ entry: OpaquePointer, into tree: inout ExtractedTree,
    session: inout WriteSession
  ) throws {
    let limits = session.budget.limits
    session.budget.entries += 1
    let rawEntryName = Self.string(
      archive_entry_pathname_utf8(entry), archive_entry_pathname(entry))
    let name = rawName ?? rawEntryName ?? ""
    if session.budget.entries > limits.maxEntries {
      throw refusal(
        name, "the archive holds more than \(limits.maxEntries) entries (--max-entries)")
    }
    let parts: [String]
    do {
      parts = try EntryPath.components(of: name)
    } catch .absolute {
      throw refusal(name, "absolute paths are not allowed")
    } catch .parentReference {
      throw refusal(name, "'..' would write outside the output folder")
    } catch .empty
      where !name.isEmpty
      && UInt32(archive_entry_filetype(entry)) & Self.typeMask == Self.typeDirectory
    {
      // `./` (what `tar -C dir .` writes first) names the output folder itself.
      return
    } catch {
      // `tar -cf x.tar .` starts with the entry `./`: the output folder itself.
      let type = UInt32(archive_entry_filetype(entry)) & Self.typeMask
      if type == Self.typeDirectory && !name.isEmpty { return }
      throw refusal(name, "the entry has no name, or one that is not valid text")
    }
    let rel = parts.joined(separator: "/")
    if parts.count == 1 && rel == UnpackManifest.fileName && logicalPrefix.isEmpty {
      throw refusal(name, "the name is reserved for the file list Dojo writes")
    }
    try checkNoSymlinkOnPath(parts, tree: tree, name: name)

    if let target = Self.string(
      archive_entry_hardlink_utf8(entry), archive_entry_hardlink(entry))
    {
      try makeHardLink(rel: rel, parts: parts, target: target, name: name, tree: &tree)
      return
    }
    let type = UInt32(archive_entry_filetype(entry)) & Self.typeMask
    switch type {
    case Self.typeDirectory:
      try makeDirectories(parts, tree: &tree, name: name)
    case Self.typeSymlink:
      let target =
        Self.string(archive_entry_symlink_utf8(entry), archive_entry_symlink(entry)) ?? ""
      guard EntryPath.symlinkStaysInside(linkPath: logicalPrefix + parts, target: target) else {
        throw refusal(name, "it is a symlink to '\(target)', outside the output folder")
      }
      try makeDirectories(Array(parts.dropLast()), tree: &tree, name: name)
      try removeExisting(rel, tree: &tree, name: name)
      guard symlink(target, path(rel)) == 0 else { throw ioError("cannot create symlink", rel) }
      tree.symlinks.insert(rel)
    case Self.typeRegular, 0:
      if archive_entry_size_is_set(entry) != 0, archive_entry_size(entry) > limits.maxEntrySize {
        throw refusal(name, tooBig(archive_entry_size(entry), limits.maxEntrySize))
      }
      try makeDirectories(Array(parts.dropLast()), tree: &tree, name: name)
      try removeExisting(rel, tree: &tree, name: name)
      let executable = archive_entry_perm(entry) & 0o111 != 0
      let record = try writeFile(
        a, rel: rel, name: name, mode: executable ? 0o755 : 0o644, session: &session)
      tree.files[rel] = record
    default:
      let kind =
        switch type {
        case 0o020000: "a character device"
        case 0o060000: "a block device"
        case 0o010000: "a FIFO"
        case 0o140000: "a socket"
        default: "of unknown type \(String(type, radix: 8))"
        }
      throw refusal(name, "it is \(kind); only files, folders and links are unpacked")
    }
  }

  /// Refuses an entry whose path runs through a symlink made earlier: writing through it could
  /// land anywhere the link points, which the lexical checks cannot see.
  private func checkNoSymlinkOnPath(_ parts: [String], tree: ExtractedTree, name: String) throws {
    guard !tree.symlinks.isEmpty else { return }
    var prefix = ""
    for part in parts.dropLast() {
      prefix = prefix.isEmpty ? part : prefix + "/" + part
      if tree.symlinks.contains(prefix) {
        throw refusal(name, "its path goes through the symlink '\(prefix)'")
      }
    }
  }

  private func makeHardLink(
    rel: String, parts: [String], target: String, name: String, tree: inout ExtractedTree
  ) throws {
    let targetRel: String
    do {
      targetRel = try EntryPath.components(of: target).joined(separator: "/")
    } catch {
      throw refusal(name, "it is a hard link to '\(target)', outside the output folder")
    }
    // Only files this archive already wrote: never a file of the host, never a link chain.
    guard targetRel != rel, let record = tree.files[targetRel] else {
      throw refusal(
        name, "it is a hard link to '\(target)', which is not a file extracted before it")
    }
    try makeDirectories(Array(parts.dropLast()), tree: &tree, name: name)
    try removeExisting(rel, tree: &tree, name: name)
    guard link(path(targetRel), path(rel)) == 0 else { throw ioError("cannot create link", rel) }
    tree.files[rel] = FileTree.Entry(path: rel, size: record.size, sha256: record.sha256)
  }

  /// Creates the folders of `parts` (all of them) below the root, refusing to replace a file.
  private func makeDirectories(_ parts: [String], tree: inout ExtractedTree, name: String) throws {
    var prefix = ""
    for part in parts {
      prefix = prefix.isEmpty ? part : prefix + "/" + part
      if tree.directories.contains(prefix) { continue }
      if tree.files[prefix] != nil || tree.symlinks.contains(prefix) {
        throw refusal(name, "'\(prefix)' is both a file and a folder in the archive")
      }
      if mkdir(path(prefix), 0o755) != 0 && errno != EEXIST {
        throw ioError("cannot create folder", prefix)
      }
      tree.directories.insert(prefix)
    }
  }

  /// A later entry of the same name replaces an earlier one, as tar's appends intend.
  private func removeExisting(_ rel: String, tree: inout ExtractedTree, name: String) throws {
    if tree.directories.contains(rel) {
      throw refusal(name, "'\(rel)' is both a file and a folder in the archive")
    }
    if tree.files.removeValue(forKey: rel) != nil || tree.symlinks.remove(rel) != nil {
      unlink(path(rel))
    }
  }

  /// Streams the current entry's data into a new file, hashing and counting as it goes.
  private func writeFile(
    _ a: OpaquePointer, rel: String, name: String, mode: mode_t, session: inout WriteSession
  ) throws -> FileTree.Entry {
    let fd = open(path(rel), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
    guard fd >= 0 else { throw ioError("cannot create", rel) }
    var closed = false
    defer { if !closed { close(fd) } }
    // Explicit, so that the umask cannot loosen or tighten it and no setuid bit survives.
    fchmod(fd, mode)
    let limits = session.budget.limits
    let hasher = session.hasher
    var written: Int64 = 0
    while true {
      var block: UnsafeRawPointer?
      var size = 0
      var offset: la_int64_t = 0
      let status = archive_read_data_block(a, &block, &size, &offset)
      if status == ARCHIVE_EOF { break }
      // Not even a warning passes here: libarchive reports a bad zip CRC as ARCHIVE_WARN.
      guard status == ARCHIVE_OK else { throw corrupted(a, entry: name) }
      // A sparse entry skips ahead: the hole is zeros, written out so the hash covers them.
      if offset > written {
        if offset > limits.maxEntrySize { throw refusal(name, tooBig(offset, limits.maxEntrySize)) }
        if session.budget.totalBytes + (offset - written) > limits.maxTotalSize {
          throw refusal(name, totalTooBig(limits))
        }
        try session.writeZeros(count: offset - written, fd: fd)
        written = offset
        try check(written, session: session, a: a, name: name, limits: limits)
      }
      guard let block, size > 0 else { continue }
      let newTotal = written + Int64(size)
      if newTotal > limits.maxEntrySize {
        throw refusal(name, tooBig(newTotal, limits.maxEntrySize))
      }
      if session.budget.totalBytes + Int64(size) > limits.maxTotalSize {
        throw refusal(name, totalTooBig(limits))
      }
      try session.write(UnsafeRawBufferPointer(start: block, count: size), fd: fd, rel: rel)
      hasher.update(UnsafeRawBufferPointer(start: block, count: size))
      written = newTotal
      try check(written, session: session, a: a, name: name, limits: limits)
    }
    closed = true
    if close(fd) != 0 { throw ioError("cannot write", rel) }
    let digest = hasher.finalize()
    return FileTree.Entry(path: rel, size: written, sha256: digest)
  }

  /// The total and ratio checks, run after every block so a bomb stops at the first block
  /// past a limit rather than at the end of the entry.
  private func check(
    _ entryBytes: Int64, session: WriteSession, a: OpaquePointer, name: String,
    limits: UnpackLimits
  ) throws {
    if session.budget.totalBytes > limits.maxTotalSize {
      throw refusal(name, totalTooBig(limits))
    }
    if session.archiveBytes > limits.ratioFloor {
      // How far into the archive file libarchive has read: at least the compressed bytes
      // behind everything written so far, so the ratio is never overstated.
      let consumed = max(Int64(archive_filter_bytes(a, -1)), 1)
      let ratio = Double(session.archiveBytes) / Double(consumed)
      if ratio > limits.maxRatio {
        throw refusal(
          name,
          "\(session.archiveBytes) bytes came out of \(consumed) compressed bytes, a ratio "
            + "over \(Int(limits.maxRatio)):1 (a zip bomb?); raise --max-ratio if you trust it")
      }
    }
  }

  // MARK: - Helpers

  private func path(_ rel: String) -> String { root.path + "/" + rel }

  private func tooBig(_ size: Int64, _ limit: Int64) -> String {
    "it is \(size) bytes or more, over the \(limit)-byte limit (--max-entry-size)"
  }

  private func totalTooBig(_ limits: UnpackLimits) -> String {
    "the archive unpacks to more than \(limits.maxTotalSize) bytes (--max-total-size)"
  }

  private func refusal(_ entry: String, _ why: String) -> DojoError {
    DojoError(.unsafeArchive, "refused \(label): entry '\(entry)': \(why)")
  }

  private func corrupted(_ a: OpaquePointer, entry: String?) -> DojoError {
    let reason = archive_error_string(a).map { String(cString: $0) } ?? "unreadable data"
    let place = entry.map { " at entry '\($0)'" } ?? ""
    return DojoError(
      .invalidData,
      "cannot read archive \(label)\(place): \(reason); the file is damaged or not an archive,"
        + " fetch it again")
  }

  private func ioError(_ what: String, _ rel: String) -> DojoError {
    let code = errno
    if code == ENOSPC {
      return DojoError(
        .diskFull, "\(what) \(path(rel)): the disk is full; free some space and run again")
    }
    return DojoError(.io, "\(what) \(path(rel)): \(String(cString: strerror(code)))")
  }

  private static func string(
    _ utf8: UnsafePointer<CChar>?, _ fallback: @autoclosure () -> UnsafePointer<CChar>?
  ) -> String? {
    if let utf8 { return String(cString: utf8) }
    return fallback().map { String(cString: $0) }
  }
}

/// Byte counting and the write(2) loop for one archive's extraction.
private struct WriteSession {
  var budget: UnpackBudget
  /// Bytes written from this archive (for its compression ratio).
  var archiveBytes: Int64 = 0
  /// Hashes what is written, on its own thread.
  let hasher = HashPipeline()

  mutating func write(_ bytes: UnsafeRawBufferPointer, fd: Int32, rel: String) throws {
    var done = 0
    while done < bytes.count {
      let n = Foundation.write(fd, bytes.baseAddress! + done, bytes.count - done)
      if n < 0 {
        if errno == EINTR { continue }
        let code = errno
        if code == ENOSPC || code == EDQUOT {
          throw DojoError(.diskFull, "cannot write \(rel): the disk is full; free some space")
        }
        throw DojoError(.io, "cannot write \(rel): \(String(cString: strerror(code)))")
      }
      done += n
    }
    budget.totalBytes += Int64(bytes.count)
    archiveBytes += Int64(bytes.count)
  }

  mutating func writeZeros(count: Int64, fd: Int32) throws {
    let chunk = [UInt8](repeating: 0, count: 64 << 10)
    var left = count
    while left > 0 {
      let n = Int(min(left, Int64(chunk.count)))
      try chunk.withUnsafeBytes { all in
        let part = UnsafeRawBufferPointer(rebasing: all[0..<n])
        try write(part, fd: fd, rel: "sparse block")
        hasher.update(part)
      }
      left -= Int64(n)
    }
  }
}
