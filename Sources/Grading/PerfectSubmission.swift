internal import DojoCore
public import Foundation
internal import Tabular

extension Grader {
  /// Writes the submission that scores perfectly: the answers in the submission's shape (the
  /// label itself, 1/0 for the positive label's probability, one-hot class probabilities,
  /// the relevant items as the ranked list). Validation grades it to show the answers earn
  /// gold; a task where they do not is broken.
  ///
  /// - Throws: ``DojoError`` `.graderError` when the answers cannot be read or mapped.
  public func writePerfectSubmission(to url: URL) throws {
    let table: Table
    do {
      table = try Table.read(answersURL)
    } catch let error as DojoError {
      throw DojoError(.graderError, "answers: \(error.message)")
    }
    guard let idColumn = table.index(of: task.idColumn) else {
      throw DojoError(.graderError, "answers have no id column \"\(task.idColumn)\"")
    }
    let columns = task.submissionColumns
    let truthNames = try SubmissionLayout.truthColumns(
      for: task.metric, answers: .init(id: task.idColumn, targets: task.targets))
    let truth = try truthNames.map { name -> Int in
      guard let i = table.index(of: name) else {
        throw DojoError(.graderError, "answers have no column \"\(name)\"")
      }
      return i
    }
    var positives: [String] = []
    if metric.definition.shape == .probability {
      positives = try truth.map { c in
        if let p = metric.parameters.positive { return p }
        var seen = Set(task.classes ?? [])
        for row in 0..<table.rowCount { seen.insert(table.string(row: row, column: c)) }
        return try MetricData.defaultPositive(among: seen)
      }
    }
    let writer = try CSVWriter(url: url)
    do {
      try writer.write(fields: [task.idColumn] + columns)
      for row in 0..<table.rowCount {
        var fields = [table.string(row: row, column: idColumn)]
        if MetricCatalogue.objectRowMetrics.contains(metric.name) {
          // One row per object, as the page's format has it; one empty row for none.
          let objects = table.string(row: row, column: truth[0])
            .split(separator: Metrics.objectSeparator).map(String.init)
          for object in objects.isEmpty ? [""] : objects {
            try writer.write(fields: fields + [object])
          }
          continue
        }
        switch metric.definition.shape {
        case .probability:
          for (k, c) in truth.enumerated() {
            fields.append(table.string(row: row, column: c) == positives[k] ? "1" : "0")
          }
        case .classProbabilities where truth.count > 1:
          fields += truth.map { table.string(row: row, column: $0) }
        case .classProbabilities:
          let label = table.string(row: row, column: truth[0])
          fields += columns.map { $0 == label ? "1" : "0" }
        case .values where metric.name == "kl_divergence":
          // The answers hold votes; the perfect prediction is their share of the row.
          let votes = truth.map { ValueChecker.parse(table.string(row: row, column: $0)) ?? 0 }
          let total = votes.reduce(0, +)
          fields += votes.map { SubmissionLayout.format(total > 0 ? $0 / total : 0) }
        case .text where metric.name == "point_in_box_f1":
          // The answers hold boxes; the perfect prediction is each box's centre.
          fields.append(try Metrics.boxCentres(table.string(row: row, column: truth[0]), row: row))
        default:
          // Scored targets as the answers hold them; a confidence column at its best value.
          fields += columns.map { column in
            if column == metric.parameters.confidenceColumn {
              return SubmissionLayout.format(Metrics.laplaceMinimumConfidence)
            }
            let c = truth[truthNames.firstIndex(of: column)!]
            return table.string(row: row, column: c)
          }
        }
        try writer.write(fields: fields)
      }
      try writer.finish()
    } catch {
      writer.discard()
      throw error
    }
  }
}
