import DojoCore
import Foundation
import Grading
import Testing

/// The catalogue's manifests grade as their competition pages define the metric and accept
/// the submission format the page documents: each case is computed by hand from the page's
/// definition, graded through the repository's own manifest.
@Suite("Catalogue graders match their pages")
struct CataloguePageMetricTests {
  private func grade(_ f: TaskFixture, _ submission: String) throws -> Double {
    try f.grader().score(submission: try f.submission(submission))
  }

  /// The page's "mean F1": each row's F1 between its predicted and true label sets, averaged.
  /// Row 1: one of two right and one wrong, 2·1/(2+2) = 0.5; row 2 exact, 1: mean 0.75.
  /// (Micro F1 would pool 2 hits, 1 miss and 1 stray: 0.667, or 0.8 ignoring unseen labels.)
  @Test(arguments: [
    ("facebook-recruiting-iii-keyword-extraction", "Id", "Tags", "c# java", "c# php", "python"),
    ("plant-pathology-2021-fgvc8", "image", "labels", "scab rust", "scab healthy", "complex"),
  ])
  func meanF1AveragesEachRowsF1(
    _ id: String, _ idColumn: String, _ target: String, _ truth: String, _ guess: String,
    _ exact: String
  ) throws {
    let f = try TaskFixture(
      catalogue: id, answers: "\(idColumn),\(target)\n1,\(truth)\n2,\(exact)\n")
    defer { f.remove() }
    let score = try grade(f, "\(idColumn),\(target)\n1,\(guess)\n2,\(exact)\n")
    #expect(abs(score - 0.75) < 1e-12)
  }

  /// The page averages the ROC-AUC of all eleven labels, and its submission holds all eleven:
  /// nine columns ranked perfectly (AUC 1) and the two MLE-bench drops ranked backwards
  /// (AUC 0) score 9/11, not 1.
  @Test func ranzcrAveragesAllElevenLabels() throws {
    let id = "ranzcr-clip-catheter-line-classification"
    let manifest = try ManifestLoader.load(TaskFixture.manifests.appendingPathComponent(id))
      .manifest
    let labels = manifest.answers.targets
    #expect(labels.count == 11)
    let header = (["StudyInstanceUID"] + labels).map { "\"\($0)\"" }.joined(separator: ",")
    let truth = [1, 0, 1, 0]
    var answers = header + "\n"
    var submission = header + "\n"
    for row in 0..<4 {
      answers += "s\(row)," + labels.map { _ in String(truth[row]) }.joined(separator: ",") + "\n"
      let right = [0.9, 0.1, 0.8, 0.2][row]
      submission +=
        "s\(row),"
        + labels.map { label in
          let backwards = label == "CVC - Normal" || label == "Swan Ganz Catheter Present"
          return String(backwards ? 1 - right : right)
        }.joined(separator: ",") + "\n"
    }
    let f = try TaskFixture(catalogue: id, answers: answers)
    defer { f.remove() }
    #expect(abs(try grade(f, submission) - 9.0 / 11) < 1e-12)
  }

  /// `eps="auto"` clips at the machine epsilon 2⁻⁵²: a zero on the true class costs
  /// 52·ln 2, and a 0.5 costs ln 2, so the mean of the two rows is 53·ln 2 / 2 (at 1e-15
  /// the first row would cost 34.54 instead of 36.04).
  @Test(arguments: ["llm-classification-finetuning", "lmsys-chatbot-arena"])
  func logLossClipsAtMachineEpsilon(_ id: String) throws {
    let header = "id,winner_model_a,winner_model_b,winner_tie"
    let f = try TaskFixture(catalogue: id, answers: "\(header)\n1,1,0,0\n2,0,0,1\n")
    defer { f.remove() }
    let score = try grade(f, "\(header)\n1,0,0.5,0.5\n2,0.2,0.3,0.5\n")
    #expect(abs(score - 53 * log(2.0) / 2) < 1e-9)
  }

  /// The page's submission lists up to five countries per user on rows of their own, best
  /// first, in any row order: user a's truth US at rank 2 scores 1/log2(3), user b's FR at
  /// rank 1 scores 1.
  @Test func airbnbReadsUpToFiveRowsPerUserAsOneRanking() throws {
    let f = try TaskFixture(
      catalogue: "airbnb-recruiting-new-user-bookings",
      answers: "id,country_destination\na,US\nb,FR\n")
    defer { f.remove() }
    let rows = "id,country_destination\na,NDF\nb,FR\na,US\na,other\nb,US\n"
    let expected = (1 / log2(3.0) + 1) / 2
    #expect(abs(try grade(f, rows) - expected) < 1e-12)
    // The space-separated form on one row per user reads the same.
    #expect(abs(try grade(f, "id,country_destination\na,NDF US\nb,FR US\n") - expected) < 1e-12)
    // A sixth row for a user is refused, naming its line.
    let six = "id,country_destination\nb,FR\n" + (0..<6).map { "a,C\($0)\n" }.joined()
    let error = #expect(throws: DojoError.self) { try grade(f, six) }
    #expect(error?.code == .invalidSubmission)
    #expect(error?.message.contains("row 8") == true)
    #expect(error?.message.contains("at most 5 rows") == true)
  }

  /// The page's submission holds deg_pH10 and deg_50C too; they are never scored, so their
  /// values change nothing. MCRMSE over the three scored columns: errors (1, 1), (0, 2),
  /// (0, 0) give RMSEs 1, √2, 0.
  @Test func openVaccineAcceptsThePagesUnscoredColumns() throws {
    let f = try TaskFixture(
      catalogue: "stanford-covid-vaccine",
      answers: "id_seqpos,reactivity,deg_Mg_pH10,deg_Mg_50C\ns_0,1,1,1\ns_1,2,2,2\n")
    defer { f.remove() }
    let expected = (1 + 2.0.squareRoot() + 0) / 3
    let page = "id_seqpos,reactivity,deg_Mg_pH10,deg_pH10,deg_Mg_50C,deg_50C\n"
    #expect(abs(try grade(f, page + "s_0,0,1,99,1,-5\ns_1,3,0,7,2,x\n") - expected) < 1e-12)
    // Without them it scores the same; a column the page does not have is still refused.
    let scoredOnly = "id_seqpos,reactivity,deg_Mg_pH10,deg_Mg_50C\ns_0,0,1,1\ns_1,3,0,2\n"
    #expect(abs(try grade(f, scoredOnly) - expected) < 1e-12)
    let stray = "id_seqpos,reactivity,deg_Mg_pH10,deg_Mg_50C,x\ns_0,0,1,1,0\ns_1,3,0,2,0\n"
    let error = #expect(throws: DojoError.self) { try grade(f, stray) }
    #expect(error?.code == .invalidSubmission)
  }

  /// Kept as they were: NDCG counts order, RMSE is not MSE (the unscored columns aside).
  @Test func ndcgStillCountsOrder() throws {
    let f = try TaskFixture(
      catalogue: "airbnb-recruiting-new-user-bookings", answers: "id,country_destination\na,US\n")
    defer { f.remove() }
    #expect(try grade(f, "id,country_destination\na,US\na,FR\n") == 1)
    #expect(abs(try grade(f, "id,country_destination\na,FR\na,US\n") - 1 / log2(3.0)) < 1e-12)
  }
}
