internal import DojoCore

/// The catalogue's mask and box metrics: each reads one text column per image (a run-length
/// mask or a prediction string) in the `text` shape, with the image's size from the spec or
/// from answers-only columns.
extension MetricCatalogue {
  static let imageHeight = MetricParameter(
    name: "height", kind: .side, required: false,
    summary: "every image's height in pixels (else height_column)")
  static let imageWidth = MetricParameter(
    name: "width", kind: .side, required: false,
    summary: "every image's width in pixels (else width_column)")
  static let heightColumn = MetricParameter(
    name: "height_column", kind: .column, required: false,
    summary: "an answers target holding each image's height; the submission leaves it out")
  static let widthColumn = MetricParameter(
    name: "width_column", kind: .column, required: false,
    summary: "an answers target holding each image's width; the submission leaves it out")
  static let bothEmpty = MetricParameter(
    name: "both_empty", kind: .unitNumber, required: false,
    summary:
      "an image's score when neither the answer nor the prediction marks anything (default 1)")
  static let beta = MetricParameter(
    name: "beta", kind: .positiveNumber, required: true,
    summary: "recall counts beta times as much as precision (0.5 favours precision)")
  static let iouThresholds = MetricParameter(
    name: "iou_thresholds", kind: .thresholds, required: false,
    summary: "the IoU thresholds averaged over (default 0.5, 0.55, ..., 0.95; box_voc_map: 0.5)")
  static let boxFormat = MetricParameter(
    name: "box_format", kind: .boxFormat, required: true,
    summary:
      "how each box is spelled: label_score_corners (label confidence x_min y_min x_max y_max) or score_xywh (confidence x y width height)"
  )
  static let maxDetections = MetricParameter(
    name: "max_detections", kind: .count, required: false,
    summary: "detections kept per image and category, by confidence (default 100, COCO's)")

  private static let maskSize = [imageHeight, imageWidth, heightColumn, widthColumn]
  static let volumeColumn = MetricParameter(
    name: "group_column", kind: .column, required: true,
    summary:
      "an answers target naming each row's 3D volume (UW-Madison: case and day); the submission leaves it out"
  )
  static let sliceColumn = MetricParameter(
    name: "slice_column", kind: .answerColumn, required: true,
    summary:
      "an answers target holding each row's slice number within its volume; rows of one slice are joined"
  )

  /// The metrics that read ``EncodedRows``: the `text` shape, with submission lines and
  /// answers-only columns kept.
  static let readsEncodedRows: Set<String> = Set(imageMetrics.map(\.name))

  /// The metrics whose submission gives each object its own row: an id may appear on any
  /// number of rows, which the grader joins with ``Metrics/objectSeparator`` (an image with no
  /// object is one row with an empty cell).
  public static let objectRowMetrics: Set<String> = ["mask_object_fbeta"]

  /// The mask and box entries of ``all``.
  static let imageMetrics: [MetricDefinition] = [
    MetricDefinition(
      name: "mask_dice",
      summary: "mean over images of the Dice coefficient of run-length masks (HuBMAP)",
      shape: .text, lowerIsBetter: false, parameters: maskSize + [bothEmpty]
    ) { d, p in
      try Metrics.meanOverMasks(try d.encodedRows(), p, metric: "mask_dice") {
        Metrics.dice($0, $1, bothEmpty: p.bothEmpty ?? 1)
      }
    },
    MetricDefinition(
      name: "mask_fbeta",
      summary: "mean over images of the pixel F-beta of run-length masks (Vesuvius: beta 0.5)",
      shape: .text, lowerIsBetter: false, parameters: maskSize + [beta, bothEmpty]
    ) { d, p in
      try Metrics.meanOverMasks(try d.encodedRows(), p, metric: "mask_fbeta") {
        Metrics.pixelFBeta($0, $1, beta: p.beta ?? 1, bothEmpty: p.bothEmpty ?? 1)
      }
    },
    MetricDefinition(
      name: "mask_iou_precision",
      summary:
        "mean over images of the share of IoU thresholds the one-object mask clears (TGS Salt)",
      shape: .text, lowerIsBetter: false, parameters: maskSize + [iouThresholds]
    ) { d, p in
      let thresholds = p.iouThresholds ?? Metrics.iouThresholds50to95
      return try Metrics.meanOverMasks(try d.encodedRows(), p, metric: "mask_iou_precision") {
        Metrics.maskIoUPrecision($0, $1, thresholds: thresholds)
      }
    },
    MetricDefinition(
      name: "mask_object_fbeta",
      summary:
        "mean over images of the object F-beta over IoU thresholds, one run-length mask per object and submission row (Airbus: beta 2)",
      shape: .text, lowerIsBetter: false, parameters: maskSize + [beta, iouThresholds, bothEmpty]
    ) { d, p in
      try Metrics.meanObjectFBeta(
        try d.encodedRows(), p, beta: p.beta ?? 2,
        thresholds: p.iouThresholds ?? Metrics.iouThresholds50to95, bothEmpty: p.bothEmpty ?? 1)
    },
    MetricDefinition(
      name: "mask_dice_hausdorff",
      summary:
        "0.4 · mean Dice of run-length slice masks + 0.6 · (1 − mean normalised 3D Hausdorff distance per volume) (UW-Madison)",
      shape: .text, lowerIsBetter: false,
      parameters: maskSize + [volumeColumn, sliceColumn]
    ) { d, p in try Metrics.diceHausdorff(try d.encodedRows(), p) },
    MetricDefinition(
      name: "box_map",
      summary:
        "COCO mean average precision of boxes over IoU thresholds (pycocotools' stats[0])",
      shape: .text, lowerIsBetter: false, parameters: [boxFormat, iouThresholds, maxDetections]
    ) { d, p in
      try Metrics.cocoMeanAveragePrecision(
        try d.encodedRows(), format: p.boxFormat ?? .labelScoreCorners,
        thresholds: p.iouThresholds ?? Metrics.iouThresholds50to95,
        maxDetections: p.maxDetections ?? 100)
    },
    MetricDefinition(
      name: "box_voc_map",
      summary:
        "PASCAL VOC (2010) mean average precision of boxes at IoU above each threshold (SIIM-COVID19)",
      shape: .text, lowerIsBetter: false, parameters: [boxFormat, iouThresholds]
    ) { d, p in
      try Metrics.vocMeanAveragePrecision(
        try d.encodedRows(), format: p.boxFormat ?? .labelScoreCorners,
        thresholds: p.iouThresholds ?? [0.5])
    },
    MetricDefinition(
      name: "box_iou_precision",
      summary:
        "mean over images of TP / (TP + FP + FN) averaged over IoU thresholds (Global Wheat)",
      shape: .text, lowerIsBetter: false, parameters: [boxFormat, iouThresholds, bothEmpty]
    ) { d, p in
      try Metrics.meanIoUThresholdPrecision(
        try d.encodedRows(), format: p.boxFormat ?? .scoreXYWH,
        thresholds: p.iouThresholds ?? Metrics.iouThresholds50to95,
        bothEmpty: p.bothEmpty ?? 1)
    },
    MetricDefinition(
      name: "point_in_box_f1",
      summary:
        "F1 of labelled points inside labelled true boxes, pooled over pages (Kuzushiji)",
      shape: .text, lowerIsBetter: false, parameters: []
    ) { d, _ in try Metrics.pointInBoxF1(try d.encodedRows()) },
  ]
}

extension MetricData {
  func encodedRows() throws -> EncodedRows {
    guard case .encoded(let rows) = self else {
      throw DojoError(
        .graderError,
        "the metric expected encoded masks or boxes but was given other data; a Dojo bug")
    }
    return rows
  }
}
