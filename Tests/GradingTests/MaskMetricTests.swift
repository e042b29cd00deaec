import DojoCore
import Foundation
import Grading
import Testing

/// The run-length codec and the mask metrics built on it, computed by hand.
@Suite("Run-length masks")
struct MaskMetricTests {
  private func mask(_ text: String, pixels: Int) throws -> RunLengthMask {
    try RunLengthMask.parse(text, pixels: pixels).get()
  }

  private func refusal(_ text: String, pixels: Int) -> String? {
    if case .failure(let r) = RunLengthMask.parse(text, pixels: pixels) { return r.message }
    return nil
  }

  @Test func parsesPairsAndEncodesThemBackWithAdjacentRunsMerged() throws {
    let m = try mask("1 3  10 2\t12 1", pixels: 20)
    #expect(m.area == 6)
    #expect(m.runCount == 3)
    #expect(m.encoded == "1 3 10 3")
    #expect(try mask("   ", pixels: 4).area == 0)
    #expect(try mask("", pixels: 4).encoded == "")
    // The last pixel is reachable, one past it is not.
    #expect(try mask("4 1", pixels: 4).area == 1)
  }

  @Test(arguments: [
    ("1 2 3", "odd number of values (3)"),
    ("0 2", "starts at pixel 0"),
    ("3 0", "length 0"),
    ("5 2 3 1", "inside or before the previous run"),
    ("1 3 3 1", "inside or before the previous run"),
    ("11 1", "past the image's 10 pixels"),
    ("9 3", "past the image's 10 pixels"),
    ("1 99999999999999999999999999999999999999", "past the image's 10 pixels"),
    ("99999999999999999999999999999999999999 1", "past the image's 10 pixels"),
    ("1 -2", "is not a whole number"),
    ("1.5 2", "is not a whole number"),
    ("1 2e1", "is not a whole number"),
    ("nan", "is not a whole number"),
  ])
  func refusesHostileEncodingsWithAReason(text: String, reason: String) {
    let message = refusal(text, pixels: 10)
    #expect(message?.contains(reason) == true, "\(text): \(message ?? "accepted")")
  }

  @Test func overlapIsTheSharedPixelCount() throws {
    let a = try mask("1 5 10 5", pixels: 20)  // 0..<5, 9..<14
    let b = try mask("3 8 13 4", pixels: 20)  // 2..<10, 12..<16
    // {2,3,4} ∪ {9} ∪ {12,13}
    #expect(a.overlap(b) == 6)
    #expect(b.overlap(a) == 6)
    #expect(a.overlap(RunLengthMask()) == 0)
  }

  @Test func diceAveragesOverImagesAndScoresTwoEmptyMasksAsGiven() throws {
    // Image 1: |T| 4, |P| 4, overlap 2 → 0.5; image 2: both empty → 1; image 3: P empty → 0.
    let truth = [["1 4", "", "2 2"]]
    let predicted = [["3 4", "", ""]]
    let spec: [String: ManifestValue] = ["height": .scalar("3"), "width": .scalar("3")]
    #expect(close(try score("mask_dice", spec, truth: truth, predicted: predicted), 1.5 / 3))
    var zeroEmpty = spec
    zeroEmpty["both_empty"] = .scalar("0")
    #expect(close(try score("mask_dice", zeroEmpty, truth: truth, predicted: predicted), 0.5 / 3))
  }

  @Test func fBetaWeighsPrecisionByBeta() throws {
    // TP 2, FN 2, FP 1: F0.5 = 1.25·2 / (1.25·2 + 0.25·2 + 1) = 2.5 / 4.
    let spec: [String: ManifestValue] = [
      "height": .scalar("4"), "width": .scalar("4"), "beta": .scalar("0.5"),
    ]
    let s = try score("mask_fbeta", spec, truth: [["1 4"]], predicted: [["3 3"]])
    #expect(close(s, 2.5 / 4))
  }

  @Test func iouPrecisionCountsTheThresholdsTheMaskClears() throws {
    let spec: [String: ManifestValue] = ["height": .scalar("10"), "width": .scalar("10")]
    // IoU 7/10 = 0.7 clears 0.5, 0.55, 0.6, 0.65 (not 0.7: strictly above): 4/10.
    #expect(
      close(try score("mask_iou_precision", spec, truth: [["1 10"]], predicted: [["1 7"]]), 0.4))
    // Empty truth: 1 for an empty prediction, 0 otherwise; empty prediction of a true mask 0.
    #expect(
      try score(
        "mask_iou_precision", spec, truth: [["", "", "5 5"]], predicted: [["", "1 1", ""]])
        == 1.0 / 3)
  }

  @Test func imageSizesComeFromAnswersColumns() throws {
    let spec: [String: ManifestValue] = [
      "height_column": .scalar("h"), "width_column": .scalar("w"),
    ]
    // Row 1 is 2x2 (4 pixels): "4 1" fits; row 2 is 3x3.
    let s = try score(
      "mask_dice", spec, truth: [["4 1", "9 1"], ["2", "3"], ["2", "3"]],
      predicted: [["4 1", "9 1"]], truthColumns: ["mask", "h", "w"], predictedColumns: ["mask"])
    #expect(s == 1)
    // The same prediction on a 2x2 second image runs past its 4 pixels.
    #expect {
      try score(
        "mask_dice", spec, truth: [["4 1", "1 1"], ["2", "2"], ["2", "2"]],
        predicted: [["4 1", "9 1"]], truthColumns: ["mask", "h", "w"],
        predictedColumns: ["mask"])
    } throws: { error in
      let e = error as? DojoError
      return e?.code == .invalidSubmission && e?.message.contains("row 3") == true
        && e?.message.contains("past the image's 4 pixels") == true
    }
  }

  @Test func aBadPredictionIsTheSubmissionsFaultAndNamesItsRow() throws {
    let spec: [String: ManifestValue] = ["height": .scalar("5"), "width": .scalar("5")]
    #expect {
      try score(
        "mask_dice", spec, truth: [["1 2", "1 2", "1 2"]], predicted: [["1 2", "1 2 3", "0 1"]])
    } throws: { error in
      let e = error as? DojoError
      return e?.code == .invalidSubmission
        && e?.message
          == "row 3: column \"target\": has an odd number of values (3); the encoding is start length pairs"
    }
    // A broken answer is ours.
    #expect {
      try score("mask_dice", spec, truth: [["1 2 3"]], predicted: [["1 2"]])
    } throws: { error in
      (error as? DojoError)?.code == .graderError
    }
  }

  @Test func specsAreCheckedWhenResolved() {
    for bad: [String: ManifestValue] in [
      ["height": .scalar("0"), "width": .scalar("3")],
      ["height": .scalar("3"), "width": .scalar("99999999")],
      ["height": .scalar("3"), "width": .scalar("3"), "both_empty": .scalar("2")],
      [
        "height": .scalar("3"), "width": .scalar("3"),
        "iou_thresholds": .list([.scalar("0.7"), .scalar("0.5")]),
      ],
    ] {
      #expect(throws: DojoError.self) {
        try MetricCatalogue.resolve(.init(name: "mask_iou_precision", parameters: bad))
      }
    }
    // No size at all: refused when scored, as a grader error.
    #expect(throws: DojoError.self) {
      try score("mask_dice", truth: [["1 1"]], predicted: [["1 1"]])
    }
  }
}
