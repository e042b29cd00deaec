internal import DojoCore

/// One box of a prediction string: its label (empty when the format has none), confidence
/// and corners.
public struct DetectionBox: Sendable, Equatable {
  public var label: String
  public var score: Double
  public var x: Double
  public var y: Double
  public var width: Double
  public var height: Double

  public init(
    label: String = "", score: Double = 1, x: Double, y: Double, width: Double, height: Double
  ) {
    self.label = label
    self.score = score
    self.x = x
    self.y = y
    self.width = width
    self.height = height
  }

  /// Intersection over union, computed as pycocotools' `bbIou` does (from x, y, width,
  /// height), so scores agree with it to the last bit wherever they can.
  public func iou(_ o: DetectionBox) -> Double {
    let w = min(x + width, o.x + o.width) - max(x, o.x)
    guard w > 0 else { return 0 }
    let h = min(y + height, o.y + o.height) - max(y, o.y)
    guard h > 0 else { return 0 }
    let i = w * h
    let u = width * height + o.width * o.height - i
    return u > 0 ? i / u : 0
  }
}

/// How a prediction string spells its boxes.
public enum BoxFormat: String, Sendable, CaseIterable {
  /// `label confidence x_min y_min x_max y_max` (VinBigData, SIIM-COVID19).
  case labelScoreCorners = "label_score_corners"
  /// `confidence x_min y_min width height` (Global Wheat).
  case scoreXYWH = "score_xywh"

  var fields: Int { self == .labelScoreCorners ? 6 : 5 }
  var spelled: String {
    self == .labelScoreCorners
      ? "label confidence x_min y_min x_max y_max" : "confidence x_min y_min width height"
  }

  /// Parses a prediction string; blank text holds no box.
  func parse(_ text: String) -> Result<[DetectionBox], RunLengthMask.Refusal> {
    let tokens = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
    guard tokens.count % fields == 0 else {
      return .failure(
        .init(
          message:
            "has \(tokens.count) values, not a multiple of \(fields); each box is \"\(spelled)\""))
    }
    var boxes: [DetectionBox] = []
    boxes.reserveCapacity(tokens.count / fields)
    var k = 0
    while k < tokens.count {
      let box = k / fields + 1
      let labelled = self == .labelScoreCorners
      var numbers: [Double] = []
      for t in tokens[(k + (labelled ? 1 : 0))..<(k + fields)] {
        guard let v = ValueChecker.parse(String(t)), v.isFinite else {
          return .failure(
            .init(
              message: "box \(box): \"\(t)\" is not a finite number; each box is \"\(spelled)\""))
        }
        numbers.append(v)
      }
      let b: DetectionBox
      if labelled {
        guard numbers[3] >= numbers[1], numbers[4] >= numbers[2] else {
          return .failure(
            .init(
              message:
                "box \(box): x_max or y_max is below x_min or y_min; each box is \"\(spelled)\""))
        }
        b = DetectionBox(
          label: String(tokens[k]), score: numbers[0], x: numbers[1], y: numbers[2],
          width: numbers[3] - numbers[1], height: numbers[4] - numbers[2])
      } else {
        guard numbers[3] >= 0, numbers[4] >= 0 else {
          return .failure(
            .init(message: "box \(box): a width or height is negative; each box is \"\(spelled)\""))
        }
        b = DetectionBox(
          score: numbers[0], x: numbers[1], y: numbers[2], width: numbers[3], height: numbers[4])
      }
      boxes.append(b)
      k += fields
    }
    return .success(boxes)
  }
}

/// COCO's mean average precision (pycocotools' `COCOeval` for boxes, `stats[0]`: every area,
/// at most `maxDetections` per image and category), fed one image at a time.
///
/// Per image and category, detections are taken by descending confidence and each is matched
/// to the unmatched true box of the highest IoU at or above the threshold. Per category, the
/// detections of every image are ranked by confidence; precision is made monotone and read at
/// 101 recall points; the score is the mean over categories (those with a true box),
/// thresholds and recall points. Categories are the true boxes' labels; predicted labels
/// outside them are ignored, as COCO ignores categories the ground truth lacks.
public struct CocoAveragePrecision: Sendable {
  public let thresholds: [Double]
  public let maxDetections: Int

  /// Per category: each kept detection's confidence and, per threshold, whether it matched.
  private var scores: [String: [Double]] = [:]
  private var matches: [String: [[Bool]]] = [:]
  private var trueCount: [String: Int] = [:]

  public init(thresholds: [Double], maxDetections: Int = 100) {
    self.thresholds = thresholds
    self.maxDetections = maxDetections
  }

  /// Adds one image's true and predicted boxes.
  public mutating func add(truth: [DetectionBox], predicted: [DetectionBox]) {
    var truthByLabel: [String: [DetectionBox]] = [:]
    for b in truth { truthByLabel[b.label, default: []].append(b) }
    var predictedByLabel: [String: [DetectionBox]] = [:]
    for b in predicted { predictedByLabel[b.label, default: []].append(b) }
    for (label, gts) in truthByLabel { trueCount[label, default: 0] += gts.count }
    for (label, dts) in predictedByLabel {
      // Only categories of the ground truth are evaluated; their true boxes may be in other
      // images, so that is decided at the end.
      let gts = truthByLabel[label] ?? []
      // Stable, like NumPy's mergesort: equal confidences keep the string's order.
      let order = dts.indices.sorted {
        dts[$0].score != dts[$1].score ? dts[$0].score > dts[$1].score : $0 < $1
      }.prefix(maxDetections)
      let kept = order.map { dts[$0] }
      let ious = kept.map { d in gts.map { d.iou($0) } }
      var matched = [[Bool]](repeating: [], count: thresholds.count)
      for (t, threshold) in thresholds.enumerated() {
        var taken = [Bool](repeating: false, count: gts.count)
        var row = [Bool](repeating: false, count: kept.count)
        for d in kept.indices {
          var best = min(threshold, 1 - 1e-10)
          var m = -1
          for g in gts.indices where !taken[g] {
            if ious[d][g] < best { continue }
            best = ious[d][g]
            m = g
          }
          if m >= 0 {
            taken[m] = true
            row[d] = true
          }
        }
        matched[t] = row
      }
      scores[label, default: []] += kept.map(\.score)
      if matches[label] == nil {
        matches[label] = [[Bool]](repeating: [], count: thresholds.count)
      }
      for t in thresholds.indices { matches[label]![t] += matched[t] }
    }
  }

  /// The recall points `0, 0.01, ..., 1` as NumPy's `linspace(0, 1, 101)` computes them.
  static let recallPoints: [Double] = (0...100).map { $0 == 100 ? 1 : Double($0) * 0.01 }

  /// The mean average precision, or nil when no true box was added.
  public func value() -> Double? {
    var sum = 0.0
    var count = 0
    for (label, npig) in trueCount where npig > 0 {
      let s = scores[label] ?? []
      let order = s.indices.sorted { s[$0] != s[$1] ? s[$0] > s[$1] : $0 < $1 }
      for t in thresholds.indices {
        let m = matches[label]?[t] ?? []
        var rc: [Double] = []
        var pr: [Double] = []
        rc.reserveCapacity(order.count)
        pr.reserveCapacity(order.count)
        var tp = 0.0
        var fp = 0.0
        for i in order {
          if m[i] { tp += 1 } else { fp += 1 }
          rc.append(tp / Double(npig))
          pr.append(tp / (fp + tp + Double.ulpOfOne))
        }
        if pr.count > 1 {
          for i in stride(from: pr.count - 1, to: 0, by: -1) where pr[i] > pr[i - 1] {
            pr[i - 1] = pr[i]
          }
        }
        for r in Self.recallPoints {
          // NumPy's searchsorted, side left: the first index whose recall reaches r.
          var lo = 0
          var hi = rc.count
          while lo < hi {
            let mid = (lo + hi) / 2
            if rc[mid] < r { lo = mid + 1 } else { hi = mid }
          }
          if lo < pr.count { sum += pr[lo] }
        }
        count += Self.recallPoints.count
      }
    }
    return count == 0 ? nil : sum / Double(count)
  }
}

extension Metrics {
  /// Each row's true and predicted boxes, in row order; a prediction string that does not
  /// parse refuses the submission, naming its first bad line.
  static func eachImage(
    _ rows: EncodedRows, _ format: BoxFormat,
    _ body: ([DetectionBox], [DetectionBox]) throws -> Void
  ) throws {
    for i in rows.truth.indices {
      let truth = try rows.truthValue(i, format.parse)
      guard case .success(let predicted) = format.parse(rows.predicted[i]) else {
        throw rows.firstRefusal { format.parse(rows.predicted[$0]) }
      }
      try body(truth, predicted)
    }
  }

  /// A mean average precision, or the grader error for answers with no true box at all.
  static func definedMeanAveragePrecision(_ value: Double?) throws -> Double {
    guard let value else {
      throw DojoError(
        .graderError, "mean average precision is undefined: the answers hold no true box")
    }
    return value
  }

  /// COCO mean average precision over rows of prediction strings, one image per row.
  static func cocoMeanAveragePrecision(
    _ rows: EncodedRows, format: BoxFormat, thresholds: [Double], maxDetections: Int
  ) throws -> Double {
    var ap = CocoAveragePrecision(thresholds: thresholds, maxDetections: maxDetections)
    try eachImage(rows, format) { ap.add(truth: $0, predicted: $1) }
    return try definedMeanAveragePrecision(ap.value())
  }

  /// Global Wheat's score: per image, at each IoU threshold, predictions are taken by
  /// descending confidence and each matched to the unmatched true box of the highest IoU
  /// above the threshold; the image scores TP / (TP + FP + FN) averaged over the thresholds;
  /// the result is the mean over images. An image with neither true nor predicted boxes
  /// scores `bothEmpty`.
  static func meanIoUThresholdPrecision(
    _ rows: EncodedRows, format: BoxFormat, thresholds: [Double], bothEmpty: Double
  ) throws -> Double {
    var total = 0.0
    for i in rows.truth.indices {
      let truth = try rows.truthValue(i, format.parse)
      guard case .success(let predicted) = format.parse(rows.predicted[i]) else {
        throw rows.firstRefusal { format.parse(rows.predicted[$0]) }
      }
      total += imageIoUThresholdPrecision(
        truth: truth, predicted: predicted, thresholds: thresholds, bothEmpty: bothEmpty)
    }
    return total / Double(rows.truth.count)
  }

  /// One image's precision averaged over IoU thresholds (see
  /// ``meanIoUThresholdPrecision(_:format:thresholds:bothEmpty:)``).
  public static func imageIoUThresholdPrecision(
    truth: [DetectionBox], predicted: [DetectionBox], thresholds: [Double], bothEmpty: Double
  ) -> Double {
    if truth.isEmpty && predicted.isEmpty { return bothEmpty }
    let order = predicted.indices.sorted {
      predicted[$0].score != predicted[$1].score
        ? predicted[$0].score > predicted[$1].score : $0 < $1
    }
    let ious = order.map { d in truth.map { predicted[d].iou($0) } }
    var sum = 0.0
    for threshold in thresholds {
      var taken = [Bool](repeating: false, count: truth.count)
      var tp = 0
      for d in order.indices {
        var best = threshold
        var m = -1
        for g in truth.indices where !taken[g] && ious[d][g] > best {
          best = ious[d][g]
          m = g
        }
        if m >= 0 {
          taken[m] = true
          tp += 1
        }
      }
      let fp = predicted.count - tp
      let fn = truth.count - tp
      sum += Double(tp) / Double(tp + fp + fn)
    }
    return sum / Double(thresholds.count)
  }

  /// Kuzushiji's F1: a predicted point (`label x y`) is a true positive when it lies strictly
  /// inside a true box (`label x y width height`) of the same label; each true box takes the
  /// first unused such point in the string's order. Counts are pooled over all pages; 0 when
  /// there are no predictions or no true boxes.
  static func pointInBoxF1(_ rows: EncodedRows) throws -> Double {
    var tp = 0
    var fp = 0
    var fn = 0
    for i in rows.truth.indices {
      let truth = try rows.truthValue(i, parseLabelledBoxes)
      guard case .success(let points) = parseLabelledPoints(rows.predicted[i]) else {
        throw rows.firstRefusal { parseLabelledPoints(rows.predicted[$0]) }
      }
      var byLabel: [String: [Int]] = [:]
      for (k, p) in points.enumerated() { byLabel[p.label, default: []].append(k) }
      var used = [Bool](repeating: false, count: points.count)
      for box in truth {
        let hit = byLabel[box.label]?.first { k in
          let p = points[k]
          return !used[k] && box.x < p.x && box.x + box.width > p.x && box.y < p.y
            && box.y + box.height > p.y
        }
        if let hit {
          used[hit] = true
          tp += 1
        } else {
          fn += 1
        }
      }
      fp += used.count { !$0 }
    }
    guard tp + fp > 0, tp + fn > 0 else { return 0 }
    let precision = Double(tp) / Double(tp + fp)
    let recall = Double(tp) / Double(tp + fn)
    guard precision > 0, recall > 0 else { return 0 }
    return 2 * precision * recall / (precision + recall)
  }

  /// `label x y width height` groups.
  static func parseLabelledBoxes(_ text: String) -> Result<[DetectionBox], RunLengthMask.Refusal> {
    parseLabelled(text, fields: 5, spelled: "label x y width height").map { groups in
      groups.map {
        DetectionBox(label: $0.0, x: $0.1[0], y: $0.1[1], width: $0.1[2], height: $0.1[3])
      }
    }
  }

  /// `label x y` groups.
  static func parseLabelledPoints(_ text: String) -> Result<
    [(label: String, x: Double, y: Double)], RunLengthMask.Refusal
  > {
    parseLabelled(text, fields: 3, spelled: "label x y").map { groups in
      groups.map { (label: $0.0, x: $0.1[0], y: $0.1[1]) }
    }
  }

  private static func parseLabelled(_ text: String, fields: Int, spelled: String) -> Result<
    [(String, [Double])], RunLengthMask.Refusal
  > {
    let tokens = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
    guard tokens.count % fields == 0 else {
      return .failure(
        .init(
          message:
            "has \(tokens.count) values, not a multiple of \(fields); each entry is \"\(spelled)\"")
      )
    }
    var out: [(String, [Double])] = []
    out.reserveCapacity(tokens.count / fields)
    var k = 0
    while k < tokens.count {
      var numbers: [Double] = []
      for t in tokens[(k + 1)..<(k + fields)] {
        guard let v = ValueChecker.parse(String(t)), v.isFinite else {
          return .failure(
            .init(
              message:
                "entry \(k / fields + 1): \"\(t)\" is not a finite number; each entry is \"\(spelled)\""
            ))
        }
        numbers.append(v)
      }
      out.append((String(tokens[k]), numbers))
      k += fields
    }
    return .success(out)
  }
}

extension Metrics {
  /// The centres of `label x y width height` boxes as `label x y` points: the prediction
  /// that scores `point_in_box_f1` perfectly (boxes of no area hold no point strictly inside).
  static func boxCentres(_ text: String, row: Int) throws -> String {
    guard case .success(let boxes) = parseLabelledBoxes(text) else {
      throw DojoError(.graderError, "answers row \(row + 2): the boxes cannot be read")
    }
    return boxes.map {
      "\($0.label) \(SubmissionLayout.format($0.x + $0.width / 2)) \(SubmissionLayout.format($0.y + $0.height / 2))"
    }.joined(separator: " ")
  }
}

/// PASCAL VOC's mean average precision (2010 onwards: the area under the precision envelope
/// at every recall step), fed one image at a time.
///
/// Per category, detections of every image are ranked by confidence; each is a true positive
/// when the true box of its image it overlaps most has an IoU above the threshold and has not
/// been taken by a more confident detection (then it is a false positive, whatever the other
/// boxes). Categories are the true boxes' labels; the score is the mean over categories and
/// thresholds.
public struct VOCAveragePrecision: Sendable {
  public let thresholds: [Double]
  /// Per category: each detection's confidence and, per threshold, whether it matched.
  private var scores: [String: [Double]] = [:]
  private var matches: [String: [[Bool]]] = [:]
  private var trueCount: [String: Int] = [:]

  public init(thresholds: [Double]) { self.thresholds = thresholds }

  /// Adds one image's true and predicted boxes.
  public mutating func add(truth: [DetectionBox], predicted: [DetectionBox]) {
    var truthByLabel: [String: [DetectionBox]] = [:]
    for b in truth { truthByLabel[b.label, default: []].append(b) }
    for (label, gts) in truthByLabel { trueCount[label, default: 0] += gts.count }
    var predictedByLabel: [String: [DetectionBox]] = [:]
    for b in predicted { predictedByLabel[b.label, default: []].append(b) }
    for (label, dts) in predictedByLabel {
      let gts = truthByLabel[label] ?? []
      // Within an image, the more confident detection takes a box first.
      let order = dts.indices.sorted {
        dts[$0].score != dts[$1].score ? dts[$0].score > dts[$1].score : $0 < $1
      }
      if matches[label] == nil {
        matches[label] = [[Bool]](repeating: [], count: thresholds.count)
      }
      for (t, threshold) in thresholds.enumerated() {
        var taken = [Bool](repeating: false, count: gts.count)
        for d in order {
          var best = -1.0
          var m = -1
          for g in gts.indices {
            let iou = dts[d].iou(gts[g])
            if iou > best {
              best = iou
              m = g
            }
          }
          var hit = false
          if m >= 0, best > threshold, !taken[m] {
            taken[m] = true
            hit = true
          }
          matches[label]![t].append(hit)
        }
      }
      scores[label, default: []] += order.map { dts[$0].score }
    }
  }

  /// The mean average precision, or nil when no true box was added.
  public func value() -> Double? {
    var sum = 0.0
    var count = 0
    for (label, npos) in trueCount where npos > 0 {
      let s = scores[label] ?? []
      let order = s.indices.sorted { s[$0] != s[$1] ? s[$0] > s[$1] : $0 < $1 }
      for t in thresholds.indices {
        let m = matches[label]?[t] ?? []
        var recall: [Double] = [0]
        var precision: [Double] = [0]
        var tp = 0.0
        var fp = 0.0
        for i in order {
          if m[i] { tp += 1 } else { fp += 1 }
          recall.append(tp / Double(npos))
          precision.append(tp / (tp + fp))
        }
        recall.append(1)
        precision.append(0)
        for i in stride(from: precision.count - 2, through: 0, by: -1) {
          precision[i] = max(precision[i], precision[i + 1])
        }
        var ap = 0.0
        for i in 1..<recall.count where recall[i] != recall[i - 1] {
          ap += (recall[i] - recall[i - 1]) * precision[i]
        }
        sum += ap
        count += 1
      }
    }
    return count == 0 ? nil : sum / Double(count)
  }
}

extension Metrics {
  /// PASCAL VOC mean average precision over rows of prediction strings, one image per row.
  static func vocMeanAveragePrecision(
    _ rows: EncodedRows, format: BoxFormat, thresholds: [Double]
  ) throws -> Double {
    var ap = VOCAveragePrecision(thresholds: thresholds)
    try eachImage(rows, format) { ap.add(truth: $0, predicted: $1) }
    return try definedMeanAveragePrecision(ap.value())
  }
}
