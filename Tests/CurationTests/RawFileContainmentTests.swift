import Curation
import DojoCore
import Foundation
import Testing

/// The archive files a manifest names are checked where they are used: a link placed in
/// `raw/` after unpacking (or one the unpacker missed) must not carry a host file into the
/// task, whether it is the labelled table, an extra file or a media file.
@Suite("Archive files a manifest names stay inside the archive")
struct RawFileContainmentTests {
  /// A host file the task must never read.
  static func secret(beside f: FixtureCompetition) throws -> URL {
    let url = f.root.appendingPathComponent("host/secret.csv")
    try AtomicFiles.write("id,label\n1,SECRET\n2,SECRET\n3,SECRET\n4,SECRET\n", to: url)
    return url
  }

  static func link(_ name: String, in f: FixtureCompetition, to target: String) throws {
    let url = f.raw.appendingPathComponent(name)
    try? FileManager.default.removeItem(at: url)
    try AtomicFiles.createDirectory(url.deletingLastPathComponent())
    try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: target)
  }

  /// Nothing of the secret reached the curated folder.
  static func expectNothingPublished(_ f: FixtureCompetition) {
    let listing =
      (FileManager.default.enumerator(atPath: f.curated.path)?.allObjects as? [String]) ?? []
    #expect(listing.allSatisfy { !$0.contains("/public/") }, "\(listing)")
  }

  @Test func aTrainTableLinkedOutOfTheArchiveIsRefused() throws {
    let f = try FixtureCompetition(
      manifest: FixtureCompetition.manifest(
        split: "  strategy: random\n  test_fraction: 0.25\n  seed: 1"),
      files: ["data/real.csv": FixtureCompetition.table(rows: 20)],
      local: ["lb.csv": FixtureCompetition.leaderboard])
    defer { f.remove() }
    let secret = try Self.secret(beside: f)
    try FileManager.default.moveItem(
      at: secret, to: secret.deletingLastPathComponent().appendingPathComponent("train.csv"))
    // A folder link out of the archive: the bare name train.csv is looked for below it.
    try Self.link("data/hop", in: f, to: secret.deletingLastPathComponent().path)
    // The archive's listing never enters a link, so the name finds nothing to read.
    let error = try #require(throws: DojoError.self) { try f.prepare() }
    #expect(
      error.message.hasPrefix("files.train: \"train.csv\" matches no file"), "\(error.message)")
    Self.expectNothingPublished(f)
  }

  /// A link that appears after the archive was listed is refused where the file is used.
  @Test func aFileReplacedByALinkAfterListingIsRefusedWhereItIsUsed() throws {
    let f = try FixtureCompetition(
      manifest: FixtureCompetition.manifest(
        split: "  strategy: random\n  test_fraction: 0.25\n  seed: 1"),
      files: ["train.csv": FixtureCompetition.table(rows: 20), "notes.txt": "notes"],
      local: ["lb.csv": FixtureCompetition.leaderboard])
    defer { f.remove() }
    let secret = try Self.secret(beside: f)
    let files = try RawFiles(root: f.raw)
    #expect(try files.one("train.csv", key: "files.train").lastPathComponent == "train.csv")
    try Self.link("train.csv", in: f, to: secret.path)
    try Self.link("notes.txt", in: f, to: "/dev/zero")
    let error = try #require(throws: DojoError.self) {
      try files.one("train.csv", key: "files.train")
    }
    #expect(error.code == .unsafeArchive)
    #expect(error.message.hasPrefix("files.train: the archive file train.csv"), "\(error.message)")
    #expect(error.message.contains(ContainedPath.realPath(secret.path)!), "\(error.message)")
    let device = try #require(throws: DojoError.self) {
      try files.contained("notes.txt", key: "files.extra")
    }
    #expect(device.message.contains("/dev/zero"), "\(device.message)")
  }

  @Test func anExtraFileLinkedToTheHostIsRefused() throws {
    let f = try FixtureCompetition(
      manifest: FixtureCompetition.manifest(
        split: "  strategy: random\n  test_fraction: 0.25\n  seed: 1",
        extra: "  extra: [notes.txt]"),
      files: ["train.csv": FixtureCompetition.table(rows: 20)],
      local: ["lb.csv": FixtureCompetition.leaderboard])
    defer { f.remove() }
    try Self.link("notes.txt", in: f, to: "/etc/passwd")
    let error = try #require(throws: DojoError.self) { try f.prepare() }
    #expect(
      error.message.hasPrefix("files.extra: \"notes.txt\" matches no file"), "\(error.message)")
    Self.expectNothingPublished(f)
  }

  @Test func aMediaFileLinkedToTheHostIsNeitherLinkedNorCopied() throws {
    var files = [
      "labels.csv": "image_id,label\n"
        + (0..<8).map { "img\($0),\($0 % 2)" }.joined(separator: "\n")
        + "\n"
    ]
    for i in 1..<8 { files["images/img\(i).jpg"] = "JPEG-\(i)" }
    let f = try FixtureCompetition(
      manifest: MediaSplitTests.manifest(
        split: "  strategy: random\n  test_fraction: 0.25\n  seed: 3", pattern: "{id}.jpg"),
      files: files)
    defer { f.remove() }
    let secret = try Self.secret(beside: f)
    try Self.link("images/img0.jpg", in: f, to: secret.path)
    let error = try #require(throws: DojoError.self) { try f.prepare() }
    #expect(error.message.hasPrefix("media: the archive file images/img0.jpg"), "\(error.message)")
    Self.expectNothingPublished(f)
  }
}
