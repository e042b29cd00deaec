import DojoCore
import Foundation
import Grading
import Testing

/// `mask_object_fbeta` (Airbus Ship Detection), computed by hand: several run-length objects
/// per image, joined by ";" in one cell as the grader joins an image's submission rows.
@Suite("Object masks: F-beta over IoU thresholds")
struct ObjectMaskMetricTests {
  static let spec: [String: ManifestValue] = [
    "height": .scalar("10"), "width": .scalar("10"), "beta": .scalar("2"),
  ]

  @Test func f2AveragesThresholdsPerImageThenImages() throws {
    // Image 1: true ships 0..<8 and 20..<30; predicted 1..<9 (IoU 7/9 ≈ 0.78 with the first,
    // a hit at 0.5 ... 0.75, six thresholds) and 50..<55 (no ship). At a hit: TP 1, FN 1, FP 1,
    // F2 = 5 / (5 + 4 + 1) = 0.5; else TP 0: 0. Mean 6 · 0.5 / 10 = 0.3.
    // Image 2: no ship, no prediction: 1. Image 3: no ship, one predicted: 0. Image 4: a ship
    // missed: 0. Mean (0.3 + 1 + 0 + 0) / 4.
    let s = try score(
      "mask_object_fbeta", Self.spec, truth: [["1 8;21 10", "", "", "1 5"]],
      predicted: [["2 8;51 5", "", "1 1", ""]])
    #expect(close(s, 1.3 / 4))
    // A perfect prediction in another object order scores 1.
    #expect(
      try score("mask_object_fbeta", Self.spec, truth: [["1 8;21 10"]], predicted: [["21 10;1 8"]])
        == 1)
  }

  @Test func aPredictionMatchesOneTrueObjectAtMost() throws {
    // One prediction over two ships (IoU 4/8 with each, above 0.1): one hit, one ship missed.
    // F2 = 5 / (5 + 4) at the single threshold.
    var spec = Self.spec
    spec["iou_thresholds"] = .list([.scalar("0.1")])
    let s = try score("mask_object_fbeta", spec, truth: [["1 4;5 4"]], predicted: [["1 8"]])
    #expect(close(s, 5.0 / 9))
    // Beta 1 is F1: 2 / (2 + 1).
    spec["beta"] = .scalar("1")
    #expect(
      close(
        try score("mask_object_fbeta", spec, truth: [["1 4;5 4"]], predicted: [["1 8"]]), 2.0 / 3))
  }

  @Test func overlappingPredictedObjectsAreTheSubmissionsFault() throws {
    #expect {
      try score(
        "mask_object_fbeta", Self.spec, truth: [["1 4", "1 4"]], predicted: [["1 4", "1 5;3 2"]])
    } throws: { error in
      let e = error as? DojoError
      return e?.code == .invalidSubmission && e?.message.hasPrefix("row 3:") == true
        && e?.message.contains("objects 1 and 2 of this image share pixel 3") == true
    }
    // A bad object is named by its place in the image.
    #expect {
      try score("mask_object_fbeta", Self.spec, truth: [["1 4"]], predicted: [["1 4;7"]])
    } throws: { error in
      (error as? DojoError)?.message.contains("object 2: has an odd number of values") == true
    }
  }
}
