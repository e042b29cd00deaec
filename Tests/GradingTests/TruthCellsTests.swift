import DojoCore
import Foundation
import Tabular
import Testing

@testable import Grading

/// The grader reads the answers' truth as numbers or label codes straight from their bytes
/// (`TruthCells`), never as a string per cell: every score must be bit for bit the score of
/// the same answers given as texts, and bad answers must still be named by row.
@Suite struct TruthCellsTests {
  /// 70,000 rows: past the size where numbers are parsed on two threads.
  static let rows = 70_000

  /// A fixed LCG, so a failure reproduces.
  struct Numbers {
    var state: UInt64 = 7
    mutating func next() -> Double {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(state >> 11) / Double(1 << 53)
    }
  }

  /// The score of `submission` by the task's grader, and by ``MetricData`` given the truth
  /// and predictions as texts in answers order (the submission is in answers order).
  func bothScores(
    _ task: TaskFixture, truth: [[String]], truthColumns: [String], predicted: [[String]],
    predictedColumns: [String], classes: [String]?, submission: String
  ) throws -> (Double, Double) {
    let grader = try task.grader()
    let graded = try grader.score(submission: task.submission(submission))
    let data = try MetricData(
      metric: grader.metric, truth: truth, truthColumns: truthColumns, predicted: predicted,
      predictedColumns: predictedColumns, classes: classes)
    return (graded, try grader.metric.evaluate(data))
  }

  @Test func numericTruthFromBytesScoresAsFromTexts() throws {
    var random = Numbers()
    // Spellings the answers may hold: plain, exponent, padded, quoted.
    let truth = (0..<Self.rows).map { i -> (text: String, cell: String) in
      let v = (random.next() - 0.5) * 1e3
      switch i % 4 {
      case 0: return ("\(v)", "\(v)")
      case 1: return (String(format: "%.9e", v), String(format: "%.9e", v))
      case 2: return ("\(v)", "\"\(v)\"")
      default: return (" \(v)", " \(v)")
      }
    }
    let predicted = (0..<Self.rows).map { _ in "\((random.next() - 0.5) * 1e3)" }
    let answers =
      "id,y\n" + truth.indices.map { "\($0),\(truth[$0].cell)" }.joined(separator: "\n") + "\n"
    let task = try TaskFixture(
      metric: .init(name: "rmse"), targets: ["y"], classes: nil, answers: answers)
    defer { task.remove() }
    let (graded, fromTexts) = try bothScores(
      task, truth: [truth.map(\.text)], truthColumns: ["y"], predicted: [predicted],
      predictedColumns: ["y"], classes: nil,
      submission: "id,y\n"
        + predicted.indices.map { "\($0),\(predicted[$0])" }
        .joined(separator: "\n") + "\n")
    #expect(graded.bitPattern == fromTexts.bitPattern)
  }

  @Test func binaryTruthAsCodesScoresAsFromTexts() throws {
    var random = Numbers()
    let labels = (0..<Self.rows).map { _ in random.next() < 0.3 ? "1" : "0" }
    let scores = (0..<Self.rows).map { _ in "\(random.next())" }
    // The same label quoted on some rows: one text, two spellings.
    let answers =
      "id,y\n"
      + labels.indices.map { "\($0),\($0 % 3 == 0 ? "\"\(labels[$0])\"" : labels[$0])" }
      .joined(separator: "\n") + "\n"
    let task = try TaskFixture(
      metric: .init(name: "roc_auc"), targets: ["y"], classes: nil, answers: answers)
    defer { task.remove() }
    let (graded, fromTexts) = try bothScores(
      task, truth: [labels], truthColumns: ["y"], predicted: [scores], predictedColumns: ["y"],
      classes: nil,
      submission: "id,y\n"
        + scores.indices.map { "\($0),\(scores[$0])" }
        .joined(separator: "\n") + "\n")
    #expect(graded.bitPattern == fromTexts.bitPattern)
  }

  @Test func classTruthAsCodesScoresAsFromTexts() throws {
    var random = Numbers()
    let classes = ["cat", "dog", "owl", "émeu"]
    let labels = (0..<Self.rows).map { _ in classes[Int(random.next() * 4)] }
    let probabilities = (0..<Self.rows).map { _ in
      let raw = classes.map { _ in random.next() + 0.01 }
      let total = raw.reduce(0, +)
      return raw.map { "\($0 / total)" }
    }
    let answers =
      "id,species\n" + labels.indices.map { "\($0),\(labels[$0])" }.joined(separator: "\n")
      + "\n"
    let task = try TaskFixture(
      metric: .init(name: "multiclass_log_loss"), targets: ["species"], classes: classes,
      answers: answers)
    defer { task.remove() }
    let (graded, fromTexts) = try bothScores(
      task, truth: [labels], truthColumns: ["species"],
      predicted: classes.indices.map { c in probabilities.map { $0[c] } },
      predictedColumns: classes, classes: classes,
      submission: "id," + classes.joined(separator: ",") + "\n"
        + probabilities.indices.map { "\($0)," + probabilities[$0].joined(separator: ",") }
        .joined(separator: "\n") + "\n")
    #expect(graded.bitPattern == fromTexts.bitPattern)
  }

  @Test func badAnswersAreAGraderErrorNamingTheRow() throws {
    let numeric = try TaskFixture(
      metric: .init(name: "rmse"), targets: ["y"], classes: nil,
      answers: "id,y\n1,0.5\n2,1.5\n3,oops\n4,nan\n")
    defer { numeric.remove() }
    let sub = try numeric.submission("id,y\n1,0\n2,0\n3,0\n4,0\n")
    #expect {
      try numeric.grader().score(submission: sub)
    } throws: { error in
      (error as? DojoError)?.message
        == "answers row 4: column \"y\" holds no usable number for this metric; prepare again"
    }
    // A class the task's classes miss: named by its row, never quoted.
    let classes = try TaskFixture(
      metric: .init(name: "multiclass_log_loss"), targets: ["c"], classes: ["a", "b"],
      answers: "id,c\n1,a\n2,b\n3,secret\n")
    defer { classes.remove() }
    let probabilities = try classes.submission("id,a,b\n1,0.5,0.5\n2,0.5,0.5\n3,0.5,0.5\n")
    #expect {
      try classes.grader().score(submission: probabilities)
    } throws: { error in
      let message = (error as? DojoError)?.message ?? ""
      return message.hasPrefix("answers row 4: its class has no probability column")
        && !message.contains("secret")
    }
  }

  @Test func labelCodesKeepEveryTextAndGiveWayPastTheirLimit() throws {
    // A quoted and a bare spelling of one text share its code.
    let table = try Table.parse(
      Data("id,c\n1,a\n2,\"a\"\n3,é\n4,\"b,c\"\n5,b\n6,\n".utf8), name: "answers.csv")
    let codes = try #require(LabelCodes(table, column: 1))
    #expect(codes.texts == (0..<6).map { table.string(row: $0, column: 1) })
    #expect(codes.distinct == ["a", "é", "b,c", "b", ""])
    #expect(codes.codes[0] == codes.codes[1])

    let many =
      "id,c\n" + (0..<(LabelCodes.limit + 1)).map { "\($0),label\($0)" }.joined(separator: "\n")
      + "\n"
    let wide = try Table.parse(Data(many.utf8), name: "answers.csv")
    #expect(LabelCodes(wide, column: 1) == nil)
    let cells = TruthCells(wide, columns: [1], form: .labels)
    #expect(cells.texts(0) == (0..<wide.rowCount).map { wide.string(row: $0, column: 1) })
  }

  /// Spellings of up to 7 bytes are compared as words, longer ones byte by byte: a label
  /// that is another's prefix, one byte longer or holding a NUL byte keeps its own code.
  @Test func labelCodesTellShortAndLongSpellingsApart() throws {
    let labels = [
      "cat", "cats", "catsdog", "catsdogs", "catsdogs1", "", "a\u{0}", "a", "catsdog", "é",
      "catsdogs", "cat", "a\u{0}\u{0}", "1234567", "12345678",
    ]
    var rng = SystemRandomNumberGenerator()
    let rows = (0..<400).map { _ in labels.randomElement(using: &rng)! } + labels
    let text =
      "id,c\n" + rows.enumerated().map { "\($0.offset),\($0.element)" }.joined(separator: "\n")
    let table = try Table.parse(Data(text.utf8), name: "answers.csv")
    let codes = try #require(LabelCodes(table, column: 1))
    #expect(codes.texts == rows)
    #expect(Set(codes.distinct) == Set(labels))
    #expect(codes.distinct.count == Set(labels).count)
  }
}

/// The join looks up ids parsed before the answers' index was made (`EarlyCells`): it must
/// claim, refuse and name rows exactly as the join that parses each id from its text.
@Suite struct EarlyJoinTests {
  /// Answers `0..<rows` (dense) or spread out (sorted); a submission of every id, shuffled,
  /// with non-canonical spellings, an unknown id and a repeat placed by `fault`.
  @Test(arguments: [(false, 0), (true, 0), (false, 1), (true, 2), (false, 3)])
  func parsedIdsJoinAsTexts(spread: Bool, fault: Int) throws {
    let rows = 70_000
    let id = { (i: Int) in spread ? i * 1_000_003 : i }
    let answers = try Table.parse(
      Data(("id,y\n" + (0..<rows).map { "\(id($0)),0" }.joined(separator: "\n") + "\n").utf8),
      name: "answers.csv")
    var order = Array(0..<rows)
    var state: UInt64 = 3
    for i in stride(from: rows - 1, to: 0, by: -1) {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      order.swapAt(i, Int((state >> 33) % UInt64(i + 1)))
    }
    var cells = order.map { "\(id($0))" }
    switch fault {
    case 1: cells[50_000] = "0\(cells[50_000])"  // "01" is not "1"
    case 2: cells[60_000] = cells[10]  // a repeat, late in the file
    case 3: cells[40_000] = " \(cells[40_000])"  // padded: not an answer id
    default: break
    }
    let sub = try Table.parse(
      Data(("id,y\n" + cells.map { "\($0),1" }.joined(separator: "\n") + "\n").utf8),
      name: "submission.csv")
    var byText = try AnswerIndex(answers, column: 0)
    var byNumber = try AnswerIndex(answers, column: 0)
    let a = byText.claimAll(sub, column: 0)
    let b = byNumber.claimAll(
      sub, column: 0, integers: AnswerIndex.integers(of: sub, column: 0))
    #expect(a.answerRow == b.answerRow)
    #expect(a.problem == b.problem)
    #expect((a.problem == nil) == (fault == 0))
  }
}
