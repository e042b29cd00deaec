internal import DojoCore
internal import Foundation

/// The catalogue entries of the ``MetricShape/columns`` metrics: each reads its named columns,
/// refuses a bad submitted cell with its line, and computes a function of ``Metrics``.
extension MetricCatalogue {
  /// Metrics whose every row is an ordering of the row's own items.
  static let orderingMetrics: Set<String> = ["kendall_tau_orderings", "mean_spearman_orderings"]

  private static let tprBands = MetricParameter(
    name: "tpr_bands", kind: .numbers, required: true,
    summary: "the TPR band edges, increasing from 0 to 1 (`[0, 0.4, 1]`)")
  private static let bandWeights = MetricParameter(
    name: "weights", kind: .weights, required: true,
    summary: "one non-negative weight per TPR band, as a list")
  private static let filterColumn = MetricParameter(
    name: "filter_column", kind: .answerColumn, required: false,
    summary: "an answers target; only rows whose value is above filter_above are scored")
  private static let filterAbove = MetricParameter(
    name: "filter_above", kind: .number, required: false,
    summary: "with filter_column, the value a scored row's must exceed")
  private static let subgroups = MetricParameter(
    name: "subgroups", kind: .answerColumns, required: true,
    summary: "answers targets marking each identity subgroup (0.5 or more: in the subgroup)")
  private static let power = MetricParameter(
    name: "power", kind: .number, required: false,
    summary: "the power of the generalized mean of subgroup AUCs (default -5)")
  private static let groupColumn = MetricParameter(
    name: "group_column", kind: .column, required: true,
    summary: "an answers target whose value groups the rows; the submission leaves it out")
  private static let groupWeights = MetricParameter(
    name: "weights", kind: .weights, required: true,
    summary: "each group value's weight, as a map (`{grapheme_root: 2, ...}`)")

  private static func columnEntry(
    _ name: String, lower: Bool, parameters: [MetricParameter] = [], _ summary: String,
    check: (@Sendable (MetricParameters) throws -> Void)? = nil,
    _ compute: @escaping @Sendable (NamedColumns, MetricParameters) throws -> Double
  ) -> MetricDefinition {
    var d = MetricDefinition(
      name: name, summary: summary, shape: .columns, lowerIsBetter: lower,
      parameters: parameters, compute: { data, p in try compute(try data.namedColumns(), p) })
    d.checkParameters = check
    return d
  }

  /// The ``MetricShape/columns`` entries, in catalogue order.
  static let columnEntries: [MetricDefinition] = [
    columnEntry(
      "kendall_tau_orderings", lower: false,
      "Kendall's τ of per-row orderings, inversions pooled over rows (Kaggle AI4Code)"
    ) { c, _ in
      let (t, p) = try c.permutations("kendall_tau_orderings")
      return try Metrics.kendallTauOrderings(truth: t, predicted: p)
    },
    columnEntry(
      "mean_spearman_orderings", lower: false,
      "mean over rows of the Spearman correlation of the true and predicted number sequences"
    ) { c, _ in
      let (t, p) = try c.permutations("mean_spearman_orderings")
      let column = try c.single("mean_spearman_orderings")
      func numbers(_ rows: [[String]]) throws -> [[Double]] {
        try rows.enumerated().map { i, row in
          try row.map {
            guard let v = ValueChecker.parse($0), v.isFinite else {
              throw DojoError(
                .graderError, "answers row \(i + 2): column \"\(column)\" holds a non-number")
            }
            return v
          }
        }
      }
      return try Metrics.meanSpearmanOrderings(truth: numbers(t), predicted: numbers(p))
    },
    columnEntry(
      "weighted_auc", lower: false, parameters: [tprBands, bandWeights, filterColumn, filterAbove],
      "ROC-AUC with TPR bands weighted (ALASKA2, Flavours of Physics); optional row filter",
      check: checkBands
    ) { c, p in
      let column = try c.single("weighted_auc")
      var truth = try c.answerBinary(column, metric: "weighted_auc")
      var scores = try c.submittedNumbers(column)
      if let filter = p.raw["filter_column"].flatMap(\.scalarText) {
        let threshold = p.raw["filter_above"]?.number ?? 0
        let values = try c.answerNumbers(filter)
        let kept = values.indices.filter { values[$0] > threshold }
        truth = kept.map { truth[$0] }
        scores = kept.map { scores[$0] }
      }
      return try Metrics.weightedAUC(
        truth: truth, scores: scores, bands: p.raw["tpr_bands"]?.numbers ?? [0, 1],
        weights: p.weights.flatMap(\.list) ?? [1])
    },
    columnEntry(
      "sequence_edit_distance", lower: true,
      "Levenshtein distances of token sequences summed, over the number of true tokens"
    ) { c, _ in
      let (t, p) = try c.integerSequences("sequence_edit_distance")
      return try Metrics.sequenceEditDistance(truth: t, predicted: p)
    },
    columnEntry(
      "bias_auc", lower: false, parameters: [subgroups, power],
      "Jigsaw's bias-weighted AUC: overall AUC with subgroup, BPSN and BNSP power means"
    ) { c, p in
      let column = try c.single("bias_auc")
      let truth = try c.answerBinary(column, metric: "bias_auc", threshold: 0.5)
      let scores = try c.submittedNumbers(column)
      let groups = try (p.raw["subgroups"]?.scalarList ?? []).map {
        (name: $0, member: try c.answerBinary($0, metric: "bias_auc", threshold: 0.5, empty: true))
      }
      return try Metrics.biasAUC(
        truth: truth, scores: scores, subgroups: groups, power: p.raw["power"]?.number ?? -5)
    },
    columnEntry(
      "haversine_p50_p95", lower: true, parameters: [groupColumn],
      "per group (phone trip), mean of the 50th and 95th percentile haversine errors in metres"
    ) { c, p in
      let columns = try c.scored("haversine_p50_p95", count: 2, roles: "latitude, longitude")
      let latitude: (Double) -> String? = {
        abs($0) <= 90 ? nil : "is not a latitude in degrees (between -90 and 90)"
      }
      let tLat = try c.answerNumbers(columns[0])
      let tLon = try c.answerNumbers(columns[1])
      let pLat = try c.submittedNumbers(columns[0], latitude)
      let pLon = try c.submittedNumbers(columns[1])
      return try Metrics.meanTripHaversinePercentiles(
        truth: Array(zip(tLat, tLon)).map { (latitude: $0.0, longitude: $0.1) },
        predicted: Array(zip(pLat, pLon)).map { (latitude: $0.0, longitude: $0.1) },
        trips: try c.answers(p.groupColumn ?? ""))
    },
    columnEntry(
      "hierarchical_macro_recall", lower: false, parameters: [groupColumn, groupWeights],
      "macro recall per group (component), averaged with weights (Bengali.AI: 2, 1, 1)",
      check: checkGroupWeights
    ) { c, p in
      let column = try c.single("hierarchical_macro_recall")
      guard case .byColumn(let weights)? = p.weights else {
        throw DojoError(.graderError, "hierarchical_macro_recall needs weights by group")
      }
      return try Metrics.hierarchicalMacroRecall(
        truth: try c.answers(column), predicted: try c.submitted(column),
        groups: try c.answers(p.groupColumn ?? ""), weights: weights)
    },
    columnEntry(
      "lwlrap", lower: false,
      "label-weighted label-ranking average precision over one score column per class"
    ) { c, _ in
      let truth = try c.submissionColumns.map { try c.answerBinary($0, metric: "lwlrap") }
      let scores = try c.submissionColumns.map { try c.submittedNumbers($0) }
      return try Metrics.lwlrap(truth: truth, scores: scores)
    },
    columnEntry(
      "mean_angular_error", lower: true,
      "mean angle in radians between true and predicted (azimuth, zenith) directions"
    ) { c, _ in
      let columns = try c.scored("mean_angular_error", count: 2, roles: "azimuth, zenith")
      let t = zip(try c.answerNumbers(columns[0]), try c.answerNumbers(columns[1]))
      let p = zip(try c.submittedNumbers(columns[0]), try c.submittedNumbers(columns[1]))
      return try Metrics.meanAngularError(
        truth: t.map { (azimuth: $0.0, zenith: $0.1) },
        predicted: p.map { (azimuth: $0.0, zenith: $0.1) })
    },
    columnEntry(
      "span_micro_f1", lower: false,
      "micro F1 over the characters covered by `start end` spans (NBME)"
    ) { c, _ in
      let column = try c.single("span_micro_f1")
      let truth = try c.answers(column).enumerated().map { i, text in
        do throws(CharacterSpans.SpanError) {
          return try CharacterSpans.parse(text)
        } catch {
          throw DojoError(
            .graderError, "answers row \(i + 2): column \"\(column)\": \(error.message)")
        }
      }
      let texts = try c.submitted(column)
      var predicted = [[Range<Int>]](repeating: [], count: texts.count)
      try c.check(column) { i in
        do throws(CharacterSpans.SpanError) {
          predicted[i] = try CharacterSpans.parse(texts[i])
          return nil
        } catch {
          return "\"\(texts[i].prefix(80))\" \(error.message)"
        }
      }
      return try Metrics.spanMicroF1(truth: truth, predicted: predicted)
    },
  ]

  /// `tpr_bands` rise strictly from 0 to 1 and `weights` give one weight per band.
  @Sendable private static func checkBands(_ p: MetricParameters) throws {
    let bands = p.raw["tpr_bands"]?.numbers ?? []
    guard bands.count >= 2, bands.first == 0, bands.last == 1,
      zip(bands, bands.dropFirst()).allSatisfy({ $0 < $1 })
    else {
      throw DojoError(
        .invalidManifest,
        "metric weighted_auc: tpr_bands must rise strictly from 0 to 1, such as [0, 0.4, 1]")
    }
    guard case .list(let weights)? = p.weights, weights.count == bands.count - 1 else {
      throw DojoError(
        .invalidManifest,
        "metric weighted_auc: weights must be a list of one weight per band (\(bands.count - 1))")
    }
    if (p.raw["filter_column"] == nil) != (p.raw["filter_above"] == nil) {
      throw DojoError(
        .invalidManifest, "metric weighted_auc: filter_column and filter_above go together")
    }
  }

  /// `weights` name each group.
  @Sendable private static func checkGroupWeights(_ p: MetricParameters) throws {
    guard case .byColumn? = p.weights else {
      throw DojoError(
        .invalidManifest,
        "metric hierarchical_macro_recall: weights must map each group value to its weight, such as {grapheme_root: 2, vowel_diacritic: 1, consonant_diacritic: 1}"
      )
    }
  }
}

extension MetricParameters {
  /// The answers-only columns the ``MetricShape/columns`` metrics' parameters name (a row
  /// filter, identity subgroups).
  var columnMetricAnswerColumns: [String] {
    (raw["filter_column"].flatMap(\.scalarText).map { [$0] } ?? [])
      + (raw["slice_column"].flatMap(\.scalarText).map { [$0] } ?? [])
      + (raw["subgroups"]?.scalarList ?? [])
  }
}

extension MetricParameters.Weights {
  var list: [Double]? {
    if case .list(let w) = self { return w }
    return nil
  }
}

extension ManifestValue {
  /// The value as text, if it is a scalar.
  var scalarText: String? {
    if case .scalar(let s) = self { return s }
    return nil
  }

  /// The value as a list of texts, if it is a list of scalars.
  var scalarList: [String]? {
    guard case .list(let items) = self else { return nil }
    let texts = items.compactMap(\.scalarText)
    return texts.count == items.count ? texts : nil
  }
}
