import DojoCore
import Foundation
import Ingest
import Testing

/// Archives built as an attacker would, one per attack: each must be refused with a message
/// naming the entry and what to do, leaving nothing behind and nothing outside changed.
@Suite struct UnpackHostileTests {
  /// A scratch folder holding the hostile archive and a sentinel file beside the output.
  struct Arena {
    let scratch: Scratch
    let sentinel: URL
    static let sentinelText = Data("untouched\n".utf8)
    /// A name the attack tries to create outside; it must never exist.
    let escapeName = "dojo-escape-\(UUID().uuidString)"

    init() throws {
      scratch = try Scratch()
      sentinel = scratch.url.appendingPathComponent("sentinel.txt")
      try Self.sentinelText.write(to: sentinel)
    }

    func archive(_ name: String, _ entries: [TestEntry], _ format: TestArchiveFormat) throws
      -> URL
    {
      try scratch.archive(name, entries, format)
    }

    func file(_ name: String, _ data: Data) throws -> URL {
      let url = scratch.url.appendingPathComponent(name)
      try data.write(to: url)
      return url
    }

    /// Unpacks `archive`, expecting a refusal with `code` whose message holds every text of
    /// `mentions` (compared byte for byte, so that NFC and NFD spellings stay distinct); then
    /// checks that only the inputs and the untouched sentinel are left.
    @discardableResult
    func expectRefused(
      _ archive: URL, limits: UnpackLimits = UnpackLimits(), code: DojoError.Code = .unsafeArchive,
      mentions: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> DojoError? {
      let inputs = try scratch.topLevel()
      let error = #expect(throws: DojoError.self, sourceLocation: sourceLocation) {
        try Unpacker(limits: limits).unpack(archive: archive, into: scratch.out)
      }
      #expect(error?.code == code, "\(error?.message ?? "")", sourceLocation: sourceLocation)
      let message = error?.message ?? ""
      for text in mentions + [archive.lastPathComponent] {
        #expect(
          message.utf8.firstRange(of: text.utf8) != nil, "\(message) lacks \(text)",
          sourceLocation: sourceLocation)
      }
      // No output folder, no temporary folder, nothing new beside them, sentinel intact.
      #expect(try scratch.topLevel() == inputs, sourceLocation: sourceLocation)
      #expect(
        try Data(contentsOf: sentinel) == Self.sentinelText, sourceLocation: sourceLocation)
      for place in ["/", "/tmp", scratch.url.deletingLastPathComponent().path] {
        #expect(
          !FileManager.default.fileExists(atPath: place + "/" + escapeName),
          sourceLocation: sourceLocation)
      }
      return error
    }
  }

  // MARK: - Symlink chains

  /// `sub/b -> ..` is the output folder itself, so `c -> sub/b/..` is its parent; judged hop
  /// by hop (`sub/b/..` read lexically as `sub`) it looked inside.
  @Test func linkThroughALinkThatClimbsOutIsRefused() throws {
    let arena = try Arena()
    let archive = try arena.archive(
      "chain.tar.gz",
      [
        .init(path: "sub", kind: .directory),
        .init(path: "sub/b", kind: .symlink("..")),
        .init(path: "c", kind: .symlink("sub/b/..")),
        .init(path: "host/\(arena.escapeName)", kind: .hardlink("c/etc/hostname")),
      ], .tarGz)
    try arena.expectRefused(
      archive, mentions: ["'c'", "symlink to 'sub/b/..'", "resolves outside", "'sub/b'"])
  }

  /// A chain several links long, each hop inside, ending at `/`.
  @Test func longLinkChainEndingAtRootIsRefused() throws {
    let arena = try Arena()
    let archive = try arena.archive(
      "long.tar",
      [
        .init(path: "a/b/c", kind: .directory),
        .init(path: "a/b/c/up1", kind: .symlink("..")),
        .init(path: "a/b/up2", kind: .symlink("c/up1/..")),
        .init(path: "a/up3", kind: .symlink("b/up2/..")),
        .init(path: "root", kind: .symlink("a/up3/../../../..")),
      ], .tar)
    try arena.expectRefused(archive, mentions: ["'root'", "resolves outside"])
  }

  /// `c -> p/..` is inside while `p` does not exist; a later `p -> .` turns it into the parent
  /// of the output folder. The finished tree is judged again, so the pair is refused.
  @Test func laterLinkThatTurnsAnEarlierLinkOutwardIsRefused() throws {
    let arena = try Arena()
    let archive = try arena.archive(
      "later.zip",
      [
        .init(path: "c", kind: .symlink("p/..")),
        .init(path: "p", kind: .symlink(".")),
      ], .zip)
    try arena.expectRefused(archive, mentions: ["'c'", "symlink to 'p/..'", "outside"])
  }

  /// A link that leads back to itself never resolves: refused rather than left for tools.
  @Test func symlinkLoopIsRefused() throws {
    let arena = try Arena()
    let archive = try arena.archive(
      "loop.tar",
      [.init(path: "a", kind: .symlink("b")), .init(path: "b", kind: .symlink("a/x"))], .tar)
    try arena.expectRefused(archive, mentions: ["'b'", "never ends"])
  }

  /// Entries written through a link to a folder: a file, a folder and a hard link.
  @Test(arguments: [
    TestEntry.file("d/\(UUID().uuidString).txt", "through"),
    TestEntry(path: "d/inner", kind: .directory),
    TestEntry(path: "d/hl.txt", kind: .hardlink("sub/f.txt")),
  ])
  func entryWrittenThroughALinkToAFolderIsRefused(_ attack: TestEntry) throws {
    let arena = try Arena()
    let archive = try arena.archive(
      "through.tar",
      [.file("sub/f.txt", "f"), .init(path: "d", kind: .symlink("sub")), attack], .tar)
    // (tar stores a folder's name with a trailing `/`.)
    try arena.expectRefused(archive, mentions: ["'\(attack.path)", "through the symlink 'd'"])
  }

  /// A hard link may only name a file already extracted, by its real path: not a host file,
  /// not a path through a link, not a later entry.
  @Test(arguments: ["/etc/hostname", "d/f.txt", "../sentinel.txt", "later.txt"])
  func hardLinkToAnythingButAnExtractedFileIsRefused(_ target: String) throws {
    let arena = try Arena()
    let archive = try arena.archive(
      "hard.tar",
      [
        .file("sub/f.txt", "f"), .init(path: "d", kind: .symlink("sub")),
        .init(path: "h.txt", kind: .hardlink(target)), .file("later.txt", "later"),
      ], .tar)
    try arena.expectRefused(archive, mentions: ["'h.txt'", "hard link to '\(target)'"])
  }

  /// The outer archive holds `x/up -> ..` (the output folder); the archive nested in `x`
  /// holds `y -> up/..`, inside as far as its own tree can tell. Once moved into place the
  /// chain lands outside, and the finished tree is refused.
  @Test func nestedArchiveLinkThroughAnOuterLinkIsRefused() throws {
    let arena = try Arena()
    let inner = try arena.archive("inner.tar", [.init(path: "y", kind: .symlink("up/.."))], .tar)
    let outer = try arena.archive(
      "outer.zip",
      [
        .init(path: "x", kind: .directory), .init(path: "x/up", kind: .symlink("..")),
        .file("x/inner.tar", try Data(contentsOf: inner)),
      ], .zip)
    try arena.expectRefused(outer, mentions: ["'x/y'", "symlink to 'up/..'", "outside"])
  }

  /// Real layouts keep working: links to folders and files inside, chains through them, a
  /// `latest -> releases/v2` style alias, and a nested archive beside them.
  @Test func linksThatStayInsideStillUnpack() throws {
    let arena = try Arena()
    let nested = try arena.archive("extra.tar.gz", [.file("extra.csv", "e\n1\n")], .tarGz)
    let archive = try arena.archive(
      "fine.tar.xz",
      [
        .file("releases/v2/train.csv", "id\n1\n"),
        .init(path: "current", kind: .symlink("releases/v2")),
        .init(path: "train.csv", kind: .symlink("current/train.csv")),
        .init(path: "releases/v2/self", kind: .symlink("../v2/./")),
        .init(path: "releases/v2/up", kind: .symlink("../..")),
        .init(path: "releases/copy.csv", kind: .hardlink("releases/v2/train.csv")),
        .file("data/extra.tar.gz", try Data(contentsOf: nested)),
      ], .tarXz)
    let report = try Unpacker().unpack(archive: archive, into: arena.scratch.out)
    #expect(
      try report.files().map(\.path) == [
        "data/extra.csv", "releases/copy.csv", "releases/v2/train.csv",
      ])
    // Through the chain, the file is the real one.
    #expect(try arena.scratch.read("train.csv") == Data("id\n1\n".utf8))
    #expect(try Data(contentsOf: arena.sentinel) == Arena.sentinelText)
  }

  // MARK: - Sparse entries

  /// 2 GiB of hole behind 4 KiB of data: within the entry and total limits, so before this
  /// was checked the whole hole was written before the ratio noticed. It is refused up front.
  @Test func sparseEntryIsCountedAtItsLogicalSizeBeforeWriting() throws {
    let arena = try Arena()
    let archive = try arena.archive(
      "sparse.tar", [.init(path: "hole.bin", kind: .sparse(size: 2 << 30, data: noise(4096)))],
      .tar)
    let start = Date()
    try arena.expectRefused(archive, mentions: ["'hole.bin'", "sparse", "--max-ratio"])
    // Writing 2 GiB of zeros takes seconds; the refusal comes before any of it.
    #expect(Date().timeIntervalSince(start) < 5)
  }

  @Test func sparseEntryOverTheEntryLimitIsRefusedBeforeWriting() throws {
    let arena = try Arena()
    let archive = try arena.archive(
      "sparse.tar.gz",
      [
        .file("ok.csv", "id\n1\n"),
        .init(path: "big.bin", kind: .sparse(size: 1 << 40, data: noise(512))),
      ], .tarGz)
    try arena.expectRefused(
      archive, limits: UnpackLimits(maxEntrySize: 1 << 30),
      mentions: ["'big.bin'", "--max-entry-size"])
  }

  @Test func sparseEntryOverTheTotalLimitIsRefusedBeforeWriting() throws {
    let arena = try Arena()
    let archive = try arena.archive(
      "sparse.tar",
      [
        .file("a.bin", noise(100_000)),
        .init(path: "b.bin", kind: .sparse(size: 2 << 20, data: noise(512, seed: 2))),
      ], .tar)
    try arena.expectRefused(
      archive, limits: UnpackLimits(maxTotalSize: 1 << 20, maxRatio: 1e9),
      mentions: ["'b.bin'", "--max-total-size"])
  }

  /// A small sparse file (under the ratio floor) is a real file: its hole comes out as zeros.
  @Test func smallSparseEntryUnpacksWithItsHole() throws {
    let arena = try Arena()
    let data = noise(1000)
    let archive = try arena.archive(
      "small.tar", [.init(path: "s.bin", kind: .sparse(size: 100_000, data: data))], .tar)
    let report = try Unpacker().unpack(archive: archive, into: arena.scratch.out)
    var expected = data
    expected.append(Data(count: 100_000 - data.count))
    #expect(try arena.scratch.read("s.bin") == expected)
    #expect(try report.files().first?.sha256 == SHA256Hasher.hash(expected))
  }

  // MARK: - Nesting

  /// Each level stays under 200:1 on its own (a tar.xz of a hundred copies of one zip, each
  /// zip about 100:1), but together they make some 100 MB out of a few KB. The ratio is
  /// measured from the outermost archive's bytes, across levels, so it is refused early.
  @Test func nestedArchivesCannotMultiplyTheRatio() throws {
    let arena = try Arena()
    var payload = noise(10_000)
    payload.append(Data(count: 990_000))
    let zipURL = try arena.archive("level.zip", [.file("part.bin", payload)], .zip)
    let zip = try Data(contentsOf: zipURL)
    // On its own, the inner zip is fine.
    let alone = try Unpacker().unpack(
      archive: zipURL, into: arena.scratch.url.appendingPathComponent("alone"))
    #expect(alone.totalBytes == 1_000_000)
    try FileManager.default.removeItem(at: alone.directory)
    try FileManager.default.removeItem(at: zipURL)

    let outer = try arena.archive(
      "bomb.tar.xz", (0..<100).map { .file("z\($0).zip", zip) }, .tarXz)
    let outerSize = try Data(contentsOf: outer).count
    // The outer level alone is under the limit too: 100 zips out of its bytes.
    #expect(Double(100 * zip.count) / Double(outerSize) < 200)
    #expect(Double(1_000_000) / Double(zip.count) < 200)
    let error = try arena.expectRefused(
      outer, mentions: ["bomb.tar.xz: z", "nested archives included", "--max-ratio"])
    // Refused at the first block past the limit, not after writing the whole bomb.
    #expect(error?.message.contains("zip bomb") == true)
  }

  /// The depth limit still holds beside the cumulative ratio.
  @Test func nestingDeeperThanTheLimitIsRefused() throws {
    let arena = try Arena()
    var bytes = try Data(contentsOf: arena.archive("l0.zip", [.file("x.txt", "x")], .zip))
    for level in 1...4 {
      bytes = try Data(
        contentsOf: arena.archive("l\(level).zip", [.file("l\(level - 1).zip", bytes)], .zip))
    }
    let top = arena.scratch.url.appendingPathComponent("l4.zip")
    try arena.expectRefused(top, mentions: ["--max-depth"])
  }

  // MARK: - Names

  /// A zip stores names with their length, so one can hold a NUL; libarchive cut it there and
  /// `evil.csv\0.txt` arrived as `evil.csv`. Built byte by byte, it is refused by its stored
  /// name.
  @Test func zipNameWithANulByteIsRefused() throws {
    let arena = try Arena()
    let zip = HandZip.build([
      .init(name: Array("ok.csv".utf8), data: Data("id\n".utf8)),
      .init(name: Array("evil.csv".utf8) + [0] + Array(".txt".utf8), data: Data("x".utf8)),
    ])
    let url = try arena.file("nul.zip", zip)
    try arena.expectRefused(url, mentions: ["evil.csv\\u{0}.txt", "NUL"])
  }

  /// An entry left out of the central directory (a NUL in its name, to be sure it is never
  /// looked at by name) is not unpacked: zips are read through their directory only, the view
  /// whose names are checked.
  @Test func zipEntryHiddenFromTheDirectoryIsNotUnpacked() throws {
    let arena = try Arena()
    let zip = HandZip.build([
      .init(name: Array("ok.csv".utf8), data: Data("id\n".utf8)),
      .init(
        name: Array("hidden".utf8) + [0] + Array(".txt".utf8), data: Data("x".utf8), listed: false),
    ])
    let url = try arena.file("hidden.zip", zip)
    let report = try Unpacker().unpack(archive: url, into: arena.scratch.out)
    #expect(try report.files().map(\.path) == ["ok.csv"])
    let listing = try FileManager.default.contentsOfDirectory(atPath: arena.scratch.out.path)
    #expect(listing.sorted() == [".manifest.json", "ok.csv"])
  }

  /// With a comment longer than the 16 KiB libarchive searches for the directory, libarchive
  /// would fall back to reading local headers in sequence and unpack the hidden entry (its
  /// name cut at the NUL). That reader is not used: the file is refused, nothing written.
  @Test func zipWhoseDirectoryLibarchiveCannotFindIsRefused() throws {
    let arena = try Arena()
    let zip = HandZip.build(
      [
        .init(name: Array("ok.csv".utf8), data: Data("id\n".utf8)),
        .init(
          name: Array("hidden".utf8) + [0] + Array(".txt".utf8), data: Data("x".utf8),
          listed: false),
      ], comment: Data(repeating: 0x20, count: 20_000))
    let url = try arena.file("comment.zip", zip)
    try arena.expectRefused(
      url, code: .invalidData, mentions: ["cannot read archive", "re-download"])
  }

  /// The same hand-made zip without the NUL unpacks: the stored-name check reads real zips.
  @Test func handMadeZipWithPlainNamesUnpacks() throws {
    let arena = try Arena()
    let zip = HandZip.build([
      .init(name: Array("ok.csv".utf8), data: Data("id\n".utf8)),
      .init(name: Array("dir/été.txt".utf8), data: Data("x".utf8)),
    ])
    let url = try arena.file("plain.zip", zip)
    let report = try Unpacker().unpack(archive: url, into: arena.scratch.out)
    #expect(try report.files().map(\.path) == ["dir/été.txt", "ok.csv"])
  }

  /// Control characters in a name (escape sequences, newlines) forge what a terminal or a
  /// log shows.
  @Test(arguments: [
    ("evil\u{1B}[31m.csv", "\\u{1B}"), ("two\nlines.csv", "\\u{A}"), ("c1\u{85}.csv", "\\u{85}"),
  ])
  func nameWithAControlCharacterIsRefused(_ name: String, _ shown: String) throws {
    let arena = try Arena()
    let archive = try arena.archive("ctl.tar.gz", [.file(name, "x")], .tarGz)
    try arena.expectRefused(archive, mentions: [shown, "control character"])
  }

  /// The same for link targets, which messages quote: a symlink's and a hard link's.
  @Test(arguments: [
    TestEntry(path: "l", kind: .symlink("a\u{1B}]0;owned\u{7}")),
    TestEntry(path: "h", kind: .hardlink("a\u{1B}[2J")),
  ])
  func linkTargetWithAControlCharacterIsRefused(_ link: TestEntry) throws {
    let arena = try Arena()
    let archive = try arena.archive("ctl.tar", [.file("a", "x"), link], .tar)
    let error = try arena.expectRefused(
      archive, mentions: ["'\(link.path)'", "control character U+1B"])
    #expect(error?.message.contains("\u{1B}") == false)
  }

  /// Two names that differ only by Unicode normalisation (NFC `é` and NFD `e` + U+0301) are
  /// one file on some systems and one `.manifest.json` record: refused, naming both (read
  /// from the zip's stored names, since libarchive hands both over as NFC). Built by hand:
  /// libarchive's writer would store both as NFC.
  @Test func zipNamesThatCollideAfterNormalisationAreRefused() throws {
    let arena = try Arena()
    let nfc = "caf\u{E9}.csv"
    let nfd = "cafe\u{301}.csv"
    let archive = try arena.file(
      "nfc.zip",
      HandZip.build([
        .init(name: Array(nfc.utf8), data: Data("composed".utf8)),
        .init(name: Array(nfd.utf8), data: Data("decomposed".utf8)),
      ]))
    try arena.expectRefused(archive, mentions: ["'\(nfd)'", "'\(nfc)'", "normalisation"])
  }

  /// In a tarball libarchive turns both spellings into one (NFC) before Dojo sees them, so
  /// the second is caught as a repeat instead of silently replacing the first, and the stored
  /// names are then read to name both. Built by hand: libarchive's writer would store both
  /// as NFC.
  @Test(arguments: [false, true])
  func tarNamesThatCollideAfterNormalisationAreRefused(gzipped: Bool) throws {
    let arena = try Arena()
    let tar = HandTar.build([
      (Array("caf\u{E9}.csv".utf8), Data("composed".utf8)),
      (Array("cafe\u{301}.csv".utf8), Data("decomposed".utf8)),
    ])
    let url: URL
    if gzipped {
      let plain = try arena.file("plain.tar", tar)
      let gz = try arena.archive("nfc.tar.gz", [.file("x", Data(contentsOf: plain))], .gz)
      try FileManager.default.removeItem(at: plain)
      url = gz
    } else {
      url = try arena.file("nfc.tar", tar)
    }
    try arena.expectRefused(
      url, mentions: ["'cafe\u{301}.csv'", "'caf\u{E9}.csv'", "normalisation", "rename one"])
  }

  /// The hand-made tar reads as a real one when its names are distinct (NFD kept as is).
  @Test func handMadeTarWithDistinctNamesUnpacks() throws {
    let arena = try Arena()
    let tar = HandTar.build([
      (Array("caf\u{E9}.csv".utf8), Data("composed".utf8)),
      (Array("data/t\u{E9}.csv".utf8), Data("other".utf8)),
    ])
    let url = try arena.file("fine.tar", tar)
    let report = try Unpacker().unpack(archive: url, into: arena.scratch.out)
    #expect(try report.files().map(\.path) == ["caf\u{E9}.csv", "data/t\u{E9}.csv"])
    #expect(try arena.scratch.read("caf\u{E9}.csv") == Data("composed".utf8))
  }

  /// A plain repeated name (a tar append) is refused too: the replacement would hide the
  /// first file from whoever listed the archive.
  @Test func repeatedEntryNameIsRefused() throws {
    let arena = try Arena()
    let archive = try arena.archive(
      "twice.tar", [.file("train.csv", "id\n1\n"), .file("train.csv", "id\n2\n")], .tar)
    try arena.expectRefused(archive, mentions: ["'train.csv'", "two entries named"])
  }

  /// The same collision one level up: two folders.
  @Test func folderNamesThatCollideAfterNormalisationAreRefused() throws {
    let arena = try Arena()
    let archive = try arena.file(
      "dirs.zip",
      HandZip.build([
        .init(name: Array("donn\u{E9}es/a.csv".utf8), data: Data("a".utf8)),
        .init(name: Array("donne\u{301}es/b.csv".utf8), data: Data("b".utf8)),
      ]))
    try arena.expectRefused(
      archive, mentions: ["'donne\u{301}es'", "'donn\u{E9}es'", "normalisation"])
  }

  /// A nested archive whose names collide with its neighbours' after normalisation goes into
  /// its own folder instead of merging into one.
  @Test func nestedNamesCollidingAfterNormalisationAreKeptApart() throws {
    let arena = try Arena()
    let inner = HandZip.build([.init(name: Array("cafe\u{301}.csv".utf8), data: Data("in".utf8))])
    let outer = try arena.file(
      "outer.zip",
      HandZip.build([
        .init(name: Array("caf\u{E9}.csv".utf8), data: Data("outer".utf8)),
        .init(name: Array("more.zip".utf8), data: inner),
      ]))
    let report = try Unpacker().unpack(archive: outer, into: arena.scratch.out)
    let paths = try report.files().map { Array($0.path.utf8) }
    #expect(paths == [Array("caf\u{E9}.csv".utf8), Array("more/cafe\u{301}.csv".utf8)])
  }

  // MARK: - Compressed stream integrity

  enum Damage: String, CaseIterable, CustomStringConvertible {
    case crc, length, truncatedTrailer, truncatedData
    var description: String { rawValue }

    func apply(_ bytes: inout Data) {
      switch self {
      case .crc: bytes[bytes.count - 8] ^= 0xFF
      case .length: bytes[bytes.count - 2] ^= 0x01
      case .truncatedTrailer: bytes.removeLast(8)
      case .truncatedData: bytes.removeLast(bytes.count / 3)
      }
    }
  }

  /// A lone `x.csv.gz` whose CRC-32 or length is wrong, or which is cut short, is a damaged
  /// archive (libarchive 3.6 never checks the gzip trailer and accepted these).
  @Test(arguments: Damage.allCases)
  func damagedLoneGzipIsReportedAsDamaged(_ damage: Damage) throws {
    let arena = try Arena()
    let url = try arena.archive(
      "train.csv.gz", [.file("x", String(repeating: "id,v\n1,2\n", count: 5000))], .gz)
    var bytes = try Data(contentsOf: url)
    damage.apply(&bytes)
    try bytes.write(to: url)
    try arena.expectRefused(
      url, code: .damagedArchive, mentions: ["damaged archive train.csv.gz", "re-download it"])
  }

  /// The same for a tarball: the tar's end comes before the gzip trailer, which is read and
  /// checked all the same.
  @Test(arguments: Damage.allCases)
  func damagedTarGzIsReportedAsDamaged(_ damage: Damage) throws {
    let arena = try Arena()
    let url = try arena.archive(
      "data.tar.gz", [.file("a.csv", "id\n1\n"), .file("b.bin", noise(50_000))], .tarGz)
    var bytes = try Data(contentsOf: url)
    damage.apply(&bytes)
    try bytes.write(to: url)
    try arena.expectRefused(
      url, code: .damagedArchive, mentions: ["damaged archive data.tar.gz", "re-download it"])
  }

  /// xz and bzip2 streams: a flipped byte or a cut end is damage too; zstd when cut (frames
  /// written without a checksum cannot show a flipped byte in a stored block).
  @Test(arguments: [
    (TestArchiveFormat.tarXz, false), (.tarXz, true), (.tarBz2, false), (.tarBz2, true),
    (.tarZst, true),
  ])
  func damagedXzBzip2ZstdIsReportedAsDamaged(_ format: TestArchiveFormat, cut: Bool) throws {
    let arena = try Arena()
    let url = try arena.archive(
      "d.\(format)", [.file("a.csv", "id\n1\n"), .file("b.bin", noise(50_000))], format)
    var bytes = try Data(contentsOf: url)
    if cut { bytes.removeLast(24) } else { bytes[bytes.count / 2] ^= 0x55 }
    try bytes.write(to: url)
    try arena.expectRefused(
      url, code: .damagedArchive, mentions: ["damaged archive d.\(format)", "re-download it"])
  }

  /// A damaged `.gz` inside a zip is named by its place in the outer archive.
  @Test func damagedNestedGzipNamesItsPlace() throws {
    let arena = try Arena()
    let gz = try arena.archive("test.csv.gz", [.file("x", "id\n9\n")], .gz)
    var bytes = try Data(contentsOf: gz)
    Damage.crc.apply(&bytes)
    try FileManager.default.removeItem(at: gz)
    let outer = try arena.archive("comp.zip", [.file("data/test.csv.gz", bytes)], .zip)
    try arena.expectRefused(
      outer, code: .damagedArchive, mentions: ["damaged archive comp.zip: data/test.csv.gz"])
  }

  /// Multi-member gzip (as bgzip writes) and trailing zero padding are valid and unpack whole.
  @Test func multiMemberGzipUnpacksWhole() throws {
    let arena = try Arena()
    let first = try Data(
      contentsOf: arena.archive("one.gz", [.file("x", "id,v\n1,2\n")], .gz))
    let second = try Data(contentsOf: arena.archive("two.gz", [.file("x", "3,4\n")], .gz))
    let url = try arena.file("rows.csv.gz", first + second + Data(count: 512))
    let report = try Unpacker().unpack(archive: url, into: arena.scratch.out)
    #expect(try report.files().map(\.path) == ["rows.csv"])
    #expect(try arena.scratch.read("rows.csv") == Data("id,v\n1,2\n3,4\n".utf8))
  }
}
