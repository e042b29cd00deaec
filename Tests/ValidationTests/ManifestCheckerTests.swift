import DojoCore
import Foundation
import Testing
import Validation

@Suite("dojo check")
struct ManifestCheckerTests {
  static func folder(manifest: String, board: String?) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dojo-check-\(UUID())")
      .appendingPathComponent("demo")
    try AtomicFiles.write(manifest, to: dir.appendingPathComponent("manifest.yaml"))
    if let board { try AtomicFiles.write(board, to: dir.appendingPathComponent("public.csv")) }
    return dir
  }

  static func manifest(metric: String = "name: rmse", targets: String = "[y]", extra: String = "")
    -> String
  {
    """
    id: demo
    title: Demo
    source:
      kaggle: demo
    files:
      train: train.csv
    split:
      strategy: random
      test_fraction: 0.2
    \(extra)
    answers:
      id: id
      targets: \(targets)
    metric:
      \(metric)
    leaderboard:
      public: public.csv
    """
  }

  struct Case: Sendable, CustomTestStringConvertible {
    var name: String
    var manifest: String
    var board: String?
    var expected: String?
    var testDescription: String { name }
  }

  static let cases: [Case] = [
    Case(name: "clean", manifest: manifest(), board: "rank,score\n1,0.5\n2,0.9\n", expected: nil),
    Case(
      name: "reversed board", manifest: manifest(), board: "rank,score\n1,0.9\n2,0.5\n",
      expected: "is not ordered lowest first"),
    Case(
      name: "impossible score", manifest: manifest(metric: "name: accuracy"),
      board: "rank,score\n1,1.5\n2,0.5\n", expected: "impossible for accuracy"),
    Case(
      name: "unknown metric", manifest: manifest(metric: "name: accuracyy"),
      board: "rank,score\n1,0.5\n", expected: "metric:"),
    Case(
      name: "missing board", manifest: manifest(), board: nil, expected: "leaderboard.public"),
    Case(
      name: "stratify on the id",
      manifest: manifest().replacingOccurrences(
        of: "  strategy: random\n  test_fraction: 0.2",
        with: "  strategy: stratified\n  test_fraction: 0.2\n  stratify: id"),
      board: "rank,score\n1,0.5\n", expected: "split.stratify names the id column"),
    Case(
      name: "media under a script split is refused, not ignored",
      manifest: manifest(extra: "media:\n  folder: images\n  pattern: \"{id}.png\"")
        .replacingOccurrences(
          of: "  strategy: random\n  test_fraction: 0.2",
          with: "  strategy: script\n  script: prepare.py"),
      board: "rank,score\n1,0.5\n", expected: "media: is ignored by split.strategy: script"),
    Case(
      name: "a sample submission as a script split's files.train is a placeholder",
      manifest: manifest().replacingOccurrences(
        of: "  train: train.csv", with: "  train: sample_submission.csv"
      )
      .replacingOccurrences(
        of: "  strategy: random\n  test_fraction: 0.2",
        with: "  strategy: script\n  script: prepare.py"),
      board: "rank,score\n1,0.5\n", expected: "is a placeholder"),
    Case(
      name: "bad yaml key", manifest: manifest().replacingOccurrences(of: "title:", with: "titel:"),
      board: nil, expected: "titel is not a known key"),
  ]

  @Test(arguments: cases)
  func checks(_ c: Case) throws {
    let dir = try Self.folder(manifest: c.manifest, board: c.board)
    defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
    let result = ManifestChecker().check(dir)
    if let expected = c.expected {
      #expect(!result.passed)
      #expect(result.problems.contains { $0.contains(expected) }, "\(result.problems)")
    } else {
      #expect(result.passed, "\(result.problems)")
    }
  }
}

/// `dojo check` makes prepare's data checks where the data is unpacked, with the line.
@Suite("dojo check with the data unpacked")
struct ManifestCheckerDataTests {
  /// `manifests/demo/manifest.yaml` and, unless `data` is nil, `raw/demo/files/train.csv`.
  static func competition(split: String, metric: String = "name: accuracy", data: String?)
    throws -> (manifest: URL, raw: URL)
  {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("dojo-chk-\(UUID())")
    let manifest = """
      id: demo
      title: Demo
      source:
        kaggle: demo
      files:
        train: train.csv
      split:
      \(split)
      answers:
        id: id
        targets: [label]
      metric:
        \(metric)
      """
    let dir = root.appendingPathComponent("manifests/demo")
    try AtomicFiles.write(manifest, to: dir.appendingPathComponent("manifest.yaml"))
    if let data {
      try AtomicFiles.write(data, to: root.appendingPathComponent("raw/demo/files/train.csv"))
    }
    return (dir, root.appendingPathComponent("raw"))
  }

  static let rows =
    "id,day,note,label\n"
    + (0..<40).map {
      "\($0),2020-01-\(String(format: "%02d", 1 + $0 / 4)),n\($0),\($0 % 2 == 0 ? "yes" : "no")"
    }
    .joined(separator: "\n") + "\n"

  static let stratified = "  strategy: stratified\n  test_fraction: 0.25\n  stratify: label"

  func check(split: String, metric: String = "name: accuracy", data: String? = rows) throws
    -> ManifestChecker.Result
  {
    let c = try Self.competition(split: split, metric: metric, data: data)
    defer {
      try? FileManager.default.removeItem(at: c.raw.deletingLastPathComponent())
    }
    return ManifestChecker(raw: c.raw).check(c.manifest)
  }

  @Test func aPositiveLabelNoRowHasFailsCheckAtItsLine() throws {
    let r = try check(split: Self.stratified, metric: "name: f1\n  positive: \"Yes\"")
    #expect(!r.passed)
    #expect(
      r.problems.contains {
        $0.contains("manifest.yaml:16: metric.positive \"Yes\" is not a label")
      },
      "\(r.problems)")
  }

  @Test func aLabelMissingFromClassesFailsCheckAtItsLine() throws {
    let split = Self.stratified
    let c = try Self.competition(split: split, data: Self.rows)
    defer { try? FileManager.default.removeItem(at: c.raw.deletingLastPathComponent()) }
    let url = c.manifest.appendingPathComponent("manifest.yaml")
    let text = try String(contentsOf: url, encoding: .utf8)
      .replacingOccurrences(
        of: "  targets: [label]\n", with: "  targets: [label]\n  classes: [\"no\"]\n")
    try AtomicFiles.write(text, to: url)
    let r = ManifestChecker(raw: c.raw).check(c.manifest)
    #expect(
      r.problems.contains { $0.contains("manifest.yaml:14: answers.classes leaves out 1 label") },
      "\(r.problems)")
  }

  @Test func aTimeColumnThatIsNotATimeFailsCheckAtTheSplitsLine() throws {
    let r = try check(split: "  strategy: time\n  test_fraction: 0.25\n  time: note")
    #expect(
      r.problems.contains { $0.contains("manifest.yaml:10: split.time column \"note\" holds") },
      "\(r.problems)")
  }

  @Test func aTimeCutInsideEqualTimesIsAWarningWithTheLine() throws {
    // Four rows a day; 25% of 40 is 10 rows, so the cut splits a day's four rows.
    let r = try check(split: "  strategy: time\n  test_fraction: 0.25\n  time: day")
    #expect(r.passed, "\(r.problems)")
    #expect(
      r.warnings.contains { $0.contains("manifest.yaml:10: the time cut falls inside 4 rows") },
      "\(r.warnings)")
  }

  @Test func cleanDataPassesAndSaysItWasChecked() throws {
    let r = try check(split: Self.stratified)
    #expect(r.passed, "\(r.problems)")
    #expect(r.warnings.isEmpty)
    #expect(r.notes.contains { $0.hasPrefix("data checked: ") })
  }

  @Test func withoutTheDataTheDataChecksAreSaidNotRun() throws {
    let r = try check(split: Self.stratified, metric: "name: f1\n  positive: \"Yes\"", data: nil)
    #expect(r.passed, "\(r.problems)")
    #expect(
      r.notes.contains { $0.contains("data checks not run") && $0.contains("does not exist") })
  }
}
