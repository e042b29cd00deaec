internal import DojoCore
public import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Finds the files a manifest names inside an unpacked archive, by path or glob.
///
/// Globs: `*` and `?` match within one path component, `**` matches any number of
/// components. Kaggle archives often wrap everything in a top folder or nest `train.csv`
/// inside `train.csv.zip`'s folder, so a bare file name that is not at the top is also
/// looked for one or more folders down, as long as exactly one file matches.
public struct RawFiles: Sendable {
  /// The unpacked archive's root.
  public let root: URL
  /// Every regular file below the root, relative, sorted.
  public let paths: [String]

  public init(root: URL) throws {
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDir), isDir.boolValue
    else {
      throw DojoError(
        .notFound,
        "no unpacked archive at \(root.path): run `dojo fetch` and `dojo unpack` first (or `dojo import`)"
      )
    }
    self.root = root
    self.paths = try FileTree.relativePaths(under: root) { $0.hasPrefix(".") }
  }

  /// The one file matching `pattern`; `key` is the manifest key, for the error message.
  public func one(_ pattern: String, key: String) throws -> URL {
    let found = all(pattern)
    if found.count == 1 { return try contained(found[0], key: key) }
    if found.isEmpty {
      let listing = paths.prefix(12).joined(separator: ", ")
      throw DojoError(
        .invalidManifest,
        "\(key): \"\(pattern)\" matches no file in \(root.path) (it holds: \(listing)\(paths.count > 12 ? ", ..." : ""))"
      )
    }
    throw DojoError(
      .invalidManifest,
      "\(key): \"\(pattern)\" matches \(found.count) files (\(found.prefix(5).joined(separator: ", "))); make it name exactly one"
    )
  }

  /// The real path of the archive file `relative` (as ``paths`` lists it), checked where it
  /// is used: every link on the way must stay inside the root, and the file must be a
  /// regular file (no device, FIFO or folder reached through a link). `key` is the manifest
  /// key that names it.
  ///
  /// - Throws: ``DojoError`` `.unsafeArchive` naming the key and the file.
  public func contained(_ relative: String, key: String) throws -> URL {
    switch ContainedPath.resolve(relative, under: root) {
    case .refused(let problem):
      throw DojoError(
        .unsafeArchive,
        "\(key): the archive file \(relative) \(problem); an unpacked archive must not link out of \(root.path): delete that folder and unpack again"
      )
    case .inside(let url):
      var info = stat()
      guard lstat(url.path, &info) == 0 else {
        throw DojoError(
          .notFound, "\(key): the archive file \(relative) does not exist in \(root.path)")
      }
      guard info.st_mode & S_IFMT == S_IFREG else {
        throw DojoError(
          .unsafeArchive,
          "\(key): the archive file \(relative) is not a regular file (a folder, device, FIFO or socket); name a data file"
        )
      }
      return url
    }
  }

  /// The files below the folder `folder` (relative to the root), sorted: a binary search in
  /// ``paths``, which are sorted by their UTF-8 bytes, so no index of the archive is built.
  public func paths(under folder: String) -> ArraySlice<String> {
    let prefix = Array((folder + "/").utf8)
    var low = 0
    var high = paths.count
    while low < high {
      let mid = (low + high) / 2
      if paths[mid].utf8.lexicographicallyPrecedes(prefix) { low = mid + 1 } else { high = mid }
    }
    var end = low
    while end < paths.count && paths[end].utf8.starts(with: prefix) { end += 1 }
    return paths[low..<end]
  }

  /// Every file matching `pattern`, sorted.
  public func all(_ pattern: String) -> [String] {
    let direct = paths.filter { Self.matches(path: $0, pattern: pattern) }
    if !direct.isEmpty || pattern.contains("/") { return direct }
    return paths.filter { Self.matches(path: $0, pattern: "**/" + pattern) }
  }

  /// Whether a relative path matches a glob.
  public static func matches(path: String, pattern: String) -> Bool {
    matchComponents(
      path.split(separator: "/", omittingEmptySubsequences: true)[...],
      pattern.split(separator: "/", omittingEmptySubsequences: true)[...])
  }

  private static func matchComponents(
    _ path: ArraySlice<Substring>, _ pattern: ArraySlice<Substring>
  )
    -> Bool
  {
    guard let head = pattern.first else { return path.isEmpty }
    if head == "**" {
      let rest = pattern.dropFirst()
      var p = path
      while true {
        if matchComponents(p, rest) { return true }
        if p.isEmpty { return false }
        p = p.dropFirst()
      }
    }
    guard let first = path.first, matchName(Array(first.utf8)[...], Array(head.utf8)[...]) else {
      return false
    }
    return matchComponents(path.dropFirst(), pattern.dropFirst())
  }

  private static func matchName(_ name: ArraySlice<UInt8>, _ pattern: ArraySlice<UInt8>) -> Bool {
    guard let p = pattern.first else { return name.isEmpty }
    switch p {
    case UInt8(ascii: "*"):
      var n = name
      while true {
        if matchName(n, pattern.dropFirst()) { return true }
        if n.isEmpty { return false }
        n = n.dropFirst()
      }
    case UInt8(ascii: "?"):
      return !name.isEmpty && matchName(name.dropFirst(), pattern.dropFirst())
    default:
      return name.first == p && matchName(name.dropFirst(), pattern.dropFirst())
    }
  }
}
