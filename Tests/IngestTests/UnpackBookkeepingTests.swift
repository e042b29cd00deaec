import DojoCore
import Foundation
import Testing

@testable import Ingest

/// The unpack's bookkeeping that keeps memory flat with millions of entries: file records
/// spilled to sorted runs, names kept as hashes and confirmed from the text before a refusal.
@Suite("Unpack bookkeeping")
struct UnpackBookkeepingTests {
  static func entry(_ path: String) -> FileTree.Entry {
    FileTree.Entry(path: path, size: Int64(path.utf8.count), sha256: SHA256Hasher.hash(path))
  }

  @Test func ledgerGivesEveryRecordBackInPathOrderAcrossItsRuns() throws {
    let scratch = try Scratch()
    var ledger = FileLedger(folder: scratch.url, batchSize: 3)
    let paths = [
      "z.csv", "a/b.csv", "caf\u{E9}.txt", "A.csv", "images/10.jpg", "images/9.jpg", "\u{1F600}",
      "a/a.csv", "b", "cafe\u{301}.txt",
    ]
    for path in paths { try ledger.append(Self.entry(path)) }
    // Three runs of three on disk, one record still in memory.
    let runs = try FileManager.default.contentsOfDirectory(atPath: scratch.url.path)
    #expect(runs.count == 3)
    var sorted: [FileTree.Entry] = []
    try ledger.forEachSorted { sorted.append($0) }
    let expected = paths.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map(Self.entry)
    #expect(sorted == expected)
    var any: [String] = []
    try ledger.forEach {
      any.append($0.path)
      return true
    }
    #expect(
      any.count == paths.count
        && Set(any.map { Array($0.utf8) }) == Set(paths.map { Array($0.utf8) }))
    #expect(
      ledger.count == 10 && ledger.totalBytes == paths.reduce(0) { $0 + Int64($1.utf8.count) })
  }

  @Test func runsLargerThanTheReadBufferAreReadWhole() throws {
    // 1,000 records a run, about 100 KB each: past the 64 KiB read buffer, so records are
    // cut at its edge and read on.
    let scratch = try Scratch()
    var ledger = FileLedger(folder: scratch.url, batchSize: 1_000)
    let paths = (0..<3_500).map {
      "images/\($0 % 7)/\(String(repeating: "n", count: $0 % 40))\($0).jpg"
    }
    for path in paths.shuffled() { try ledger.append(Self.entry(path)) }
    var sorted: [FileTree.Entry] = []
    try ledger.forEachSorted { sorted.append($0) }
    #expect(sorted == paths.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map(Self.entry))
  }

  @Test func aSecondSpellingOfASpilledFileIsRefusedNamingTheFirst() throws {
    let scratch = try Scratch()
    var tree = ExtractedTree(spill: scratch.url, batchSize: 2)
    for path in ["a.csv", "dir/caf\u{E9}.csv", "b.csv", "c.csv", "d.csv"] {
      #expect(try tree.claim(path) == nil)
      try tree.addFile(Self.entry(path))
    }
    // The composed spelling is only in a run file now.
    let clash = try tree.claim("dir/cafe\u{301}.csv")
    #expect(clash?.earlier == "dir/caf\u{E9}.csv" && clash?.new == "dir/cafe\u{301}.csv")
    // A folder spelled otherwise is found among the folders.
    #expect(try tree.claim("caf\u{E9}/x.csv") == nil)
    tree.directories.insert("caf\u{E9}")
    let folder = try tree.claim("cafe\u{301}/y.csv")
    #expect(folder?.earlier == "caf\u{E9}" && folder?.new == "cafe\u{301}")
    #expect(tree.isFile("dir/caf\u{E9}.csv") && !tree.isFile("dir/cafe\u{301}.csv"))
    // An archive is kept apart until opened; then its name is free.
    #expect(try tree.claim("inner.zip") == nil)
    try tree.addFile(Self.entry("inner.zip"))
    #expect(tree.archives.keys.sorted() == ["inner.zip"] && tree.isFile("inner.zip"))
    tree.removeArchive("inner.zip")
    #expect(!tree.isFile("inner.zip") && tree.ledger.count == 5)
  }

  @Test func namesWhoseHashesCollideAreKeptApartAndStillCompared() throws {
    // Two bits of canonical hash: nearly every name shares a slot with an unrelated one, so
    // the side table carries them; nothing unrelated is refused, every true clash still is.
    var claims = NameClaims(canonicalHashBits: 2)
    var recorded: [String] = []
    func spelling(_ name: String) -> String? {
      recorded.first { $0 == name && !$0.utf8.elementsEqual(name.utf8) }
    }
    let names = (0..<60).map { "folder\($0 % 7)/file\($0)-caf\u{E9}.csv" }
    for name in names {
      #expect(claims.claim(name, spelling: spelling) == nil)
      recorded.append(name)
      recorded.append(String(name.prefix { $0 != "/" }))
      claims.setFile(name, true)
    }
    for name in names { #expect(claims.isFile(name)) }
    #expect(!claims.isFile("folder1"))
    for name in names {
      let other = name.replacingOccurrences(of: "\u{E9}", with: "e\u{301}")
      #expect(!claims.isFile(other))
      let clash = claims.claim(other, spelling: spelling)
      #expect(clash?.earlier == name && clash?.new == other)
      #expect(claims.collides(other, spelling: spelling))
    }
  }
}
