import Foundation
import Registry
import Testing

/// The README's main job, as a user runs it: `dojo import --bundled` on the repository's
/// bundled competitions, in a scratch folder, then again (everything skipped), then the
/// registry and validation commands over the result.
@Suite("dojo import, validate, publish, registry")
struct ImportCommandTests {
  static let repository = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  @Test func bundledCompetitionsImportOfflineAndTwiceIsFree() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "dojo-cli-import-\(UUID())")
    defer { try? FileManager.default.removeItem(at: dir) }
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    try FileManager.default.copyItem(
      at: Self.repository.appendingPathComponent("manifests"),
      to: dir.appendingPathComponent("manifests"))
    let first = try CLI.run(["import", "--bundled", "--skip-reference"], cwd: dir)
    #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
    #expect(first.stdout.contains("3 of 3 imported"))
    let second = try CLI.run(["import", "--bundled", "--skip-reference"], cwd: dir)
    #expect(second.status == 0)
    #expect(second.stdout.contains("fetch,unpack,page,prepare,validate,publish"))

    let list = try CLI.run(["registry", "list", "--json"], cwd: dir)
    #expect(list.status == 0)
    let tasks = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]]
    #expect(
      Set(tasks?.compactMap { $0["id"] as? String } ?? []) == [
        "concrete-strength", "olive-oil-regions", "titanic-survival",
      ])
    // --skip-reference imports still publish: the importer allows the skipped reference check
    // by name, and the registry records it.
    let registry = try Registry(at: dir.appendingPathComponent("curated/registry.sqlite"))
    let titanic = try registry.task("titanic-survival")
    #expect(
      try registry.skippedChecks("titanic-survival", version: titanic.version).map(\.name) == [
        "reference"
      ])
    let validate = try CLI.run(["validate", "titanic-survival", "--skip-reference"], cwd: dir)
    #expect(validate.status == 0, "\(validate.stdout)\(validate.stderr)")
    // A skipped check is never reported as a pass.
    #expect(!validate.stdout.contains("every check passed"))
    #expect(validate.stdout.contains("no check failed; skipped: reference"))

    // The curator's view of the same registry.
    let report = try CLI.run(["report", "--out", "report.html"], cwd: dir)
    #expect(report.status == 0, "\(report.stdout)\(report.stderr)")
    #expect(report.stdout.contains("3 tasks (3 published, 0 failing, "))
    let html = try String(contentsOf: dir.appendingPathComponent("report.html"), encoding: .utf8)
    #expect(html.contains("<table id=\"tasks\"") && html.contains("titanic-survival"))
    let rank = try CLI.run(["rank", "--json"], cwd: dir)
    #expect(rank.status == 0)
    // No session has run yet: no agent to rank.
    let agents = try JSONSerialization.jsonObject(with: Data(rank.stdout.utf8)) as? [Any]
    #expect(agents?.isEmpty == true)
    let missing = try CLI.run(["report", "--registry", "nowhere.sqlite"], cwd: dir)
    #expect(missing.status == 1)
    #expect(missing.stderr.contains("no registry at nowhere.sqlite"))
  }

  @Test func unknownTaskIsOneLineErrorAndExitOne() throws {
    let r = try CLI.run(["validate", "no-such-task"], cwd: FileManager.default.temporaryDirectory)
    #expect(r.status == 1)
    #expect(r.stderr.hasPrefix("error: no-such-task is neither a prepared task folder"))
  }

  @Test func checkFailsOnABrokenManifestAndNamesIt() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "dojo-cli-check-\(UUID())")
    defer { try? FileManager.default.removeItem(at: dir) }
    let manifest = dir.appendingPathComponent("manifests/broken/manifest.yaml")
    try FileManager.default.createDirectory(
      at: manifest.deletingLastPathComponent(), withIntermediateDirectories: true)
    try "id: broken\ntitle: B\n".write(to: manifest, atomically: true, encoding: .utf8)
    let r = try CLI.run(["check", "--all"], cwd: dir)
    #expect(r.status == 1)
    #expect(r.stdout.contains("FAILED  broken: "))
    #expect(r.stdout.contains("0 of 1 manifests pass"))
  }
}
