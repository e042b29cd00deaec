import DojoCore
import Foundation
import Grading
import Testing

/// The grader reads submission cells in file order and parses numbers from the bytes: a
/// shuffled submission must score exactly as the same rows in answers order, numbers written
/// in any form `Double(String)` accepts must count alike, and a bad cell must still be named
/// by its line in the file.
@Suite struct ShuffledSubmissionTests {
  static let rows = 300

  /// A deterministic shuffle (a fixed LCG), so a failure reproduces.
  static func shuffled(_ n: Int) -> [Int] {
    var order = Array(0..<n)
    var state: UInt64 = 42
    for i in stride(from: n - 1, to: 0, by: -1) {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      order.swapAt(i, Int((state >> 33) % UInt64(i + 1)))
    }
    return order
  }

  static func rmseTask(rows: Int = rows) throws -> TaskFixture {
    let answers =
      "id,y\n" + (0..<rows).map { "\(1000 + $0),\(Double($0 % 17) * 1.5)" }.joined(separator: "\n")
      + "\n"
    return try TaskFixture(
      metric: .init(name: "rmse"), targets: ["y"], classes: nil, answers: answers)
  }

  /// Row `i`'s prediction, and how the submission spells it (forms Double(String) reads).
  static func prediction(_ i: Int) -> (Double, String) {
    let v = Double(i % 17) * 1.5 + Double(i % 5) - 2
    switch i % 4 {
    case 0: return (v, "\(v)")
    case 1: return (v, " \(v)\t")
    case 2: return (v, String(format: "%.6e", v))
    default: return (v, "\"\(v)\"")
    }
  }

  /// 70,000 rows: past the size where the grader splits parsing between two threads.
  @Test(arguments: [rows, 70_000])
  func shuffledRowsAndSpelledNumbersScoreAsInOrder(rows: Int) throws {
    let task = try Self.rmseTask(rows: rows)
    defer { task.remove() }
    let grader = try task.grader()
    let inOrder =
      "id,y\n"
      + (0..<rows).map { "\(1000 + $0),\(Self.prediction($0).0)" }
      .joined(separator: "\n") + "\n"
    let mixed =
      "y,id\n"
      + Self.shuffled(rows).map { "\(Self.prediction($0).1),\(1000 + $0)" }
      .joined(separator: "\n") + "\n"
    let a = try grader.score(submission: task.submission(inOrder, name: "a.csv"))
    let b = try grader.score(submission: task.submission(mixed, name: "b.csv"))
    var sum = 0.0
    for i in 0..<rows {
      let d = Self.prediction(i).0 - Double(i % 17) * 1.5
      sum += d * d
    }
    #expect(a == b)
    #expect(abs(a - (sum / Double(rows)).squareRoot()) < 1e-12)
  }

  struct BadCell: Sendable, CustomTestStringConvertible {
    var name: String
    var value: String
    var expected: String
    var testDescription: String { name }
  }

  static let badCells: [BadCell] = [
    BadCell(name: "text", value: "abc", expected: "\"abc\" is not a number"),
    BadCell(name: "empty", value: "", expected: "is empty; expected a number"),
    BadCell(name: "infinite", value: "inf", expected: "is not a finite number"),
  ]

  /// Two bad cells: the one earlier in the file belongs to a later answer row, and the
  /// message names that one, by its line.
  @Test(arguments: badCells)
  func firstBadCellInFileOrderIsNamed(_ c: BadCell) throws {
    let task = try Self.rmseTask()
    defer { task.remove() }
    let order = Self.shuffled(Self.rows)
    let first = 8
    let second = try #require(order.indices.first { $0 > first && order[$0] < order[first] })
    var body = order.map { "\(1000 + $0),\(Self.prediction($0).0)" }
    body[first] = "\(1000 + order[first]),\(c.value)"
    body[second] = "\(1000 + order[second]),also-bad"
    let url = try task.submission("id,y\n" + body.joined(separator: "\n") + "\n")
    let error = #expect(throws: DojoError.self) { try task.grader().score(submission: url) }
    #expect(error?.code == .invalidSubmission)
    #expect(error?.message.contains("row \(first + 2): column \"y\"") == true)
    #expect(error?.message.contains(c.expected) == true)
  }

  @Test(arguments: [rows, 70_000])
  func multiclassShuffledScoresAsInOrder(rows: Int) throws {
    let classes = ["a", "b", "c"]
    let answers =
      "id,k\n" + (0..<rows).map { "\($0),\(classes[$0 % 3])" }.joined(separator: "\n")
      + "\n"
    let task = try TaskFixture(
      metric: .init(name: "multiclass_log_loss"), targets: ["k"], classes: classes,
      answers: answers)
    defer { task.remove() }
    func row(_ i: Int) -> String {
      let p = [0.2, 0.3, 0.5].map { $0 + (i % 3 == 0 ? 0.1 : 0) }
      return "\(i),\(p[0]),\(p[1]),\(p[2])"
    }
    let grader = try task.grader()
    let inOrder =
      "id,a,b,c\n" + (0..<rows).map(row).joined(separator: "\n") + "\n"
    let mixed =
      "id,a,b,c\n" + Self.shuffled(rows).map(row).joined(separator: "\n") + "\n"
    let a = try grader.score(submission: task.submission(inOrder, name: "a.csv"))
    let b = try grader.score(submission: task.submission(mixed, name: "b.csv"))
    #expect(a == b)
    var sum = 0.0
    for i in 0..<rows {
      let p = [0.2, 0.3, 0.5].map { $0 + (i % 3 == 0 ? 0.1 : 0) }
      sum -= log(p[i % 3] / p.reduce(0, +))
    }
    #expect(abs(a - sum / Double(rows)) < 1e-12)
  }
}

extension ShuffledSubmissionTests {
  /// Class probabilities are parsed a row at a time into one row-major table; a cell that is
  /// not a probability sends the check back a column at a time, which names the column's
  /// first bad cell in file order (here that of a later answer row), past the size where
  /// parsing is split between two threads.
  @Test(arguments: [rows, 70_000])
  func multiclassFirstBadProbabilityInFileOrderIsNamed(rows: Int) throws {
    let classes = ["a", "b", "c"]
    let answers =
      "id,k\n" + (0..<rows).map { "\($0),\(classes[$0 % 3])" }.joined(separator: "\n") + "\n"
    let task = try TaskFixture(
      metric: .init(name: "multiclass_log_loss"), targets: ["k"], classes: classes,
      answers: answers)
    defer { task.remove() }
    let order = Self.shuffled(rows)
    let first = 8
    let second = try #require(order.indices.first { $0 > first && order[$0] < order[first] })
    var body = order.map { "\($0),0.2,0.3,0.5" }
    body[first] = "\(order[first]),0.2,0.3,1.5"
    body[second] = "\(order[second]),0.2,0.3,-0.1"
    let url = try task.submission("id,a,b,c\n" + body.joined(separator: "\n") + "\n")
    let error = #expect(throws: DojoError.self) { try task.grader().score(submission: url) }
    #expect(error?.code == .invalidSubmission)
    #expect(
      error?.message == "row \(first + 2): column \"c\": \"1.5\" is not a probability in [0, 1]")
  }
}

/// The join by id, for each way the answers' ids are indexed: dense integers, sparse
/// integers, and text; ids are compared as text throughout.
@Suite struct AnswerJoinTests {
  struct JoinCase: Sendable, CustomTestStringConvertible {
    var name: String
    var ids: [String]
    var testDescription: String { name }
  }

  static let idSets: [JoinCase] = [
    JoinCase(name: "dense integers", ids: ["12", "10", "11", "13", "14", "0"].map { $0 }),
    JoinCase(name: "sparse integers", ids: ["5", "900000000000", "77", "123456789", "3", "0"]),
    JoinCase(name: "text", ids: ["a7", "007", "x", "7", "b", "-1"]),
  ]

  static func task(_ ids: [String]) throws -> TaskFixture {
    try TaskFixture(
      metric: .init(name: "rmse"), targets: ["y"], classes: nil,
      answers: "id,y\n" + ids.enumerated().map { "\($1),\($0)" }.joined(separator: "\n") + "\n")
  }

  @Test(arguments: idSets)
  func reversedRowsJoinById(_ c: JoinCase) throws {
    let task = try Self.task(c.ids)
    defer { task.remove() }
    let rows = c.ids.enumerated().reversed().map { "\"\($1)\",\(Double($0) + 1)" }
    let score = try task.grader().score(
      submission: task.submission("id,y\n" + rows.joined(separator: "\n") + "\n"))
    #expect(score == 1)
  }

  @Test(arguments: idSets)
  func anIdOnlyEqualAsANumberIsNotAnId(_ c: JoinCase) throws {
    let task = try Self.task(c.ids)
    defer { task.remove() }
    // "0" + id is never an answer id ("007" is, in the text set, but "0007" is not).
    var rows = c.ids.enumerated().map { "\($1),\($0)" }
    rows[2] = "0\(c.ids[2]),2"
    let url = try task.submission("id,y\n" + rows.joined(separator: "\n") + "\n")
    let error = #expect(throws: DojoError.self) { try task.grader().score(submission: url) }
    #expect(error?.message == "row 4: column \"id\": \"0\(c.ids[2])\" is not an id of the test set")
  }

  @Test(arguments: idSets)
  func aRepeatedSubmissionIdIsNamed(_ c: JoinCase) throws {
    let task = try Self.task(c.ids)
    defer { task.remove() }
    var rows = c.ids.enumerated().map { "\($1),\($0)" }
    rows[4] = "\(c.ids[1]),4"
    let url = try task.submission("id,y\n" + rows.joined(separator: "\n") + "\n")
    let error = #expect(throws: DojoError.self) { try task.grader().score(submission: url) }
    #expect(
      error?.message
        == "row 6: column \"id\": \"\(c.ids[1])\" appears again (first on row 3); each id goes on one row"
    )
  }

  @Test(arguments: [["4", "2", "9", "2"], ["4", "2000000000", "9", "2000000000"]])
  func aRepeatedAnswerIdIsAGraderError(_ ids: [String]) throws {
    let task = try Self.task(ids)
    defer { task.remove() }
    let url = try task.submission("id,y\n4,0\n2,1\n9,2\n")
    let error = #expect(throws: DojoError.self) { try task.grader().score(submission: url) }
    #expect(error?.code == .graderError)
    #expect(error?.message.contains("answers row 5: id \"\(ids[3])\" appears twice") == true)
  }
}

/// Past the size where the join runs on two threads, each owning half of the answer slots:
/// rows join as one thread joins them, and the first problem in file order is named whichever
/// thread met it, for every kind of id index.
@Suite struct TwoThreadJoinTests {
  static let rows = 70_000

  static let kinds: [AnswerJoinTests.JoinCase] = [
    .init(name: "dense integers", ids: (0..<rows).map { "\($0)" }),
    .init(name: "sparse integers", ids: (0..<rows).map { "\($0 * 1_000 + 7)" }),
    .init(name: "text", ids: (0..<rows).map { "id-\($0)" }),
  ]

  /// The submission: the answers' rows reversed, so file row `r` holds answer row
  /// `rows - 1 - r`; answer rows of the upper half (the second thread's) come first.
  static func reversed(_ ids: [String]) -> [String] {
    ids.enumerated().reversed().map { "\($1),\(Double($0) + 1)" }
  }

  @Test(arguments: kinds)
  func reversedRowsJoinById(_ c: AnswerJoinTests.JoinCase) throws {
    let task = try AnswerJoinTests.task(c.ids)
    defer { task.remove() }
    let body = Self.reversed(c.ids).joined(separator: "\n")
    #expect(try task.grader().score(submission: task.submission("id,y\n" + body + "\n")) == 1)
  }

  struct Problem: Sendable, CustomTestStringConvertible {
    var name: String
    /// (file row, the file row whose id it repeats, or nil for an unknown id).
    var edits: [(row: Int, repeats: Int?)]
    /// The file row the message must name.
    var expected: Int
    var testDescription: String { name }
  }

  static let half = rows / 2
  static let problems: [Problem] = [
    // A repeat of a lower-half answer (the first thread's) before one of the upper half.
    .init(
      name: "first thread's repeat first",
      edits: [(half + 300, half + 290), (half + 400, 100)], expected: half + 300),
    .init(
      name: "second thread's repeat first",
      edits: [(half + 300, half + 290), (half + 200, 100)], expected: half + 200),
    .init(
      name: "unknown id before a repeat", edits: [(half + 500, nil), (half + 600, 100)],
      expected: half + 500),
    .init(
      name: "repeat before an unknown id", edits: [(half + 500, nil), (half + 400, 100)],
      expected: half + 400),
  ]

  @Test(arguments: problems)
  func theFirstProblemInFileOrderIsNamed(_ p: Problem) throws {
    for kind in Self.kinds {
      let task = try AnswerJoinTests.task(kind.ids)
      defer { task.remove() }
      var body = Self.reversed(kind.ids)
      let idAt = { (row: Int) in kind.ids[Self.rows - 1 - row] }
      for edit in p.edits {
        body[edit.row] = "\(edit.repeats.map(idAt) ?? "99999999999"),0"
      }
      let url = try task.submission("id,y\n" + body.joined(separator: "\n") + "\n")
      let error = #expect(throws: DojoError.self) { try task.grader().score(submission: url) }
      let edit = try #require(p.edits.first { $0.row == p.expected })
      let expected =
        edit.repeats.map {
          "row \(p.expected + 2): column \"id\": \"\(idAt($0))\" appears again (first on row \($0 + 2)); each id goes on one row"
        }
        ?? "row \(p.expected + 2): column \"id\": \"99999999999\" is not an id of the test set"
      #expect(error?.message == expected, "\(kind.name)")
    }
  }
}

extension TwoThreadJoinTests {
  /// Even ids are indexed densely (their span is twice their count), so an odd id finds a
  /// slot that holds no answer: it is an unknown id, on one thread and on two.
  @Test(arguments: [300, rows])
  func anIdInADenseGapIsUnknown(rows: Int) throws {
    let ids = (0..<rows).map { "\($0 * 2)" }
    let task = try AnswerJoinTests.task(ids)
    defer { task.remove() }
    var body = Self.reversed(ids)
    body[rows - 40] = "7,0"
    body[rows - 20] = "\(ids[3]),0"
    let url = try task.submission("id,y\n" + body.joined(separator: "\n") + "\n")
    let error = #expect(throws: DojoError.self) { try task.grader().score(submission: url) }
    #expect(error?.message == "row \(rows - 38): column \"id\": \"7\" is not an id of the test set")
  }
}
