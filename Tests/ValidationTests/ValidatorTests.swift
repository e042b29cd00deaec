import Curation
import DojoCore
import Foundation
import Testing
import Validation

/// A small competition prepared in a temporary folder, ready to validate.
struct PreparedFixture {
  let root: URL
  var raw: URL { root.appendingPathComponent("raw") }
  var manifestDir: URL { root.appendingPathComponent("manifest") }

  static let leaderboard =
    "TeamId,TeamName,SubmissionDate,Score\n"
    + (1...20).map { "\($0),t\($0),2024-01-01,\(String(format: "%.3f", 0.95 - Double($0) * 0.02))" }
    .joined(separator: "\n") + "\n"

  /// Rows whose label is exactly predictable from x, so a simple solution beats the median.
  static func table(rows: Int) -> String {
    "id,x,label\n"
      + (0..<rows).map { "\(100 + $0),\($0),\($0 % 3 == 0 ? "yes" : "no")" }
      .joined(separator: "\n") + "\n"
  }

  static let solution = """
    import csv, os
    data, out = os.environ["DOJO_DATA"], os.environ["DOJO_OUTPUT"]
    os.makedirs(out, exist_ok=True)
    rows = list(csv.DictReader(open(os.path.join(data, "test.csv"))))
    with open(os.path.join(out, "submission.csv"), "w") as f:
        f.write("id,label\\n")
        for r in rows:
            f.write(f"{r['id']},{'yes' if int(r['x']) % 3 == 0 else 'no'}\\n")
    """

  init(
    split: String = "  strategy: stratified\n  test_fraction: 0.25\n  seed: 2\n  stratify: label",
    solution: String = PreparedFixture.solution, leaderboard: String = PreparedFixture.leaderboard,
    extraLocal: [String: String] = [:],
    reference: String = "reference:\n  solution: solution.py\n  timeout_s: 30",
    table: String = PreparedFixture.table(rows: 120),
    board: String = "leaderboard:\n  public: lb.csv", extra: String = ""
  ) throws {
    root = FileManager.default.temporaryDirectory.appendingPathComponent("dojo-val-\(UUID())")
    try AtomicFiles.write(table, to: raw.appendingPathComponent("train.csv"))
    let manifest = """
      id: fixture
      title: Fixture
      source:
        url: fixture.zip
      files:
        train: train.csv
      split:
      \(split)
      answers:
        id: id
        targets: [label]
      metric:
        name: accuracy
      \(board)
      \(reference)
      \(extra)
      """
    try AtomicFiles.write(manifest, to: manifestDir.appendingPathComponent("manifest.yaml"))
    try AtomicFiles.write(leaderboard, to: manifestDir.appendingPathComponent("lb.csv"))
    try AtomicFiles.write(solution, to: manifestDir.appendingPathComponent("solution.py"))
    for (path, text) in extraLocal {
      try AtomicFiles.write(text, to: manifestDir.appendingPathComponent(path))
    }
  }

  func prepare() throws -> (LoadedManifest, PrepareResult) {
    let loaded = try ManifestLoader.load(manifestDir)
    let result = try Preparer(loaded).prepare(
      raw: raw, curated: root.appendingPathComponent("curated"), pageMarkdown: nil)
    return (loaded, result)
  }

  func validate(skipReference: Bool = false) throws -> ValidationReport {
    let (loaded, result) = try prepare()
    return try Validator(
      layout: result.layout, manifest: loaded, raw: raw, skipReference: skipReference
    ).validate()
  }

  func remove() { try? FileManager.default.removeItem(at: root) }
}

extension ValidationReport {
  func status(_ name: String) -> CheckResult.Status? { checks.first { $0.name == name }?.status }
  func detail(_ name: String) -> String { checks.first { $0.name == name }?.detail ?? "" }
}

@Suite("dojo validate")
struct ValidatorTests {
  @Test func aCleanTaskPassesEveryCheck() throws {
    let f = try PreparedFixture()
    defer { f.remove() }
    let report = try f.validate()
    for check in report.checks {
      #expect(check.status == .passed, "\(check.name): \(check.detail)")
    }
    #expect(report.passed)
    #expect(
      report.checks.map(\.name) == [
        "integrity", "sample", "gold", "refusals", "leaks", "determinism", "leaderboard",
        "reference",
      ])
    let (_, result) = try f.prepare()
    #expect(try ValidationReport.read(result.layout.report) == report)
  }

  @Test func aTamperedFileFailsIntegrity() throws {
    let f = try PreparedFixture()
    defer { f.remove() }
    let (loaded, result) = try f.prepare()
    try AtomicFiles.write("id,x\n1,2\n", to: result.layout.test)
    let report = try Validator(
      layout: result.layout, manifest: loaded, raw: f.raw, skipReference: true
    )
    .validate()
    #expect(report.status("integrity") == .failed)
    #expect(report.detail("integrity").contains("public/test.csv has changed"))
    #expect(!report.passed)
  }

  @Test func aLeakedTargetColumnFailsLeaks() throws {
    let f = try PreparedFixture()
    defer { f.remove() }
    let (loaded, result) = try f.prepare()
    // Put the answers into public/test.csv and re-checksum, as a buggy script would.
    try FileManager.default.removeItem(at: result.layout.test)
    try FileManager.default.copyItem(at: result.layout.answers, to: result.layout.test)
    try Checksums.write(for: result.layout.root)
    let report = try Validator(
      layout: result.layout, manifest: loaded, raw: f.raw, skipReference: true
    )
    .validate()
    #expect(report.status("leaks") == .failed)
    #expect(report.detail("leaks").contains("byte-for-byte copy of private/answers.csv"))
  }

  @Test func aReversedLeaderboardFails() throws {
    let reversed =
      "TeamId,TeamName,SubmissionDate,Score\n"
      + (1...20).reversed().map {
        "\($0),t\($0),2024-01-01,\(String(format: "%.3f", 0.95 - Double($0) * 0.02))"
      }
      .joined(separator: "\n") + "\n"
    let f = try PreparedFixture(leaderboard: reversed)
    defer { f.remove() }
    let report = try f.validate(skipReference: true)
    #expect(report.status("leaderboard") == .failed)
    #expect(report.detail("leaderboard").contains("is not ordered highest first"))
  }

  @Test func anImpossibleLeaderboardScoreFails() throws {
    let board = "TeamId,TeamName,SubmissionDate,Score\n1,a,2024-01-01,1.7\n2,b,2024-01-01,0.5\n"
    let f = try PreparedFixture(leaderboard: board)
    defer { f.remove() }
    let report = try f.validate(skipReference: true)
    #expect(report.status("leaderboard") == .failed)
    #expect(report.detail("leaderboard").contains("impossible for accuracy"))
  }

  @Test func aNondeterministicSplitFails() throws {
    let script = """
      import os, random, sys
      raw, out = sys.argv[1], sys.argv[2]
      rows = open(os.path.join(raw, "train.csv")).read().splitlines()
      header, body = rows[0], rows[1:]
      random.shuffle(body)  # unseeded: a different split every time
      test, train = body[:30], body[30:]
      os.makedirs(os.path.join(out, "public"), exist_ok=True)
      os.makedirs(os.path.join(out, "private"), exist_ok=True)
      open(os.path.join(out, "public", "train.csv"), "w").write("\\n".join([header] + train) + "\\n")
      open(os.path.join(out, "public", "test.csv"), "w").write("id,x\\n" + "".join(r.rsplit(",", 1)[0] + "\\n" for r in test))
      open(os.path.join(out, "private", "answers.csv"), "w").write("id,label\\n" + "".join(r.split(",")[0] + "," + r.split(",")[2] + "\\n" for r in test))
      """
    let f = try PreparedFixture(
      split: "  strategy: script\n  script: split.py", extraLocal: ["split.py": script])
    defer { f.remove() }
    let report = try f.validate(skipReference: true)
    #expect(report.status("determinism") == .failed)
    #expect(report.detail("determinism").contains("not deterministic"))
  }

  @Test func aCrashingReferenceSolutionFailsWithItsError() throws {
    let f = try PreparedFixture(solution: "raise ValueError('model exploded')\n")
    defer { f.remove() }
    let report = try f.validate()
    #expect(report.status("reference") == .failed)
    #expect(report.detail("reference").contains("model exploded"))
  }

  @Test func aHangingReferenceSolutionIsStoppedByItsTimeLimit() throws {
    let f = try PreparedFixture(
      solution: "import time\ntime.sleep(60)\n",
      reference: "reference:\n  solution: solution.py\n  timeout_s: 2")
    defer { f.remove() }
    let start = Date()
    let report = try f.validate()
    #expect(report.status("reference") == .failed)
    #expect(report.detail("reference").contains("time limit"))
    #expect(Date().timeIntervalSince(start) < 30)
  }

  @Test func aWeakReferenceMustMeetItsExpectation() throws {
    let f = try PreparedFixture(
      solution: PreparedFixture.solution.replacingOccurrences(of: "% 3 == 0", with: "% 2 == 0"),
      reference: "reference:\n  solution: solution.py\n  expect: { at_least: 0.9 }")
    defer { f.remove() }
    let report = try f.validate()
    #expect(report.status("reference") == .failed)
    #expect(report.detail("reference").contains("below reference.expect.at_least"))
  }
}
