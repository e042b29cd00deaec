internal import DojoCArchive
internal import DojoCore
public import Foundation

/// Safe, streaming extraction of competition archives (zip, tar with any compression, 7z,
/// rar, lone `.gz`/`.bz2`/`.xz`/`.zst` files), with archives inside the archive opened in place.
///
/// Everything is written into a temporary folder next to the output folder and renamed into
/// place only when the whole archive, nested ones included, has been unpacked; a refused or
/// damaged archive leaves neither the output folder nor the temporary one behind.
///
/// ```swift
/// let report = try Unpacker().unpack(archive: zipURL, into: outURL)
/// print(report.fileCount, report.totalBytes)
/// ```
public struct Unpacker: Sendable {
  /// The bounds past which an archive is refused as hostile.
  public var limits: UnpackLimits

  public init(limits: UnpackLimits = UnpackLimits()) {
    self.limits = limits
  }

  /// Unpacks `archive` into `dir`, replacing `dir` if it exists, and writes
  /// `dir/.manifest.json` listing every file with its size and SHA-256.
  ///
  /// Archives found inside (`train.csv.zip`, `images.tar.gz`, `test.csv.gz`) are replaced by
  /// their contents in the folder that held them when those contents are one file or one
  /// folder; an archive holding several loose entries at its root (images, or `train.csv` and
  /// `test.csv`), or contents that would clash with files already there, opens in a folder
  /// named after the archive's stem instead (`train_images.zip` → `train_images/`). A lone
  /// compressed file (`train.gz`) is named by its stem (`train`), whatever name the gzip
  /// header records.
  ///
  /// - Parameters:
  ///   - archive: The archive file.
  ///   - dir: The output folder; it must not contain `archive`.
  /// - Returns: The files written, sorted by path.
  /// - Throws: ``DojoError`` with `.unsafeArchive` naming the entry for an entry that would
  ///   escape `dir` (a path, or a link whose chain resolves outside), break a limit or carry a
  ///   forged name; `.damagedArchive` for bytes that fail a checksum or end early (fetch the
  ///   file again); `.invalidData` for a file that is not an archive; `.notFound`, `.io`,
  ///   `.diskFull` or `.conflict`.
  public func unpack(archive: URL, into dir: URL) throws -> UnpackReport {
    let source = archive.standardizedFileURL
    let out = dir.standardizedFileURL
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: source.path, isDirectory: &isDirectory),
      !isDirectory.boolValue
    else {
      throw DojoError(.notFound, "archive \(source.path) does not exist; check the path")
    }
    let realSource = source.resolvingSymlinksInPath().path
    let realOut = out.resolvingSymlinksInPath().path
    if realSource.hasPrefix(realOut + "/") {
      throw DojoError(
        .invalidArgument,
        "the output folder \(out.path) holds the archive and would be replaced; choose "
          + "another --out folder")
    }
    try AtomicFiles.createDirectory(out.deletingLastPathComponent())
    let temp = AtomicFiles.temporarySibling(of: out)
    guard mkdir(temp.path, 0o755) == 0 else {
      throw DojoError(
        .io, "cannot create folder \(temp.path): \(String(cString: strerror(errno)))")
    }
    // The file records' run files, beside the output rather than in it.
    let spill = AtomicFiles.temporarySibling(of: out)
    defer { try? FileManager.default.removeItem(at: spill) }
    do {
      guard mkdir(spill.path, 0o700) == 0 else {
        throw AtomicFiles.posixError("cannot create folder \(spill.path)")
      }
      var run = Run(limits: limits, scratch: temp, spill: spill)
      let name = source.lastPathComponent
      let kind = EntryPath.archiveKind(of: name)
      var tree = try ArchiveExtractor(
        archive: source, label: name, root: temp, logicalPrefix: [],
        rawName: kind?.raw == true ? kind?.stem : nil, spill: spill
      ).extract(budget: &run.budget)
      // From here on, nested archives' output is measured against the outer file's size.
      run.budget.outermostBytes = try Self.size(of: source)
      try run.openNested(in: &tree, root: temp, logicalPrefix: [], label: name, depth: 1)
      // Nested contents moved in and links moved deeper: judge every link again, on the
      // finished tree, by where its whole chain lands.
      try Self.checkLinks(tree, label: name)
      // Every archive was opened in place, so the ledger holds every file there is; one
      // left unopened would be missing from the manifest, so it stops the unpack instead.
      if let left = tree.archives.keys.min() {
        throw DojoError(
          .internalError, "unpack of \(name) left the archive '\(left)' inside unopened")
      }
      let ledger = tree.ledger
      // The tree's maps (names, folders, links) are not needed past this point: freed before
      // the records are merged and written.
      tree = ExtractedTree(spill: spill)
      try UnpackManifest.write(
        archive: name, to: temp.appendingPathComponent(UnpackManifest.fileName),
        files: ledger.forEachSorted)
      try AtomicFiles.rename(temp, to: out)
      return UnpackReport(
        directory: out, fileCount: ledger.count, totalBytes: ledger.totalBytes,
        nestedArchives: run.nestedArchives)
    } catch {
      try? FileManager.default.removeItem(at: temp)
      if error is DojoError { throw error }
      throw DojoError(
        .io, "cannot unpack \(source.path): \(error.localizedDescription)",
        cause: error)
    }
  }
}

extension Unpacker {
  private static func size(of file: URL) throws -> Int64 {
    var info = stat()
    guard stat(file.path, &info) == 0 else {
      throw DojoError(.io, "cannot read \(file.path): \(String(cString: strerror(errno)))")
    }
    return Int64(info.st_size)
  }

  /// Refuses the unpack when any link of the finished tree resolves outside it or loops.
  static func checkLinks(_ tree: ExtractedTree, label: String) throws {
    for (rel, target) in tree.symlinks.sorted(by: {
      $0.key.utf8.lexicographicallyPrecedes($1.key.utf8)
    }) {
      let folder = Array(rel.split(separator: "/").dropLast().map(String.init))
      let outcome = LinkResolver.resolve(target, from: folder, symlinks: tree.symlinks)
      if let why = ArchiveExtractor.linkRefusal(target: target, outcome) {
        throw DojoError(.unsafeArchive, "refused \(label): entry '\(rel)': \(why)")
      }
    }
  }
}

/// The state of one ``Unpacker/unpack(archive:into:)`` call.
private struct Run {
  var budget: UnpackBudget
  /// The temporary output folder; nested archives are staged in hidden folders inside it, so
  /// that moving their contents into place is a rename on the same file system.
  let scratch: URL
  /// Where the trees' file records spill (``FileLedger``).
  let spill: URL
  var nestedArchives = 0

  init(limits: UnpackLimits, scratch: URL, spill: URL) {
    self.budget = UnpackBudget(limits: limits)
    self.scratch = scratch
    self.spill = spill
  }

  /// Opens every archive among `tree`'s files, replacing each with its contents.
  mutating func openNested(
    in tree: inout ExtractedTree, root: URL, logicalPrefix: [String], label: String, depth: Int
  ) throws {
    let candidates = tree.archives.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    for rel in candidates {
      guard let kind = EntryPath.archiveKind(of: ExtractedTree.lastComponent(rel)) else {
        continue
      }
      let innerLabel = "\(label): \(rel)"
      if depth > budget.limits.maxDepth {
        throw DojoError(
          .unsafeArchive,
          "refused \(innerLabel): archives nested more than \(budget.limits.maxDepth) levels "
            + "deep (--max-depth); a recursive archive?")
      }
      let folder = Array(rel.split(separator: "/").dropLast().map(String.init))
      let staging = try makeStaging()
      defer { try? FileManager.default.removeItem(at: staging) }
      let innerPrefix = logicalPrefix + folder
      let archiveURL = root.appendingPathComponent(rel)
      var inner = try ArchiveExtractor(
        archive: archiveURL, label: innerLabel, root: staging, logicalPrefix: innerPrefix,
        rawName: kind.raw ? kind.stem : nil, spill: spill
      ).extract(budget: &budget)
      nestedArchives += 1
      try openNested(
        in: &inner, root: staging, logicalPrefix: innerPrefix, label: innerLabel,
        depth: depth + 1)

      unlink(archiveURL.path)
      tree.removeArchive(rel)
      // One file or one folder (`train.csv.zip` → `train.csv`, `train.zip` → `train/...`)
      // opens in place; several loose entries (`train_images.zip` holding the images at its
      // root) open in a folder named after the archive, as unzipping it by hand would.
      let loose = try Self.topLevelNames(of: inner).count > 1
      if try !loose && Self.fits(inner, at: folder, in: tree) {
        try Self.move(inner, from: staging, under: [], to: folder, into: &tree, root: root)
      } else {
        // In a folder named after the archive (which is deeper, so symlink targets checked
        // above stay inside): its loose entries, or contents that clash with their neighbours.
        let apart = folder + [kind.stem]
        let apartRel = apart.joined(separator: "/")
        guard Self.isFree(apartRel, in: tree) else {
          throw DojoError(
            .conflict,
            "cannot open \(innerLabel) in a folder of its own: '\(apartRel)' exists next to it "
              + "and its files would mix with that folder's; unpack that archive by hand")
        }
        try Self.relocate(staging: staging, under: kind.stem)
        try Self.move(inner, from: staging, under: [kind.stem], to: folder, into: &tree, root: root)
      }
    }
  }

  /// The distinct first path components of a tree's files, links and folders.
  private static func topLevelNames(of tree: ExtractedTree) throws -> Set<String> {
    var names: Set<String> = []
    // Stops at two names: a tree of millions of images is not walked to learn it has many.
    func add(_ path: String) -> Bool {
      names.insert(String(path.prefix { $0 != "/" }))
      return names.count > 1
    }
    try tree.forEachFile { !add($0.path) }
    if names.count > 1 { return names }
    for path in tree.symlinks.keys where add(path) { return names }
    for path in tree.directories where add(path) { return names }
    return names
  }

  /// A fresh hidden folder inside the scratch folder.
  private func makeStaging() throws -> URL {
    let url = scratch.appendingPathComponent(
      ".dojo-nested-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))")
    guard mkdir(url.path, 0o755) == 0 else {
      throw DojoError(.io, "cannot create folder \(url.path): \(String(cString: strerror(errno)))")
    }
    return url
  }

  /// Whether every path of `inner` can be placed below `folder` without replacing anything.
  private static func fits(_ inner: ExtractedTree, at folder: [String], in tree: ExtractedTree)
    throws -> Bool
  {
    let base = folder.joined(separator: "/")
    func target(_ p: String) -> String { base.isEmpty ? p : base + "/" + p }
    for dir in inner.directories {
      let t = target(dir)
      if try tree.isFile(t) || tree.symlinks[t] != nil || tree.collides(t) { return false }
    }
    for p in inner.symlinks.keys where try !isFree(target(p), in: tree) || tree.collides(target(p))
    {
      return false
    }
    var fits = true
    try inner.forEachFile { record in
      fits = try isFree(target(record.path), in: tree) && !tree.collides(target(record.path))
      return fits
    }
    return fits
  }

  private static func isFree(_ rel: String, in tree: ExtractedTree) -> Bool {
    !tree.isFile(rel) && tree.symlinks[rel] == nil && !tree.directories.contains(rel)
  }

  /// Moves everything in `staging` one level down, into `staging/name`.
  private static func relocate(staging: URL, under name: String) throws {
    let holder = staging.appendingPathComponent(".dojo-holder")
    let items = try FileManager.default.contentsOfDirectory(atPath: staging.path)
    guard mkdir(holder.path, 0o755) == 0 else {
      throw DojoError(.io, "cannot create folder \(holder.path)")
    }
    for item in items {
      try renameOrThrow(
        staging.appendingPathComponent(item).path, holder.appendingPathComponent(item).path)
    }
    try renameOrThrow(holder.path, staging.appendingPathComponent(name).path)
  }

  /// Renames `inner`'s files from `staging` (below `under` there, after ``relocate``) to
  /// below `folder` of `root`, recording them.
  private static func move(
    _ inner: ExtractedTree, from staging: URL, under: [String], to folder: [String],
    into tree: inout ExtractedTree, root: URL
  ) throws {
    let base = (folder + under).joined(separator: "/")
    func target(_ p: String) -> String { base.isEmpty ? p : base + "/" + p }
    func source(_ p: String) -> String {
      (under.isEmpty ? staging : staging.appendingPathComponent(under.joined(separator: "/")))
        .appendingPathComponent(p).path
    }
    func claim(_ rel: String) throws {
      if let clash = try tree.claim(rel) {
        throw DojoError(
          .unsafeArchive,
          "refused '\(clash.new)': it and the earlier '\(clash.earlier)' differ only by Unicode "
            + "normalisation and would be one file; rename one of them")
      }
    }
    // `fits` (or the fresh folder they go to) ruled out names that collide after
    // normalisation; recording them keeps later nested archives to the same rule.
    var folders = inner.directories.map(target)
    var prefix: [String] = []
    for part in under {
      prefix.append(part)
      folders.append((folder + prefix).joined(separator: "/"))
    }
    for dir in folders { try claim(dir) }
    for p in inner.symlinks.keys { try claim(target(p)) }
    // Parents sort before their children, so each folder's parent exists when it is made.
    for dir in folders.sorted() where !tree.directories.contains(dir) {
      let path = root.appendingPathComponent(dir).path
      if mkdir(path, 0o755) != 0 && errno != EEXIST {
        throw DojoError(.io, "cannot create folder \(path): \(String(cString: strerror(errno)))")
      }
      tree.directories.insert(dir)
    }
    var moving: [FileTree.Entry] = []
    func flush() throws {
      for entry in moving {
        try renameOrThrow(source(entry.path), root.appendingPathComponent(target(entry.path)).path)
        try claim(target(entry.path))
        try tree.addFile(
          FileTree.Entry(path: target(entry.path), size: entry.size, sha256: entry.sha256))
      }
      moving.removeAll(keepingCapacity: true)
    }
    // In batches: the inner ledger is read while the outer one is written.
    try inner.forEachFile { record in
      moving.append(record)
      if moving.count >= 4096 { try flush() }
      return true
    }
    try flush()
    for (p, link) in inner.symlinks {
      try renameOrThrow(source(p), root.appendingPathComponent(target(p)).path)
      tree.symlinks[target(p)] = link
    }
  }

  private static func renameOrThrow(_ from: String, _ to: String) throws {
    guard rename(from, to) == 0 else {
      throw DojoError(.io, "cannot move \(from) to \(to): \(String(cString: strerror(errno)))")
    }
  }
}
