internal import Foundation

/// Writes a ``ManifestDraft`` as `manifest.yaml`: the same keys a curator writes by hand,
/// each guess followed by a `# guessed from ...` comment.
public enum DraftWriter {
  /// The YAML text. `command` is the command line that drafted it, for the header.
  public static func yaml(_ d: ManifestDraft, command: String) -> String {
    var out = """
      # Drafted by `\(command)`. Every value marked "guessed" is dojo new's guess:
      # review it (and delete this header) before you commit the manifest.

      """
    func line(_ indent: Int, _ key: String, _ value: String, _ reason: String?) {
      var text = String(repeating: "  ", count: indent) + "\(key): \(value)"
      if let reason { text += "  # guessed from \(comment(reason))" }
      out += text + "\n"
    }
    func section(_ key: String) { out += "\(key):\n" }
    line(0, "id", scalar(d.id), nil)
    line(0, "title", scalar(d.title.value), d.title.reason)
    line(0, "category", scalar(d.category.value), d.category.reason)
    section("source")
    switch d.source {
    case .kaggle(let slug): line(1, "kaggle", scalar(slug), nil)
    case .url(let url, let sha):
      line(1, "url", scalar(url), nil)
      if let sha { line(1, "sha256", sha, nil) }
    }
    if let page = d.page { line(0, "page", scalar(page), nil) }
    section("files")
    line(1, "train", scalar(d.train.value), d.train.reason)
    if let test = d.test { line(1, "test", scalar(test.value), test.reason) }
    line(1, "sample_submission", scalar(d.sampleSubmission.value), d.sampleSubmission.reason)
    if let extra = d.extra { line(1, "extra", list(extra.value), extra.reason) }
    section("split")
    line(1, "strategy", d.strategy.value, d.strategy.reason)
    if d.script != nil {
      // The script sizes the test itself (its constants say how).
      line(1, "script", DraftWriter.scriptName, nil)
    } else {
      line(1, "test_fraction", String(d.testFraction.value), d.testFraction.reason)
    }
    if d.strategy.value != "time" && d.script == nil { line(1, "seed", "0", nil) }
    if let sampler = d.sampler, d.script == nil {
      line(1, "sampler", sampler.value, sampler.reason)
    }
    if let column = d.splitColumn {
      let key = d.strategy.value == "stratified" ? "stratify" : d.strategy.value
      line(1, key, scalar(column), nil)
    }
    section("answers")
    line(1, "id", scalar(d.idColumn.value), d.idColumn.reason)
    line(
      1, "targets", list(d.targets.value),
      (d.targets.reason ?? "the data") + " (\(d.kind.rawValue))")
    if let classes = d.classes { line(1, "classes", list(classes.value), classes.reason) }
    if let ids = d.idsInTrain { line(1, "ids_in_train", ids.value ? "true" : "false", ids.reason) }
    section("metric")
    line(1, "name", scalar(d.metric.value), d.metric.reason)
    if let positive = d.positive {
      line(1, "positive", scalar(positive.value, quoteAlways: true), positive.reason)
    }
    if let leaderboard = d.leaderboard { line(0, "leaderboard", leaderboard, nil) }
    if let drop = d.dropFromTest {
      section("public")
      line(1, "drop", list(drop.value), drop.reason)
    }
    return out
  }

  /// The drafted split script's file name, next to the manifest.
  public static let scriptName = "prepare.py"

  /// A reason fit for a one-line comment.
  static func comment(_ text: String) -> String {
    text.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: " ")
  }

  /// A YAML scalar: plain when that reads back as the same string, else double-quoted.
  static func scalar(_ text: String, quoteAlways: Bool = false) -> String {
    let specials: Set<String> = [
      "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", "",
    ]
    let plain =
      !quoteAlways && text.wholeMatch(of: /[A-Za-z_][A-Za-z0-9_.\/-]*/) != nil
      && !specials.contains(text.lowercased())
    if plain { return text }
    var quoted = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": quoted += "\\\""
      case "\\": quoted += "\\\\"
      case "\n": quoted += "\\n"
      case "\t": quoted += "\\t"
      case "\r": quoted += "\\r"
      default:
        if scalar.value < 0x20 || scalar.value == 0x7f {
          quoted += String(format: "\\x%02x", scalar.value)
        } else {
          quoted.unicodeScalars.append(scalar)
        }
      }
    }
    return quoted + "\""
  }

  /// A flow sequence of scalars.
  static func list(_ items: [String]) -> String {
    "[" + items.map { scalar($0) }.joined(separator: ", ") + "]"
  }
}
