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
