public import DojoCore
public import Foundation

/// The bounds an archive must stay within to be unpacked; anything past them is refused as
/// hostile (a zip bomb, an entry flood, a recursive archive).
///
/// The defaults fit every real competition archive we know of with room to spare.
public struct UnpackLimits: Sendable, Equatable {
  /// The largest single file, in bytes: a size a header declares is refused before writing,
  /// and the bytes are counted as they are written (headers are not trusted to be honest).
  public var maxEntrySize: Int64
  /// The most bytes written in total, nested archives' own bytes included.
  public var maxTotalSize: Int64
  /// The largest ratio of bytes written (by every archive of the unpack, nested ones
  /// included) to compressed bytes read from the outermost archive, so that nesting cannot
  /// multiply it. A sparse entry counts at its logical size before any of it is written.
  public var maxRatio: Double
  /// Output below this many bytes in total is never refused for its ratio, so that tiny
  /// but very compressible files (an all-zero CSV column) pass.
  public var ratioFloor: Int64
  /// The most entries (files, folders, links) across all archives.
  public var maxEntries: Int
  /// How many levels of archives inside the archive are opened; an archive found deeper
  /// than this is refused.
  public var maxDepth: Int
  /// Not a limit: a zip whose central directory holds more entries than this is read one
  /// piece of that many entries at a time (``ZipPieceSource``), so libarchive never holds
  /// more of its directory than that (about 155 bytes an entry: 10 MB here).
  package var zipPieceEntries = 65_536

  /// - Parameters: see the properties; the defaults are 128 GiB per file, 1 TiB in total,
  ///   200:1 above 1 MiB, 8,000,000 entries and 3 levels of nesting. They fit every catalogue
  ///   competition by its published size: bms-molecular-translation's 4.04 million images,
  ///   herbarium-2021's 2.5 million, cdiscount's single train.bson of about 58 GB,
  ///   inaturalist-2019's 82 GB tar.gz inside its zip, vinbigdata's 206 GB download. The
  ///   ratio bounds a bomb whatever the sizes allow.
  public init(
    maxEntrySize: Int64 = 128 << 30, maxTotalSize: Int64 = 1 << 40, maxRatio: Double = 200,
    ratioFloor: Int64 = 1 << 20, maxEntries: Int = 8_000_000, maxDepth: Int = 3
  ) {
    self.maxEntrySize = maxEntrySize
    self.maxTotalSize = maxTotalSize
    self.maxRatio = maxRatio
    self.ratioFloor = ratioFloor
    self.maxEntries = maxEntries
    self.maxDepth = maxDepth
  }
}

extension UnpackLimits {
  /// The defaults with a manifest's `unpack:` overrides applied.
  public init(_ spec: Manifest.Unpack?) {
    self.init()
    guard let spec else { return }
    if let n = spec.maxEntries { maxEntries = n }
    if let gb = spec.maxFileGB { maxEntrySize = Self.bytes(gb) }
    if let gb = spec.maxTotalGB { maxTotalSize = Self.bytes(gb) }
  }

  private static func bytes(_ gib: Double) -> Int64 { Int64((gib * 0x1p30).rounded(.up)) }
}

/// What ``Unpacker/unpack(archive:into:)`` wrote.
public struct UnpackReport: Sendable, Equatable {
  /// The output folder.
  public var directory: URL
  /// How many regular files were written.
  public var fileCount: Int
  /// The sum of the files' sizes.
  public var totalBytes: Int64
  /// How many archives found inside the archive were opened in place.
  public var nestedArchives: Int

  /// Every regular file written, sorted by path (byte order of the UTF-8 path), relative to
  /// ``directory``: read back from `.manifest.json`, since an archive of millions of entries
  /// is never listed whole in memory while it is unpacked.
  public func files() throws -> [FileTree.Entry] {
    let url = directory.appendingPathComponent(UnpackManifest.fileName)
    do {
      return try JSONDecoder().decode(UnpackManifest.self, from: Data(contentsOf: url)).files
    } catch {
      throw DojoError(.io, "cannot read \(url.path): \(error.localizedDescription)", cause: error)
    }
  }
}

/// The `.manifest.json` written at the root of an unpacked folder.
public struct UnpackManifest: Codable, Sendable, Equatable {
  /// The file name of the archive that was unpacked.
  public var archive: String
  /// Every regular file, sorted by path.
  public var files: [FileTree.Entry]

  public init(archive: String, files: [FileTree.Entry]) {
    self.archive = archive
    self.files = files
  }

  /// The manifest's file name inside the output folder.
  public static let fileName = ".manifest.json"

  /// Writes the manifest of `files` (sorted by path) to `url`, record by record through a
  /// small buffer: byte for byte what ``StableJSON`` makes of an ``UnpackManifest``, without
  /// building the whole document (an archive of millions of entries makes one of hundreds of
  /// megabytes, and JSONEncoder's intermediate objects several times that).
  public static func write(archive: String, files: [FileTree.Entry], to url: URL) throws {
    try write(archive: archive, to: url) { record in
      for file in files { try record(file) }
    }
  }

  /// Writes the manifest of the records `files` hands to its argument, in the order given
  /// (sorted by path), streamed as ``write(archive:files:to:)`` does.
  public static func write(
    archive: String, to url: URL,
    files: ((FileTree.Entry) throws -> Void) throws -> Void
  ) throws {
    guard FileManager.default.createFile(atPath: url.path, contents: nil),
      let handle = FileHandle(forWritingAtPath: url.path)
    else {
      throw DojoError(.io, "cannot create \(url.path): \(String(cString: strerror(errno)))")
    }
    defer { try? handle.close() }
    var buffer = Data()
    buffer.reserveCapacity(1 << 20)
    func flush() throws {
      do {
        try handle.write(contentsOf: buffer)
      } catch {
        throw AtomicFiles.ioError("cannot write \(url.path)", error)
      }
      buffer.removeAll(keepingCapacity: true)
    }
    var count = 0
    try files { file in
      if count == 0 {
        buffer.append(contentsOf: Array("{\n  \"archive\" : ".utf8))
        try appendJSON(archive, to: &buffer)
        buffer.append(contentsOf: Array(",\n  \"files\" : [\n".utf8))
      } else {
        buffer.append(contentsOf: Array(",\n".utf8))
      }
      count += 1
      buffer.append(contentsOf: Array("    {\n      \"path\" : ".utf8))
      try appendJSON(file.path, to: &buffer)
      buffer.append(contentsOf: Array(",\n      \"sha256\" : ".utf8))
      try appendJSON(file.sha256, to: &buffer)
      buffer.append(contentsOf: Array(",\n      \"size\" : \(file.size)\n    }".utf8))
      if buffer.count >= 1 << 20 { try flush() }
    }
    guard count > 0 else {
      // StableJSON's spelling of an empty list; nothing was streamed.
      do {
        try StableJSON.encode(UnpackManifest(archive: archive, files: [])).write(to: url)
      } catch {
        throw AtomicFiles.ioError("cannot write \(url.path)", error)
      }
      return
    }
    buffer.append(contentsOf: Array("\n  ]\n}\n".utf8))
    try flush()
  }

  /// Appends `text` as a JSON string, escaped as JSONEncoder escapes it (slashes left alone):
  /// printable ASCII without quotes or backslashes, what nearly every path is, is copied as
  /// it is; anything else goes through JSONEncoder itself, so the two cannot disagree.
  private static func appendJSON(_ text: String, to buffer: inout Data) throws {
    if text.utf8.allSatisfy({ (0x20...0x7E).contains($0) && $0 != 0x22 && $0 != 0x5C }) {
      buffer.append(0x22)
      buffer.append(contentsOf: text.utf8)
      buffer.append(0x22)
      return
    }
    let strings = JSONEncoder()
    strings.outputFormatting = [.withoutEscapingSlashes]
    buffer.append(try strings.encode(text))
  }
}
