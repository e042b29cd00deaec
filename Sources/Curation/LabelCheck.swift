internal import DojoCore
internal import Grading
internal import Tabular

/// Checks the labels a manifest names against the labels the data holds, as soon as the
/// split has read the target columns: a `positive` that no row has, or rows whose label is
/// missing from `classes`, would otherwise pass prepare and fail later with a confusing
/// message. Each error names the manifest line.
struct LabelCheck {
  let loaded: LoadedManifest

  init(_ loaded: LoadedManifest) { self.loaded = loaded }

  /// The most labels a message lists.
  static let shown = 12

  /// - Parameter targets: each target column's values, one per training row.
  func check(_ targets: [CodedColumn]) throws {
    let manifest = loaded.manifest
    guard let definition = MetricCatalogue.definition(named: manifest.metric.name) else { return }
    let shape = definition.shape
    var labels = Set<String>()
    /// Adds `values`' labels; false once there are too many to be labels (a value column).
    func collect(_ values: some Sequence<String>) -> Bool {
      for value in values where !value.isEmpty {
        if shape == .ranking {
          for item in value.split(separator: " ") { labels.insert(String(item)) }
        } else {
          labels.insert(value)
        }
        if labels.count > 100_000 { return false }
      }
      return true
    }
    for column in targets {
      // A coded column's table is its set of values: no need to read every row.
      guard column.isCoded ? collect(column.distinct) : collect(column) else { return }
    }
    if case .scalar(let positive)? = manifest.metric.parameters["positive"],
      shape == .label || shape == .probability, !labels.contains(positive)
    {
      throw DojoError(
        .invalidManifest,
        "\(loaded.location(of: "metric.positive")): metric.positive \"\(positive)\" is not a label of \(manifest.answers.targets.joined(separator: ", ")) in \(manifest.files.train) (labels: \(list(labels))); write one of them, quoted if YAML would read it otherwise (\"1\", \"yes\")"
      )
    }
    // Classes equal to the targets name one-hot answer columns, not labels.
    if let classes = manifest.answers.classes, Set(classes) != Set(manifest.answers.targets),
      shape == .label || shape == .classProbabilities || shape == .ranking
        || shape == .probability
    {
      let missing = labels.subtracting(classes)
      if !missing.isEmpty {
        throw DojoError(
          .invalidManifest,
          "\(loaded.location(of: "answers.classes")): answers.classes leaves out \(missing.count) label\(missing.count == 1 ? "" : "s") of \(manifest.answers.targets.joined(separator: ", ")) in \(manifest.files.train): \(list(missing)); add them (quoted if YAML would read them otherwise), or remove classes to read them from the data"
        )
      }
    }
  }

  func list(_ labels: Set<String>) -> String {
    let sorted = LabelOrder.sorted(Array(labels))
    let head = sorted.prefix(Self.shown).map { "\"\($0)\"" }.joined(separator: ", ")
    return sorted.count > Self.shown ? head + ", ... (\(sorted.count) in all)" : head
  }
}
