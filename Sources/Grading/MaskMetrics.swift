internal import DojoCore
internal import Foundation

/// The segmentation metrics over run-length masks, one image per row. Each works on the
/// overlap of two run lists, so no image is ever expanded to pixels.
extension Metrics {
  /// Dice coefficient of one image, `2|T ∩ P| / (|T| + |P|)`; `bothEmpty` when neither mask
  /// sets a pixel (HuBMAP and MLE-bench score that 1).
  public static func dice(_ truth: RunLengthMask, _ predicted: RunLengthMask, bothEmpty: Double)
    -> Double
  {
    let total = truth.area + predicted.area
    guard total > 0 else { return bothEmpty }
    return 2 * Double(truth.overlap(predicted)) / Double(total)
  }

  /// F-beta over one image's pixels (scikit-learn's `fbeta_score` on the flattened masks):
  /// `(1 + β²) TP / ((1 + β²) TP + β² FN + FP)`; `bothEmpty` when neither sets a pixel.
  public static func pixelFBeta(
    _ truth: RunLengthMask, _ predicted: RunLengthMask, beta: Double, bothEmpty: Double
  ) -> Double {
    let tp = Double(truth.overlap(predicted))
    let fn = Double(truth.area) - tp
    let fp = Double(predicted.area) - tp
    let b2 = beta * beta
    let denominator = (1 + b2) * tp + b2 * fn + fp
    guard denominator > 0 else { return bothEmpty }
    return (1 + b2) * tp / denominator
  }

  /// The IoU thresholds `0.5, 0.55, ..., 0.95` as NumPy's `arange(0.5, 1.0, 0.05)` spells
  /// them (`start + k·step`), so a threshold compares as it does in the reference.
  public static let iouThresholds50to95: [Double] = (0..<10).map { 0.5 + Double($0) * 0.05 }

  /// TGS Salt's per-image score: the mask is one object; at each threshold `t` it is a true
  /// positive when its IoU with the true mask exceeds `t` (TP / (TP + FP + FN) is then 1,
  /// else 0), averaged over the thresholds. An empty truth scores 1 for an empty prediction
  /// and 0 for any other.
  public static func maskIoUPrecision(
    _ truth: RunLengthMask, _ predicted: RunLengthMask, thresholds: [Double]
  ) -> Double {
    if truth.area == 0 { return predicted.area == 0 ? 1 : 0 }
    let overlap = truth.overlap(predicted)
    let iou = Double(overlap) / Double(truth.area + predicted.area - overlap)
    let hits = thresholds.count { iou > $0 }
    return Double(hits) / Double(thresholds.count)
  }
}

/// The rows a mask or box metric reads: the answers' encoded texts, the submission's, where
/// each submission row sits in its file, and the answers-only columns (image sizes).
public struct EncodedRows: Sendable {
  /// The answers' encoded texts, in answers order.
  public var truth: [String]
  /// The submission's encoded texts, in answers order.
  public var predicted: [String]
  /// The submission column that holds them.
  public var column: String
  /// For each answer row, the submission line it came from (nil: row `i` is line `i + 2`).
  public var lines: [Int]?
  /// The answers-only columns the metric reads, by name, in answers order.
  public var answerColumns: [String: [String]]

  public init(
    truth: [String], predicted: [String], column: String, lines: [Int]? = nil,
    answerColumns: [String: [String]] = [:]
  ) {
    self.truth = truth
    self.predicted = predicted
    self.column = column
    self.lines = lines
    self.answerColumns = answerColumns
  }

  func line(_ i: Int) -> Int { lines?[i] ?? i + 2 }

  /// Parses every row's prediction with `parse` and, if any fails, throws for the one that
  /// comes first in the submission file, naming its line and column.
  ///
  /// Used only once a row has failed: the scoring loop reads rows in answers order, and the
  /// agent should hear about the first bad line of its file.
  func firstRefusal<T>(_ parse: (Int) -> Result<T, RunLengthMask.Refusal>) -> DojoError {
    var worst: (line: Int, message: String)?
    for i in predicted.indices {
      if let worst, line(i) > worst.line { continue }
      if case .failure(let refusal) = parse(i) { worst = (line(i), refusal.message) }
    }
    let (l, message) = worst ?? (0, "could not be read")
    return DojoError(.invalidSubmission, "row \(l): column \"\(column)\": \(message)")
  }

  /// The answers' truth at row `i`, or a grader error naming the answers row.
  func truthValue<T>(_ i: Int, _ parse: (String) -> Result<T, RunLengthMask.Refusal>) throws -> T {
    switch parse(truth[i]) {
    case .success(let v): return v
    case .failure(let refusal):
      throw DojoError(
        .graderError, "answers row \(i + 2): column \"\(column)\": \(refusal.message)")
    }
  }
}

/// Where an image's size comes from: the metric spec (`height`, `width`) or answers columns
/// (`height_column`, `width_column`).
struct ImageSize {
  /// The largest side accepted, so that `height × width` and every run bound stay far from
  /// overflow.
  static let maxSide = 1 << 20

  let height: Int?
  let width: Int?
  let heights: [String]?
  let widths: [String]?
  let metric: String

  init(_ p: MetricParameters, rows: EncodedRows, metric: String) throws {
    self.metric = metric
    height = p.imageHeight
    width = p.imageWidth
    func column(_ name: String?) throws -> [String]? {
      guard let name else { return nil }
      guard let values = rows.answerColumns[name] else {
        throw DojoError(
          .graderError, "\(metric) reads answers column \"\(name)\", which is missing")
      }
      return values
    }
    heights = try column(p.heightColumn)
    widths = try column(p.widthColumn)
    guard height != nil || heights != nil, width != nil || widths != nil else {
      throw DojoError(
        .graderError,
        "\(metric) needs the image size: height and width, or height_column and width_column")
    }
  }

  /// The pixel count of row `i`'s image.
  func pixels(_ i: Int) throws -> Int {
    let (h, w) = try sides(i)
    return h * w
  }

  /// Row `i`'s image height and width.
  func sides(_ i: Int) throws -> (height: Int, width: Int) {
    func side(_ fixed: Int?, _ column: [String]?, _ name: String) throws -> Int {
      if let fixed { return fixed }
      let text = column![i].trimmingCharacters(in: .whitespaces)
      guard
        let v = Int(text) ?? Double(text).flatMap({ $0 == $0.rounded() ? Int(exactly: $0) : nil }),
        v >= 1, v <= ImageSize.maxSide
      else {
        throw DojoError(
          .graderError,
          "answers row \(i + 2): the image \(name) \"\(column![i])\" is not a whole number from 1 to \(ImageSize.maxSide)"
        )
      }
      return v
    }
    return (try side(height, heights, "height"), try side(width, widths, "width"))
  }
}

extension Metrics {
  /// The mean over rows of a per-image mask score, each row's masks parsed in turn (one
  /// image's runs in memory at a time).
  static func meanOverMasks(
    _ rows: EncodedRows, _ parameters: MetricParameters, metric: String,
    _ score: (RunLengthMask, RunLengthMask) -> Double
  ) throws -> Double {
    let size = try ImageSize(parameters, rows: rows, metric: metric)
    var total = 0.0
    for i in rows.truth.indices {
      let pixels = try size.pixels(i)
      let truth = try rows.truthValue(i) { RunLengthMask.parse($0, pixels: pixels) }
      guard case .success(let predicted) = RunLengthMask.parse(rows.predicted[i], pixels: pixels)
      else {
        throw rows.firstRefusal { j in
          guard let p = try? size.pixels(j) else { return .success(()) }
          return RunLengthMask.parse(rows.predicted[j], pixels: p).map { _ in () }
        }
      }
      total += score(truth, predicted)
    }
    return total / Double(rows.truth.count)
  }
}
