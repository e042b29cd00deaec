internal import DojoCore
internal import Foundation

/// Places each row's media file (image, audio, document) on the row's side of the split:
/// `public/train/<file>` or `public/test/<file>`, so a test file never lands beside the
/// train files. Hard links where the file system allows (no copy of gigabytes of images),
/// copies otherwise; rows on neither side leave their file out.
struct MediaMover {
  let media: Manifest.Media
  let files: RawFiles
  let publicDir: URL

  /// The file name for an id value, refusing values that would leave the media folder.
  func fileName(for id: String) throws -> String {
    if id.isEmpty || id.contains("/") || id == "." || id == ".." || id.contains("\0") {
      throw DojoError(
        .invalidData,
        "media: id value \"\(id)\" cannot name a file in \(media.folder); ids must be plain names")
    }
    return media.pattern.replacingOccurrences(of: "{id}", with: id)
  }

  /// Links or copies the file of `id` to `public/<side>/`.
  func place(id: String, side: RowSide) throws {
    let name = try fileName(for: id)
    let source = files.root.appendingPathComponent(media.folder).appendingPathComponent(name)
    guard FileManager.default.fileExists(atPath: source.path) else {
      throw DojoError(
        .invalidData,
        "media: no file \(media.folder)/\(name) for id \"\(id)\"; check media.folder and media.pattern"
      )
    }
    let sideName: String
    switch side {
    case .train: sideName = "train"
    case .test: sideName = "test"
    case .dropped: return
    }
    let dir = publicDir.appendingPathComponent(sideName)
    let target = dir.appendingPathComponent(name)
    try AtomicFiles.createDirectory(target.deletingLastPathComponent())
    if link(source.path, target.path) == 0 { return }
    do {
      try FileManager.default.copyItem(at: source, to: target)
    } catch {
      throw AtomicFiles.ioError("cannot copy \(source.path) to \(target.path)", error)
    }
  }
}
