internal import DojoCArchive
internal import DojoCore
internal import Foundation

/// What one extraction wrote below its root, by relative path.
///
/// Kept small per entry, so that archives of millions of files stay within reach: the
/// records of regular files go to a ``FileLedger`` (on disk past a batch), their names to
/// ``NameClaims`` as hashes. Folders, links and archives still to open are few and kept whole.
struct ExtractedTree {
  /// Regular files (hard links included) other than archives, with size and SHA-256 taken
  /// while writing.
  var ledger: FileLedger
  /// Regular files whose names say they are archives: each is opened in place (or the
  /// unpack fails), so none of them reaches the manifest.
  var archives: [String: FileTree.Entry] = [:]
  /// Symlinks created, with their targets (each checked against the tree as it stood, and all
  /// of them again once the whole tree is built).
  var symlinks: [String: String] = [:]
  /// Folders created.
  var directories: Set<String> = []
  /// Every path above, to find names that differ only by Unicode normalisation.
  private var names = NameClaims()

  init(spill: URL, batchSize: Int = 8_192) {
    ledger = FileLedger(folder: spill, batchSize: batchSize)
  }

  /// Records `rel` and its folders; see ``NameClaims/claim(_:spelling:)``.
  mutating func claim(_ rel: String) throws -> NameClaims.Clash? {
    let (directories, symlinks, archives, ledger) = (directories, symlinks, archives, ledger)
    return try names.claim(rel) {
      try Self.spelling(of: $0, directories, symlinks, archives, ledger)
    }
  }

  /// Whether `rel` equals a recorded name after normalisation but not byte for byte.
  func collides(_ rel: String) throws -> Bool {
    try names.collides(rel) { try Self.spelling(of: $0, directories, symlinks, archives, ledger) }
  }

  /// Whether `rel`, spelled exactly so, is a regular file of the tree.
  func isFile(_ rel: String) -> Bool { names.isFile(rel) }

  /// Adds a regular file, whose name was claimed.
  mutating func addFile(_ record: FileTree.Entry) throws {
    names.setFile(record.path, true)
    if EntryPath.archiveKind(of: Self.lastComponent(record.path)) != nil {
      archives[record.path] = record
    } else {
      try ledger.append(record)
    }
  }

  /// Forgets an archive that was opened in place: its name is free for its contents.
  mutating func removeArchive(_ rel: String) {
    archives.removeValue(forKey: rel)
    names.setFile(rel, false)
  }

  /// Every regular file: `body` returns false to stop early.
  func forEachFile(_ body: (FileTree.Entry) throws -> Bool) throws {
    for record in archives.values { guard try body(record) else { return } }
    try ledger.forEach(body)
  }

  static func lastComponent(_ rel: String) -> String {
    guard let slash = rel.lastIndex(of: "/") else { return rel }
    return String(rel[rel.index(after: slash)...])
  }

  /// The recorded name that equals `name` after normalisation while differing byte for byte:
  /// looked up from the text only when the hashes say there is one, which is rare.
  private static func spelling(
    of name: String, _ directories: Set<String>, _ symlinks: [String: String],
    _ archives: [String: FileTree.Entry], _ ledger: FileLedger
  ) throws -> String? {
    func differs(_ other: String) -> Bool { !other.utf8.elementsEqual(name.utf8) }
    if let i = directories.firstIndex(of: name), differs(directories[i]) { return directories[i] }
    if let i = symlinks.index(forKey: name), differs(symlinks[i].key) { return symlinks[i].key }
    if let i = archives.index(forKey: name), differs(archives[i].key) { return archives[i].key }
    var found: String?
    try ledger.forEach { record in
      if record.path == name && differs(record.path) { found = record.path }
      return found == nil
    }
    return found
  }
}

/// The running totals every archive of one unpack draws from, nested ones included.
struct UnpackBudget {
  let limits: UnpackLimits
  /// Bytes written so far, by every archive of the unpack (nested archives' own bytes too).
  var totalBytes: Int64 = 0
  var entries = 0
  /// The outermost archive's size once it has been read: nested archives' output is measured
  /// against it, so that nesting cannot multiply the compression ratio.
  var outermostBytes: Int64?
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
  /// A scratch folder outside `root` for the file records' run files (``FileLedger``).
  let spill: URL

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
    // A compressed file is decompressed (and checked to its end) by its own stream; the
    // format reader then sees plain bytes. Anything else is read from the file directly.
    let stream = try DecompressedStream.open(archive, label: label)
    if stream == nil, rawName == nil,
      let count = ZipNames.declaredCount(in: archive), count > budget.limits.zipPieceEntries
    {
      return try extractZipInPieces(budget: &budget)
    }
    guard let a = archive_read_new() else {
      throw DojoError(.internalError, "libarchive could not allocate a reader")
    }
    defer { archive_read_free(a) }
    if stream == nil { archive_read_support_filter_all(a) }
    if rawName != nil {
      archive_read_support_format_raw(a)
    } else {
      // Zips are read through their central directory only (the seeking reader), the one
      // view of their names that ZipNames checks byte for byte: libarchive's streaming reader
      // would also take entries the directory hides. So a zip must be a file, never
      // compressed data (a lone `x.zip.gz` is unpacked first, then opened as `x.zip`).
      if stream == nil { archive_read_support_format_zip_seekable(a) }
      archive_read_support_format_tar(a)
      archive_read_support_format_gnutar(a)
      archive_read_support_format_7zip(a)
      archive_read_support_format_rar(a)
      archive_read_support_format_rar5(a)
      archive_read_support_format_empty(a)
    }
    if rawName != nil && stream == nil {
      throw DojoError(
        .invalidData,
        "\(label) is not compressed data although its name says so; rename or recompress it")
    }
    let opened =
      if let stream { stream.attach(to: a) } else {
        archive_read_open_filename(a, archive.path, Self.readBlockSize)
      }
    guard opened == ARCHIVE_OK else {
      if stream?.failure != nil { throw damaged(a, stream: stream, entry: nil) }
      throw DojoError(
        .invalidData,
        "cannot read archive \(label): \(Self.reason(a)); the file is not an archive or is "
          + "damaged, re-download it")
    }

    var tree = ExtractedTree(spill: spill)
    var session = WriteSession(
      budget: budget,
      consumed: {
        if let stream { return stream.compressedBytes }
        return Int64(archive_filter_bytes(a, -1))
      })
    defer { budget = session.budget }
    try extractEntries(a, stream: stream, into: &tree, session: &session) {
      if stream == nil && archive_format(a) & ARCHIVE_FORMAT_BASE_MASK == ARCHIVE_FORMAT_ZIP {
        try checkZipNames()
      }
    }
    // The format is done; the compressed stream's trailer (CRC, length) must still check out.
    try stream?.drain()
    return tree
  }

  /// Every entry `a` gives, extracted; `onFirstHeader` runs once the format is known.
  private func extractEntries(
    _ a: OpaquePointer, stream: DecompressedStream?, into tree: inout ExtractedTree,
    session: inout WriteSession, onFirstHeader: () throws -> Void = {}
  ) throws {
    var entry: OpaquePointer?
    var first = true
    while true {
      let status = archive_read_next_header(a, &entry)
      if status == ARCHIVE_EOF { break }
      guard status == ARCHIVE_OK || status == ARCHIVE_WARN, let entry else {
        throw damaged(a, stream: stream, entry: nil)
      }
      if first { try onFirstHeader() }
      first = false
      try extractEntry(a, entry, stream: stream, into: &tree, session: &session)
    }
  }

  /// A zip of more entries than ``UnpackLimits/zipPieceEntries``, read one piece of its
  /// central directory at a time, each by a reader of its own (``ZipPieceSource``), so
  /// memory does not grow with the entry count. Its names are checked first, as any zip's.
  private func extractZipInPieces(budget: inout UnpackBudget) throws -> ExtractedTree {
    let (problem, layout): (ZipNames.Problem?, ZipLayout)
    do {
      (problem, layout) = try ZipNames.pieces(in: archive, piece: budget.limits.zipPieceEntries)
    } catch let damage as DecompressedStream.Damage {
      throw DecompressedStream.damaged(label, damage.reason)
    }
    if let problem { throw refusal(of: problem) }
    let served = ZipPieceSource.ServedBytes()
    var tree = ExtractedTree(spill: spill)
    var session = WriteSession(budget: budget, consumed: { served.total })
    defer { budget = session.budget }
    for piece in layout.pieces.indices {
      let source = try ZipPieceSource(
        archive: archive, label: label, layout: layout, piece: piece, served: served)
      // libarchive calls back into `source` until the reader is freed.
      try withExtendedLifetime(source) {
        guard let a = archive_read_new() else {
          throw DojoError(.internalError, "libarchive could not allocate a reader")
        }
        defer { archive_read_free(a) }
        archive_read_support_format_zip_seekable(a)
        guard source.attach(to: a) == ARCHIVE_OK else {
          throw pieceFailure(a, source)
        }
        do {
          try extractEntries(a, stream: nil, into: &tree, session: &session)
        } catch let error as DojoError where source.failure != nil {
          throw DojoError(.io, "cannot read \(label): \(source.failure ?? "")", cause: error)
        }
      }
    }
    return tree
  }

  private func pieceFailure(_ a: OpaquePointer, _ source: ZipPieceSource) -> DojoError {
    if let failure = source.failure { return DojoError(.io, "cannot read \(label): \(failure)") }
    return DecompressedStream.damaged(label, Self.reason(a))
  }

  // MARK: - One entry

  private func extractEntry(
    _ a: OpaquePointer, _ entry: OpaquePointer, stream: DecompressedStream?,
    into tree: inout ExtractedTree, session: inout WriteSession
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
    if let bad = EntryPath.controlCharacter(in: name) {
      throw refusal(
        EntryPath.visible(name),
        "the name holds the control character U+\(String(bad.value, radix: 16, uppercase: true))"
          + "; rename the entry")
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
    if let clash = try tree.claim(rel) {
      throw refusal(
        name,
        "'\(clash.new)' and the earlier '\(clash.earlier)' differ only by Unicode normalisation and "
          + "would be one file; rename one of them")
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
      if target.isEmpty { throw refusal(name, "it is a symlink with no target") }
      if let bad = EntryPath.controlCharacter(in: target) {
        throw refusal(
          name,
          "its link target holds the control character U+"
            + "\(String(bad.value, radix: 16, uppercase: true)); remove the link")
      }
      try makeDirectories(Array(parts.dropLast()), tree: &tree, name: name)
      try refuseRepeat(rel, tree: tree, name: name)
      // Judged with the link in place, against every link made so far: where the whole chain
      // lands, not where this one hop points.
      tree.symlinks[rel] = target
      let outcome = LinkResolver.resolve(
        target, from: logicalPrefix + parts.dropLast(), symlinks: tree.symlinks,
        offset: logicalPrefix)
      if let why = Self.linkRefusal(target: target, outcome) { throw refusal(name, why) }
      guard symlink(target, path(rel)) == 0 else { throw ioError("cannot create symlink", rel) }
    case Self.typeRegular, 0:
      try checkDeclaredSize(entry, name: name, session: session)
      try makeDirectories(Array(parts.dropLast()), tree: &tree, name: name)
      try refuseRepeat(rel, tree: tree, name: name)
      let executable = archive_entry_perm(entry) & 0o111 != 0
      // A small entry is hashed here: handing it to the hashing thread and waiting for its
      // digest cost two thread wake-ups an entry, most of an unpack of millions of small files.
      let small =
        archive_entry_size_is_set(entry) != 0
        && archive_entry_size(entry) <= Int64(HashPipeline.bufferSize)
      let record = try writeFile(
        a, rel: rel, name: name, mode: executable ? 0o755 : 0o644, stream: stream,
        hashInline: small, session: &session)
      try tree.addFile(record)
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

  /// Refuses a zip whose stored names hold NUL or control bytes, which libarchive would cut
  /// or pass on: it is known to be a zip only once libarchive has read its first header.
  private func checkZipNames() throws {
    let problem: ZipNames.Problem?
    do {
      problem = try ZipNames.firstProblem(in: archive)
    } catch let damage as DecompressedStream.Damage {
      throw DecompressedStream.damaged(label, damage.reason)
    }
    if let problem { throw refusal(of: problem) }
  }

  private func refusal(of problem: ZipNames.Problem) -> DojoError {
    switch problem {
    case .control(let finding):
      let what =
        finding.byte == 0 ? "a NUL byte, which would cut the name short" : "a control byte"
      return refusal(
        finding.name,
        "the name stored in the zip holds \(what) (0x\(String(finding.byte, radix: 16))); "
          + "rename the entry")
    case .clash(let clash):
      return refusal(
        clash.new,
        "'\(clash.new)' and the earlier '\(clash.earlier)' differ only by Unicode "
          + "normalisation and would be one file; rename one of them")
    }
  }

  /// Why a link whose resolution came out as `outcome` is refused, or nil when it stays inside.
  static func linkRefusal(target: String, _ outcome: LinkResolver.Outcome) -> String? {
    switch outcome {
    case .inside: return nil
    case .loop:
      return "it is a symlink to '\(target)' whose chain of links never ends (a loop); "
        + "remove the link from the archive"
    case .outside(let through):
      let via = through.isEmpty || through == target ? "" : " (through the link '\(through)')"
      return "it is a symlink to '\(target)', which resolves outside the output folder\(via); "
        + "remove the link from the archive"
    }
  }

  /// Refuses a file whose declared size breaks a limit before any of it is written. A sparse
  /// entry's holes are written as zeros without reading anything, so its logical size also
  /// counts against the ratio from the start: the compressed bytes behind it can be no more
  /// than its data extents.
  private func checkDeclaredSize(
    _ entry: OpaquePointer, name: String, session: WriteSession
  ) throws {
    guard archive_entry_size_is_set(entry) != 0 else { return }
    let limits = session.budget.limits
    let size = archive_entry_size(entry)
    if size < 0 { throw refusal(name, "its header gives the impossible size \(size)") }
    if size > limits.maxEntrySize { throw refusal(name, tooBig(size, limits.maxEntrySize)) }
    if size > limits.maxTotalSize - session.budget.totalBytes {
      throw refusal(name, totalTooBig(limits))
    }
    guard archive_entry_sparse_reset(entry) > 0 else { return }
    var data: Int64 = 0
    var offset: la_int64_t = 0
    var length: la_int64_t = 0
    while archive_entry_sparse_next(entry, &offset, &length) == ARCHIVE_OK {
      guard offset >= 0, length >= 0, offset <= size, length <= size - offset else {
        throw refusal(
          name, "its sparse map lies outside its \(size)-byte size; the archive is forged")
      }
      data = min(data + length, size)
    }
    let projected = session.budget.totalBytes + size
    guard projected > limits.ratioFloor else { return }
    // The most compressed input the entry can still consume: its data extents, stored (plus
    // a little framing); nested archives are measured against the outermost one's size.
    let input =
      session.budget.outermostBytes ?? (session.consumed() + data + data / 64 + (64 << 10))
    let ratio = Double(projected) / Double(max(input, 1))
    if ratio > limits.maxRatio {
      throw refusal(
        name,
        "it is a sparse file of \(size) bytes with only \(data) bytes of data; unpacked it "
          + "would make \(projected) bytes out of at most \(input) compressed bytes, a ratio "
          + "over \(Int(limits.maxRatio)):1 (a sparse bomb?); raise --max-ratio if you trust it")
    }
  }

  /// Refuses an entry whose path runs through a symlink made earlier: writing through it could
  /// land anywhere the link points, which the lexical checks cannot see.
  private func checkNoSymlinkOnPath(_ parts: [String], tree: ExtractedTree, name: String) throws {
    guard !tree.symlinks.isEmpty else { return }
    var prefix = ""
    for part in parts.dropLast() {
      prefix = prefix.isEmpty ? part : prefix + "/" + part
      if tree.symlinks[prefix] != nil {
        throw refusal(
          name,
          "its path goes through the symlink '\(prefix)', which could lead anywhere; remove "
            + "one of them from the archive")
      }
    }
  }

  private func makeHardLink(
    rel: String, parts: [String], target: String, name: String, tree: inout ExtractedTree
  ) throws {
    // Checked before the target reaches a message: control bytes would forge the terminal.
    if let bad = EntryPath.controlCharacter(in: target) {
      throw refusal(
        name,
        "it is a hard link to '\(EntryPath.visible(target))', which holds the control "
          + "character U+\(String(bad.value, radix: 16, uppercase: true)); remove the link")
    }
    let targetRel: String
    do {
      targetRel = try EntryPath.components(of: target).joined(separator: "/")
    } catch {
      throw refusal(name, "it is a hard link to '\(target)', outside the output folder")
    }
    // Only files this archive already wrote: never a file of the host, never a link chain.
    guard targetRel != rel, tree.isFile(targetRel) else {
      throw refusal(
        name, "it is a hard link to '\(target)', which is not a file extracted before it")
    }
    try makeDirectories(Array(parts.dropLast()), tree: &tree, name: name)
    try refuseRepeat(rel, tree: tree, name: name)
    guard link(path(targetRel), path(rel)) == 0 else { throw ioError("cannot create link", rel) }
    // Its record is the target's: an archive's is at hand, any other file's is on disk (in
    // the ledger's runs), so its bytes, which the link shares, are hashed again. Hard links
    // are rare; keeping every record in memory for them cost hundreds of bytes an entry.
    let record = try tree.archives[targetRel] ?? FileTree.entry(rel, under: root)
    try tree.addFile(FileTree.Entry(path: rel, size: record.size, sha256: record.sha256))
  }

  /// Creates the folders of `parts` (all of them) below the root, refusing to replace a file.
  private func makeDirectories(_ parts: [String], tree: inout ExtractedTree, name: String) throws {
    var prefix = ""
    for part in parts {
      prefix = prefix.isEmpty ? part : prefix + "/" + part
      if tree.directories.contains(prefix) { continue }
      if tree.isFile(prefix) || tree.symlinks[prefix] != nil {
        throw refusal(name, "'\(prefix)' is both a file and a folder in the archive")
      }
      if mkdir(path(prefix), 0o755) != 0 {
        guard errno == EEXIST else { throw ioError("cannot create folder", prefix) }
        // Never write through something this extraction did not make a folder.
        var info = stat()
        guard lstat(path(prefix), &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
          throw refusal(name, "'\(prefix)' exists and is not a folder")
        }
      }
      tree.directories.insert(prefix)
    }
  }

  /// Refuses a second entry of the same name. tar's appends mean the later one to replace the
  /// earlier, but a silent replacement also hides a file from whoever listed the archive, and
  /// libarchive turns names that differ only by Unicode normalisation into one spelling (NFC)
  /// before they reach here, so a repeat may be two different names.
  private func refuseRepeat(_ rel: String, tree: ExtractedTree, name: String) throws {
    if tree.directories.contains(rel) {
      throw refusal(name, "'\(rel)' is both a file and a folder in the archive")
    }
    if tree.isFile(rel) || tree.symlinks[rel] != nil {
      // Only now, on the way out, are the stored names read to tell the two spellings apart.
      let spellings = rawName == nil ? TarNames.spellings(of: rel, in: archive, label: label) : []
      if spellings.count >= 2 {
        throw refusal(
          name,
          "'\(spellings[1])' and the earlier '\(spellings[0])' differ only by Unicode "
            + "normalisation and would be one file (both read as '\(rel)'); rename one of them")
      }
      throw refusal(
        name,
        "the archive holds two entries named '\(rel)' (or two names that differ only by "
          + "Unicode normalisation); one would silently replace the other, rename one of them")
    }
  }

  /// Streams the current entry's data into a new file, hashing and counting as it goes.
  private func writeFile(
    _ a: OpaquePointer, rel: String, name: String, mode: mode_t, stream: DecompressedStream?,
    hashInline: Bool, session: inout WriteSession
  ) throws -> FileTree.Entry {
    let fd = open(path(rel), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
    guard fd >= 0 else { throw ioError("cannot create", rel) }
    var closed = false
    defer { if !closed { close(fd) } }
    // Explicit, so that the umask cannot loosen or tighten it and no setuid bit survives.
    fchmod(fd, mode)
    let limits = session.budget.limits
    var hasher = EntryHash(inline: hashInline ? SHA256Hasher() : nil, pipeline: session.hasher)
    var written: Int64 = 0
    while true {
      var block: UnsafeRawPointer?
      var size = 0
      var offset: la_int64_t = 0
      let status = archive_read_data_block(a, &block, &size, &offset)
      // Not even a warning passes here: libarchive reports a bad zip CRC as ARCHIVE_WARN.
      guard status == ARCHIVE_OK || status == ARCHIVE_EOF else {
        throw damaged(a, stream: stream, entry: name)
      }
      // A sparse entry skips ahead: the hole is zeros, written out so the hash covers them.
      // At the end, the offset is the logical size: a final hole is written too.
      if offset > written {
        if offset > limits.maxEntrySize { throw refusal(name, tooBig(offset, limits.maxEntrySize)) }
        if session.budget.totalBytes + (offset - written) > limits.maxTotalSize {
          throw refusal(name, totalTooBig(limits))
        }
        try session.writeZeros(count: offset - written, fd: fd, hash: &hasher)
        written = offset
        try check(session: session, name: name, limits: limits)
      }
      if status == ARCHIVE_EOF { break }
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
      try check(session: session, name: name, limits: limits)
    }
    closed = true
    if close(fd) != 0 { throw ioError("cannot write", rel) }
    let digest = hasher.finalize()
    return FileTree.Entry(path: rel, size: written, sha256: digest)
  }

  /// The total and ratio checks, run after every block so a bomb stops at the first block
  /// past a limit rather than at the end of the entry.
  ///
  /// The ratio is cumulative across nesting: everything written by this unpack over the
  /// outermost archive's compressed bytes, so archives inside archives cannot multiply it.
  private func check(session: WriteSession, name: String, limits: UnpackLimits) throws {
    let total = session.budget.totalBytes
    if total > limits.maxTotalSize {
      throw refusal(name, totalTooBig(limits))
    }
    if total > limits.ratioFloor {
      // How far into the outermost file has been read: at least the compressed bytes behind
      // everything written so far, so the ratio is never overstated.
      let consumed = max(session.budget.outermostBytes ?? session.consumed(), 1)
      let ratio = Double(total) / Double(consumed)
      if ratio > limits.maxRatio {
        let what = session.budget.outermostBytes == nil ? "" : " (nested archives included)"
        throw refusal(
          name,
          "\(total) bytes came out of \(consumed) compressed bytes\(what), a ratio "
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

  private static func reason(_ a: OpaquePointer) -> String {
    archive_error_string(a).map { String(cString: $0) } ?? "unreadable data"
  }

  /// A read that failed once the archive was open: its bytes are damaged (a bad checksum, a
  /// truncated stream), named as such so that the caller can fetch the file again.
  private func damaged(_ a: OpaquePointer, stream: DecompressedStream?, entry: String?)
    -> DojoError
  {
    let place = entry.map { " at entry '\($0)'" } ?? ""
    if let damage = stream?.failure as? DecompressedStream.Damage {
      return DecompressedStream.damaged(label + place, damage.reason)
    }
    if let failure = stream?.failure as? DojoError { return failure }
    return DecompressedStream.damaged(label + place, Self.reason(a))
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
  /// Compressed bytes read from this archive's file so far.
  let consumed: () -> Int64
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
  }

  mutating func writeZeros(count: Int64, fd: Int32, hash: inout EntryHash) throws {
    let chunk = [UInt8](repeating: 0, count: 64 << 10)
    var left = count
    while left > 0 {
      let n = Int(min(left, Int64(chunk.count)))
      try chunk.withUnsafeBytes { all in
        let part = UnsafeRawBufferPointer(rebasing: all[0..<n])
        try write(part, fd: fd, rel: "sparse block")
        hash.update(part)
      }
      left -= Int64(n)
    }
  }
}

/// Where one entry's bytes are hashed: on the calling thread for a small entry, on the
/// session's hashing thread (overlapping the writes) for a large one.
private struct EntryHash {
  var inline: SHA256Hasher?
  let pipeline: HashPipeline

  mutating func update(_ bytes: UnsafeRawBufferPointer) {
    if inline != nil { inline?.update(bytes) } else { pipeline.update(bytes) }
  }

  func finalize() -> String { inline?.finalize() ?? pipeline.finalize() }
}
