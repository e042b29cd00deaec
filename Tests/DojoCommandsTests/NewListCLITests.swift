import Foundation
import Testing

/// `dojo new` and `dojo list` on a bundled competition, as a curator runs them.
@Suite("dojo new and dojo list", .serialized)
struct NewListCLITests {
  let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
    "dojo-new-\(UUID().uuidString)")

  /// A repository holding the bundled titanic-survival manifest and its archive.
  func repository() throws -> URL {
    let manifests = dir.appendingPathComponent("manifests")
    try FileManager.default.createDirectory(at: manifests, withIntermediateDirectories: true)
    try FileManager.default.copyItem(
      at: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("manifests/titanic-survival"),
      to: manifests.appendingPathComponent("titanic-survival"))
    return dir
  }

  @Test func anUnpackedFolderIsDraftedPackedCheckedAndPreparedButNeverOverwritten() throws {
    defer { try? FileManager.default.removeItem(at: dir) }
    let repo = try repository()
    let unpacked = repo.appendingPathComponent("unpacked")
    let unzip = try CLI.run(
      [
        "unpack", "manifests/titanic-survival/titanic-survival.zip", "--out", unpacked.path,
      ], cwd: repo)
    #expect(unzip.status == 0, "\(unzip.stderr)")
    let r = try CLI.run(
      [
        "new", unpacked.path, "--id", "titanic-draft", "--page",
        "manifests/titanic-survival/overview.html", "--scratch", "scratch",
      ], cwd: repo)
    #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    #expect(r.stdout.contains("survived (binary) by PassengerId, accuracy, stratified split"))
    #expect(r.stdout.contains("check:   passed"))
    #expect(r.stdout.contains("prepare: 784 train rows, 197 test rows"))
    #expect(r.stdout.contains("No reference solution"))
    let draft = repo.appendingPathComponent("manifests/titanic-draft")
    let yaml = try String(
      contentsOf: draft.appendingPathComponent("manifest.yaml"), encoding: .utf8)
    #expect(yaml.contains("url: titanic-draft.tar.gz"))
    #expect(yaml.contains("page: overview.html"))
    #expect(yaml.contains("# guessed from the page's Evaluation section"))
    #expect(
      FileManager.default.fileExists(
        atPath: draft.appendingPathComponent("titanic-draft.tar.gz").path))

    let again = try CLI.run(["new", unpacked.path, "--id", "titanic-draft"], cwd: repo)
    #expect(again.status == 1)
    #expect(again.stderr.contains("already exists and dojo new never overwrites a manifest"))
    let unchanged = try String(
      contentsOf: draft.appendingPathComponent("manifest.yaml"), encoding: .utf8)
    #expect(unchanged == yaml)
  }

  @Test func aRecommendersLogIsDraftedWithAScriptThatPreparesAndValidatesUnedited() throws {
    defer { try? FileManager.default.removeItem(at: dir) }
    let repo = try repository()
    let log = repo.appendingPathComponent("recs")
    // 40 users with 25 timed ratings each; users 0-9 rate movie 0 highly at the end.
    let rows = (0..<1000).map { i in
      "\(i / 25),\((i * 7) % 60),\(1 + (i * 3) % 5),\(10_000 + i)"
    }
    try FileManager.default.createDirectory(at: log, withIntermediateDirectories: true)
    try Data((["userId,movieId,rating,timestamp"] + rows).joined(separator: "\n").utf8 + [10])
      .write(to: log.appendingPathComponent("ratings_train.csv"))
    try Data("userId\n100\n101\n".utf8).write(to: log.appendingPathComponent("test_users.csv"))
    try Data("userId,movieIds\n100,1 2 3\n101,1 2 3\n".utf8)
      .write(to: log.appendingPathComponent("sample_submission.csv"))
    let r = try CLI.run(
      ["new", log.path, "--id", "recs", "--metric", "map@3", "--scratch", "scratch"], cwd: repo)
    #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    #expect(r.stdout.contains("movieIds (ranking lists) by userId, map@3, script split"))
    #expect(r.stdout.contains("check:   passed"))
    #expect(r.stdout.contains("prepare.py was drafted for a recommender's log"))
    #expect(
      FileManager.default.fileExists(
        atPath: repo.appendingPathComponent("manifests/recs/prepare.py").path))
    // The scratch task validates: the script's split is deterministic and leaks nothing but
    // the test users' earlier ratings, which answers.ids_in_train allows.
    let scratch = repo.appendingPathComponent("scratch/recs")
    let version = try #require(
      try FileManager.default.contentsOfDirectory(atPath: scratch.path).first { !$0.hasPrefix(".") }
    )
    let validated = try CLI.run(
      ["validate", "scratch/recs/\(version)", "--skip-reference"], cwd: repo)
    #expect(validated.status == 0, "\(validated.stdout)\(validated.stderr)")
    #expect(validated.stdout.contains("no check failed"), "\(validated.stdout)")
  }

  @Test func listShowsEachCompetitionsStatusAndFilters() throws {
    defer { try? FileManager.default.removeItem(at: dir) }
    let repo = try repository()
    let before = try CLI.run(["list"], cwd: repo)
    #expect(before.status == 0, "\(before.stderr)")
    #expect(before.stdout.contains("titanic-survival  Titanic Survival  Tabular   accuracy"))
    #expect(before.stdout.contains("not fetched"))
    #expect(before.stdout.contains("1 competitions: 1 not fetched"))
    let prepared = try CLI.run(
      [
        "unpack", "manifests/titanic-survival/titanic-survival.zip", "--out",
        "raw/titanic-survival/files",
      ], cwd: repo)
    #expect(prepared.status == 0)
    #expect(try CLI.run(["prepare", "manifests/titanic-survival"], cwd: repo).status == 0)
    let json = try CLI.run(["list", "--status", "prepared", "--json"], cwd: repo)
    #expect(json.status == 0)
    let entries =
      try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]] ?? []
    #expect(entries.count == 1)
    #expect(entries.first?["status"] as? String == "prepared")
    #expect(entries.first?["leaderboard_rows"] as? Int == 72)
    let none = try CLI.run(["list", "--metric", "rmse", "--json"], cwd: repo)
    #expect(none.stdout.filter { !$0.isWhitespace } == "[]")
    let bad = try CLI.run(["list", "--status", "done"], cwd: repo)
    #expect(bad.status == 1)
    #expect(bad.stderr.contains("use one of not-fetched, fetched, prepared"))
  }

  @Test func validateRecordsAScratchTaskOnlyWhenAsked() throws {
    defer { try? FileManager.default.removeItem(at: dir) }
    let repo = try repository()
    #expect(
      try CLI.run(
        [
          "unpack", "manifests/titanic-survival/titanic-survival.zip", "--out",
          "raw/titanic-survival/files",
        ], cwd: repo
      ).status == 0)
    #expect(try CLI.run(["prepare", "manifests/titanic-survival"], cwd: repo).status == 0)
    #expect(
      try CLI.run(["prepare", "manifests/titanic-survival", "--out", "scratch"], cwd: repo)
        .status == 0)
    // The registry exists: a task under curated/ is recorded, one in scratch/ is not.
    #expect(try CLI.run(["registry", "list"], cwd: repo).status == 0)
    let scratch = try #require(
      try FileManager.default.contentsOfDirectory(
        atPath: repo.appendingPathComponent("scratch/titanic-survival").path
      ).first { !$0.hasPrefix(".") })
    let task = "scratch/titanic-survival/\(scratch)"
    let quiet = try CLI.run(["validate", task, "--skip-reference"], cwd: repo)
    #expect(quiet.stderr.contains("not recorded in curated/registry.sqlite"), "\(quiet.stderr)")
    #expect(quiet.stderr.contains("pass --record"))
    let asked = try CLI.run(["validate", task, "--skip-reference", "--record"], cwd: repo)
    #expect(!asked.stderr.contains("not recorded"))
    let inside = try CLI.run(["validate", "titanic-survival", "--skip-reference"], cwd: repo)
    #expect(!inside.stderr.contains("not recorded"), "\(inside.stderr)")
  }

  @Test func listsHelpSaysKaggleRulesMustBeAcceptedFirst() throws {
    let r = try CLI.run(["list", "--help"])
    #expect(r.stdout.contains("accept each competition's rules"))
  }
}
