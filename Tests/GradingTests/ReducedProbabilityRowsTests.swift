import DojoCore
import Foundation
import Testing

@testable import Grading

/// A class-probability submission is reduced as it is read (each row's sum and its true
/// class's probability), never held as a matrix: scores stay bit for bit those of the whole
/// rows, in any row order, and a cell that is not a probability is still named.
@Suite struct ReducedProbabilityRowsTests {
  static let rows = 70_000
  static let classes = ["ash", "birch", "cedar", "elm", "fir"]

  struct Case {
    var answers: String
    var submission: String
    var truth: [Int]
    var probabilities: [[Double]]
  }

  /// Answers and a submission whose rows come in a shuffled order, with rows that do not
  /// sum to 1 (the metrics rescale them) and zeros (clipped).
  static func makeCase() -> Case {
    var random = TruthCellsTests.Numbers()
    var truth: [Int] = []
    var probabilities: [[Double]] = []
    for i in 0..<rows {
      truth.append(Int(random.next() * Double(classes.count)))
      probabilities.append(classes.indices.map { k in i % 11 == k ? 0 : random.next() })
    }
    let answers =
      "id,tree\n" + (0..<rows).map { "\($0),\(classes[truth[$0]])" }.joined(separator: "\n")
      + "\n"
    var order = Array(0..<rows)
    for i in stride(from: rows - 1, to: 0, by: -1) {
      order.swapAt(i, Int(random.next() * Double(i + 1)))
    }
    let submission =
      "id," + classes.joined(separator: ",") + "\n"
      + order.map { i in "\(i)," + probabilities[i].map { "\($0)" }.joined(separator: ",") }
      .joined(separator: "\n") + "\n"
    return Case(
      answers: answers, submission: submission, truth: truth, probabilities: probabilities)
  }

  @Test(arguments: ["multiclass_log_loss", "balanced_log_loss"])
  func reducedRowsScoreAsTheWholeRows(metric: String) throws {
    let c = Self.makeCase()
    let task = try TaskFixture(
      metric: .init(name: metric), targets: ["tree"], classes: Self.classes, answers: c.answers)
    defer { task.remove() }
    let graded = try task.grader().score(submission: task.submission(c.submission))
    let whole =
      metric == "multiclass_log_loss"
      ? try Metrics.multiclassLogLoss(truth: c.truth, probabilities: c.probabilities, eps: 1e-15)
      : try Metrics.balancedLogLoss(truth: c.truth, probabilities: c.probabilities, eps: 1e-15)
    #expect(graded.bitPattern == whole.bitPattern)
  }

  @Test(arguments: ["1.5", "-0.1", "nan", "x"])
  func aCellThatIsNotAProbabilityIsStillNamed(cell: String) throws {
    let c = Self.makeCase()
    let task = try TaskFixture(
      metric: .init(name: "multiclass_log_loss"), targets: ["tree"], classes: Self.classes,
      answers: c.answers)
    defer { task.remove() }
    // Line 40,002 of the file: its fourth column ("elm") made bad.
    var lines = c.submission.split(separator: "\n", omittingEmptySubsequences: false).map(
      String.init)
    var fields = lines[40_001].split(separator: ",").map(String.init)
    fields[4] = cell
    lines[40_001] = fields.joined(separator: ",")
    let sub = try task.submission(lines.joined(separator: "\n"))
    #expect {
      try task.grader().score(submission: sub)
    } throws: { error in
      let message = (error as? DojoError)?.message ?? ""
      return (error as? DojoError)?.code == .invalidSubmission && message.contains("40002")
        && message.contains("elm")
    }
  }
}
