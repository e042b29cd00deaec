import DojoCore
import Foundation
import Ingest
import Testing

/// A scratch folder per test, removed at the end.
final class Scratch {
  let url: URL
  init() throws {
    url = FileManager.default.temporaryDirectory
      .appendingPathComponent("dojo-unpack-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }
  deinit { try? FileManager.default.removeItem(at: url) }

  func archive(_ name: String, _ entries: [TestEntry], _ format: TestArchiveFormat) throws -> URL {
    let file = url.appendingPathComponent(name)
    try ArchiveWriter.write(entries, format: format, to: file)
    return file
  }

  var out: URL { url.appendingPathComponent("out") }

  /// Everything in the scratch folder's top level: refused archives must leave only inputs.
  func topLevel() throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
  }

  func read(_ rel: String) throws -> Data {
    try Data(contentsOf: out.appendingPathComponent(rel))
  }
}

/// A file of `count` pseudo-random bytes (incompressible, deterministic).
func noise(_ count: Int, seed: UInt64 = 1) -> Data {
  var state = seed
  var data = Data(count: count)
  for i in 0..<count {
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    data[i] = UInt8(truncatingIfNeeded: state >> 33)
  }
  return data
}

@Suite struct UnpackRefusalTests {
  struct Case: CustomStringConvertible, Sendable {
    var description: String
    var format: TestArchiveFormat
    var entries: @Sendable () -> [TestEntry]
    var limits = UnpackLimits()
    /// Text the message must contain: the entry's name and the reason.
    var expected: [String]
  }

  static let cases: [Case] = [
    Case(
      description: "parent reference", format: .zip,
      entries: { [.file("ok.txt", "fine"), .file("../evil.txt", "owned")] },
      expected: ["'../evil.txt'", "outside the output folder"]),
    Case(
      description: "nested parent reference", format: .tarGz,
      entries: { [.file("a/b/../../../evil.txt", "owned")] },
      expected: ["'a/b/../../../evil.txt'", "'..'"]),
    Case(
      description: "absolute path", format: .tarGz,
      entries: { [.file("/tmp/dojo-evil.txt", "owned")] },
      expected: ["'/tmp/dojo-evil.txt'", "absolute"]),
    Case(
      description: "symlink out", format: .tarGz,
      entries: { [.init(path: "data/link", kind: .symlink("../../etc/passwd"))] },
      expected: ["'data/link'", "symlink", "outside"]),
    Case(
      description: "absolute symlink", format: .zip,
      entries: { [.init(path: "link", kind: .symlink("/etc/passwd"))] },
      expected: ["'link'", "symlink to '/etc/passwd'"]),
    Case(
      description: "write through a symlink", format: .tar,
      entries: {
        [
          .init(path: "sub", kind: .directory), .init(path: "up", kind: .symlink("sub")),
          .file("up/x.txt", "through the link"),
        ]
      },
      expected: ["'up/x.txt'", "through the symlink 'up'"]),
    Case(
      description: "hard link out", format: .tar,
      entries: { [.init(path: "passwd", kind: .hardlink("/etc/passwd"))] },
      expected: ["'passwd'", "hard link to '/etc/passwd'"]),
    Case(
      description: "hard link to a file not extracted", format: .tar,
      entries: { [.init(path: "h", kind: .hardlink("later.txt")), .file("later.txt", "x")] },
      expected: ["'h'", "not a file extracted before it"]),
    Case(
      description: "hard link to itself", format: .tar,
      entries: { [.file("a.txt", "x"), .init(path: "a.txt", kind: .hardlink("a.txt"))] },
      expected: ["'a.txt'", "hard link to 'a.txt'"]),
    Case(
      description: "FIFO", format: .tar,
      entries: { [.init(path: "pipe", kind: .fifo)] },
      expected: ["'pipe'", "a FIFO"]),
    Case(
      description: "character device", format: .tar,
      entries: { [.init(path: "dev/tty", kind: .characterDevice)] },
      expected: ["'dev/tty'", "a character device"]),
    Case(
      description: "entry too big", format: .zip,
      entries: { [.file("big.bin", noise(5000))] },
      limits: UnpackLimits(maxEntrySize: 4096),
      expected: ["'big.bin'", "--max-entry-size"]),
    Case(
      description: "total too big", format: .tarGz,
      entries: { (0..<3).map { .file("part\($0).bin", noise(1500, seed: UInt64($0))) } },
      limits: UnpackLimits(maxTotalSize: 4000),
      expected: ["'part2.bin'", "--max-total-size"]),
    Case(
      description: "ratio bomb", format: .zip,
      entries: { [.file("zeros.csv", Data(count: 16 << 20))] },
      expected: ["'zeros.csv'", "zip bomb", "--max-ratio"]),
    Case(
      description: "too many entries", format: .zip,
      entries: { (0..<6).map { .file("f\($0).txt", "x") } },
      limits: UnpackLimits(maxEntries: 5),
      expected: ["'f5.txt'", "more than 5 entries"]),
    Case(
      description: "reserved manifest name", format: .zip,
      entries: { [.file(".manifest.json", "{}")] },
      expected: ["'.manifest.json'", "reserved"]),
  ]

  @Test(arguments: cases)
  func refuses(_ c: Case) throws {
    let scratch = try Scratch()
    let archive = try scratch.archive("hostile.\(c.format)", c.entries(), c.format)
    let error = #expect(throws: DojoError.self) {
      try Unpacker(limits: c.limits).unpack(archive: archive, into: scratch.out)
    }
    #expect(error?.code == .unsafeArchive)
    for text in c.expected {
      #expect(error?.message.contains(text) == true, "\(error?.message ?? "") lacks \(text)")
    }
    #expect(error?.message.contains("hostile.\(c.format)") == true)
    // Nothing left: no output folder, no temporary folder, nothing outside.
    #expect(try scratch.topLevel() == ["hostile.\(c.format)"])
    #expect(!FileManager.default.fileExists(atPath: "/tmp/dojo-evil.txt"))
  }

  @Test func depthLimit() throws {
    let scratch = try Scratch()
    let level3 = try scratch.archive("c.zip", [.file("deep.txt", "bottom")], .zip)
    let level2 = try scratch.archive("b.zip", [.file("c.zip", Data(contentsOf: level3))], .zip)
    let top = try scratch.archive("a.zip", [.file("b.zip", Data(contentsOf: level2))], .zip)
    let error = #expect(throws: DojoError.self) {
      try Unpacker(limits: UnpackLimits(maxDepth: 1)).unpack(archive: top, into: scratch.out)
    }
    #expect(error?.code == .unsafeArchive)
    #expect(error?.message.contains("a.zip: b.zip: c.zip") == true, "\(error?.message ?? "")")
    #expect(error?.message.contains("--max-depth") == true)
    #expect(try scratch.topLevel() == ["a.zip", "b.zip", "c.zip"])
    // Two levels are within the default limit.
    let report = try Unpacker().unpack(archive: top, into: scratch.out)
    #expect(try report.files().map(\.path) == ["deep.txt"])
    #expect(report.nestedArchives == 2)
  }

  @Test func corruptedArchiveNamesArchiveAndEntry() throws {
    let scratch = try Scratch()
    let good = try scratch.archive(
      "damaged.zip", [.file("a.csv", "id\n1\n"), .file("noise.bin", noise(200_000))], .zip)
    var bytes = try Data(contentsOf: good)
    // Flip bytes in the middle of noise.bin's data: the CRC (or inflate) must catch it.
    for i in 100_000..<100_016 { bytes[i] ^= 0xFF }
    try bytes.write(to: good)
    let error = #expect(throws: DojoError.self) {
      try Unpacker().unpack(archive: good, into: scratch.out)
    }
    #expect(error?.code == .damagedArchive)
    #expect(error?.message.contains("damaged archive damaged.zip") == true)
    #expect(error?.message.contains("'noise.bin'") == true, "\(error?.message ?? "")")
    #expect(try scratch.topLevel() == ["damaged.zip"])
  }

  @Test func truncatedTarball() throws {
    let scratch = try Scratch()
    let url = try scratch.archive("cut.tar.gz", [.file("noise.bin", noise(300_000))], .tarGz)
    let bytes = try Data(contentsOf: url)
    try bytes.prefix(bytes.count / 2).write(to: url)
    let error = #expect(throws: DojoError.self) {
      try Unpacker().unpack(archive: url, into: scratch.out)
    }
    #expect(error?.code == .damagedArchive)
    #expect(error?.message.contains("damaged archive cut.tar.gz") == true)
    #expect(error?.message.contains("re-download it") == true)
    #expect(try scratch.topLevel() == ["cut.tar.gz"])
  }

  @Test func notAnArchive() throws {
    let scratch = try Scratch()
    let url = scratch.url.appendingPathComponent("plain.zip")
    try Data("id,target\n1,0\n".utf8).write(to: url)
    let error = #expect(throws: DojoError.self) {
      try Unpacker().unpack(archive: url, into: scratch.out)
    }
    #expect(error?.code == .invalidData)
    #expect(error?.message.contains("plain.zip") == true)
  }

  @Test func refusedRerunKeepsTheOldFolder() throws {
    let scratch = try Scratch()
    let good = try scratch.archive("good.zip", [.file("a.txt", "A")], .zip)
    _ = try Unpacker().unpack(archive: good, into: scratch.out)
    let bad = try scratch.archive("bad.zip", [.file("../x", "X")], .zip)
    #expect(throws: DojoError.self) { try Unpacker().unpack(archive: bad, into: scratch.out) }
    #expect(try scratch.read("a.txt") == Data("A".utf8))
    #expect(try scratch.topLevel() == ["bad.zip", "good.zip", "out"])
  }

  @Test func archiveInsideTheOutputFolderIsRefused() throws {
    let scratch = try Scratch()
    let archive = try scratch.archive("a.zip", [.file("a.txt", "A")], .zip)
    let error = #expect(throws: DojoError.self) {
      try Unpacker().unpack(archive: archive, into: scratch.url)
    }
    #expect(error?.code == .invalidArgument)
    #expect(FileManager.default.fileExists(atPath: archive.path))
  }
}

@Suite struct UnpackTests {
  static let formats: [TestArchiveFormat] = [
    .zip, .tar, .tarGz, .tarBz2, .tarXz, .tarZst, .sevenZip,
  ]

  /// `tar -C dir .` writes `./` first: the output folder itself, not a refusal.
  @Test func aDotDirectoryEntryIsTheOutputFolder() throws {
    let scratch = try Scratch()
    let archive = try scratch.archive(
      "dot.tar.gz",
      [.init(path: "./", kind: .directory), .file("./train.csv", "id,y\n1,0\n")], .tarGz)
    let report = try Unpacker().unpack(archive: archive, into: scratch.out)
    #expect(try report.files().map(\.path) == ["train.csv"])
  }

  @Test(arguments: formats)
  func unpacksFormat(_ format: TestArchiveFormat) throws {
    let scratch = try Scratch()
    let archive = try scratch.archive(
      "comp.\(format)",
      [
        .init(path: "./", kind: .directory),
        .init(path: "data", kind: .directory),
        .file("data/train.csv", "id,y\n1,0\n2,1\n"),
        .file("sample_submission.csv", "id,y\n3,0\n"),
        .file("empty.txt", ""),
        .file("noise.bin", noise(300_000)),
      ], format)
    let report = try Unpacker().unpack(archive: archive, into: scratch.out)
    #expect(
      try report.files().map(\.path) == [
        "data/train.csv", "empty.txt", "noise.bin", "sample_submission.csv",
      ])
    #expect(try scratch.read("data/train.csv") == Data("id,y\n1,0\n2,1\n".utf8))
    #expect(try scratch.read("noise.bin") == noise(300_000))
    #expect(try scratch.read("empty.txt").isEmpty)
    #expect(report.totalBytes == Int64(300_000 + 13 + 9))
    #expect(try scratch.topLevel() == ["comp.\(format)", "out"])
  }

  @Test func loneGzipFile() throws {
    let scratch = try Scratch()
    let text = String(repeating: "id,value\n1,2.5\n", count: 1000)
    let archive = try scratch.archive("train.csv.gz", [.file("ignored", text)], .gz)
    let report = try Unpacker().unpack(archive: archive, into: scratch.out)
    #expect(try report.files().map(\.path) == ["train.csv"])
    #expect(try scratch.read("train.csv") == Data(text.utf8))
  }

  @Test func nestedArchivesOpenInPlace() throws {
    let scratch = try Scratch()
    let trainZip = try scratch.archive(
      "train.csv.zip", [.file("train.csv", "id,y\n1,0\n")], .zip)
    let extraTgz = try scratch.archive(
      "extra.tar.gz", [.file("a.csv", "a\n"), .file("b/c.csv", "c\n")], .tarGz)
    let testGz = try scratch.archive("test.csv.gz", [.file("x", "id\n9\n")], .gz)
    let seven = try scratch.archive("img.7z", [.file("img/1.txt", "one")], .sevenZip)
    let clash = try scratch.archive("more.zip", [.file("notes.txt", "inner notes")], .zip)
    // iWildCam 2019's train_images.zip: the images loose at the archive's root.
    let images = try scratch.archive(
      "train_images.zip", [.file("a1.jpg", "one"), .file("b2.jpg", "two")], .zip)
    let top = try scratch.archive(
      "competition.zip",
      [
        .file("train.csv.zip", Data(contentsOf: trainZip)),
        .file("data/extra.tar.gz", Data(contentsOf: extraTgz)),
        .file("data/test.csv.gz", Data(contentsOf: testGz)),
        .file("media/img.7z", Data(contentsOf: seven)),
        .file("notes.txt", "outer notes"),
        .file("more.zip", Data(contentsOf: clash)),
        .file("train_images.zip", Data(contentsOf: images)),
      ], .zip)
    let report = try Unpacker().unpack(archive: top, into: scratch.out)
    // One file or one folder opens in place; several loose entries (extra.tar.gz, the
    // images) open in a folder named after their archive, as unzipping by hand would.
    #expect(
      try report.files().map(\.path) == [
        "data/extra/a.csv", "data/extra/b/c.csv", "data/test.csv", "media/img/1.txt",
        "more/notes.txt", "notes.txt", "train.csv", "train_images/a1.jpg", "train_images/b2.jpg",
      ])
    #expect(report.nestedArchives == 6)
    #expect(try scratch.read("train.csv") == Data("id,y\n1,0\n".utf8))
    #expect(try scratch.read("data/test.csv") == Data("id\n9\n".utf8))
    #expect(try scratch.read("more/notes.txt") == Data("inner notes".utf8))
    #expect(try scratch.read("notes.txt") == Data("outer notes".utf8))
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: scratch.out.path)
    #expect(
      leftovers.sorted() == [
        ".manifest.json", "data", "media", "more", "notes.txt", "train.csv", "train_images",
      ])
  }

  @Test func bytesAreUntouched() throws {
    let scratch = try Scratch()
    let crlf = Data("\u{FEFF}id,text\r\n1,\"a\r\nb\"\r\n2,caf\u{E9}\r\n".utf8)
    let latin1 = Data([0x69, 0x64, 0x0D, 0x0A, 0xE9, 0x00, 0xFF, 0x0D])
    let archive = try scratch.archive(
      "bytes.zip", [.file("crlf.csv", crlf), .file("latin1.csv", latin1)], .zip)
    let report = try Unpacker().unpack(archive: archive, into: scratch.out)
    #expect(try scratch.read("crlf.csv") == crlf)
    #expect(try scratch.read("latin1.csv") == latin1)
    #expect(try report.files()[0].sha256 == SHA256Hasher.hash(crlf))
  }

  /// Entries up to one hashing buffer are hashed on the extracting thread, larger ones on the
  /// hashing thread: both record the SHA-256 of the bytes written, in any order of the two.
  @Test(arguments: formats)
  func smallAndLargeEntriesAreHashedAlike(_ format: TestArchiveFormat) throws {
    let scratch = try Scratch()
    let large = noise(3 << 20)
    let edge = noise(1 << 20, seed: 2)
    let entries: [(String, Data)] = [
      ("a-small.csv", Data("id,y\n1,0\n".utf8)), ("b-large.bin", large), ("c-edge.bin", edge),
      ("d-small.csv", Data("id,y\n2,1\n".utf8)),
    ]
    let archive = try scratch.archive(
      "hash.\(format)", entries.map { .file($0.0, $0.1) }, format)
    let report = try Unpacker().unpack(archive: archive, into: scratch.out)
    for (name, bytes) in entries {
      let recorded = try report.files().first { $0.path == name }
      #expect(recorded?.sha256 == SHA256Hasher.hash(bytes), "\(name)")
      #expect(recorded?.size == Int64(bytes.count), "\(name)")
    }
  }

  @Test(arguments: [TestArchiveFormat.zip, .tarGz, .sevenZip])
  func unicodeNames(_ format: TestArchiveFormat) throws {
    let scratch = try Scratch()
    let names = ["données/été.csv", "日本語.txt", "emoji 🎉.md"]
    let archive = try scratch.archive(
      "u.\(format)", names.map { .file($0, "x") }, format)
    let report = try Unpacker().unpack(archive: archive, into: scratch.out)
    #expect(Set(try report.files().map(\.path)) == Set(names))
    for name in names { #expect(try scratch.read(name) == Data("x".utf8)) }
  }

  @Test func manifestListsEveryFile() throws {
    let scratch = try Scratch()
    let archive = try scratch.archive(
      "m.zip", [.file("z.csv", "last"), .file("a/b.csv", "first"), .file("A.csv", "upper")],
      .zip)
    let report = try Unpacker().unpack(archive: archive, into: scratch.out)
    let data = try scratch.read(".manifest.json")
    let manifest = try JSONDecoder().decode(UnpackManifest.self, from: data)
    #expect(manifest.archive == "m.zip")
    #expect(
      manifest.files == [
        FileTree.Entry(path: "A.csv", size: 5, sha256: SHA256Hasher.hash("upper")),
        FileTree.Entry(path: "a/b.csv", size: 5, sha256: SHA256Hasher.hash("first")),
        FileTree.Entry(path: "z.csv", size: 4, sha256: SHA256Hasher.hash("last")),
      ])
    #expect(try manifest.files == report.files())
    // Stable bytes: the manifest is what StableJSON writes, so reruns compare equal.
    #expect(data == (try StableJSON.encode(manifest)))
    // And it agrees with an independent walk of the folder.
    #expect(try FileTree.entries(under: scratch.out) { $0 == ".manifest.json" } == report.files())
  }

  @Test func streamedManifestIsStableJSONByteForByte() throws {
    let scratch = try Scratch()
    let odd = ["a/\"quoted\".csv", "back\\slash.csv", "dir/été.txt", "tab\there.csv", "x/y/z.csv"]
    var files = odd.map {
      FileTree.Entry(path: $0, size: Int64($0.utf8.count), sha256: SHA256Hasher.hash($0))
    }
    // Enough records to fill the writer's 1 MB buffer a few times.
    files += (0..<12_000).map {
      FileTree.Entry(path: "images/\($0).jpg", size: Int64($0), sha256: SHA256Hasher.hash("\($0)"))
    }
    files.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
    let url = scratch.url.appendingPathComponent("m.json")
    for list in [files, []] {
      try UnpackManifest.write(archive: "a \"b\"/c.zip", files: list, to: url)
      let expected = try StableJSON.encode(UnpackManifest(archive: "a \"b\"/c.zip", files: list))
      #expect(try Data(contentsOf: url) == expected)
    }
  }

  @Test func rerunReplacesTheFolder() throws {
    let scratch = try Scratch()
    try FileManager.default.createDirectory(at: scratch.out, withIntermediateDirectories: true)
    try Data("stale".utf8).write(to: scratch.out.appendingPathComponent("stale.txt"))
    let archive = try scratch.archive("new.zip", [.file("fresh.txt", "fresh")], .zip)
    _ = try Unpacker().unpack(archive: archive, into: scratch.out)
    let listing = try FileManager.default.contentsOfDirectory(atPath: scratch.out.path).sorted()
    #expect(listing == [".manifest.json", "fresh.txt"])
    #expect(try scratch.topLevel() == ["new.zip", "out"])
  }

  @Test func linksInsideAndPermissions() throws {
    let scratch = try Scratch()
    let archive = try scratch.archive(
      "links.tar",
      [
        .file("bin/run.sh", "#!/bin/sh\n", perm: 0o4755),
        .file("data/train.csv", "id\n1\n", perm: 0o600),
        .init(path: "latest", kind: .symlink("data/train.csv")),
        .init(path: "data/copy.csv", kind: .hardlink("data/train.csv")),
      ], .tar)
    let report = try Unpacker().unpack(archive: archive, into: scratch.out)
    #expect(try report.files().map(\.path) == ["bin/run.sh", "data/copy.csv", "data/train.csv"])
    #expect(try scratch.read("data/copy.csv") == Data("id\n1\n".utf8))
    let link = try FileManager.default.destinationOfSymbolicLink(
      atPath: scratch.out.appendingPathComponent("latest").path)
    #expect(link == "data/train.csv")
    func mode(_ rel: String) throws -> Int {
      let attributes = try FileManager.default.attributesOfItem(
        atPath: scratch.out.appendingPathComponent(rel).path)
      return (attributes[.posixPermissions] as? Int) ?? -1
    }
    #expect(try mode("bin/run.sh") == 0o755)
    #expect(try mode("data/train.csv") == 0o644)
  }
}
