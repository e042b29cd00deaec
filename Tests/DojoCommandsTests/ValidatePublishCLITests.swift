import Foundation
import Registry
import Testing

/// `dojo validate` and `dojo publish` as a user runs them from anywhere: the manifest and
/// raw/ are found from the task, a check that cannot run is skipped (never passed), and
/// publishing needs every skipped check named.
@Suite("dojo validate and publish fail closed")
struct ValidatePublishCLITests {
  let dir: URL
  var repository: URL { dir.appendingPathComponent("repo") }
  var elsewhere: URL { dir.appendingPathComponent("elsewhere") }

  init() throws {
    dir = FileManager.default.temporaryDirectory.appendingPathComponent("dojo-cli-vp-\(UUID())")
    let fm = FileManager.default
    try fm.createDirectory(at: elsewhere, withIntermediateDirectories: true)
    let manifest = """
      id: fixture
      title: Fixture
      source:
        url: fixture.zip
      files:
        train: train.csv
      split:
        strategy: stratified
        test_fraction: 0.25
        seed: 2
        stratify: label
      answers:
        id: id
        targets: [label]
      metric:
        name: accuracy
      leaderboard:
        public: lb.csv
      """
    let board =
      "TeamId,TeamName,SubmissionDate,Score\n"
      + (1...20).map {
        "\($0),t\($0),2024-01-01,\(String(format: "%.3f", 0.95 - Double($0) * 0.02))"
      }
      .joined(separator: "\n") + "\n"
    let train =
      "id,x,label\n"
      + (0..<120).map { "\(100 + $0),\($0),\($0 % 3 == 0 ? "yes" : "no")" }.joined(separator: "\n")
      + "\n"
    try write(manifest, "repo/manifests/fixture/manifest.yaml")
    try write(board, "repo/manifests/fixture/lb.csv")
    try write(train, "repo/raw/fixture/files/train.csv")
  }

  func write(_ text: String, _ path: String) throws {
    let url = dir.appendingPathComponent(path)
    try FileManager.default.createDirectory(
      at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(text.utf8).write(to: url)
  }

  /// Prepares the fixture inside the repository and returns the task folder.
  func prepare() throws -> URL {
    let r = try CLI.run(["prepare", "manifests/fixture"], cwd: repository)
    #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    let parent = repository.appendingPathComponent("curated/fixture")
    let versions = try FileManager.default.contentsOfDirectory(atPath: parent.path)
      .filter { !$0.hasPrefix(".") }
    #expect(versions.count == 1)
    return parent.appendingPathComponent(try #require(versions.first))
  }

  func line(_ check: String, in output: String) -> String {
    output.split(separator: "\n").first { $0.hasPrefix(check + " ") }.map(String.init) ?? ""
  }

  @Test func warningsAreShownByValidateKeptInTheRegistryAndListedByReport() throws {
    defer { try? FileManager.default.removeItem(at: dir) }
    // The sample predicts the majority label (0.667 accuracy): silver on this board.
    let board =
      "TeamId,TeamName,SubmissionDate,Score\n"
      + (0..<20).map { "\($0 + 1),t\($0 + 1),2024-01-01,\(0.70 - Double($0) * 0.02)" }
      .joined(separator: "\n") + "\n"
    try write(board, "repo/manifests/fixture/lb.csv")
    let task = try prepare()
    let registry = "curated/registry.sqlite"
    let r = try CLI.run(
      ["validate", task.path, "--skip-reference", "--registry", registry], cwd: repository)
    #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    #expect(r.stdout.contains("warnings (never a failure; not run is not clear):"))
    #expect(line("baseline_medal", in: r.stdout).contains(" warned "), "\(r.stdout)")
    #expect(line("duplicates", in: r.stdout).contains(" clear "), "\(r.stdout)")
    #expect(r.stdout.contains("; warnings: baseline_medal"))
    let record = try Registry(at: repository.appendingPathComponent(registry))
      .latestValidations().first
    #expect(record?.reportJSON?.contains("\"baseline_medal\"") == true)
    let report = try CLI.run(
      ["report", "--registry", registry, "--out", "report.html"], cwd: repository)
    #expect(report.status == 0, "\(report.stderr)")
    #expect(report.stdout.contains("1 with warnings"), "\(report.stdout)")
    #expect(report.stdout.contains("warning fixture baseline_medal: the sample submission scores"))
    let html = try String(
      contentsOf: repository.appendingPathComponent("report.html"), encoding: .utf8)
    #expect(html.contains("<b class=\"warned\">baseline_medal</b>"))
  }

  @Test func checkMakesTheDataChecksWhereRawHoldsTheData() throws {
    defer { try? FileManager.default.removeItem(at: dir) }
    let r = try CLI.run(["check", "fixture", "--json"], cwd: repository)
    #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    #expect(r.stdout.contains("data checked: "), "\(r.stdout)")
    let manifest = repository.appendingPathComponent("manifests/fixture/manifest.yaml")
    let text = try String(contentsOf: manifest, encoding: .utf8)
    try Data(
      text.replacingOccurrences(of: "  name: accuracy", with: "  name: f1\n  positive: \"Yes\"")
        .utf8
    ).write(to: manifest)
    let bad = try CLI.run(["check", "fixture"], cwd: repository)
    #expect(bad.status == 1)
    #expect(
      bad.stdout.contains("manifest.yaml:17: metric.positive \"Yes\" is not a label"),
      "\(bad.stdout)")
  }

  @Test func validateFromAnotherFolderFindsManifestAndRawFromTheTask() throws {
    defer { try? FileManager.default.removeItem(at: dir) }
    let task = try prepare()
    let r = try CLI.run(["validate", task.path, "--skip-reference"], cwd: elsewhere)
    #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    #expect(line("determinism", in: r.stdout).contains(" passed "), "\(r.stdout)")
    #expect(line("reference", in: r.stdout).contains(" skipped "))
    #expect(r.stdout.contains("skipped: reference (skipped (--skip-reference))"))
    #expect(!r.stdout.contains("every check passed"))
  }

  @Test func withoutRawDeterminismIsSkippedAndPublishNeedsItNamed() throws {
    defer { try? FileManager.default.removeItem(at: dir) }
    let task = try prepare()
    try FileManager.default.removeItem(at: repository.appendingPathComponent("raw"))
    let r = try CLI.run(["validate", task.path, "--skip-reference"], cwd: elsewhere)
    #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    let determinism = line("determinism", in: r.stdout)
    #expect(determinism.contains(" skipped "), "\(r.stdout)")
    #expect(determinism.contains("raw/fixture/files does not exist"))
    #expect(r.stdout.contains("skipped: determinism (no unpacked archive: "))
    #expect(
      r.stdout.contains("publishing needs --allow-skipped determinism --allow-skipped reference"))

    let registry = elsewhere.appendingPathComponent("registry.sqlite")
    let refused = try CLI.run(["publish", task.path, "--registry", registry.path], cwd: elsewhere)
    #expect(refused.status == 1)
    #expect(
      refused.stderr.contains("skipped determinism (no unpacked archive"), "\(refused.stderr)")
    #expect(refused.stderr.contains("--allow-skipped determinism --allow-skipped reference"))
    let partly = try CLI.run(
      ["publish", task.path, "--registry", registry.path, "--allow-skipped", "determinism"],
      cwd: elsewhere)
    #expect(partly.status == 1)
    #expect(partly.stderr.contains("skipped reference"))
    #expect(!partly.stderr.contains("skipped determinism"))
    let typo = try CLI.run(
      ["publish", task.path, "--registry", registry.path, "--allow-skipped", "determinsm"],
      cwd: elsewhere)
    #expect(typo.status == 1)
    #expect(typo.stderr.contains("--allow-skipped determinsm: there is no such check"))
    // Nothing was published by the refusals.
    #expect(try Registry(at: registry).list().isEmpty)

    let allowed = try CLI.run(
      [
        "publish", task.path, "--registry", registry.path, "--allow-skipped", "determinism",
        "--allow-skipped", "reference",
      ], cwd: elsewhere)
    #expect(allowed.status == 0, "\(allowed.stdout)\(allowed.stderr)")
    let skipped = try Registry(at: registry).skippedChecks(
      "fixture", version: task.lastPathComponent)
    #expect(skipped.map(\.name) == ["determinism", "reference"])
    #expect(skipped.first?.reason.contains("raw/fixture/files does not exist") == true)
  }

  @Test func aTaskOutsideAnyRepositorySkipsDeterminismAndReferenceSayingWhy() throws {
    defer { try? FileManager.default.removeItem(at: dir) }
    let task = try prepare()
    let copy = elsewhere.appendingPathComponent("fixture-copy")
    try FileManager.default.copyItem(at: task, to: copy)
    let r = try CLI.run(["validate", copy.path], cwd: elsewhere)
    #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    for check in ["determinism", "reference"] {
      let found = line(check, in: r.stdout)
      #expect(found.contains(" skipped "), "\(r.stdout)")
      #expect(found.contains("holds manifests/fixture/manifest.yaml"))
    }
    #expect(!r.stdout.contains("every check passed"))
    let refused = try CLI.run(
      ["publish", copy.path, "--registry", elsewhere.appendingPathComponent("r.sqlite").path],
      cwd: elsewhere)
    #expect(refused.status == 1)
    #expect(refused.stderr.contains("a skipped check is not a pass"))
  }
}
