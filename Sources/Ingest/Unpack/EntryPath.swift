internal import DojoCore

/// Turns archive entry names into safe relative paths, and decides whether link targets stay
/// inside the output folder. Purely lexical: the extractor separately refuses any entry whose
/// path runs through a symlink, so lexical resolution is the real one.
enum EntryPath {
  /// Why a name was refused; the caller adds the archive and entry to the message.
  enum Refusal: Error, Equatable {
    case empty, absolute, parentReference
  }

  /// The name's components with `.` and empty parts dropped.
  ///
  /// - Throws: ``Refusal`` for an empty name, an absolute path (`/x`, `C:\x`, `\\host`) or
  ///   any `..` component.
  static func components(of name: String) throws(Refusal) -> [String] {
    if name.hasPrefix("/") || name.hasPrefix("\\") { throw .absolute }
    // A drive letter: Windows-made zips sometimes store `C:\...` or `C:/...`.
    let utf8 = Array(name.utf8.prefix(3))
    if utf8.count >= 2, utf8[1] == UInt8(ascii: ":"),
      (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(utf8[0] | 0x20)
    {
      throw .absolute
    }
    var parts: [String] = []
    for part in name.split(separator: "/", omittingEmptySubsequences: true) {
      if part == "." { continue }
      // `..\` is a parent reference on Windows, where the file may be unpacked again.
      if part == ".." || part.hasPrefix("..\\") || part.hasSuffix("\\..")
        || part.contains("\\..\\")
      {
        throw .parentReference
      }
      parts.append(String(part))
    }
    if parts.isEmpty { throw .empty }
    return parts
  }

  /// Whether a symlink at `linkPath` (components relative to the output root) pointing at
  /// `target` resolves inside the root.
  static func symlinkStaysInside(linkPath: [String], target: String) -> Bool {
    if target.isEmpty || target.hasPrefix("/") { return false }
    var stack = Array(linkPath.dropLast())
    for part in target.split(separator: "/", omittingEmptySubsequences: true) {
      switch part {
      case ".": continue
      case "..":
        if stack.isEmpty { return false }
        stack.removeLast()
      default: stack.append(String(part))
      }
    }
    return true
  }

  /// The suffixes that mark a file as an archive to open in place, longest first so that
  /// `x.tar.gz` is a tarball rather than a gzip'd `x.tar`.
  static let archiveSuffixes: [(suffix: String, raw: Bool)] = [
    (".tar.gz", false), (".tar.bz2", false), (".tar.xz", false), (".tar.zst", false),
    (".tgz", false), (".tbz2", false), (".tbz", false), (".txz", false), (".tzst", false),
    (".zip", false), (".tar", false), (".7z", false), (".rar", false),
    (".gz", true), (".bz2", true), (".xz", true), (".zst", true),
  ]

  /// For a file name that looks like an archive: its stem (the name without the archive
  /// suffix) and whether it is a lone compressed file (read with libarchive's raw format).
  static func archiveKind(of fileName: String) -> (stem: String, raw: Bool)? {
    let lower = fileName.lowercased()
    for (suffix, raw) in archiveSuffixes where lower.hasSuffix(suffix) {
      let stem = String(fileName.dropLast(suffix.count))
      if stem.isEmpty { return nil }
      return (stem, raw)
    }
    return nil
  }
}
