import DojoCore
import Foundation
import Grading
import Testing

/// The `columns`-shape competition metrics computed by hand on small cases, their parameter
/// checks, and their refusals of hostile submissions through the grader (line named, answers
/// never quoted).
@Suite("Competition metrics over named columns, by hand")
struct ColumnMetricTests {
  @Test func kendallTauOrderingsPoolsInversionsOverRows() throws {
    // Row 1 (4 items) has 1 inversion, row 2 (2 items) 1: τ = 1 - 4·2 / (12 + 2) = 3/7.
    let s = try score(
      "kendall_tau_orderings", truth: [["a b c d", "x y"]], predicted: [["a c b d", "y x"]],
      columns: ["cell_order"])
    #expect(close(s, 3.0 / 7))
    #expect(
      try score("kendall_tau_orderings", truth: [["a b c"]], predicted: [["c b a"]]) == -1)
  }

  @Test func meanSpearmanOrderingsAveragesRows() throws {
    // Row 1 exact: 1. Row 2 "1 2 3" against "3 2 1": -1. Mean 0.
    #expect(
      try score(
        "mean_spearman_orderings", truth: [["1 2 3", "1 2 3"]], predicted: [["1 2 3", "3 2 1"]])
        == 0)
    // Swapping two neighbours of five: 1 - 6·2 / (5·24) = 0.9.
    #expect(
      close(
        try score("mean_spearman_orderings", truth: [["1 2 3 4 5"]], predicted: [["2 1 3 4 5"]]),
        0.9))
  }

  @Test func sequenceEditDistanceDividesByTrueTokens() throws {
    // "1 2 3" → "1 3": 1 edit; "4" → "": 1 edit; "5 6" exact. 2 edits over 6 true tokens.
    let s = try score(
      "sequence_edit_distance", truth: [["1 2 3", "4", "5 6"]], predicted: [["1 3", "", "5 6"]])
    #expect(close(s, 2.0 / 6))
    // Whole numbers compare as numbers; the distance can exceed 1.
    #expect(try score("sequence_edit_distance", truth: [["7"]], predicted: [["07"]]) == 0)
    #expect(try score("sequence_edit_distance", truth: [["7"]], predicted: [["1 2 3"]]) == 3)
  }

  static let alaska: [String: ManifestValue] = [
    "tpr_bands": .list([.scalar("0"), .scalar("0.4"), .scalar("1")]),
    "weights": .list([.scalar("2"), .scalar("1")]),
  ]

  @Test func weightedAUCWeighsTPRBands() throws {
    // Two positives, two negatives, scores p1 = 0.9, n1 = 0.8, p2 = 0.7, n2 = 0.1. ROC:
    // (0,0) (0,.5) (.5,.5) (.5,1) (1,1). Band [0, .4]: the curve is above .4 from fpr 0,
    // area .4. Band [.4, 1]: (.5 - .4)·.5 + .6·.5 = .35. (2·.4 + .35) / (2·.4 + .6) = 1.15/1.4.
    let truth = [["1", "0", "1", "0"]]
    let predicted = [["0.9", "0.8", "0.7", "0.1"]]
    #expect(
      close(
        try score("weighted_auc", Self.alaska, truth: truth, predicted: predicted), 1.15 / 1.4))
    // One band [0, 1] is the ROC-AUC: 3 of 4 pairs ordered right.
    let plain: [String: ManifestValue] = [
      "tpr_bands": .list([.scalar("0"), .scalar("1")]), "weights": .list([.scalar("1")]),
    ]
    #expect(close(try score("weighted_auc", plain, truth: truth, predicted: predicted), 0.75))
    // Scores need not be probabilities.
    #expect(
      try score("weighted_auc", Self.alaska, truth: [["0", "1"]], predicted: [["-7", "12"]]) == 1)
  }

  @Test func weightedAUCFiltersRows() throws {
    var p = Self.alaska
    p["filter_column"] = .scalar("min_ANNmuon")
    p["filter_above"] = .scalar("0.4")
    // The mis-ordered row (muon 0.1) is left out: what remains is ordered perfectly.
    let s = try score(
      "weighted_auc", p, truth: [["1", "0", "0", "1"], ["0.9", "0.5", "0.1", "0.8"]],
      predicted: [["0.9", "0.2", "0.95", "0.8"]], truthColumns: ["signal", "min_ANNmuon"],
      predictedColumns: ["signal"])
    #expect(s == 1)
  }

  @Test func weightedAUCParametersAreCheckedTogether() {
    for bad: [String: ManifestValue] in [
      ["tpr_bands": .list([.scalar("0"), .scalar("0.4")]), "weights": .list([.scalar("1")])],
      [
        "tpr_bands": .list([.scalar("0"), .scalar("0.6"), .scalar("0.4"), .scalar("1")]),
        "weights": .list([.scalar("1"), .scalar("1"), .scalar("1")]),
      ],
      [
        "tpr_bands": .list([.scalar("0"), .scalar("1")]),
        "weights": .list([.scalar("1"), .scalar("2")]),
      ],
      Self.alaska.merging(["filter_column": .scalar("m")]) { a, _ in a },
    ] {
      #expect(throws: DojoError.self) {
        try MetricCatalogue.resolve(.init(name: "weighted_auc", parameters: bad))
      }
    }
  }

  @Test func biasAUCCombinesSubgroupAUCsByPowerMean() throws {
    // Rows (toxicity, in subgroup, score): A (1, yes, .9), B (0, yes, .95), C (1, no, .8),
    // D (0, no, .1). Overall: pairs (A,B) wrong, (A,D) (C,B)? C .8 < B .95 wrong, (C,D) right:
    // 2 of 4 = .5. Subgroup {A, B}: 0. BPSN {B, C}: 0. BNSP {A, D}: 1.
    // With one subgroup each power mean is the AUC itself: .25·(.5 + 0 + 0 + 1) = .375.
    let s = try score(
      "bias_auc", ["subgroups": .list([.scalar("male")])],
      truth: [["0.8", "0.2", "0.6", "0.0"], ["1", "0.5", "0.0", ""]],
      predicted: [["0.9", "0.95", "0.8", "0.1"]], truthColumns: ["target", "male"],
      predictedColumns: ["target"])
    #expect(close(s, 0.375))
    // The power mean of 1 and .5 with p = -5: ((1 + 2^5) / 2)^(-1/5).
    #expect(close(pow((1 + 32) / 2.0, -0.2), pow((pow(1.0, -5) + pow(0.5, -5)) / 2, -0.2)))
  }

  @Test func haversinePercentilesPerTrip() throws {
    // One trip, errors 0, 0, 0 and one of 0.001° of latitude (111.19 m): p50 0, p95 is
    // 0.85 of the way from 0 to 111.19 m (NumPy's linear interpolation).
    let oneMilli = Metrics.haversine(latitude1: 0, longitude1: 0, latitude2: 0.001, longitude2: 0)
    #expect(abs(oneMilli - 6_371_000 * 0.001 * Double.pi / 180) < 1e-6)
    let s = try score(
      "haversine_p50_p95", ["group_column": .scalar("tripId")],
      truth: [["0", "0", "0", "0"], ["0", "0", "0", "0"], ["t", "t", "t", "t"]],
      predicted: [["0", "0", "0", "0.001"], ["0", "0", "0", "0"]],
      truthColumns: ["LatitudeDegrees", "LongitudeDegrees", "tripId"],
      predictedColumns: ["LatitudeDegrees", "LongitudeDegrees"])
    #expect(close(s, oneMilli * 0.85 / 2))
  }

  @Test func hierarchicalMacroRecallWeighsComponents() throws {
    // Roots: labels 1, 2 recalls 1 and 0 (1 predicted as 2... ) → macro .5; vowels: all
    // right → 1; consonants: the prediction 9 is never true, labels {0, 9}: (0 + 0) / 2 = 0.
    // (2·.5 + 1 + 0) / 4 = .5.
    let weights: ManifestValue = .map([
      "grapheme_root": .scalar("2"), "vowel_diacritic": .scalar("1"),
      "consonant_diacritic": .scalar("1"),
    ])
    let s = try score(
      "hierarchical_macro_recall", ["group_column": .scalar("component"), "weights": weights],
      truth: [
        ["1", "2", "3", "0"],
        ["grapheme_root", "grapheme_root", "vowel_diacritic", "consonant_diacritic"],
      ], predicted: [["1", "1", "3", "9"]], truthColumns: ["target", "component"],
      predictedColumns: ["target"])
    #expect(close(s, 0.5))
    #expect(throws: DojoError.self) {
      try MetricCatalogue.resolve(
        .init(
          name: "hierarchical_macro_recall",
          parameters: ["group_column": .scalar("c"), "weights": .list([.scalar("1")])]))
    }
  }

  @Test func lwlrapWeighsEveryTrueLabel() throws {
    // Row 1: true a (ranked 1st): 1. Row 2: true a, c; scores a .2, b .9, c .5: c at rank 2
    // with 1 true label at or above → 1/2; a at rank 3 with 2 → 2/3. (1 + 1/2 + 2/3) / 3.
    let s = try score(
      "lwlrap", truth: [["1", "1"], ["0", "0"], ["0", "1"]],
      predicted: [["0.9", "0.2"], ["0.1", "0.9"], ["0.3", "0.5"]], columns: ["a", "b", "c"])
    #expect(close(s, (1 + 0.5 + 2.0 / 3) / 3))
  }

  @Test func meanAngularErrorInRadians() throws {
    // Straight up against the horizon: π/2; identical: 0; opposite: π. Mean π/2.
    let s = try score(
      "mean_angular_error", truth: [["0", "1", "0"], ["0", "0.7", "0"]],
      predicted: [["0", "1", "0"], ["1.5707963267948966", "0.7", "3.141592653589793"]],
      columns: ["azimuth", "zenith"])
    #expect(close(s, Double.pi / 2))
  }

  @Test func spanMicroF1CountsCharacters() throws {
    // Row 1: truth 0..<10, prediction 5..<15: TP 5, FP 5, FN 5. Row 2: truth two spans in
    // list form, 20..<22 and 30..<33; predicted 30..<33: TP 3, FN 2. 2·8 / (16 + 5 + 7).
    let s = try score(
      "span_micro_f1", truth: [["0 10", "['20 22', '30 31;31 33']"]],
      predicted: [["5 15", "30 33"]], columns: ["location"])
    #expect(close(s, 16.0 / 28))
    #expect(try score("span_micro_f1", truth: [["", "[]"]], predicted: [["", ""]]) == 1)
    // Overlapping predicted spans count each character once.
    #expect(try score("span_micro_f1", truth: [["0 4"]], predicted: [["0 3;1 4"]]) == 1)
  }

  @Test func hostileSubmissionsNameTheirLineAndNeverQuoteAnswers() throws {
    let cases:
      [(
        metric: Manifest.MetricSpec, targets: [String], answers: String, submission: String,
        says: String
      )] = [
        (
          .init(name: "kendall_tau_orderings"), ["cell_order"],
          "id,cell_order\nn1,secret1 secret2 secret3\nn2,a b\n",
          "id,cell_order\nn2,b a\nn1,secret1 secret1 secret3\n",
          "row 3: column \"cell_order\": lists \"secret1\" twice"
        ),
        (
          .init(name: "kendall_tau_orderings"), ["cell_order"],
          "id,cell_order\nn1,secret1 secret2 secret3\nn2,a b\n",
          "id,cell_order\nn1,secret1 secret3\nn2,a b\n",
          "row 2: column \"cell_order\": lists 2 of the row's 3 items"
        ),
        (
          .init(name: "sequence_edit_distance"), ["Sequence"], "Id,Sequence\n1,3 4\n2,5\n",
          "Id,Sequence\n1,3 4\n2,five\n",
          "row 3: column \"Sequence\": \"five\" is not a whole number"
        ),
        (
          .init(name: "span_micro_f1"), ["location"], "id,location\na,10 20\nb,\n",
          "id,location\na,10 20\nb,20 10\n", "row 3: column \"location\": \"20 10\" holds the span"
        ),
        (
          .init(name: "span_micro_f1"), ["location"], "id,location\na,10 20\nb,\n",
          "id,location\na,['10 20'\nb,\n", "row 2: column \"location\""
        ),
        (
          .init(name: "mean_angular_error"), ["azimuth", "zenith"],
          "event_id,azimuth,zenith\n1,0.5,0.5\n2,1,1\n",
          "event_id,azimuth,zenith\n1,0.5,0.5\n2,inf,1\n", "row 3: column \"azimuth\""
        ),
        (
          .init(name: "haversine_p50_p95", parameters: ["group_column": .scalar("trip")]),
          ["lat", "lon", "trip"], "id,lat,lon,trip\n1,37.1,-122.2,t\n2,37.2,-122.3,t\n",
          "id,lat,lon\n1,37.1,-122.2\n2,137.2,-122.3\n",
          "row 3: column \"lat\": \"137.2\" is not a latitude"
        ),
      ]
    for c in cases {
      let id = String(c.answers.prefix { $0 != "," })
      let f = try TaskFixture(
        metric: c.metric, targets: c.targets, classes: nil, answers: c.answers, idColumn: id)
      defer { f.remove() }
      let report = try f.grader().grade(submission: f.submission(c.submission))
      #expect(report.error?.kind == .invalidSubmission, "\(c.metric.name): \(report)")
      let message = report.error?.message ?? ""
      #expect(message.contains(c.says), "\(message)")
      #expect(!message.contains("secret2"), "\(message)")
      // The answers themselves score perfectly, through the whole grader.
      let perfect = f.root.appendingPathComponent("perfect.csv")
      try f.grader().writePerfectSubmission(to: perfect)
      let best = try f.grader().score(submission: perfect)
      #expect(best == (f.spec.lowerIsBetter ? 0 : 1), "\(c.metric.name) perfect \(best)")
    }
  }
}
