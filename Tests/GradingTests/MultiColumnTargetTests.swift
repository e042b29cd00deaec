import DojoCore
import Foundation
import Grading
import Testing

/// Several target columns scored as real Kaggle competitions score them: pooled errors
/// (crowdflower-weather-twitter's RMSE over 24 columns) and one-hot class answers
/// (lmsys-chatbot-arena's winner_model_a/b/tie log loss).
@Suite("Multi-column targets")
struct MultiColumnTargetTests {
  @Test func pooledRMSEIsOverEveryCell() throws {
    let f = try TaskFixture(
      metric: .init(name: "rmse"), targets: ["a", "b"], classes: nil,
      answers: "id,a,b\n1,0,0\n2,1,1\n")
    defer { f.remove() }
    #expect(f.spec.submissionColumns == ["a", "b"])
    // Errors 1, 0, 0, 3: sqrt((1 + 0 + 0 + 9) / 4), not the mean of the column RMSEs.
    let score = try f.grader().score(submission: f.submission("id,a,b\n1,1,0\n2,1,4\n"))
    #expect(abs(score - (10.0 / 4).squareRoot()) < 1e-12)
  }

  @Test func oneColumnMetricsStillRefuseSeveralTargets() {
    #expect(throws: DojoError.self) {
      try SubmissionLayout.layout(
        for: .init(name: "r2"), answers: .init(id: "id", targets: ["a", "b"]), classes: nil)
    }
  }

  @Test func oneHotAnswersScoreLikeTheirClassColumn() throws {
    let oneHot = try TaskFixture(
      metric: .init(name: "multiclass_log_loss"), targets: ["x", "y", "z"], classes: nil,
      answers: "id,x,y,z\n1,1,0,0\n2,0,0,1\n3,0,1,0\n")
    defer { oneHot.remove() }
    let labelled = try TaskFixture(
      metric: .init(name: "multiclass_log_loss"), targets: ["label"], classes: ["x", "y", "z"],
      answers: "id,label\n1,x\n2,z\n3,y\n")
    defer { labelled.remove() }
    #expect(oneHot.spec.submissionColumns == ["x", "y", "z"])
    let submission = "id,x,y,z\n1,0.7,0.2,0.1\n2,0.1,0.3,0.6\n3,0.2,0.5,0.3\n"
    let a = try oneHot.grader().score(submission: oneHot.submission(submission))
    let b = try labelled.grader().score(submission: labelled.submission(submission))
    #expect(a == b)
    #expect(abs(a - (-(log(0.7) + log(0.6) + log(0.5)) / 3)) < 1e-12)
  }

  @Test func perfectSubmissionOfOneHotAnswersScoresZeroLoss() throws {
    let f = try TaskFixture(
      metric: .init(name: "multiclass_log_loss"), targets: ["x", "y"], classes: nil,
      answers: "id,x,y\n1,1,0\n2,0,1\n")
    defer { f.remove() }
    let url = f.root.appendingPathComponent("perfect.csv")
    try f.grader().writePerfectSubmission(to: url)
    #expect(try f.grader().score(submission: url) < 1e-12)
  }
}
