internal import DojoCore

/// Turns archive entry names into safe relative paths. Purely lexical: the extractor refuses
/// any entry whose path runs through a symlink, and ``LinkResolver`` judges link targets
/// against the tree being built.
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

  /// The first control character (Unicode category Cc: C0, DEL, C1) in `name`, if any. No
  /// real file name holds one, and they hide or forge what a terminal shows of the name.
  static func controlCharacter(in name: String) -> Unicode.Scalar? {
    // Cc is exactly U+0000–U+001F and U+007F–U+009F: a byte scan finds them cheaply.
    var previous: UInt8 = 0
    for byte in name.utf8 {
      if byte < 0x20 || byte == 0x7F { return Unicode.Scalar(byte) }
      if previous == 0xC2 && (0x80...0x9F).contains(byte) { return Unicode.Scalar(byte) }
      previous = byte
    }
    return nil
  }

  /// `name` with control characters shown as `\u{…}`, for messages.
  static func visible(_ name: String) -> String {
    var out = ""
    for scalar in name.unicodeScalars {
      if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
        out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
      } else {
        out.unicodeScalars.append(scalar)
      }
    }
    return out
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
