import DojoCore
import Foundation
import Tabular
import Testing

@testable import Curation

/// Manifest values that only the data can refute are reported by prepare with the line of
/// the manifest that holds them.
@Suite("prepare reports manifest values the data refutes, with the manifest line")
struct ManifestDataErrorTests {
  static func fixture(split: String, metric: String = "name: accuracy", classes: String? = nil)
    throws -> FixtureCompetition
  {
    var manifest = FixtureCompetition.manifest(split: split, metric: metric)
    if let classes {
      manifest = manifest.replacingOccurrences(
        of: "  targets: [label]\n", with: "  targets: [label]\n  classes: \(classes)\n")
    }
    return try FixtureCompetition(
      manifest: manifest, files: ["train.csv": FixtureCompetition.table(rows: 40)],
      local: ["lb.csv": FixtureCompetition.leaderboard])
  }

  static let stratified = "  strategy: stratified\n  test_fraction: 0.25\n  stratify: label"

  func message(_ body: () throws -> Void) -> String {
    do {
      try body()
      return ""
    } catch let error as DojoError {
      return error.message
    } catch {
      return "\(error)"
    }
  }

  @Test func aPositiveLabelNoRowHasStopsPrepareAtItsLine() throws {
    let f = try Self.fixture(split: Self.stratified, metric: "name: f1\n  positive: \"Yes\"")
    defer { f.remove() }
    let text = message { _ = try f.prepare() }
    #expect(text.contains("manifest.yaml:17: metric.positive \"Yes\" is not a label"), "\(text)")
    #expect(text.contains("\"no\", \"yes\""))
  }

  @Test func aLabelMissingFromClassesStopsPrepareAtItsLine() throws {
    let f = try Self.fixture(split: Self.stratified, classes: "[\"no\"]")
    defer { f.remove() }
    let text = message { _ = try f.prepare() }
    #expect(text.contains("manifest.yaml:15: answers.classes leaves out 1 label"), "\(text)")
    #expect(text.contains("\"yes\""))
  }

  @Test func classesThatMatchTheDataPrepare() throws {
    let f = try Self.fixture(split: Self.stratified, classes: "[\"no\", \"yes\"]")
    defer { f.remove() }
    #expect(try f.prepare().testRows == 10)
  }

  @Test func aTimeColumnOfPlainTextIsRefusedAtTheSplitsLine() throws {
    let f = try Self.fixture(split: "  strategy: time\n  test_fraction: 0.25\n  time: note")
    defer { f.remove() }
    let text = message { _ = try f.prepare() }
    #expect(text.contains("manifest.yaml:11: split.time column \"note\" holds"), "\(text)")
    #expect(text.contains("neither a number nor an ISO date"))
  }

  @Test func aTimeCutInsideEqualTimesIsAWarningWithCounts() {
    let planner = SplitPlanner(
      Manifest.Split(strategy: .time, testRows: 3, time: "day"))
    let times = ["2020-01-01", "2020-01-02", "2020-01-02", "2020-01-02", "2020-01-03"]
    let sides = (try? planner.assign(rowCount: times.count) { _ in CodedColumn(times) }) ?? []
    let tie = planner.tieAtTimeCut(sides: sides, times: CodedColumn(times))
    #expect(tie?.value == "2020-01-02")
    #expect(tie?.before == 1)
    #expect(tie?.test == 2)
    let clean = SplitPlanner(Manifest.Split(strategy: .time, testRows: 1, time: "day"))
    let cleanSides = (try? clean.assign(rowCount: times.count) { _ in CodedColumn(times) }) ?? []
    #expect(clean.tieAtTimeCut(sides: cleanSides, times: CodedColumn(times)) == nil)
  }
}
