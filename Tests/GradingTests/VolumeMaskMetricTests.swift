import DojoCore
import Foundation
import Grading
import Testing

/// `mask_dice_hausdorff` (UW-Madison GI Tract), computed by hand on 2 × 2 slices.
@Suite("Volume masks: Dice and 3D Hausdorff")
struct VolumeMaskMetricTests {
  static let spec: [String: ManifestValue] = [
    "height": .scalar("2"), "width": .scalar("2"), "group_column": .scalar("volume"),
    "slice_column": .scalar("slice"),
  ]

  func blend(_ rows: [(volume: String, slice: Int, truth: String, predicted: String)]) throws
    -> Double
  {
    try score(
      "mask_dice_hausdorff", Self.spec,
      truth: [rows.map(\.truth), rows.map(\.volume), rows.map { String($0.slice) }],
      predicted: [rows.map(\.predicted)], truthColumns: ["mask", "volume", "slice"],
      predictedColumns: ["mask"])
  }

  @Test func blendsDiceOverRowsWithHausdorffOverVolumes() throws {
    // Volume v, 2 slices of 2 x 2: truth {(0,0,0)}; prediction {(0,0,0), (1,1,1)}. Dice: row 1
    // is 1, row 2 (truth empty, one pixel predicted) 0. Hausdorff: (1,1,1) is (½,½,½) away in
    // the unit cube, √¾, over √3: ½. Score 0.4 · ½ + 0.6 · (1 − ½) = ½.
    let v = [("v", 1, "1 1", "1 1"), ("v", 2, "", "4 1")]
    #expect(close(try blend(v), 0.5))
    // A volume empty on both sides counts in neither term; a perfect one is Dice 1, distance 0:
    // Dice (1 + 0 + 1) / 3, Hausdorff (½ + 0) / 2.
    let more = v + [("u", 1, "", ""), ("u", 2, "", ""), ("w", 5, "2 2", "2 2")]
    #expect(close(try blend(more), 0.4 * 2 / 3 + 0.6 * 0.75))
  }

  @Test func organsOfOneSliceAreJoinedForTheDistanceOnly() throws {
    // The organs swapped: each row's Dice is 0, but the joined volumes are equal (distance 0).
    let swapped = [("x", 1, "1 1", ""), ("x", 1, "", "1 1")]
    #expect(close(try blend(swapped), 0.6))
    // A missed volume is distance 1 and Dice 0.
    #expect(try blend([("y", 1, "1 2", "")]) == 0)
  }

  @Test func slicesStackInSliceOrderWhateverTheRowOrder() throws {
    // Slices 3 and 10 are neighbours in the volume (depth 2): truth on slice 3 at pixel 1,
    // prediction on slice 10 at pixel 1: (½, 0, 0) apart, ½ / √3. Dice 0 on both rows.
    let d = 0.5 / Double(3).squareRoot()
    let rows = [("z", 10, "", "1 1"), ("z", 3, "1 1", "")]
    #expect(close(try blend(rows), 0.6 * (1 - d)))
  }

  @Test func nothingMarkedAnywhereIsUndefined() {
    #expect {
      try blend([("a", 1, "", ""), ("a", 2, "", "")])
    } throws: { error in
      (error as? DojoError)?.code == .graderError
    }
  }
}
