internal import DojoCore
internal import Foundation

/// The SHA-256 of each raw file as `dojo unpack` recorded it in `raw/<id>/files/.manifest.json`
/// (path, size, sha256), so the task version reads hashes instead of hashing the archive's
/// files again. A file whose size differs from its record, or that has no record (a folder
/// unpacked by hand), is hashed.
struct RawRecords {
  private let root: URL
  private let byPath: [String: FileTree.Entry]

  /// The records' file name, as unpack writes it.
  static let fileName = ".manifest.json"

  private struct Listing: Decodable { var files: [FileTree.Entry] }

  /// Reads the records below `root`; none when the file is absent or not a record listing.
  init(root: URL) {
    self.root = root
    let url = root.appendingPathComponent(Self.fileName)
    guard let data = try? Data(contentsOf: url),
      let listing = try? JSONDecoder().decode(Listing.self, from: data)
    else {
      byPath = [:]
      return
    }
    byPath = Dictionary(listing.files.map { ($0.path, $0) }) { first, _ in first }
  }

  /// Whether any record was read.
  var isEmpty: Bool { byPath.isEmpty }

  /// The file's SHA-256: its record's when the size still matches, else hashed now.
  func sha256(of url: URL) throws -> String {
    let prefix = root.standardizedFileURL.path + "/"
    let path = url.standardizedFileURL.path
    if path.hasPrefix(prefix), let record = byPath[String(path.dropFirst(prefix.count))],
      let size = try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber,
      size.int64Value == record.size
    {
      return record.sha256
    }
    return try SHA256Hasher.hash(fileAt: url)
  }
}
