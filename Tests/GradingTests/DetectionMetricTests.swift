import DojoCore
import Foundation
import Grading
import Testing

/// The box and point metrics: hand-computed cases, and `box_map` pinned against pycocotools
/// (scripts/peers/coco_map.py in the project's `.venv`) on generated detections.
@Suite("Detection metrics")
struct DetectionMetricTests {
  private static let corners: [String: ManifestValue] = [
    "box_format": .scalar("label_score_corners")
  ]

  private func thresholds(_ values: [Double]) -> ManifestValue {
    .list(values.map { .scalar("\($0)") })
  }

  @Test func boxMapOfAPerfectFirstDetectionIsOne() throws {
    var spec = Self.corners
    spec["iou_thresholds"] = thresholds([0.5])
    // The confident box is exact; the second, elsewhere, comes after full recall.
    let s = try score(
      "box_map", spec, truth: [["a 1 0 0 10 10"]],
      predicted: [["a 0.9 0 0 10 10 a 0.8 50 50 60 60"]])
    // Precision is tp / (tp + fp + eps) as in pycocotools: 1 less one rounding step.
    #expect(close(s, 1))
  }

  @Test func boxMapReadsPrecisionAtTheHundredAndOneRecallPoints() throws {
    var spec = Self.corners
    spec["iou_thresholds"] = thresholds([0.5])
    // Two true boxes; a wrong confident box, then one hit: precision 1/2 is reached at
    // recall 1/2, so recall points 0, 0.01, ..., 0.5 (51 of 101) read 0.5, the rest 0.
    let s = try score(
      "box_map", spec, truth: [["a 1 0 0 10 10 a 1 20 20 30 30"]],
      predicted: [["a 0.9 50 50 60 60 a 0.8 0 0 10 10"]])
    #expect(close(s, 0.5 * 51 / 101))
    // A category only predicted is ignored; one only true counts as 0.
    let two = try score(
      "box_map", spec, truth: [["a 1 0 0 10 10 b 1 0 0 5 5"]],
      predicted: [["a 0.9 0 0 10 10 c 0.9 0 0 5 5"]])
    #expect(close(two, 0.5))
  }

  @Test func boxMapRefusesMalformedPredictionStrings() throws {
    for (bad, reason) in [
      ("a 0.9 0 0 10", "not a multiple of 6"),
      ("a 0.9 0 0 x 10", "\"x\" is not a finite number"),
      ("a inf 0 0 10 10", "is not a finite number"),
      ("a 0.9 10 0 0 10", "x_max or y_max is below"),
    ] {
      #expect {
        try score(
          "box_map", Self.corners, truth: [["a 1 0 0 1 1", "a 1 0 0 1 1"]], predicted: [["", bad]])
      } throws: { error in
        let e = error as? DojoError
        return e?.code == .invalidSubmission
          && e?.message.hasPrefix("row 3: column \"target\": ") == true
          && e?.message.contains(reason) == true
      }
    }
    #expect(throws: DojoError.self) {
      try score("box_map", Self.corners, truth: [[""]], predicted: [["a 0.9 0 0 1 1"]])
    }
  }

  @Test func vocMapIsTheAreaUnderThePrecisionEnvelope() throws {
    // Ranked over both images: hit (.9), miss (.8), hit (.7); recall 1/2, 1/2, 1 at
    // precision 1, 1/2, 2/3; the envelope gives 1/2 · 1 + 1/2 · 2/3.
    let s = try score(
      "box_voc_map", Self.corners, truth: [["a 1 0 0 10 10", "a 1 20 20 30 30"]],
      predicted: [["a 0.9 0 0 10 10", "a 0.8 50 50 60 60 a 0.7 20 20 30 30"]])
    #expect(close(s, 0.5 + 1.0 / 3))
    // VOC takes the box a detection overlaps most; when a surer detection has it, the second
    // is a false positive even though another true box would do (COCO would match it): 1/2.
    let taken = try score(
      "box_voc_map", Self.corners, truth: [["a 1 0 0 10 10 a 1 0 0 10 9"]],
      predicted: [["a 0.9 0 0 10 10 a 0.8 0 0 10 10"]])
    #expect(close(taken, 0.5))
    // Classes as in SIIM: a study label on the whole image is a box like any other; the mean
    // is over the true classes ("negative" never predicted scores 0).
    let study = try score(
      "box_voc_map", Self.corners, truth: [["typical 1 0 0 1 1", "negative 1 0 0 1 1"]],
      predicted: [["typical 0.7 0 0 1 1", "typical 0.6 0 0 1 1"]])
    #expect(close(study, 0.5))
  }

  @Test func wheatPrecisionAveragesTPOverTPFPFNAcrossThresholds() throws {
    let spec: [String: ManifestValue] = [
      "box_format": .scalar("score_xywh"),
      "iou_thresholds": thresholds([0.5, 0.55, 0.6, 0.65, 0.7, 0.75]),
    ]
    // One exact hit, one at IoU 0.6 exactly (strictly above 0.5 and 0.55 only), one miss:
    // 2/3 at two thresholds, 1/4 at four: (4/3 + 1) / 6.
    let s = try score(
      "box_iou_precision", spec, truth: [["1 0 0 10 10 1 20 0 10 10", ""]],
      predicted: [["0.9 0 0 10 10 0.8 20 0 6 10 0.7 50 50 5 5", ""]])
    #expect(close(s, (7.0 / 18 + 1) / 2))
  }

  @Test func pointInBoxF1MatchesLabelledPointsStrictlyInside() throws {
    // Page 1: the first "A" point hits, the second is spare (FP), "B" lies outside its box
    // (FN and FP); page 2 has no truth (FP). TP 1, FP 3, FN 1: P 1/4, R 1/2, F1 1/3.
    let s = try score(
      "point_in_box_f1", truth: [["A 0 0 10 10 B 20 20 5 5", ""]],
      predicted: [["A 5 5 A 6 6 B 10 10", "A 1 1"]])
    #expect(close(s, 1.0 / 3))
    // On the edge is not inside.
    #expect(try score("point_in_box_f1", truth: [["A 0 0 10 10"]], predicted: [["A 0 5"]]) == 0)
    #expect {
      try score("point_in_box_f1", truth: [["A 0 0 10 10"]], predicted: [["A 5"]])
    } throws: { ($0 as? DojoError)?.code == .invalidSubmission }
  }

  /// A seeded generator so a failure reproduces.
  struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
  }

  /// Generated images: true boxes of three labels, and predictions that jitter some of them,
  /// invent others, and repeat some confidences (ties keep the string's order in both).
  static func generated(seed: UInt64, images: Int) -> (truth: [String], predicted: [String]) {
    var rng = SplitMix(state: seed)
    let labels = ["0", "1", "2"]
    var truth: [String] = []
    var predicted: [String] = []
    for _ in 0..<images {
      var t: [String] = []
      var p: [String] = []
      for _ in 0..<Int.random(in: 0...6, using: &rng) {
        let label = labels.randomElement(using: &rng)!
        let x = Double(Int.random(in: 0...400, using: &rng)) + 0.5
        let y = Double.random(in: 0...400, using: &rng)
        let w = Double.random(in: 4...120, using: &rng)
        let h = Double(Int.random(in: 4...120, using: &rng))
        t.append("\(label) 1 \(x) \(y) \(x + w) \(y + h)")
        if Double.random(in: 0...1, using: &rng) < 0.8 {
          let dx = Double.random(in: -0.3...0.3, using: &rng) * w
          let dy = Double.random(in: -0.3...0.3, using: &rng) * h
          let guess =
            Double.random(in: 0...1, using: &rng) < 0.9
            ? label : labels.randomElement(using: &rng)!
          let s = (Double(Int.random(in: 0...20, using: &rng)) / 20)
          p.append("\(guess) \(s) \(x + dx) \(y + dy) \(x + dx + w * 1.1) \(y + dy + h)")
        }
      }
      for _ in 0..<Int.random(in: 0...14, using: &rng) {
        let x = Double.random(in: 0...500, using: &rng)
        let y = Double.random(in: 0...500, using: &rng)
        let label =
          Double.random(in: 0...1, using: &rng) < 0.05 ? "9" : labels.randomElement(using: &rng)!
        p.append(
          "\(label) \(Double.random(in: 0...1, using: &rng)) \(x) \(y) \(x + Double.random(in: 1...90, using: &rng)) \(y + 30)"
        )
      }
      truth.append(t.joined(separator: " "))
      predicted.append(p.joined(separator: " "))
    }
    return (truth, predicted)
  }

  static var repository: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
  }

  @Test func boxMapAgreesWithPycocotoolsOnGeneratedDetections() throws {
    let python = Self.repository.appendingPathComponent(".venv/bin/python3").path
    try #require(
      FileManager.default.isExecutableFile(atPath: python),
      "run scripts/install-deps: the pycocotools peer runs in .venv")
    let cases: [(seed: UInt64, images: Int, thresholds: [Double], maxDetections: Int)] = [
      (1, 60, [0.4], 100),
      (2, 80, (0..<10).map { 0.5 + Double($0) * 0.05 }, 100),
      (3, 50, [0.5, 0.75], 3),
      (4, 1, [0.3], 100),
    ]
    var json: [[String: Any]] = []
    var ours: [Double] = []
    for c in cases {
      let (truth, predicted) = Self.generated(seed: c.seed, images: c.images)
      var spec = Self.corners
      spec["iou_thresholds"] = thresholds(c.thresholds)
      spec["max_detections"] = .scalar("\(c.maxDetections)")
      ours.append(try score("box_map", spec, truth: [truth], predicted: [predicted]))
      func boxes(_ text: String, scored: Bool) -> [[Any]] {
        let tokens = text.split(separator: " ").map(String.init)
        return stride(from: 0, to: tokens.count, by: 6).map { k in
          let numbers = tokens[(k + 1)..<(k + 6)].map { Double($0)! }
          return [tokens[k]] + (scored ? numbers : Array(numbers.dropFirst()))
        }
      }
      json.append([
        "thresholds": c.thresholds, "max_detections": c.maxDetections,
        "images": zip(truth, predicted).map {
          ["truth": boxes($0, scored: false), "predicted": boxes($1, scored: true)]
        },
      ])
    }
    let input = FileManager.default.temporaryDirectory.appendingPathComponent(
      "dojo-coco-\(UUID()).json")
    defer { try? FileManager.default.removeItem(at: input) }
    try JSONSerialization.data(withJSONObject: ["cases": json]).write(to: input)
    let run = try ProcessRunner.run(
      python,
      [Self.repository.appendingPathComponent("scripts/peers/coco_map.py").path, input.path],
      limits: ProcessLimits(wallSeconds: 120))
    #expect(run.succeeded, "\(run.stderrTail)")
    let theirs = run.stdoutTail.split(separator: "\n").compactMap {
      Double($0)
    }
    #expect(theirs.count == cases.count)
    for (a, b) in zip(ours, theirs) {
      #expect(abs(a - b) <= 1e-9, "ours \(a), pycocotools \(b)")
    }
    // The generated cases are not degenerate: scores strictly between 0 and 1, all different.
    #expect(ours.allSatisfy { $0 > 0 && $0 < 1 })
  }
}
