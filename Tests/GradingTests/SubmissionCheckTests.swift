import DojoCore
import Foundation
import Grading
import Testing

/// The small tasks the refusal table runs against.
enum FixtureKind: String, Sendable {
  /// accuracy on yes/no labels.
  case label
  /// roc_auc of a yes/no target against a probability column (`positive: yes`).
  case probability
  /// multiclass_log_loss: a class column against columns a, b, c.
  case classes
  /// map@3 over classes a..e.
  case ranking

  static let answers = "id,survived\n1,yes\n2,no\n3,no\n4,yes\n5,no\n6,yes\n"
  static let board =
    "TeamId,TeamName,SubmissionDate,Score\n"
    + (1...20).map { "\($0),team \($0),2024-01-01,\(Double($0) / 40)" }.joined(separator: "\n")
    + "\n"

  func fixture() throws -> TaskFixture {
    switch self {
    case .label:
      return try TaskFixture(
        metric: .init(name: "accuracy"), targets: ["survived"], classes: ["no", "yes"],
        answers: FixtureKind.answers, leaderboards: [FixtureKind.board])
    case .probability:
      return try TaskFixture(
        metric: .init(name: "roc_auc", parameters: ["positive": .scalar("yes")]),
        targets: ["survived"], classes: ["no", "yes"], answers: FixtureKind.answers,
        leaderboards: [FixtureKind.board])
    case .classes:
      return try TaskFixture(
        metric: .init(name: "multiclass_log_loss"), targets: ["species"],
        classes: ["a", "b", "c"], answers: "id,species\n1,a\n2,b\n3,c\n4,a\n")
    case .ranking:
      return try TaskFixture(
        metric: .init(name: "map@3"), targets: ["species"], classes: ["a", "b", "c", "d", "e"],
        answers: "id,species\n1,a\n2,b\n3,c\n")
    }
  }
}

/// One refused submission and the message it must get.
struct ErrorCase: Sendable, CustomTestStringConvertible {
  var name: String
  var task: FixtureKind
  var submission: Data
  /// The whole message, or its beginning when the rest depends on the machine.
  var expected: String
  /// Grow the file to this many bytes (sparse) before grading.
  var sparseSize: UInt64?

  init(
    name: String, task: FixtureKind = .label, submission: String, expected: String,
    sparseSize: UInt64? = nil
  ) {
    self.init(
      name: name, task: task, submission: Data(submission.utf8), expected: expected,
      sparseSize: sparseSize)
  }

  init(
    name: String, task: FixtureKind = .label, submission: Data, expected: String,
    sparseSize: UInt64? = nil
  ) {
    self.name = name
    self.task = task
    self.submission = submission
    self.expected = expected
    self.sparseSize = sparseSize
  }

  var testDescription: String { name }
}

let good = "id,survived\n1,yes\n2,no\n3,no\n4,yes\n5,no\n6,yes\n"
let goodProbabilities = "id,survived\n1,0.9\n2,0.1\n3,0.2\n4,0.8\n5,0.3\n6,0.7\n"

let refusals: [ErrorCase] = [
  ErrorCase(
    name: "empty file", submission: "",
    expected: "submission.csv: is empty; expected a header line and one row per test id (6)"),
  ErrorCase(
    name: "blank lines only", submission: "\r\n\n  \n",
    expected: "submission.csv: is empty; expected a header line and one row per test id (6)"),
  ErrorCase(
    name: "header only", submission: "id,survived\r\n",
    expected: "submission.csv: has a header but no rows; expected one row per test id (6)"),
  ErrorCase(
    name: "binary blob", submission: Data([0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x00, 0x08]),
    expected: "submission.csv: holds NUL bytes, so it is a binary file, not a CSV"),
  ErrorCase(
    name: "not UTF-8", submission: Data("id,survived\n1,".utf8) + Data([0xFF, 0xFE, 0x0A]),
    expected:
      "submission.csv:2: byte 0xFF is not UTF-8; convert the file to UTF-8 or read it as Latin-1"),
  ErrorCase(
    name: "two gigabytes", submission: "id,survived\n",
    expected: "submission.csv: is 2147483648 bytes, over the limit of ", sparseSize: 1 << 31),
  ErrorCase(
    name: "ragged row", submission: "id,survived\n1,yes,extra\n",
    expected:
      "submission.csv:2: has 3 fields but the header has 2; fix the row (a field with a comma must be quoted)"
  ),
  ErrorCase(
    name: "id column missing", submission: "PassengerId,survived\n1,yes\n",
    expected:
      "row 1: the id column \"id\" is missing (the header is \"PassengerId\", \"survived\"; the submission holds \"id\", \"survived\")"
  ),
  ErrorCase(
    name: "target column missing", submission: "id\n1\n2\n",
    expected:
      "row 1: column \"survived\" is missing (the header is \"id\"; the submission holds \"id\", \"survived\")"
  ),
  ErrorCase(
    name: "extra column", submission: "id,survived,notes\n1,yes,x\n",
    expected:
      "row 1: unexpected column \"notes\"; the submission holds exactly \"id\", \"survived\""
  ),
  ErrorCase(
    name: "column twice", submission: "id,survived,survived\n1,yes,no\n",
    expected:
      "row 1: column \"survived\" appears twice in the header; the submission holds \"id\", \"survived\""
  ),
  ErrorCase(
    name: "id twice", submission: good + "3,no\n",
    expected:
      "row 8: column \"id\": \"3\" appears again (first on row 4); each id goes on one row"),
  ErrorCase(
    name: "unknown id", submission: "id,survived\n7,yes\n",
    expected: "row 2: column \"id\": \"7\" is not an id of the test set"),
  ErrorCase(
    name: "ids missing", submission: "id,survived\n1,yes\n2,no\n3,no\n4,yes\n",
    expected:
      "column \"id\": 2 test ids are missing, first \"5\"; the submission needs one row per test id (6)"
  ),
  ErrorCase(
    name: "unknown label, first in file order",
    submission: "id,survived\n6,perhaps\n1,yes\n2,no\n3,maybe\n4,yes\n5,no\n",
    expected:
      "row 2: column \"survived\": \"perhaps\" is not one of the task's 2 classes; predict a label as the training data spells it"
  ),
  ErrorCase(
    name: "label case matters", submission: "id,survived\n1,Yes\n2,no\n3,no\n4,yes\n5,no\n6,yes\n",
    expected:
      "row 2: column \"survived\": \"Yes\" is not one of the task's 2 classes; predict a label as the training data spells it"
  ),
  ErrorCase(
    name: "not a number", task: .probability,
    submission: "id,survived\n1,high\n2,0.1\n3,0.2\n4,0.8\n5,0.3\n6,0.7\n",
    expected: "row 2: column \"survived\": \"high\" is not a number"),
  ErrorCase(
    name: "hex float is not a number", task: .probability,
    submission: "id,survived\n1,0.9\n2,0x0p0\n3,0.2\n4,0.8\n5,0.3\n6,0.7\n",
    expected: "row 3: column \"survived\": \"0x0p0\" is not a number"),
  ErrorCase(
    name: "empty number", task: .probability,
    submission: "id,survived\n1,0.9\n2,\n3,0.2\n4,0.8\n5,0.3\n6,0.7\n",
    expected: "row 3: column \"survived\": \"\" is empty; expected a number"),
  ErrorCase(
    name: "NaN", task: .probability,
    submission: "id,survived\n1,0.9\n2,0.1\n3,nan\n4,0.8\n5,0.3\n6,0.7\n",
    expected: "row 4: column \"survived\": \"nan\" is not a finite number"),
  ErrorCase(
    name: "infinity", task: .probability,
    submission: "id,survived\n1,0.9\n2,0.1\n3,0.2\n4,inf\n5,0.3\n6,0.7\n",
    expected: "row 5: column \"survived\": \"inf\" is not a finite number"),
  ErrorCase(
    name: "probability above 1", task: .probability,
    submission: "id,survived\n1,0.9\n2,0.1\n3,0.2\n4,0.8\n5,1.5\n6,0.7\n",
    expected: "row 6: column \"survived\": \"1.5\" is not a probability in [0, 1]"),
  ErrorCase(
    name: "probability below 0", task: .probability,
    submission: "id,survived\n1,0.9\n2,0.1\n3,0.2\n4,0.8\n5,0.3\n6,-0.1\n",
    expected: "row 7: column \"survived\": \"-0.1\" is not a probability in [0, 1]"),
  ErrorCase(
    name: "class probabilities all zero", task: .classes,
    submission: "id,c,b,a\n1,0,0,1\n2,0,0,0\n3,1,0,0\n4,0.2,0.2,0.6\n",
    expected:
      "row 3: columns a, b, c: the probabilities of all classes are 0; they must sum to more than 0"
  ),
  ErrorCase(
    name: "class column missing", task: .classes, submission: "id,a,b\n1,1,0\n",
    expected:
      "row 1: column \"c\" is missing (the header is \"id\", \"a\", \"b\"; the submission holds \"id\", \"a\", \"b\", \"c\")"
  ),
  ErrorCase(
    name: "ranked item not a class", task: .ranking,
    submission: "id,species\n1,a b c\n2,b zzz a\n3,c\n",
    expected:
      "row 3: column \"species\": \"zzz\" is not one of the task's 5 classes; predict a label as the training data spells it"
  ),
]

@Suite("Submission checks")
struct SubmissionCheckTests {
  @Test(arguments: refusals)
  func refuses(_ c: ErrorCase) throws {
    let task = try c.task.fixture()
    defer { task.remove() }
    let url = try task.submission(c.submission)
    if let size = c.sparseSize {
      let handle = try FileHandle(forWritingTo: url)
      try handle.truncate(atOffset: size)
      try handle.close()
    }
    let grader = try task.grader()
    let start = Date()
    let error = #expect(throws: DojoError.self) { try grader.score(submission: url) }
    #expect(Date().timeIntervalSince(start) < 2, "refusing took too long")
    #expect(error?.code == .invalidSubmission, "\(String(describing: error))")
    let message = error?.message ?? ""
    #expect(message.hasPrefix(c.expected), "got: \(message)")
    if !c.expected.hasSuffix(" ") {
      #expect(message == c.expected)
    }
    let report = grader.grade(submission: url)
    #expect(report.valid == false)
    #expect(report.error?.kind == .invalidSubmission)
    #expect(report.score == nil)
  }

  @Test func bomCRLFShuffledRowsAndColumnsGradeTheSame() throws {
    let task = try FixtureKind.probability.fixture()
    defer { task.remove() }
    let grader = try task.grader()
    let plain = try grader.score(submission: task.submission(goodProbabilities, name: "a.csv"))
    let messy =
      "\u{FEFF}survived,id\r\n0.7,6\r\n0.2,3\r\n0.9,1\r\n0.3,5\r\n0.1,2\r\n0.8,4\r\n"
    let shuffled = try grader.score(submission: task.submission(messy, name: "b.csv"))
    #expect(plain == shuffled)
    #expect(plain == 1)
  }

  @Test func perfectSubmissionTakesGold() throws {
    for kind in [FixtureKind.label, .probability] {
      let task = try kind.fixture()
      defer { task.remove() }
      let text =
        kind == .label
        ? good : "id,survived\n1,1\n2,0\n3,0\n4,1\n5,0\n6,1\n"
      let report = try task.grader().grade(submission: task.submission(text))
      #expect(report.valid)
      #expect(report.score == 1)
      #expect(report.placement?.gold == true)
      #expect(report.placement?.rank == 1)
      #expect(report.placement?.leaderboardSize == 20)
    }
  }

  @Test func oneHotPerfectMulticlassIsNearZeroLoss() throws {
    let task = try FixtureKind.classes.fixture()
    defer { task.remove() }
    let score = try task.grader().score(
      submission: task.submission("id,a,b,c\n1,1,0,0\n2,0,1,0\n3,0,0,1\n4,1,0,0\n"))
    #expect(abs(score - (-log(1 - 1e-15))) < 1e-18)
  }

  @Test func wrongLabelsLowerTheScore() throws {
    let task = try FixtureKind.label.fixture()
    defer { task.remove() }
    let half = "id,survived\n1,yes\n2,yes\n3,yes\n4,yes\n5,yes\n6,yes\n"
    let report = try task.grader().grade(submission: task.submission(half))
    #expect(report.score == 0.5)
    // 0.5 ties the best entry (20 / 40): ties share the rank and win the medal.
    #expect(report.placement?.rank == 1)
    #expect(report.placement?.gold == true)
  }
}

@Suite("Grader errors are kept apart from invalid submissions")
struct GraderErrorTests {
  @Test func missingTaskJSONIsAGraderError() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
    let error = #expect(throws: DojoError.self) { try Grader(taskDirectory: dir) }
    #expect(error?.code == .graderError)
  }

  @Test func oneClassAnswersForROCAUCIsAGraderErrorSayingWhy() throws {
    let task = try TaskFixture(
      metric: .init(name: "roc_auc", parameters: ["positive": .scalar("yes")]),
      targets: ["survived"], classes: ["no", "yes"], answers: "id,survived\n1,yes\n2,yes\n")
    defer { task.remove() }
    let report = try task.grader().grade(submission: task.submission("id,survived\n1,0.3\n2,0.9\n"))
    #expect(report.error?.kind == .graderError)
    #expect(report.error?.message.contains("only one class") == true)
    #expect(report.valid == false)
  }

  @Test func unknownMetricInTaskIsAGraderError() throws {
    let task = try FixtureKind.label.fixture()
    defer { task.remove() }
    var spec = task.spec
    spec.metric = .init(name: "accuracy_plus")
    try JSONEncoder().encode(spec).write(
      to: task.root.appendingPathComponent("private/task.json"))
    let error = #expect(throws: DojoError.self) { try task.grader() }
    #expect(error?.code == .graderError)
    #expect(error?.message.contains("accuracy_plus") == true)
  }

  @Test func missingAnswersIsAGraderErrorNotAnInvalidSubmission() throws {
    let task = try FixtureKind.label.fixture()
    defer { task.remove() }
    try FileManager.default.removeItem(at: task.root.appendingPathComponent("private/answers.csv"))
    let report = try task.grader().grade(submission: task.submission(good))
    #expect(report.error?.kind == .graderError)
  }

  @Test func brokenLeaderboardIsAGraderErrorButKeepsTheScore() throws {
    let task = try TaskFixture(
      metric: .init(name: "accuracy"), targets: ["survived"], classes: ["no", "yes"],
      answers: FixtureKind.answers, leaderboards: ["team,points\na,1\n"])
    defer { task.remove() }
    let report = try task.grader().grade(submission: task.submission(good))
    #expect(report.score == 1)
    #expect(report.error?.kind == .graderError)
    #expect(report.error?.message.contains("no score column") == true)
  }
}
