import DojoCore
import Foundation
import Grading
import Testing

/// The metrics single competitions define (Kaggle's published definitions, computed by hand)
/// and how the grader feeds them: answers-only weight and group columns, a submitted
/// confidence column, distributions that must sum to 1.
@Suite("Competition metrics")
struct CompetitionMetricTests {
  @Test func rawLevenshteinAveragesEditDistances() throws {
    let raw: [String: ManifestValue] = ["normalize": .scalar("false")]
    // kitten → sitting is 3 edits; "" → "ab" is 2; equal texts 0. Mean 5/3.
    let truth = [["kitten", "", "same"]]
    let predicted = [["sitting", "ab", "same"]]
    #expect(close(try score("levenshtein", raw, truth: truth, predicted: predicted), 5.0 / 3))
    // Normalized (the default): 3/7, 2/2, 0.
    #expect(
      close(try score("levenshtein", truth: truth, predicted: predicted), (3.0 / 7 + 1) / 3))
    #expect(throws: DojoError.self) {
      try MetricCatalogue.resolve(
        .init(name: "levenshtein", parameters: ["normalize": .scalar("maybe")]))
    }
    #expect(MetricRange.of(.init(name: "levenshtein", parameters: raw)).contains(42))
    #expect(!MetricRange.of(.init(name: "levenshtein")).contains(42))
  }

  @Test func rmspeSkipsZeroAnswers() throws {
    // Rows with y = 0 are left out: ((100-90)/100)² = 0.01 and ((50-60)/50)² = 0.04.
    let s = try score("rmspe", truth: [["100", "0", "50"]], predicted: [["90", "7", "60"]])
    #expect(close(s, (0.05 / 2).squareRoot()))
    #expect(throws: DojoError.self) {
      try score("rmspe", truth: [["0", "0"]], predicted: [["1", "2"]])
    }
  }

  @Test func multilabelF1EdgeCases() throws {
    // Micro: the unseen label "z" is ignored (MLE-bench's binarizer), so TP 1, FN 1: 2/3.
    #expect(
      close(try score("multilabel_f1_micro", truth: [["a b"]], predicted: [["a z"]]), 2.0 / 3))
    // Samples: "z" counts: 2·1 / (2 + 2) = 0.5; two empty sets score 1.
    #expect(
      close(
        try score("multilabel_f1_samples", truth: [["a b", ""]], predicted: [["a z", ""]]),
        (0.5 + 1) / 2))
    // No label anywhere (scikit-learn's binarizer refuses this): micro 0, samples 1.
    #expect(try score("multilabel_f1_micro", truth: [["", ""]], predicted: [["", " "]]) == 0)
    #expect(try score("multilabel_f1_samples", truth: [["", ""]], predicted: [["", " "]]) == 1)
  }

  @Test func topOneErrorReadsTheFirstPrediction() throws {
    // Row 1 right at first place, row 2 right only at second place, row 3 empty: 2 of 3 wrong.
    let s = try score("top1_error", truth: [["7", "3", "5"]], predicted: [["7 1", "1 3", ""]])
    #expect(close(s, 2.0 / 3))
    #expect(try score("top1_error", truth: [["a", "b"]], predicted: [["a", "b c"]]) == 0)
  }

  @Test func laplaceLogLikelihoodClipsConfidenceAndError() throws {
    let f = try TaskFixture(
      metric: .init(
        name: "laplace_log_likelihood", parameters: ["confidence_column": .scalar("Confidence")]),
      targets: ["FVC"], classes: nil, answers: "Patient_Week,FVC\np_1,2000\np_2,3000\n",
      idColumn: "Patient_Week")
    defer { f.remove() }
    #expect(f.spec.submissionColumns == ["FVC", "Confidence"])
    // Row 1: σ = max(50, 70) = 70, Δ = 100. Row 2: σ = 200, Δ = min(1500, 1000) = 1000.
    let s = try f.grader().score(
      submission: f.submission("Patient_Week,FVC,Confidence\np_1,2100,50\np_2,4500,200\n"))
    let r2 = 2.0.squareRoot()
    let expected = ((-r2 * 100 / 70 - log(r2 * 70)) + (-r2 * 1000 / 200 - log(r2 * 200))) / 2
    #expect(close(s, expected))
    // The perfect submission takes the best possible score, -ln(70·√2).
    let url = f.root.appendingPathComponent("perfect.csv")
    try f.grader().writePerfectSubmission(to: url)
    #expect(close(try f.grader().score(submission: url), -log(r2 * 70)))
    // A confidence that is not a number names its line, column and value.
    #expect {
      try f.grader().score(
        submission: f.submission("Patient_Week,FVC,Confidence\np_2,3000,70\np_1,2000,high\n"))
    } throws: { error in
      (error as? DojoError)?.code == .invalidSubmission
        && (error as? DojoError)?.message.contains("row 3: column \"Confidence\": \"high\"") == true
    }
  }

  @Test func groupLogMAEAveragesLogsOverGroups() throws {
    let f = try TaskFixture(
      metric: .init(name: "mean_group_log_mae", parameters: ["group_column": .scalar("type")]),
      targets: ["scc", "type"], classes: nil,
      answers: "id,scc,type\n1,10,1JHC\n2,20,1JHC\n3,5,2JHH\n")
    defer { f.remove() }
    // The group column stays in the answers; the submission holds only the value.
    #expect(f.spec.submissionColumns == ["scc"])
    // 1JHC: MAE (1 + 3) / 2 = 2; 2JHH: MAE 0.5. Mean of logs.
    let s = try f.grader().score(submission: f.submission("id,scc\n1,11\n2,17\n3,5.5\n"))
    #expect(close(s, (log(2.0) + log(0.5)) / 2))
    // A perfect group is floored at 1e-9, so the perfect submission scores log(1e-9).
    let url = f.root.appendingPathComponent("perfect.csv")
    try f.grader().writePerfectSubmission(to: url)
    #expect(close(try f.grader().score(submission: url), log(1e-9)))
    #expect(throws: DojoError.self) {
      try SubmissionLayout.layout(
        for: .init(name: "mean_group_log_mae", parameters: ["group_column": .scalar("kind")]),
        answers: .init(id: "id", targets: ["scc"]), classes: nil)
    }
  }

  @Test func rowWeightedMAEReadsWeightsFromTheAnswers() throws {
    let f = try TaskFixture(
      metric: .init(name: "mae", parameters: ["weight_column": .scalar("weight")]),
      targets: ["sales", "weight"], classes: nil,
      answers: "id,sales,weight\na,100,5\nb,200,1\n")
    defer { f.remove() }
    #expect(f.spec.submissionColumns == ["sales"])
    // (5·10 + 1·40) / 6.
    let s = try f.grader().score(submission: f.submission("id,sales\nb,160\na,110\n"))
    #expect(close(s, 90.0 / 6))
    // The weight column is the answers' business: submitting it is an extra column.
    #expect {
      try f.grader().score(submission: f.submission("id,sales,weight\na,1,1\nb,2,1\n"))
    } throws: { error in
      (error as? DojoError)?.message.contains("unexpected column \"weight\"") == true
    }
    let url = f.root.appendingPathComponent("perfect.csv")
    try f.grader().writePerfectSubmission(to: url)
    #expect(try f.grader().score(submission: url) == 0)
    // Winton's WMAE divides by the row count instead: (5·10 + 1·40) / 2.
    let overRows: [String: ManifestValue] = [
      "weight_column": .scalar("weight"), "normalize": .scalar("false"),
    ]
    let s2 = try score(
      "mae", overRows, truth: [["100", "200"], ["5", "1"]], predicted: [["110", "160"]],
      truthColumns: ["sales", "weight"], predictedColumns: ["sales"])
    #expect(close(s2, 45))
    // Negative weights are the answers' fault: a grader error naming the row.
    #expect {
      try score(
        "mae", ["weight_column": .scalar("weight")], truth: [["1", "2"], ["1", "-1"]],
        predicted: [["1", "2"]], truthColumns: ["sales", "weight"], predictedColumns: ["sales"])
    } throws: { error in
      (error as? DojoError)?.code == .graderError
        && (error as? DojoError)?.message.contains("answers row 3") == true
    }
  }

  @Test func klDivergenceNeedsRowsThatSumToOne() throws {
    let f = try TaskFixture(
      metric: .init(name: "kl_divergence"), targets: ["a", "b"], classes: nil,
      answers: "id,a,b\n1,3,1\n2,0,2\n")
    defer { f.remove() }
    // Answers become (0.75, 0.25) and (0, 1); the zero vote adds nothing.
    let s = try f.grader().score(submission: f.submission("id,a,b\n1,0.5,0.5\n2,0.2,0.8\n"))
    #expect(close(s, (0.75 * log(0.75 / 0.5) + 0.25 * log(0.25 / 0.5) + log(1 / 0.8)) / 2))
    #expect {
      try f.grader().score(submission: f.submission("id,a,b\n1,0.5,0.5\n2,0.3,0.8\n"))
    } throws: { error in
      (error as? DojoError)?.message.hasPrefix("row 3: columns a, b: the probabilities sum to")
        == true
    }
    let url = f.root.appendingPathComponent("perfect.csv")
    try f.grader().writePerfectSubmission(to: url)
    #expect(abs(try f.grader().score(submission: url)) < 1e-12)
    // The sample default is each column's mean share, so it sums to 1 too.
    let d = try SubmissionLayout.defaultPrediction(
      for: .init(name: "kl_divergence"), answers: .init(id: "id", targets: ["a", "b"]),
      classes: nil, train: [["1", "0", "2"], ["1", "4", "0"]])
    #expect(d.compactMap(Double.init).reduce(0, +) == 1)
  }

  @Test func balancedLogLossWeighsClassesEqually() throws {
    let f = try TaskFixture(
      metric: .init(name: "balanced_log_loss"), targets: ["class_0", "class_1"], classes: nil,
      answers: "Id,class_0,class_1\na,1,0\nb,1,0\nc,0,1\n", idColumn: "Id")
    defer { f.remove() }
    #expect(f.spec.submissionColumns == ["class_0", "class_1"])
    let s = try f.grader().score(
      submission: f.submission("Id,class_0,class_1\na,0.8,0.2\nb,0.6,0.4\nc,0.3,0.7\n"))
    #expect(close(s, (-(log(0.8) + log(0.6)) / 2 - log(0.7)) / 2))
  }
}
