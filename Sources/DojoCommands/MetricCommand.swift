internal import ArgumentParser
internal import DojoCore
internal import Foundation
internal import Grading
internal import Tabular

/// `dojo metric NAME`: one catalogue metric on an answers file and a submission file.
struct MetricCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "metric",
    abstract: "Score a submission file against an answers file with one catalogue metric.",
    discussion: """
      No task needed: the two files are joined by the id column and checked as `dojo grade` \
      checks them. Parameters are KEY=VALUE; a comma makes a list (columns=a,b), and \
      name:number items a map (weights=a:1,b:2). For multiclass_log_loss the submission's \
      columns are the classes found in the answers.

      Example:
        dojo metric map@3 --answers answers.csv --submission sub.csv --id id --target species
      """)

  @Argument(help: "The metric (e.g. accuracy, roc_auc, map@3).")
  var name: String

  @Option(help: "The answers CSV.")
  var answers: String

  @Option(help: "The submission CSV.")
  var submission: String

  @Option(help: "The id column shared by both files.")
  var id: String

  @Option(help: "A target column of the answers (repeat for several).")
  var target: [String]

  @Option(help: "A metric parameter, KEY=VALUE (repeatable).")
  var param: [String] = []

  @Flag(help: "Print {\"metric\", \"score\"} as JSON.")
  var json = false

  func run() throws {
    var parameters: [String: ManifestValue] = [:]
    for p in param {
      guard let eq = p.firstIndex(of: "="), eq != p.startIndex else {
        throw DojoError(.invalidArgument, "--param \(p): expected KEY=VALUE, e.g. k=3")
      }
      parameters[String(p[..<eq])] = MetricCommand.value(String(p[p.index(after: eq)...]))
    }
    let spec = Manifest.MetricSpec(name: name, parameters: parameters)
    let metric = try MetricCatalogue.resolve(spec)
    let answersURL = URL(fileURLWithPath: answers)
    var classes: [String]? = nil
    if metric.definition.shape == .classProbabilities, let first = target.first {
      let table = try Table.read(answersURL)
      guard let c = table.index(of: first) else {
        throw DojoError(.invalidArgument, "\(answers): has no column \"\(first)\"")
      }
      classes = LabelOrder.sorted(
        Array(Set((0..<table.rowCount).map { table.string(row: $0, column: c) })))
    }
    let answerSpec = Manifest.Answers(id: id, targets: target, classes: classes)
    let columns = try SubmissionLayout.layout(for: spec, answers: answerSpec, classes: classes)
    let task = TaskSpec(
      id: "metric", version: "", title: name, metric: spec,
      lowerIsBetter: metric.definition.lowerIsBetter, idColumn: id, targets: target,
      classes: classes, submissionColumns: columns)
    let grader = try Grader(task: task, answers: answersURL)
    let score = try grader.score(submission: URL(fileURLWithPath: submission))
    if json {
      struct Output: Encodable {
        var metric: String
        var score: Double
      }
      FileHandle.standardOutput.write(try StableJSON.encode(Output(metric: name, score: score)))
    } else {
      print(score)
    }
  }

  /// `a,b` is a list, `a:1,b:2` a map, anything else a scalar.
  static func value(_ text: String) -> ManifestValue {
    guard text.contains(",") || text.contains(":") else { return .scalar(text) }
    let items = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    if items.allSatisfy({ $0.contains(":") }) {
      var map: [String: ManifestValue] = [:]
      for item in items {
        let parts = item.split(separator: ":", maxSplits: 1).map(String.init)
        map[parts[0]] = .scalar(parts.count > 1 ? parts[1] : "")
      }
      return .map(map)
    }
    return text.contains(",") ? .list(items.map { .scalar($0) }) : .scalar(text)
  }
}
