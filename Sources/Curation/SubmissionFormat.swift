internal import DojoCore
internal import Foundation
internal import Grading
internal import Tabular

/// The submission's shape for a task and the default row of its sample submission, as the
/// grading catalogue defines them (`SubmissionLayout`): prepare and the grader share one
/// definition, so a sample submission always fits the grader.
struct SubmissionFormat {
  let columns: [String]
  let classes: [String]?
  let lowerIsBetter: Bool
  let defaults: [String]
  /// The metric spec and its targets: some metrics' sample rows are each answers row's own.
  let metric: Manifest.MetricSpec
  let targets: [String]

  /// - Parameter trainTargets: each target column's values on the training side.
  init(manifest: Manifest, answers: Table, trainTargets: [CodedColumn]) throws {
    metric = manifest.metric
    targets = manifest.answers.targets
    let resolved = try MetricCatalogue.resolve(manifest.metric)
    lowerIsBetter = manifest.metric.lowerIsBetter ?? resolved.definition.lowerIsBetter
    switch resolved.definition.shape {
    case .classProbabilities where manifest.answers.targets.count > 1:
      classes = manifest.answers.targets  // one-hot answers: the columns are the classes
    case .label where manifest.answers.openLabels:
      classes = nil  // an open-ended target: any label may be right, none is listed
    case .probability where manifest.answers.openLabels,
      .classProbabilities where manifest.answers.openLabels:
      throw DojoError(
        .invalidManifest,
        "answers.open_labels: \(resolved.name) scores a fixed set of classes; drop open_labels")
    case .label, .probability, .classProbabilities:
      if let declared = manifest.answers.classes {
        classes = declared
      } else {
        // Classes seen on either side, sorted as scikit-learn sorts labels.
        var seen = trainTargets.first?.valueSet() ?? []
        if let first = manifest.answers.targets.first, let c = answers.index(of: first) {
          for row in 0..<answers.rowCount { seen.insert(answers.string(row: row, column: c)) }
        }
        classes = LabelOrder.sorted(Array(seen))
      }
    default:
      classes = manifest.answers.classes
    }
    if let perId = manifest.submission?.rowsPerId, perId > 1, resolved.definition.shape != .ranking
    {
      throw DojoError(
        .invalidManifest,
        "submission.rows_per_id: \(resolved.name) is not a ranked-list metric; several rows per id only make sense for one (map@k, ndcg@k)"
      )
    }
    columns = try SubmissionLayout.layout(
      for: manifest.metric, answers: manifest.answers, classes: classes)
    if trainTargets.isEmpty || trainTargets.allSatisfy(\.isEmpty) {
      // A script split gives no training targets; its script writes the sample itself.
      defaults = []
    } else {
      defaults = try SubmissionLayout.defaultPrediction(
        for: manifest.metric, answers: manifest.answers, classes: classes, train: trainTargets)
    }
  }

  /// Writes every answer id with the default row.
  func writeSample(answers: Table, idColumn: String, to url: URL) throws {
    guard let idIndex = answers.index(of: idColumn) else {
      throw DojoError(.invalidData, "private/answers.csv has no id column \"\(idColumn)\"")
    }
    guard defaults.count == columns.count else {
      throw DojoError(
        .invalidData,
        "no sample submission: the split gave no training targets to derive defaults from; a script split must write public/sample_submission.csv"
      )
    }
    let sink = try RowSink(url: url, header: [idColumn] + columns)
    // An ordering metric's row lists the row's own items (sorted, which tells nothing).
    let ownRows =
      targets.count == 1 && SubmissionLayout.rowDefault(for: metric, answers: [""]) != nil
      ? answers.index(of: targets[0]) : nil
    if let ownRows {
      for row in 0..<answers.rowCount {
        let own = SubmissionLayout.rowDefault(
          for: metric, answers: [answers.string(row: row, column: ownRows)])
        try sink.append([answers.string(row: row, column: idIndex)] + (own ?? defaults))
      }
    } else {
      // Every row is its id and the same default: encoded once, the ids copied as bytes.
      let rest = CSVWriter.encodedFields(defaults)
      try rest.withUnsafeBufferPointer { rest in
        for row in 0..<answers.rowCount {
          try answers.withFieldBytes(row: row, column: idIndex) {
            try sink.append(fieldBytes: $0, encodedRest: rest)
          }
        }
      }
    }
    try sink.finish()
  }
}
