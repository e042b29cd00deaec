internal import DojoCore
internal import Foundation

/// Places each row's media file (image, audio, document) on the row's side of the split:
/// `public/train/<file>` or `public/test/<file>` (or the folders `media.train_folder` and
/// `media.test_folder` name), so a test file never lands beside the train files. Hard links where the file system allows (no copy of gigabytes of images),
/// copies otherwise; rows on neither side leave their file out.
///
/// A row's media may be a folder (`{id}` naming `train/00000/`, a patient's DICOM series): every
/// file below it moves with the row, keeping its path under the folder's name.
///
/// A pattern may name sub-folders from the id's characters (`{id[0]}/{id[1]}/{id}.png`); the
/// file keeps that path under its side. A pattern may hold globs (`*/{id}.jpg`: the file sits in a class sub-folder). Such files
/// are placed flat, by their own name, so the sub-folder (often the label) never reaches
/// `public/`.
struct MediaMover {
  let media: Manifest.Media
  let files: RawFiles
  let publicDir: URL
  /// For glob patterns: the archive's files by their last path component.
  private let byName: [String: [String]]

  init(media: Manifest.Media, files: RawFiles, publicDir: URL) {
    self.media = media
    self.files = files
    self.publicDir = publicDir
    if media.pattern.contains(where: { $0 == "*" || $0 == "?" }) {
      byName = Dictionary(grouping: files.paths) { ($0 as NSString).lastPathComponent }
    } else {
      byName = [:]
    }
  }

  /// The archive path (relative to the root) of `id`'s file, resolving globs.
  func source(for id: String) throws -> String {
    let name = try fileName(for: id)
    let direct = media.folder + "/" + name
    guard !byName.isEmpty else { return direct }
    let pattern = direct
    let last = (pattern as NSString).lastPathComponent
    let candidates =
      last.contains(where: { $0 == "*" || $0 == "?" }) ? files.paths : byName[last] ?? []
    let matches = candidates.filter { RawFiles.matches(path: $0, pattern: pattern) }
    guard matches.count == 1 else {
      throw DojoError(
        .invalidData,
        matches.isEmpty
          ? "media: no file matches \(pattern) for id \"\(id)\"; check media.folder and media.pattern"
          : "media: \(matches.count) files match \(pattern) for id \"\(id)\" (\(matches.prefix(3).joined(separator: ", "))); make the pattern name one file"
      )
    }
    return matches[0]
  }

  /// The file name for an id value, refusing values that would leave the media folder.
  func fileName(for id: String) throws -> String {
    if id.isEmpty || id.contains("/") || id == "." || id == ".." || id.contains("\0") {
      throw DojoError(
        .invalidData,
        "media: id value \"\(id)\" cannot name a file in \(media.folder); ids must be plain names")
    }
    var name = media.pattern.replacingOccurrences(of: "{id}", with: id)
    // `{id[N]}`: the id's N-th character (from 0), for archives that shard files into
    // folders by an id's first characters (`{id[0]}/{id[1]}/{id}.png`).
    if name.contains("{id[") {
      let characters = Array(id)
      for n in 0..<10 where name.contains("{id[\(n)]}") {
        guard n < characters.count else {
          throw DojoError(
            .invalidData,
            "media: id \"\(id)\" has no character \(n) for {id[\(n)]} in media.pattern")
        }
        name = name.replacingOccurrences(of: "{id[\(n)]}", with: String(characters[n]))
      }
    }
    return name
  }

  /// Links or copies the file of `id` to `public/<side>/`.
  func place(id: String, side: RowSide) throws {
    let relative = try source(for: id)
    let name = byName.isEmpty ? try fileName(for: id) : (relative as NSString).lastPathComponent
    var isFolder: ObjCBool = false
    guard
      FileManager.default.fileExists(
        atPath: files.root.appendingPathComponent(relative).path, isDirectory: &isFolder)
    else {
      throw DojoError(
        .invalidData,
        "media: no file \(media.folder)/\(name) for id \"\(id)\"; check media.folder and media.pattern"
      )
    }
    let sideName: String
    switch side {
    case .train: sideName = media.trainFolder
    case .test: sideName = media.testFolder
    case .dropped: return
    }
    let dir = publicDir.appendingPathComponent(sideName)
    let inside = isFolder.boolValue ? files.paths(under: relative) : [relative]
    if inside.isEmpty {
      throw DojoError(
        .invalidData,
        "media: the folder \(relative) for id \"\(id)\" holds no file; check media.pattern")
    }
    for path in inside {
      // The real file, never a link: link(2) would hard-link a symbolic link itself, and a
      // copy would follow it out of the archive.
      let source = try files.contained(path, key: "media")
      try Self.linkOrCopy(
        source, to: dir.appendingPathComponent(name + path.dropFirst(relative.count)))
    }
  }

  /// A hard link where the file system allows (no copy of gigabytes of images), a copy
  /// otherwise; never a symbolic link. Creates the target's folder.
  static func linkOrCopy(_ source: URL, to target: URL) throws {
    try AtomicFiles.createDirectory(target.deletingLastPathComponent())
    if link(source.path, target.path) == 0 { return }
    do {
      try FileManager.default.copyItem(at: source, to: target)
    } catch {
      throw AtomicFiles.ioError("cannot copy \(source.path) to \(target.path)", error)
    }
  }
}
