import DojoCore
import Foundation
import Ingest
import Testing

/// A zip of more entries than `zipPieceEntries` is read one piece of its central directory
/// at a time (memory that does not grow with the entry count); what it unpacks must be what
/// one reader of the whole file unpacks.
@Suite struct ZipPiecesTests {
  /// Limits that read any zip of more than `entries` entries in pieces of that many.
  static func pieces(of entries: Int) -> UnpackLimits {
    var limits = UnpackLimits()
    limits.zipPieceEntries = entries
    return limits
  }

  /// Every path under `root` with its kind, executable bit and content's size and CRC or
  /// link target, and the file list Dojo wrote.
  static func tree(_ root: URL) throws -> [String] {
    var out: [String] = []
    let paths = try FileManager.default.subpathsOfDirectory(atPath: root.path).sorted()
    for rel in paths {
      let path = root.appendingPathComponent(rel).path
      var info = stat()
      guard lstat(path, &info) == 0 else { throw DojoError(.io, "lstat \(path)") }
      switch info.st_mode & S_IFMT {
      case S_IFDIR: out.append("dir \(rel)")
      case S_IFLNK:
        out.append(
          "link \(rel) -> \(try FileManager.default.destinationOfSymbolicLink(atPath: path))")
      default:
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let crc = String(HandZip.crc32(data), radix: 16)
        out.append("file \(rel) x=\(info.st_mode & 0o111 != 0) \(data.count) bytes crc \(crc)")
      }
    }
    return out
  }

  /// Unpacks `archive` whole and in pieces of `piece` entries; both trees.
  static func bothWays(_ archive: URL, piece: Int, in scratch: Scratch) throws -> (
    [String], [String]
  ) {
    let whole = scratch.url.appendingPathComponent("whole")
    let cut = scratch.url.appendingPathComponent("cut")
    let a = try Unpacker().unpack(archive: archive, into: whole)
    let b = try Unpacker(limits: pieces(of: piece)).unpack(archive: archive, into: cut)
    #expect(a.fileCount == b.fileCount && a.totalBytes == b.totalBytes)
    return (try tree(whole), try tree(cut))
  }

  @Test(arguments: [1, 2, 3, 5])
  func aZipReadInPiecesUnpacksWhatOneReaderOfTheWholeFileDoes(_ piece: Int) throws {
    let scratch = try Scratch()
    var entries: [TestEntry] = [
      .init(path: "data", kind: .directory),
      .file("data/train.csv", "id,y\n1,0\n2,1\n"),
      .file("data/test.csv", String(repeating: "id,x\n", count: 400)),
      .init(path: "data/latest", kind: .symlink("train.csv")),
      .file("run.sh", "#!/bin/sh\necho hi\n", perm: 0o755),
      .init(path: "images/a", kind: .directory),
    ]
    for i in 0..<9 { entries.append(.file("images/a/\(i).jpg", noise(100 + i, seed: UInt64(i)))) }
    let archive = try scratch.archive("data.zip", entries, .zip)
    let (whole, cut) = try Self.bothWays(archive, piece: piece, in: scratch)
    #expect(whole == cut)
    #expect(whole.contains("link data/latest -> train.csv"))
    #expect(whole.contains { $0.hasPrefix("file run.sh x=true") })
    #expect(whole.count(where: { $0.hasPrefix("file images/a/") }) == 9)
  }

  /// A zip appended to another (its offsets counted from its own start) is read by its
  /// own directory, every recorded offset shifted by the bytes before it; each piece must
  /// find the same shift.
  @Test func aZipAfterOtherBytesIsReadInPiecesWithTheSameShift() throws {
    let scratch = try Scratch()
    let first = try scratch.archive("first.zip", [.file("first.txt", "first\n")], .zip)
    let plain = try scratch.archive(
      "plain.zip", (0..<7).map { .file("f\($0).txt", "file \($0)\n") }, .zip)
    let archive = scratch.url.appendingPathComponent("joined.zip")
    try (Data(contentsOf: first) + Data(contentsOf: plain)).write(to: archive)
    let (whole, cut) = try Self.bothWays(archive, piece: 2, in: scratch)
    #expect(whole == cut)
    #expect(whole.count == 8, "\(whole)")  // 7 files and .manifest.json
  }

  /// A tar whose last member is a zip ends with that zip's end record: it is still a tar.
  @Test func aTarEndingInAZipIsReadAsATar() throws {
    let scratch = try Scratch()
    let inner = try scratch.archive(
      "inner.zip", (0..<5).map { .file("g\($0).txt", "inner \($0)\n") }, .zip)
    let archive = try scratch.archive(
      "outer.tar",
      [.file("notes.txt", "outer\n"), .file("images.zip", try Data(contentsOf: inner))], .tar)
    try Unpacker(limits: Self.pieces(of: 2)).unpack(archive: archive, into: scratch.out)
    let tree = try Self.tree(scratch.out)
    #expect(tree.contains { $0.hasPrefix("file notes.txt ") }, "\(tree)")
    #expect(tree.count(where: { $0.hasPrefix("file images/g") }) == 5, "\(tree)")
  }

  /// A zip64 end record (what a zip of more than 65,535 entries has) is read in pieces.
  @Test func aZipWithAZip64EndRecordIsReadInPieces() throws {
    let scratch = try Scratch()
    let plain = try scratch.archive(
      "plain.zip", (0..<6).map { .file("d/f\($0).txt", "file \($0)\n") }, .zip)
    let archive = scratch.url.appendingPathComponent("big.zip")
    try Self.withZip64End(Data(contentsOf: plain)).write(to: archive)
    let (whole, cut) = try Self.bothWays(archive, piece: 4, in: scratch)
    #expect(whole == cut)
    #expect(whole.count(where: { $0.hasPrefix("file d/f") }) == 6)
  }

  /// An entry the directory does not list stays unread, in pieces as whole.
  @Test func anEntryTheDirectoryHidesIsNotUnpackedInPieces() throws {
    let scratch = try Scratch()
    let members = (0..<5).map { i in
      HandZip.Member(
        name: Array("m\(i).txt".utf8), data: Data("member \(i)\n".utf8), listed: i != 2)
    }
    let archive = scratch.url.appendingPathComponent("hidden.zip")
    try HandZip.build(members).write(to: archive)
    let (whole, cut) = try Self.bothWays(archive, piece: 1, in: scratch)
    #expect(whole == cut)
    #expect(!cut.contains { $0.contains("m2.txt") })
    #expect(cut.count(where: { $0.hasPrefix("file m") }) == 4)
  }

  /// A name with a NUL in the last piece is refused before any piece is unpacked.
  @Test func aBadNameInALaterPieceIsRefusedBeforeAnythingIsWritten() throws {
    let scratch = try Scratch()
    var members = (0..<6).map {
      HandZip.Member(name: Array("ok\($0).txt".utf8), data: Data("x".utf8))
    }
    members.append(
      HandZip.Member(name: Array("evil.csv".utf8) + [0] + Array(".txt".utf8), data: Data("y".utf8)))
    let archive = scratch.url.appendingPathComponent("nul.zip")
    try HandZip.build(members).write(to: archive)
    let error = #expect(throws: DojoError.self) {
      try Unpacker(limits: Self.pieces(of: 2)).unpack(archive: archive, into: scratch.out)
    }
    #expect(error?.message.contains("NUL") == true, "\(String(describing: error))")
    #expect(try scratch.topLevel() == ["nul.zip"])
  }

  /// A directory cut short is damage, named as such, with nothing left behind.
  @Test func aTruncatedDirectoryIsDamageInPieces() throws {
    let scratch = try Scratch()
    let plain = try scratch.archive(
      "plain.zip", (0..<6).map { .file("f\($0).txt", "file \($0)\n") }, .zip)
    var bytes = try Data(contentsOf: plain)
    // The end record claims more directory than there is: 40 bytes before the real start.
    let end = bytes.count - 22
    let size = UInt32(bytes[end + 12]) | UInt32(bytes[end + 13]) << 8
    bytes[end + 12] = UInt8(truncatingIfNeeded: size + 40)
    bytes[end + 13] = UInt8(truncatingIfNeeded: (size + 40) >> 8)
    let archive = scratch.url.appendingPathComponent("cut.zip")
    try bytes.write(to: archive)
    #expect(throws: DojoError.self) {
      try Unpacker(limits: Self.pieces(of: 2)).unpack(archive: archive, into: scratch.out)
    }
    #expect(try scratch.topLevel() == ["cut.zip", "plain.zip"])
  }

  /// `data` (a zip with a 22-byte classic end record and no comment) with a zip64 end
  /// record and locator in front of an end record whose numbers say "see zip64".
  static func withZip64End(_ data: Data) -> Data {
    var bytes = [UInt8](data)
    let end = bytes.count - 22
    func le(_ at: Int, _ n: Int) -> UInt64 {
      (0..<n).reduce(0) { $0 | UInt64(bytes[at + $1]) << (8 * UInt64($1)) }
    }
    let count = le(end + 10, 2)
    let size = le(end + 12, 4)
    let offset = le(end + 16, 4)
    bytes.removeLast(22)
    var out: [UInt8] = []
    func put(_ value: UInt64, _ n: Int) {
      for i in 0..<n { out.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) }
    }
    let record = UInt64(bytes.count)
    out += [0x50, 0x4B, 6, 6]
    put(44, 8)
    put(45, 2)
    put(45, 2)
    put(0, 4)
    put(0, 4)
    put(count, 8)
    put(count, 8)
    put(size, 8)
    put(offset, 8)
    out += [0x50, 0x4B, 6, 7]
    put(0, 4)
    put(record, 8)
    put(1, 4)
    out += [0x50, 0x4B, 5, 6]
    put(0, 4)
    put(0xFFFF, 2)
    put(0xFFFF, 2)
    put(0xFFFF_FFFF, 4)
    put(0xFFFF_FFFF, 4)
    put(0, 2)
    return Data(bytes + out)
  }
}
