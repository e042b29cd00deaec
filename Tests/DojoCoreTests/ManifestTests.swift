import DojoCore
import Foundation
import Testing

@Suite("Manifest parsing")
struct ManifestTests {
  static let valid: String = {
    let url = Bundle.module.url(forResource: "Fixtures/manifest", withExtension: "yaml")!
    return try! String(contentsOf: url, encoding: .utf8)
  }()

  @Test func parsesEveryField() throws {
    let m = try ManifestLoader.parse(Self.valid)
    #expect(m.id == "titanic-survival")
    #expect(m.category == "Tabular")
    #expect(m.source.location == .kaggle("titanic-survival"))
    #expect(m.page == .kaggle)
    #expect(m.files.train == "train.csv")
    #expect(m.files.extra == ["data_description.txt"])
    #expect(m.split.strategy == .stratified)
    #expect(m.split.testFraction == 0.2)
    #expect(m.split.seed == 7)
    #expect(m.split.stratify == "survived")
    #expect(m.answers.id == "PassengerId")
    #expect(m.answers.targets == ["survived"])
    #expect(m.answers.classes == ["yes", "no"])
    #expect(m.metric.name == "accuracy")
    #expect(m.leaderboard?.publicBoard == "leaderboard.csv")
    #expect(m.reference?.expect.atLeast == 0.75)
    #expect(m.reference?.expect.aboveMedian == true)
  }

  /// A script split reads the archive itself, so it needs no files.train (a placeholder name
  /// would only have to exist); every other strategy reads that table and must name it.
  @Test func onlyAScriptSplitGoesWithoutFilesTrain() throws {
    let withoutTrain = Self.valid.replacingOccurrences(of: "  train: train.csv\n", with: "")
    #expect {
      _ = try ManifestLoader.parse(withoutTrain)
    } throws: { error in
      (error as? DojoError)?.message.contains("files needs train") == true
    }
    let script = withoutTrain.replacingOccurrences(
      of: "  strategy: stratified", with: "  strategy: script\n  script: prepare.py")
    let m = try ManifestLoader.parse(
      script.replacingOccurrences(of: "  stratify: survived\n", with: ""))
    #expect(m.files.train.isEmpty)
  }

  @Test func metricParametersAreKeptAsWritten() throws {
    let text = Self.valid.replacingOccurrences(
      of: "  name: accuracy", with: "  name: map@k\n  k: 3\n  columns: [a, b]\n  positive: \"yes\"")
    let m = try ManifestLoader.parse(text)
    #expect(m.metric.name == "map@k")
    #expect(m.metric.parameters["k"]?.integer == 3)
    #expect(m.metric.parameters["columns"]?.strings == ["a", "b"])
    #expect(m.metric.parameters["positive"]?.string == "yes")
  }

  struct ErrorCase: CustomTestStringConvertible, Sendable {
    var name: String
    var replace: String
    var with: String
    var expected: String
    var testDescription: String { name }
  }

  static let errorCases: [ErrorCase] = [
    ErrorCase(
      name: "fraction out of range", replace: "test_fraction: 0.2", with: "test_fraction: 1.5",
      expected: "manifest.yaml:13: split.test_fraction must be a number between 0 and 1"),
    ErrorCase(
      name: "fraction not a number", replace: "test_fraction: 0.2", with: "test_fraction: lots",
      expected: "manifest.yaml:13: split.test_fraction must be a number between 0 and 1"),
    ErrorCase(
      name: "unknown top-level key", replace: "title: Titanic Survival",
      with: "title: Titanic Survival\ntitel: typo",
      expected: "manifest.yaml:3: titel is not a known key here"),
    ErrorCase(
      name: "unknown nested key", replace: "  seed: 7", with: "  seed: 7\n  sed: 8",
      expected: "manifest.yaml:15: split.sed is not a known key here"),
    ErrorCase(
      name: "unknown strategy", replace: "strategy: stratified", with: "strategy: shuffled",
      expected: "manifest.yaml:12: split.strategy must be one of random, stratified"),
    ErrorCase(
      name: "missing answers",
      replace: "answers:\n  id: PassengerId\n  targets: [survived]\n  classes: [\"yes\", \"no\"]\n",
      with: "", expected: "manifest.yaml:1: the manifest needs answers"),
    ErrorCase(
      name: "missing stratify column", replace: "  stratify: survived\n", with: "",
      expected: "split.stratify is required by strategy stratified"),
    ErrorCase(
      name: "seed negative", replace: "seed: 7", with: "seed: -1",
      expected: "manifest.yaml:14: split.seed must be a non-negative whole number"),
    ErrorCase(
      name: "targets of wrong type", replace: "targets: [survived]", with: "targets: {a: 1}",
      expected: "manifest.yaml:18: answers.targets must be a list"),
    ErrorCase(
      name: "bad slug", replace: "id: titanic-survival", with: "id: Titanic Survival",
      expected: "manifest.yaml:1: id must be a slug"),
    ErrorCase(
      name: "two sources", replace: "  kaggle: titanic-survival",
      with: "  kaggle: a\n  url: http://x/a.zip",
      expected: "manifest.yaml:3: source must have exactly one of kaggle or url"),
    ErrorCase(
      name: "bad sha", replace: "  kaggle: titanic-survival", with: "  kaggle: a\n  sha256: xyz",
      expected: "manifest.yaml:5: source.sha256 must be 64 hex digits"),
    ErrorCase(
      name: "syntax error", replace: "title: Titanic Survival", with: "title: [unclosed",
      expected: "manifest.yaml:"),
  ]

  @Test(arguments: errorCases)
  func refusesWithFileLineAndKeyPath(_ c: ErrorCase) throws {
    let text = Self.valid.replacingOccurrences(of: c.replace, with: c.with)
    #expect(text != Self.valid)
    do {
      _ = try ManifestLoader.parse(text)
      Issue.record("parsed although \(c.name)")
    } catch let error as DojoError {
      #expect(error.code == .invalidManifest)
      #expect(
        error.message.hasPrefix(c.expected) || error.message.contains(c.expected),
        "\(error.message)")
      #expect(!error.message.contains("\n"))
    }
  }

  @Test func loadsFromAFolderAndHashesTheFile() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "dojo-manifest-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    try Self.valid.write(
      to: dir.appendingPathComponent("manifest.yaml"), atomically: true, encoding: .utf8)
    let loaded = try ManifestLoader.load(dir)
    #expect(loaded.manifest.id == "titanic-survival")
    #expect(loaded.sha256 == SHA256Hasher.hash(Self.valid))
    #expect(loaded.resolve("solution.py").path == dir.appendingPathComponent("solution.py").path)
  }

  @Test func missingFileSaysWhatToDo() {
    #expect(throws: DojoError.self) {
      try ManifestLoader.load(URL(fileURLWithPath: "/nonexistent/dir"))
    }
  }
}
