import Curation
import DojoCore
import Foundation
import Testing

/// The task version is a hash over the manifest and unpack's records of every raw file the
/// split reads, media included.
@Suite("Task version from unpack's records")
struct VersionFromRecordsTests {
  static let manifest = DeclarativeFeaturesTests.manifest(
    keys: "media:\n  folder: images\n  pattern: \"{id}.png\"")

  /// A table of 20 rows with one image each, and unpack's `.manifest.json` for them.
  static func competition() throws -> FixtureCompetition {
    var files: [String: String] = [:]
    var text = "id,x,label\n"
    for i in 0..<20 {
      text += "\(i),\(i),\(i % 2)\n"
      files["images/\(i).png"] = "image \(i)"
    }
    files["train.csv"] = text
    let f = try DeclarativeFeaturesTests.competition(Self.manifest, files)
    try writeRecords(f.raw)
    return f
  }

  /// Records every file below `raw` with its true hash, as unpack does.
  static func writeRecords(_ raw: URL, overriding: [String: String] = [:]) throws {
    let entries = try FileTree.entries(under: raw) { $0.hasPrefix(".") }.map { entry in
      FileTree.Entry(
        path: entry.path, size: entry.size, sha256: overriding[entry.path] ?? entry.sha256)
    }
    let listing: [String: Any] = [
      "archive": "fixture.zip",
      "files": entries.map { ["path": $0.path, "size": $0.size, "sha256": $0.sha256] },
    ]
    try JSONSerialization.data(withJSONObject: listing, options: [.sortedKeys])
      .write(to: raw.appendingPathComponent(".manifest.json"))
  }

  @Test func newImagesBehindAnUnchangedTableGiveANewVersion() throws {
    let f = try Self.competition()
    defer { f.remove() }
    let first = try f.prepare()
    #expect(!first.skipped)
    #expect(try f.prepare().skipped)
    try Data("a new image 7".utf8).write(to: f.raw.appendingPathComponent("images/7.png"))
    try Self.writeRecords(f.raw)
    let second = try f.prepare()
    #expect(!second.skipped)
    #expect(second.version != first.version)
  }

  @Test func recordedHashesAreUsedNotRecomputed() throws {
    let f = try Self.competition()
    defer { f.remove() }
    let first = try f.prepare()
    // Same bytes, a different recorded hash: only a version read from the records changes.
    try Self.writeRecords(f.raw, overriding: ["images/3.png": String(repeating: "ab", count: 32)])
    let second = try f.prepare()
    #expect(second.version != first.version)
    // Back to the true records: the first version again.
    try Self.writeRecords(f.raw)
    #expect(try f.prepare().version == first.version)
  }

  @Test func aRecordWhoseSizeNoLongerMatchesIsHashedAgain() throws {
    let f = try Self.competition()
    defer { f.remove() }
    let first = try f.prepare()
    // The image changes size behind stale records: the version must still change.
    try Data("image 5, but larger now".utf8).write(to: f.raw.appendingPathComponent("images/5.png"))
    let second = try f.prepare()
    #expect(second.version != first.version)
    #expect(!second.skipped)
  }

  @Test func versionWithoutRecordsMatchesVersionWithTrueRecords() throws {
    let f = try Self.competition()
    defer { f.remove() }
    let withRecords = try f.prepare().version
    try FileManager.default.removeItem(at: f.raw.appendingPathComponent(".manifest.json"))
    #expect(try f.prepare().version == withRecords)
  }
}
