import Curation
import DojoCore
import Foundation
import Testing
import Validation

extension ValidationReport {
  func warning(_ name: String) -> ValidationWarning? { warnings.first { $0.name == name } }
}

/// Validation's warnings: each fires on a fixture built to trip it, stays clear on one that
/// does not, and is reported as not run, never clear, when it cannot be measured.
@Suite("validation warnings")
struct ValidationWarningTests {
  /// A board of 20 entries, best first, from `best` down by `step`.
  static func board(best: Double, step: Double) -> String {
    "TeamId,TeamName,SubmissionDate,Score\n"
      + (0..<20).map { "\($0 + 1),t\($0 + 1),2024-01-01,\(best - Double($0) * step)" }
      .joined(separator: "\n") + "\n"
  }

  /// 120 rows whose last 30 repeat the features (and label) of the first 30: about a third
  /// of a random test side has an exact duplicate in train, while train's features stay
  /// informative (three quarters of its rows distinct).
  static let repeatedRows =
    "id,x,label\n"
    + (0..<120).map { row in
      let x = row < 90 ? row : row - 90
      return "\(100 + row),\(x),\(x % 3 == 0 ? "yes" : "no")"
    }.joined(separator: "\n") + "\n"

  @Test func aCleanTaskHasEveryWarningClear() throws {
    let f = try PreparedFixture()
    defer { f.remove() }
    let report = try f.validate(skipReference: true)
    #expect(report.warnings.map(\.name) == ["baseline_medal", "duplicates", "tier_separation"])
    for warning in report.warnings {
      #expect(warning.status == .clear, "\(warning.name): \(warning.detail)")
    }
    #expect(
      report.warning("baseline_medal")?.detail.contains("the sample submission scores") == true)
    #expect(report.warning("tier_separation")?.detail.contains("below the gold-bronze gap") == true)
    // Kept in report.json, as written.
    let (_, result) = try f.prepare()
    #expect(try ValidationReport.read(result.layout.report).warnings == report.warnings)
  }

  @Test func theSampleSubmissionEarningAMedalIsWarnedNotFailed() throws {
    // The sample predicts the majority label, "no", right on two thirds of the rows; this
    // board's bronze needs 0.56.
    let f = try PreparedFixture(leaderboard: Self.board(best: 0.70, step: 0.02))
    defer { f.remove() }
    let report = try f.validate(skipReference: true)
    let warning = try #require(report.warning("baseline_medal"))
    #expect(warning.status == .warned, "\(warning.detail)")
    #expect(
      warning.detail.contains("the sample submission scores 0.666667, earning"), "\(warning.detail)"
    )
    #expect(warning.detail.contains("a constant prediction"))
    #expect(report.passed)
    #expect(report.summary.contains("warnings: baseline_medal"))
  }

  @Test func aConstantBaselineIsGradedBesideTheSample() throws {
    let f = try PreparedFixture()
    defer { f.remove() }
    let report = try f.validate(skipReference: true)
    let detail = report.warning("baseline_medal")?.detail ?? ""
    // The most frequent label, "no", on every row: the same 0.666667 as the sample.
    #expect(
      detail.contains("a constant prediction (each column's most frequent value) scores 0.666667"),
      "\(detail)")
  }

  @Test func testRowsRepeatingTrainRowsAreWarnedAboveTheThreshold() throws {
    let f = try PreparedFixture(table: Self.repeatedRows)
    defer { f.remove() }
    let report = try f.validate(skipReference: true)
    let warning = try #require(report.warning("duplicates"))
    #expect(warning.status == .warned, "\(warning.detail)")
    #expect(warning.detail.contains("rows have an exact feature duplicate in public/train.csv"))
    #expect(warning.detail.contains("above 10%, validation.duplicate_warning"))
    #expect(report.status("leaks") == .passed, "\(report.detail("leaks"))")
  }

  @Test func theManifestRaisesTheDuplicateWarningThreshold() throws {
    let f = try PreparedFixture(
      table: Self.repeatedRows, extra: "validation:\n  duplicate_warning: 0.9")
    defer { f.remove() }
    let report = try f.validate(skipReference: true)
    let warning = try #require(report.warning("duplicates"))
    #expect(warning.status == .clear, "\(warning.detail)")
    #expect(warning.detail.contains("at most 90%"))
  }

  @Test func theManifestLowersTheDuplicateLimitPastWhichLeaksFail() throws {
    let f = try PreparedFixture(
      table: Self.repeatedRows,
      extra: "validation:\n  duplicate_warning: 0.05\n  duplicate_limit: 0.1")
    defer { f.remove() }
    let report = try f.validate(skipReference: true)
    #expect(report.status("leaks") == .failed)
    #expect(report.detail("leaks").contains("(limit 10%, validation.duplicate_limit)"))
    // Measured before the leak was judged, so still reported as what it is.
    #expect(report.warning("duplicates")?.status == .warned)
  }

  @Test func tablesWithoutFeaturesLeaveTheDuplicateWarningNotRun() throws {
    let table =
      "id,label\n"
      + (0..<120).map { "\(100 + $0),\($0 % 3 == 0 ? "yes" : "no")" }
      .joined(separator: "\n") + "\n"
    let f = try PreparedFixture(table: table)
    defer { f.remove() }
    let report = try f.validate(skipReference: true)
    let warning = try #require(report.warning("duplicates"))
    #expect(warning.status == .notRun)
    #expect(warning.detail.contains("share a feature column"))
    #expect(report.summary.contains("warnings not run: duplicates"))
  }

  @Test func aBoardTighterThanTheScoresErrorIsWarned() throws {
    // 30 test rows: a score near gold (0.949) has a standard error of about 0.03, and this
    // board's gold and bronze (0.943) are 0.006 apart.
    let f = try PreparedFixture(leaderboard: Self.board(best: 0.95, step: 0.001))
    defer { f.remove() }
    let report = try f.validate(skipReference: true)
    let warning = try #require(report.warning("tier_separation"))
    #expect(warning.status == .warned, "\(warning.detail)")
    #expect(warning.detail.contains("exceeds the gold-bronze gap of 0.006"), "\(warning.detail)")
    #expect(warning.detail.contains("40 bootstrap resamples of 30 test rows"))
    #expect(report.passed)
    // The sample scores under every entry: no rank past the board's size.
    let baseline = report.warning("baseline_medal")?.detail ?? ""
    #expect(baseline.contains("scores 0.666667 (below all 20 entries)"), "\(baseline)")
  }

  @Test func theBootstrapIsDeterministic() throws {
    let f = try PreparedFixture(leaderboard: Self.board(best: 0.95, step: 0.001))
    defer { f.remove() }
    let first = try f.validate(skipReference: true).warning("tier_separation")?.detail
    let second = try f.validate(skipReference: true).warning("tier_separation")?.detail
    #expect(first != nil && first == second)
  }

  @Test func withoutALeaderboardTheMedalWarningsAreNotRunNeverClear() throws {
    let f = try PreparedFixture(board: "")
    defer { f.remove() }
    let report = try f.validate(skipReference: true)
    for name in ["baseline_medal", "tier_separation"] {
      let warning = try #require(report.warning(name))
      #expect(warning.status == .notRun, "\(name): \(warning.detail)")
      #expect(warning.detail.contains("no leaderboard"))
    }
    #expect(report.warning("duplicates")?.status == .clear)
  }

  @Test func aReportWrittenBeforeWarningsReadsWithNone() throws {
    let json = """
      {"task":"t","version":"v","passed":true,"checks":[],"validated_at":"2026-01-01T00:00:00Z",
       "checksums_sha256":"x"}
      """
    let report = try JSONDecoder().decode(ValidationReport.self, from: Data(json.utf8))
    #expect(report.warnings.isEmpty)
    #expect(report.summary == "t v: every check passed")
  }

  @Test(arguments: [
    ("duplicate_warning: 1.5", "must be a share of test rows between 0 and 1"),
    ("duplicate_warning: many", "must be a share of test rows between 0 and 1"),
    ("duplicate_warning: 0.6\n  duplicate_limit: 0.5", "is above duplicate_limit"),
    ("duplicates: 0.2", "duplicates is not a known key"),
  ])
  func aValidationSectionOutOfRangeIsRefusedWithItsLine(section: String, expected: String) throws {
    let f = try PreparedFixture(extra: "validation:\n  \(section)")
    defer { f.remove() }
    do {
      _ = try ManifestLoader.load(f.manifestDir)
      Issue.record("loaded")
    } catch let error as DojoError {
      #expect(error.message.contains("manifest.yaml:"), "\(error.message)")
      #expect(error.message.contains(expected), "\(error.message)")
    }
  }
}
