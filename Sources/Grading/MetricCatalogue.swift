public import DojoCore

/// The shape of data a metric reads: what the answers hold and what the submission must hold.
public enum MetricShape: String, Sendable, CaseIterable {
  /// A label column against a predicted label column (accuracy, F1, MCC, QWK...).
  case label
  /// A binary label column against the predicted probability of the positive label, one
  /// column per target (ROC-AUC, binary log loss).
  case probability
  /// A class label column against one probability column per class (multiclass log loss).
  case classProbabilities = "class_probabilities"
  /// A numeric column against a numeric prediction (RMSE, MAE, R², correlations...).
  case value
  /// Several numeric target columns against as many numeric predictions (MCRMSE...).
  case values
  /// A label (or a space-separated set of relevant items) against a space-separated ranked
  /// list of predictions (MAP@K, NDCG@K).
  case ranking
  /// Free text against free text (Jaccard, Levenshtein).
  case text
  /// The named answers and submission columns as text, for metrics that read several columns
  /// their own way (orderings, spans, directions, subgroups); each checks its cells and names
  /// the offending row. The submission holds the targets that are not answers-only columns.
  case columns
}

/// One parameter a metric accepts in its manifest spec.
public struct MetricParameter: Sendable, Equatable {
  /// The kinds of value a parameter takes; each is checked when the spec is resolved.
  public enum Kind: String, Sendable {
    /// A label as it appears in the answers (`positive: yes`).
    case label
    /// A whole number of at least 1 (`k: 3`).
    case positiveInteger = "positive integer"
    /// A number strictly between 0 and 0.5 (`eps: 1e-15`), or `auto`: the machine epsilon of
    /// a double, 2⁻⁵² (scikit-learn's `eps="auto"`, which Kaggle's log-loss pages use).
    case epsilon = "number between 0 and 0.5, or auto"
    /// A list of column names (`columns: [toxic, obscene]`).
    case columns = "list of column names"
    /// Non-negative numbers per target column, as a list in target order or a map by column.
    case weights = "list or map of non-negative numbers"
    /// One column name (`weight_column: weight`).
    case column = "column name"
    /// `true` or `false` (`normalize: false`).
    case flag = "true or false"
    /// An image side in pixels (`height: 101`).
    case side = "whole number from 1 to 1048576"
    /// A number above 0 (`beta: 0.5`).
    case positiveNumber = "number above 0"
    /// A number from 0 to 1 (`both_empty: 1`).
    case unitNumber = "number from 0 to 1"
    /// Ascending numbers strictly between 0 and 1 (`iou_thresholds: [0.4]`).
    case thresholds = "list of ascending numbers between 0 and 1"
    /// A ``BoxFormat`` name (`box_format: label_score_corners`).
    case boxFormat = "box format (label_score_corners or score_xywh)"
    /// A whole number of at least 1, stored by name (`max_detections: 100`).
    case count = "whole number of at least 1"
    /// One answers column the submission leaves out (`filter_column: min_ANNmuon`).
    case answerColumn = "answers column name"
    /// Answers columns the submission leaves out (`subgroups: [male, female]`).
    case answerColumns = "list of answers column names"
    /// A finite number (`filter_above: 0.4`).
    case number = "number"
    /// A list of finite numbers (`tpr_bands: [0, 0.4, 1]`).
    case numbers = "list of numbers"
  }
  /// The key in the metric spec.
  public let name: String
  /// The kind of value it takes.
  public let kind: Kind
  /// Whether the spec must give it.
  public let required: Bool
  /// What the parameter means.
  public let summary: String
}

/// A metric's checked parameters.
public struct MetricParameters: Sendable, Equatable {
  /// The positive label (`positive`).
  public var positive: String?
  /// The cut-off of ranking metrics (`k`).
  public var k: Int?
  /// The target columns of a multi-column binary metric (`columns`).
  public var columns: [String]?
  /// The probability clipping bound (`eps`).
  public var eps: Double?
  /// Per-column weights (`weights`), as a list in target order or by column name.
  public var weights: Weights?
  /// An answers column of per-row weights that the submission does not hold (`weight_column`).
  public var weightColumn: String?
  /// An answers column whose values group the rows, not in the submission (`group_column`).
  public var groupColumn: String?
  /// A submission column of per-row confidences that the answers do not hold
  /// (`confidence_column`).
  public var confidenceColumn: String?
  /// Whether a distance is divided by the longer length (`normalize`, default true).
  public var normalize: Bool?
  /// Every image's height and width in pixels (`height`, `width`).
  public var imageHeight: Int?
  public var imageWidth: Int?
  /// Answers columns of per-image heights and widths (`height_column`, `width_column`).
  public var heightColumn: String?
  public var widthColumn: String?
  /// F-beta's beta (`beta`).
  public var beta: Double?
  /// An image's score when neither side marks anything (`both_empty`).
  public var bothEmpty: Double?
  /// IoU thresholds (`iou_thresholds`).
  public var iouThresholds: [Double]?
  /// How prediction strings spell boxes (`box_format`).
  public var boxFormat: BoxFormat?
  /// Detections kept per image and category (`max_detections`).
  public var maxDetections: Int?

  /// `eps: auto`: the gap between 1 and the next double, as NumPy's `finfo(float64).eps`.
  public static let machineEpsilon = Double.ulpOfOne
  /// Every parameter as the spec gives it, once checked against its kind; metrics of the
  /// ``MetricShape/columns`` shape read theirs from here.
  public var raw: [String: ManifestValue] = [:]

  /// The answers columns the metric reads besides the scored targets; the submission
  /// leaves them out.
  public var answerOnlyColumns: [String] {
    [weightColumn, groupColumn, heightColumn, widthColumn].compactMap { $0 }
      + columnMetricAnswerColumns
  }

  /// Per-column weights as the manifest gives them.
  public enum Weights: Sendable, Equatable {
    case list([Double])
    case byColumn([String: Double])
  }

  public init(
    positive: String? = nil, k: Int? = nil, columns: [String]? = nil, eps: Double? = nil,
    weights: Weights? = nil
  ) {
    self.positive = positive
    self.k = k
    self.columns = columns
    self.eps = eps
    self.weights = weights
  }
}

/// A catalogue entry: a metric's name, definition, direction, input shape and parameters.
public struct MetricDefinition: Sendable {
  /// The name manifests use (`accuracy`, `roc_auc`, `map@k`...).
  public let name: String
  /// The definition in one line; the full one, with its source, is on the function in
  /// ``Metrics``.
  public let summary: String
  /// What the metric reads.
  public let shape: MetricShape
  /// Whether a lower score is better.
  public let lowerIsBetter: Bool
  /// The parameters it accepts.
  public let parameters: [MetricParameter]
  let compute: @Sendable (MetricData, MetricParameters) throws -> Double
  /// Checks the parameters together (band edges against their weights), beyond each one's
  /// kind; throws `.invalidManifest`.
  var checkParameters: (@Sendable (MetricParameters) throws -> Void)? = nil
}

/// A metric spec resolved against the catalogue: the entry plus checked parameters.
public struct ResolvedMetric: Sendable {
  /// The catalogue entry.
  public let definition: MetricDefinition
  /// The checked parameters (`k` filled in from a `map@3` shorthand).
  public let parameters: MetricParameters

  /// The catalogue name.
  public var name: String { definition.name }

  /// Computes the metric on data of its shape.
  ///
  /// - Throws: ``DojoError`` `.graderError` when the metric is undefined on the data (ROC-AUC
  ///   with one class present, a correlation with a constant side...), saying why.
  public func evaluate(_ data: MetricData) throws -> Double {
    let value = try definition.compute(data, parameters)
    guard value.isFinite else {
      throw DojoError(
        .graderError, "\(name) came out as \(value) on this data; the metric is undefined here")
    }
    return value
  }
}

/// The metric catalogue: every metric a manifest can name.
public enum MetricCatalogue {
  private static let positive = MetricParameter(
    name: "positive", kind: .label, required: false,
    summary: "the positive label (default: 1, true or yes when present, else the greater label)")
  private static let eps = MetricParameter(
    name: "eps", kind: .epsilon, required: false,
    summary:
      "probabilities are clipped to [eps, 1-eps] (default 1e-15; auto: machine epsilon, 2^-52)")
  private static let columns = MetricParameter(
    name: "columns", kind: .columns, required: false,
    summary: "binary target columns; the score is the mean over them")
  private static let k = MetricParameter(
    name: "k", kind: .positiveInteger, required: true,
    summary: "how many ranked predictions count (`map@3` is shorthand for k: 3)")
  private static let weights = MetricParameter(
    name: "weights", kind: .weights, required: true,
    summary: "one non-negative weight per target column")
  private static let weightColumn = MetricParameter(
    name: "weight_column", kind: .column, required: false,
    summary: "an answers target holding each row's weight; the submission leaves it out")
  private static let groupColumn = MetricParameter(
    name: "group_column", kind: .column, required: true,
    summary: "an answers target whose value groups the rows; the submission leaves it out")
  private static let confidenceColumn = MetricParameter(
    name: "confidence_column", kind: .column, required: true,
    summary: "a submission column, besides the target, holding each row's confidence")
  private static let weightNormalize = MetricParameter(
    name: "normalize", kind: .flag, required: false,
    summary:
      "with weight_column, divide by the sum of the weights (true, default) or by the row count")
  private static let normalize = MetricParameter(
    name: "normalize", kind: .flag, required: false,
    summary: "divide each distance by the longer text's length (default true)")

  private static func entry(
    _ name: String, _ shape: MetricShape, lower: Bool, _ summary: String,
    _ compute: @escaping @Sendable (MetricData, MetricParameters) throws -> Double
  ) -> MetricDefinition {
    entry(name, shape, lower: lower, [], summary, compute)
  }

  private static func entry(
    _ name: String, _ shape: MetricShape, lower: Bool, _ parameters: [MetricParameter],
    _ summary: String,
    _ compute: @escaping @Sendable (MetricData, MetricParameters) throws -> Double
  ) -> MetricDefinition {
    MetricDefinition(
      name: name, summary: summary, shape: shape, lowerIsBetter: lower, parameters: parameters,
      compute: compute)
  }

  private static func value(
    _ f: @escaping @Sendable ([Double], [Double]) throws -> Double
  ) -> @Sendable (MetricData, MetricParameters) throws -> Double {
    { data, _ in
      let (t, p) = try data.pooledValues()
      return try f(t, p)
    }
  }

  /// Value metrics that accept several target columns by pooling every cell into one
  /// sample, as Kaggle scores multi-output RMSE, RMSLE and MAE (not the mean of per-column
  /// scores: that is `mcrmse` / `mean_columnwise_rmsle`).
  public static let poolsColumns: Set<String> = ["rmse", "rmsle", "mae"]

  /// Every metric, in catalogue order.
  public static let all: [MetricDefinition] = tabularMetrics + columnEntries + imageMetrics

  /// The metrics of tables: labels, probabilities, values, rankings and texts.
  static let tabularMetrics: [MetricDefinition] = [
    entry("accuracy", .label, lower: false, "share of rows whose label is right") { d, _ in
      try Metrics.accuracy(try d.labels())
    },
    entry(
      "balanced_accuracy", .label, lower: false, "mean recall over the true classes (scikit-learn)"
    ) { d, _ in try Metrics.balancedAccuracy(try d.labels()) },
    entry(
      "roc_auc", .probability, lower: false, [positive, columns],
      "area under the ROC curve, ties averaged (scikit-learn); mean over `columns`"
    ) { d, _ in try Metrics.meanOverColumns(try d.probabilities(), Metrics.rocAUC) },
    entry(
      "log_loss", .probability, lower: true, [positive, eps],
      "binary cross-entropy of the positive-label probability (scikit-learn)"
    ) { d, p in
      try Metrics.meanOverColumns(try d.probabilities()) {
        try Metrics.logLoss(truth: $0, probability: $1, eps: p.eps ?? 1e-15)
      }
    },
    entry(
      "multiclass_log_loss", .classProbabilities, lower: true, [eps],
      "cross-entropy over one probability column per class; rows rescaled to sum 1, then clipped"
    ) { d, p in
      let (truth, probabilities) = try d.classProbabilities()
      return try Metrics.multiclassLogLoss(
        truth: truth, probabilities: probabilities, eps: p.eps ?? 1e-15)
    },
    entry("f1", .label, lower: false, [positive], "F1 of the positive label (scikit-learn)") {
      d, _ in try Metrics.f1(try d.labels(), positive: try d.positiveLabel())
    },
    entry("f1_macro", .label, lower: false, "unweighted mean of per-class F1 (scikit-learn)") {
      d, _ in try Metrics.f1(try d.labels(), average: .macro)
    },
    entry("f1_micro", .label, lower: false, "F1 of pooled counts (scikit-learn)") { d, _ in
      try Metrics.f1(try d.labels(), average: .micro)
    },
    entry(
      "f1_weighted", .label, lower: false, "per-class F1 weighted by true support (scikit-learn)"
    ) { d, _ in try Metrics.f1(try d.labels(), average: .weighted) },
    entry("precision", .label, lower: false, [positive], "precision of the positive label") {
      d, _ in try Metrics.precision(try d.labels(), positive: try d.positiveLabel())
    },
    entry("recall", .label, lower: false, [positive], "recall of the positive label") { d, _ in
      try Metrics.recall(try d.labels(), positive: try d.positiveLabel())
    },
    entry("mcc", .label, lower: false, "Matthews correlation coefficient (scikit-learn)") {
      d, _ in try Metrics.mcc(try d.labels())
    },
    entry("qwk", .label, lower: false, "quadratic weighted Cohen's kappa (scikit-learn)") {
      d, _ in try Metrics.quadraticWeightedKappa(try d.labels())
    },
    entry("rmse", .value, lower: true, "root mean squared error", value(Metrics.rmse)),
    entry("rmsle", .value, lower: true, "RMSE of log(1 + x)", value(Metrics.rmsle)),
    entry(
      "mae", .value, lower: true, [weightColumn, weightNormalize],
      "mean absolute error; with `weight_column` weighted per row (scikit-learn sample_weight)"
    ) { d, p in
      if case .annotated(let a) = d {
        return try Metrics.mae(
          a.truth, a.predicted, weights: try a.requireWeights(),
          overRows: p.normalize == false)
      }
      let (t, p) = try d.pooledValues()
      return try Metrics.mae(t, p)
    },
    entry("medae", .value, lower: true, "median absolute error", value(Metrics.medae)),
    entry("mape", .value, lower: true, "mean absolute percentage error", value(Metrics.mape)),
    entry("smape", .value, lower: true, "symmetric MAPE in percent (Kaggle)", value(Metrics.smape)),
    entry("r2", .value, lower: false, "coefficient of determination", value(Metrics.r2)),
    entry("mcrmse", .values, lower: true, "mean over target columns of the RMSE") { d, _ in
      let (t, p) = try d.values()
      return try Metrics.meanColumnwise(t, p, Metrics.rmse)
    },
    entry(
      "mean_columnwise_rmsle", .values, lower: true, "mean over target columns of the RMSLE"
    ) { d, _ in
      let (t, p) = try d.values()
      return try Metrics.meanColumnwise(t, p, Metrics.rmsle)
    },
    entry(
      "map@k", .ranking, lower: false, [k], "mean average precision at k (Kaggle's apk/mapk)"
    ) { d, p in
      let (t, r) = try d.rankings()
      return try Metrics.meanAveragePrecision(truth: t, predicted: r, k: p.k ?? 1)
    },
    entry("ndcg@k", .ranking, lower: false, [k], "normalized discounted cumulative gain at k") {
      d, p in
      let (t, r) = try d.rankings()
      return try Metrics.ndcg(truth: t, predicted: r, k: p.k ?? 1)
    },
    entry("spearman", .value, lower: false, "Spearman rank correlation", value(Metrics.spearman)),
    entry("pearson", .value, lower: false, "Pearson correlation", value(Metrics.pearson)),
    entry("kendall_tau", .value, lower: false, "Kendall's tau-b", value(Metrics.kendallTau)),
    entry(
      "normalized_gini", .value, lower: false, "Gini of the prediction over Gini of the truth",
      value(Metrics.normalizedGini)),
    entry("jaccard", .text, lower: false, "mean word-level Jaccard similarity (Kaggle)") {
      d, _ in
      let (t, p) = try d.texts()
      return try Metrics.jaccard(t, p)
    },
    entry(
      "levenshtein", .text, lower: true, [normalize],
      "mean Levenshtein distance, normalized by the longer text unless `normalize: false`"
    ) { d, p in
      let (t, pr) = try d.texts()
      return try Metrics.levenshtein(t, pr, normalized: p.normalize ?? true)
    },
    entry(
      "weighted_mae", .values, lower: true, [weights], "per-column MAE, averaged with weights"
    ) { d, p in
      let (t, pr) = try d.values()
      return try Metrics.weightedMAE(t, pr, weights: try d.columnWeights(p.weights))
    },
    entry(
      "multilabel_f1_micro", .ranking, lower: false,
      "micro F1 over space-separated label sets; labels absent from the answers are ignored"
    ) { d, _ in
      let (t, r) = try d.rankings()
      return try Metrics.multilabelMicroF1(truth: t, predicted: r)
    },
    entry(
      "multilabel_f1_samples", .ranking, lower: false,
      "per-row F1 between the predicted and true label sets, averaged (1 when both are empty)"
    ) { d, _ in
      let (t, r) = try d.rankings()
      return try Metrics.multilabelSamplesF1(truth: t, predicted: r)
    },
    entry(
      "top1_error", .ranking, lower: true,
      "share of rows whose first predicted label is not a true one (1 - accuracy)"
    ) { d, _ in
      let (t, r) = try d.rankings()
      return try Metrics.topOneError(truth: t, predicted: r)
    },
    entry(
      "mean_columnwise_spearman", .values, lower: false,
      "mean over target columns of the Spearman rank correlation"
    ) { d, _ in
      let (t, p) = try d.values()
      return try Metrics.meanColumnwise(t, p, Metrics.spearman)
    },
    entry(
      "rmspe", .value, lower: true, "root mean squared percentage error over non-zero answers",
      value(Metrics.rmspe)),
    entry(
      "balanced_log_loss", .classProbabilities, lower: true, [eps],
      "each class's mean log loss over its rows, averaged over the classes (Kaggle ICR)"
    ) { d, p in
      let (truth, probabilities) = try d.classProbabilities()
      return try Metrics.balancedLogLoss(
        truth: truth, probabilities: probabilities, eps: p.eps ?? 1e-15)
    },
    entry(
      "kl_divergence", .values, lower: true, [eps],
      "Kullback-Leibler divergence from per-row normalized answers to the predicted rows"
    ) { d, p in
      let (t, pr) = try d.values()
      return try Metrics.klDivergence(truth: t, predicted: pr, eps: p.eps ?? 1e-15)
    },
    entry(
      "laplace_log_likelihood", .value, lower: false, [confidenceColumn],
      "mean Laplace log likelihood with the confidence clipped at 70 and the error at 1000"
    ) { d, _ in
      let a = try d.annotatedValues()
      guard let confidence = a.confidence else {
        throw DojoError(.graderError, "laplace_log_likelihood needs a confidence column")
      }
      return try Metrics.laplaceLogLikelihood(
        truth: a.truth, predicted: a.predicted, confidence: confidence)
    },
    entry(
      "mean_group_log_mae", .value, lower: true, [groupColumn],
      "log of each group's MAE (floored at 1e-9), averaged over the groups (Kaggle CHAMPS)"
    ) { d, _ in
      let a = try d.annotatedValues()
      guard let groups = a.groups else {
        throw DojoError(.graderError, "mean_group_log_mae needs a group column")
      }
      return try Metrics.meanGroupLogMAE(truth: a.truth, predicted: a.predicted, groups: groups)
    },
  ]

  private static let byName: [String: MetricDefinition] = Dictionary(
    uniqueKeysWithValues: all.map { ($0.name, $0) })

  /// Every catalogue name, in catalogue order.
  public static var names: [String] { all.map(\.name) }

  /// The entry for a name; `map@3` and `ndcg@5` find `map@k` and `ndcg@k`.
  public static func definition(named name: String) -> MetricDefinition? {
    if let d = byName[name] { return d }
    if let (base, _) = shorthand(name) { return byName[base] }
    return nil
  }

  /// The positive label a binary metric uses when the spec gives none: `1`, `true` or `yes`
  /// when one of the labels is spelled so, else the greater of exactly two labels; nil when
  /// neither rule applies (then the spec must say `positive`).
  public static func defaultPositiveLabel(among labels: Set<String>) -> String? {
    MetricData.defaultPositiveLabel(among: labels)
  }

  /// `map@3` → (`map@k`, 3).
  private static func shorthand(_ name: String) -> (String, Int)? {
    guard let at = name.firstIndex(of: "@"), let k = Int(name[name.index(after: at)...]) else {
      return nil
    }
    let base = String(name[..<at]) + "@k"
    return byName[base] == nil ? nil : (base, k)
  }

  /// Checks a metric spec against the catalogue: the name, every parameter's presence,
  /// spelling and type.
  ///
  /// - Throws: ``DojoError`` `.invalidManifest` naming the unknown metric or the parameter
  ///   that is unknown, missing or of the wrong type.
  public static func resolve(_ spec: Manifest.MetricSpec) throws -> ResolvedMetric {
    guard let definition = definition(named: spec.name) else {
      throw DojoError(
        .invalidManifest,
        "metric \"\(spec.name)\" is not in the catalogue; use one of \(names.joined(separator: ", "))"
      )
    }
    var raw = spec.parameters
    if let (_, k) = shorthand(spec.name) {
      if let given = raw["k"], given.integer != k {
        throw DojoError(
          .invalidManifest,
          "metric \(spec.name): parameter k is \(given) but the name says \(k); drop one")
      }
      raw["k"] = .scalar(String(k))
    }
    let allowed = Set(definition.parameters.map(\.name))
    if let unknown = raw.keys.sorted().first(where: { !allowed.contains($0) }) {
      let list = definition.parameters.isEmpty ? "none" : allowed.sorted().joined(separator: ", ")
      throw DojoError(
        .invalidManifest,
        "metric \(definition.name): unknown parameter \"\(unknown)\" (it takes \(list))")
    }
    var p = MetricParameters()
    p.raw = raw
    for parameter in definition.parameters {
      guard let value = raw[parameter.name] else {
        if parameter.required {
          throw DojoError(
            .invalidManifest,
            "metric \(definition.name): needs parameter \(parameter.name) (\(parameter.summary))")
        }
        continue
      }
      let wrong = DojoError(
        .invalidManifest,
        "metric \(definition.name): parameter \(parameter.name) must be a \(parameter.kind.rawValue) (got \(value))"
      )
      switch parameter.kind {
      case .label:
        guard case .scalar(let s) = value else { throw wrong }
        p.positive = s
      case .positiveInteger:
        guard let n = value.integer, n >= 1 else { throw wrong }
        p.k = n
      case .epsilon:
        if case .scalar("auto") = value {
          p.eps = MetricParameters.machineEpsilon
          continue
        }
        guard let e = value.number, e > 0, e < 0.5 else { throw wrong }
        p.eps = e
      case .columns:
        guard case .list(let items) = value, !items.isEmpty else { throw wrong }
        var names: [String] = []
        for item in items {
          guard case .scalar(let s) = item else { throw wrong }
          names.append(s)
        }
        p.columns = names
      case .weights:
        switch value {
        case .list(let items):
          let numbers = items.compactMap(\.number)
          guard numbers.count == items.count, !numbers.isEmpty, numbers.allSatisfy({ $0 >= 0 })
          else { throw wrong }
          p.weights = .list(numbers)
        case .map(let m):
          var byColumn: [String: Double] = [:]
          for (key, v) in m {
            guard let n = v.number, n >= 0 else { throw wrong }
            byColumn[key] = n
          }
          guard !byColumn.isEmpty else { throw wrong }
          p.weights = .byColumn(byColumn)
        case .scalar: throw wrong
        }
      case .column:
        guard case .scalar(let s) = value, !s.isEmpty else { throw wrong }
        switch parameter.name {
        case "weight_column": p.weightColumn = s
        case "group_column": p.groupColumn = s
        case "height_column": p.heightColumn = s
        case "width_column": p.widthColumn = s
        default: p.confidenceColumn = s
        }
      case .flag:
        guard case .scalar(let s) = value, let b = Bool(s.lowercased()) else { throw wrong }
        p.normalize = b
      case .side:
        guard let n = value.integer, n >= 1, n <= ImageSize.maxSide else { throw wrong }
        if parameter.name == "height" { p.imageHeight = n } else { p.imageWidth = n }
      case .positiveNumber:
        guard let x = value.number, x > 0, x.isFinite else { throw wrong }
        p.beta = x
      case .unitNumber:
        guard let x = value.number, x >= 0, x <= 1 else { throw wrong }
        p.bothEmpty = x
      case .thresholds:
        guard case .list(let items) = value, !items.isEmpty, items.count <= 1000 else {
          throw wrong
        }
        let numbers = items.compactMap(\.number)
        guard numbers.count == items.count, numbers.allSatisfy({ $0 > 0 && $0 < 1 }),
          zip(numbers, numbers.dropFirst()).allSatisfy({ $0 < $1 })
        else { throw wrong }
        p.iouThresholds = numbers
      case .boxFormat:
        guard case .scalar(let s) = value, let f = BoxFormat(rawValue: s) else { throw wrong }
        p.boxFormat = f
      case .count:
        guard let n = value.integer, n >= 1 else { throw wrong }
        p.maxDetections = n
      case .answerColumn:
        guard case .scalar(let s) = value, !s.isEmpty else { throw wrong }
      case .answerColumns:
        guard case .list(let items) = value, !items.isEmpty,
          items.allSatisfy({ ($0.scalarText ?? "").isEmpty == false })
        else { throw wrong }
      case .number:
        guard value.number?.isFinite == true else { throw wrong }
      case .numbers:
        guard case .list(let items) = value, !items.isEmpty,
          items.allSatisfy({ $0.number?.isFinite == true })
        else { throw wrong }
      }
    }
    try definition.checkParameters?(p)
    return ResolvedMetric(definition: definition, parameters: p)
  }
}
