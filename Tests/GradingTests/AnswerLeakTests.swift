import DojoCore
import Foundation
import Grading
import Testing

/// No message the grader returns, for a refused submission or for its own error, quotes an
/// answer: the agent reads every one of them, and a class list built from the answers (an
/// open-ended target's) is the answers themselves.
@Suite("Grader messages never quote answers")
struct AnswerLeakTests {
  /// A case whose answers hold secret values and whose grading fails.
  struct Case: CustomStringConvertible, Sendable {
    var description: String
    var metric: String
    var classes: [String]?
    var answers: String
    var submission: String
    var secrets: [String]
    var code: DojoError.Code
  }

  static let cases: [Case] = [
    Case(
      description: "an unseen label against a class list holding test-only labels",
      metric: "accuracy", classes: ["secretalpha", "secretbeta"],
      answers: "id,y\n1,secretalpha\n2,secretbeta\n", submission: "id,y\n1,nope\n2,nope\n",
      secrets: ["secretalpha", "secretbeta"], code: .invalidSubmission),
    Case(
      description: "an unseen item in a ranked list against a class list",
      metric: "map@2", classes: ["secretalpha", "secretbeta"],
      answers: "id,y\n1,secretalpha\n2,secretbeta\n", submission: "id,y\n1,nope\n2,nope\n",
      secrets: ["secretalpha", "secretbeta"], code: .invalidSubmission),
    Case(
      description: "an answer that is not among the task's classes",
      metric: "accuracy", classes: ["a", "b"], answers: "id,y\n1,a\n2,secretgamma\n",
      submission: "id,y\n1,a\n2,b\n", secrets: ["secretgamma"], code: .graderError),
    Case(
      description: "an answer that is not a number",
      metric: "rmse", classes: nil, answers: "id,y\n1,1.5\n2,secretdelta\n",
      submission: "id,y\n1,1\n2,2\n", secrets: ["secretdelta"], code: .graderError),
    Case(
      description: "a binary metric over answers with three labels",
      metric: "roc_auc", classes: nil, answers: "id,y\n1,1\n2,secretzeta\n3,secreteta\n",
      submission: "id,y\n1,0.1\n2,0.2\n3,0.3\n", secrets: ["secretzeta", "secreteta"],
      code: .graderError),
    Case(
      description: "ROC-AUC over answers of a single class",
      metric: "roc_auc", classes: nil, answers: "id,y\n1,1\n2,1\n",
      submission: "id,y\n1,0.1\n2,0.2\n", secrets: ["positive", "negative"], code: .graderError),
    Case(
      description: "an unreadable answers file",
      metric: "accuracy", classes: nil, answers: "id,y\n1,\"secretiota\n",
      submission: "id,y\n1,a\n", secrets: ["secretiota"], code: .graderError),
  ]

  @Test(arguments: cases)
  func refusalsAndGraderErrorsNameNoAnswer(_ c: Case) throws {
    let f = try TaskFixture(
      metric: .init(name: c.metric), targets: ["y"], classes: c.classes, answers: c.answers)
    defer { f.remove() }
    let report = try f.grader().grade(submission: try f.submission(c.submission))
    let message = try #require(report.error?.message)
    #expect(report.score == nil)
    #expect(
      report.error?.kind
        == (c.code == .invalidSubmission ? .invalidSubmission : .graderError))
    for secret in c.secrets {
      #expect(!message.contains(secret), "\(c): \(message)")
    }
  }

  /// The refusal of an unseen label still says what is wrong and where.
  @Test func anUnseenLabelIsRefusedWithItsRowAndColumn() throws {
    let f = try TaskFixture(
      metric: .init(name: "accuracy"), targets: ["y"], classes: ["cat", "dog"],
      answers: "id,y\n1,cat\n2,dog\n")
    defer { f.remove() }
    let error = #expect(throws: DojoError.self) {
      try f.grader().score(submission: try f.submission("id,y\n1,cat\n2,bird\n"))
    }
    #expect(error?.code == .invalidSubmission)
    #expect(error?.message.contains("row 3") == true)
    #expect(error?.message.contains("\"bird\"") == true)
    #expect(error?.message.contains("2 classes") == true)
    #expect(error?.message.contains("cat") == false)
  }
}
