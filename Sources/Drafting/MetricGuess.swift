internal import Foundation

/// Names the catalogue metric a competition page's Evaluation section describes.
///
/// Kaggle pages say the metric in words ("root mean squared logarithmic error", "area under
/// the ROC curve"); each catalogue entry has the phrases it is written as. The most specific
/// phrases are tried first, so "mean column-wise root mean squared error" is `mcrmse`, not
/// `rmse`, and "multi-class logarithmic loss" is not `log_loss`.
public enum MetricGuess {
  /// A guess: the catalogue name (`map@3` carries its k) and the words it was read from.
  public struct Match: Sendable, Equatable {
    public let name: String
    public let phrase: String
  }

  /// (catalogue name, phrases), most specific first. Phrases are matched on lower-cased text
  /// with hyphens and repeated spaces normalised, at word boundaries.
  static let phrases: [(String, [String])] = [
    ("mean_columnwise_rmsle", ["mean column wise root mean squared logarithmic error"]),
    ("mcrmse", ["mean column wise root mean squared error", "mcrmse"]),
    (
      "rmsle",
      [
        "root mean squared logarithmic error", "root mean square logarithmic error",
        "root mean squared log error", "rmsle",
      ]
    ),
    (
      "rmspe", ["root mean square percentage error", "root mean squared percentage error", "rmspe"]
    ),
    ("rmse", ["root mean squared error", "root mean square error", "rmse"]),
    ("smape", ["symmetric mean absolute percentage error", "smape"]),
    ("mape", ["mean absolute percentage error", "mape"]),
    ("medae", ["median absolute error"]),
    ("mae", ["mean absolute error", "mae"]),
    ("qwk", ["quadratic weighted kappa", "quadratic kappa", "qwk"]),
    (
      "multiclass_log_loss",
      [
        "multi class logarithmic loss", "multiclass logarithmic loss", "multi class log loss",
        "multiclass log loss", "categorical cross entropy",
      ]
    ),
    ("log_loss", ["logarithmic loss", "log loss", "logloss", "binary cross entropy"]),
    ("roc_auc", ["area under the roc curve", "roc auc", "auc roc", "auc"]),
    ("mcc", ["matthews correlation coefficient", "matthews correlation"]),
    ("balanced_accuracy", ["balanced accuracy"]),
    ("f1_macro", ["macro averaged f1", "macro f1", "f1 macro"]),
    ("f1_micro", ["micro averaged f1", "micro f1", "f1 micro"]),
    ("f1_weighted", ["weighted averaged f1", "weighted f1", "f1 weighted"]),
    ("f1", ["f1 score", "f1"]),
    ("r2", ["coefficient of determination", "r squared", "r2", "r²"]),
    ("normalized_gini", ["normalized gini", "normalised gini", "gini"]),
    ("spearman", ["spearman"]),
    ("pearson", ["pearson"]),
    ("kendall_tau", ["kendall"]),
    ("jaccard", ["jaccard"]),
    ("levenshtein", ["levenshtein"]),
    ("accuracy", ["classification accuracy", "accuracy"]),
  ]

  /// The Evaluation section of a page in Markdown: from a heading (or a line) that says
  /// "Evaluation" to the next heading; the whole page when it has none.
  public static func evaluationSection(of markdown: String) -> String {
    let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false)
    func heading(_ line: Substring) -> String {
      line.trimmingCharacters(in: .whitespaces).lowercased()
        .trimmingCharacters(in: CharacterSet(charactersIn: "#* ").union(.whitespaces))
    }
    // A heading that is "Evaluation" itself, else one that has the word but is not the
    // page's title ("Course Evaluations").
    guard
      let start = lines.firstIndex(where: { heading($0) == "evaluation" })
        ?? lines.indices.dropFirst().first(where: {
          lines[$0].hasPrefix("#") && heading(lines[$0]).contains("evaluation")
        })
    else { return markdown }
    var out: [Substring] = []
    for line in lines[(start + 1)...] {
      let t = line.trimmingCharacters(in: .whitespaces)
      if t.hasPrefix("#") && !t.lowercased().contains("submission") && !out.isEmpty { break }
      if t.hasPrefix("#") && t.lowercased().contains("submission") { break }
      out.append(line)
    }
    return out.joined(separator: "\n")
  }

  /// The metric `text` names, or nil when no phrase matches.
  public static func match(_ text: String) -> Match? {
    let normal = normalise(text)
    if let k = number(after: ["mean average precision at ", "map@", "map @ "], in: normal) {
      return Match(name: "map@\(k)", phrase: "mean average precision at \(k)")
    }
    if let k = number(after: ["ndcg@", "ndcg at "], in: normal) {
      return Match(name: "ndcg@\(k)", phrase: "NDCG at \(k)")
    }
    for (name, words) in phrases {
      for phrase in words where contains(word: phrase, in: normal) {
        return Match(name: name, phrase: phrase)
      }
    }
    return nil
  }

  static func normalise(_ text: String) -> String {
    var s = text.lowercased()
    for c in ["-", "_", "(", ")", ",", ";", ":", "."] {
      s = s.replacingOccurrences(of: c, with: " ")
    }
    return s.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).joined(
      separator: " ")
  }

  static func contains(word phrase: String, in text: String) -> Bool {
    let padded = " " + text + " "
    return padded.contains(" " + phrase + " ")
  }

  static func number(after prefixes: [String], in text: String) -> Int? {
    for prefix in prefixes {
      var rest = Substring(text)
      while let range = rest.range(of: prefix) {
        let digits = rest[range.upperBound...].prefix { $0.isNumber }
        if let k = Int(digits), k > 0, k < 10_000 { return k }
        rest = rest[range.upperBound...]
      }
    }
    return nil
  }
}
