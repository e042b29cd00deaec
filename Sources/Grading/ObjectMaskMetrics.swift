internal import DojoCore
internal import Foundation

/// Object segmentation over run-length masks, several objects per image (Airbus Ship
/// Detection): Kaggle's format gives each object its own submission row, so the grader joins
/// an image's rows into one cell, the objects separated by ``Metrics/objectSeparator``; the
/// answers hold each image's objects the same way.
extension Metrics {
  /// What separates an image's objects in one cell. The grader refuses a submitted cell that
  /// holds it, so each object is exactly one submission row.
  public static let objectSeparator: Character = ";"

  /// One image's F-beta averaged over IoU thresholds (Airbus Ship Detection's page): at each
  /// threshold `t`, a predicted object and a true object match when their IoU is above `t`,
  /// each object matching at most one other (greedily, highest IoU first; with thresholds of
  /// 0.5 or more and objects that do not overlap, every match is the only one possible); then
  /// `F(t) = (1 + β²) TP / ((1 + β²) TP + β² FN + FP)`. The image scores the mean of `F(t)`;
  /// `bothEmpty` when it has neither true nor predicted objects.
  public static func objectFBeta(
    truth: [RunLengthMask], predicted: [RunLengthMask], beta: Double, thresholds: [Double],
    bothEmpty: Double
  ) -> Double {
    if truth.isEmpty && predicted.isEmpty { return bothEmpty }
    // Every overlapping pair's IoU, highest first (ties by index, so matching is stable).
    var pairs: [(iou: Double, t: Int, p: Int)] = []
    for (i, t) in truth.enumerated() {
      guard let tFirst = t.runs.first, let tLast = t.runs.last else { continue }
      for (j, p) in predicted.enumerated() {
        guard let pFirst = p.runs.first, let pLast = p.runs.last, pFirst < tLast, tFirst < pLast
        else { continue }
        let overlap = t.overlap(p)
        guard overlap > 0 else { continue }
        pairs.append((Double(overlap) / Double(t.area + p.area - overlap), i, j))
      }
    }
    pairs.sort { $0.iou != $1.iou ? $0.iou > $1.iou : ($0.t, $0.p) < ($1.t, $1.p) }
    let b2 = beta * beta
    var total = 0.0
    for threshold in thresholds {
      var truthMatched = Set<Int>()
      var predictedMatched = Set<Int>()
      for pair in pairs where pair.iou > threshold {
        guard !truthMatched.contains(pair.t), !predictedMatched.contains(pair.p) else { continue }
        truthMatched.insert(pair.t)
        predictedMatched.insert(pair.p)
      }
      let tp = Double(truthMatched.count)
      let fn = Double(truth.count) - tp
      let fp = Double(predicted.count) - tp
      total += (1 + b2) * tp / ((1 + b2) * tp + b2 * fn + fp)
    }
    return total / Double(thresholds.count)
  }

  /// The objects of one cell: each non-blank piece between separators, parsed over `pixels`.
  /// Predicted objects must not share a pixel (Kaggle refuses overlapping ship segments).
  static func objects(_ text: String, pixels: Int, disjoint: Bool) -> Result<
    [RunLengthMask], RunLengthMask.Refusal
  > {
    var masks: [RunLengthMask] = []
    for piece in text.split(separator: objectSeparator, omittingEmptySubsequences: false)
    where piece.contains(where: { !$0.isWhitespace }) {
      switch RunLengthMask.parse(String(piece), pixels: pixels) {
      case .success(let mask): masks.append(mask)
      case .failure(let refusal):
        return .failure(
          RunLengthMask.Refusal(message: "object \(masks.count + 1): \(refusal.message)"))
      }
    }
    if disjoint, masks.count > 1 {
      // Every run of every object, by start: an overlap is a run starting inside the previous.
      var runs: [(start: Int, end: Int, object: Int)] = []
      for (k, mask) in masks.enumerated() {
        for r in stride(from: 0, to: mask.runs.count, by: 2) {
          runs.append((mask.runs[r], mask.runs[r + 1], k))
        }
      }
      runs.sort { $0.start < $1.start }
      for k in runs.indices.dropFirst() where runs[k].start < runs[k - 1].end {
        let (a, b) = (runs[k - 1].object, runs[k].object)
        return .failure(
          RunLengthMask.Refusal(
            message:
              "objects \(min(a, b) + 1) and \(max(a, b) + 1) of this image share pixel \(runs[k].start + 1); an image's objects must not overlap"
          ))
      }
    }
    return .success(masks)
  }

  /// The mean over images of ``objectFBeta(truth:predicted:beta:thresholds:bothEmpty:)``, one
  /// image's objects in memory at a time.
  static func meanObjectFBeta(
    _ rows: EncodedRows, _ parameters: MetricParameters, beta: Double, thresholds: [Double],
    bothEmpty: Double
  ) throws -> Double {
    let size = try ImageSize(parameters, rows: rows, metric: "mask_object_fbeta")
    var total = 0.0
    for i in rows.truth.indices {
      let pixels = try size.pixels(i)
      let truth = try rows.truthValue(i) { objects($0, pixels: pixels, disjoint: false) }
      guard
        case .success(let predicted) = objects(rows.predicted[i], pixels: pixels, disjoint: true)
      else {
        throw rows.firstRefusal { j in
          guard let p = try? size.pixels(j) else { return .success(()) }
          return objects(rows.predicted[j], pixels: p, disjoint: true).map { _ in () }
        }
      }
      total += objectFBeta(
        truth: truth, predicted: predicted, beta: beta, thresholds: thresholds,
        bothEmpty: bothEmpty)
    }
    return total / Double(rows.truth.count)
  }
}
