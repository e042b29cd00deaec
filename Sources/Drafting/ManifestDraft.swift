internal import Foundation

/// A drafted manifest: each value with the reason it was chosen, and what the curator must
/// review. ``DraftWriter`` turns it into YAML with a `# guessed from ...` comment beside each
/// guess.
public struct ManifestDraft: Sendable {
  /// A value and, when it was guessed rather than given, what it was guessed from.
  public struct Guess<Value: Sendable>: Sendable {
    public var value: Value
    public var reason: String?
    public init(_ value: Value, _ reason: String? = nil) {
      self.value = value
      self.reason = reason
    }
  }

  /// Where the archive comes from, as the manifest says it.
  public enum Source: Sendable, Equatable {
    case kaggle(String)
    case url(String, sha256: String?)
  }

  /// The kind of target, as a curator names it.
  public enum TargetKind: String, Sendable {
    case binary, classes, regression
    case rankingLists = "ranking lists"
    case classProbabilities = "class probabilities"
  }

  public var id: String
  public var title: Guess<String>
  public var category: Guess<String>
  public var source: Source
  /// `kaggle`, a page file next to the manifest, or nil.
  public var page: String?
  public var train: Guess<String>
  public var test: Guess<String>?
  public var sampleSubmission: Guess<String>
  public var extra: Guess<[String]>?
  public var strategy: Guess<String>
  /// The column the strategy reads (`stratify`, `group` or `time`), if any.
  public var splitColumn: String?
  public var testFraction: Guess<Double>
  /// `split.sampler`, drafted only for a table too large for a shuffle of its rows.
  public var sampler: Guess<String>? = nil
  public var idColumn: Guess<String>
  public var targets: Guess<[String]>
  public var kind: TargetKind
  public var classes: Guess<[String]>?
  public var metric: Guess<String>
  /// Metric parameters besides `k` (written in the name, `map@3`): `positive`.
  public var positive: Guess<String>?
  /// Columns of train that Kaggle's test does not have and that are not targets.
  public var dropFromTest: Guess<[String]>?
  /// `kaggle` when the leaderboard was found on Kaggle; nil when there is none.
  public var leaderboard: String?
  /// What the curator should look at before importing, one sentence each.
  public var review: [String]
  /// A drafted split script (`prepare.py`, next to the manifest) for `strategy: script`.
  public var script: Guess<String>? = nil
  /// `answers.ids_in_train`, when test ids are in train by design (a recommender's users).
  public var idsInTrain: Guess<Bool>? = nil
}
