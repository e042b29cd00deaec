internal import DojoCore
public import Foundation
public import Tabular

/// A human leaderboard: the scores of its entries, read from any of the formats in use.
public struct Leaderboard: Sendable, Equatable {
  /// The CSV layouts Dojo reads; all carry a `score` column (any case).
  public enum Format: String, Sendable {
    /// Kaggle's download: `Rank,TeamId,TeamName,LastSubmissionDate,Score,...`.
    case kaggle
    /// MLE-Dojo's `rank,score`.
    case mleDojo = "mle-dojo"
    /// The corpus's `TeamId,TeamName,SubmissionDate,Score`.
    case corpus
    /// MLE-bench's: any CSV with a `score` column.
    case mleBench = "mle-bench"
  }

  /// Where it came from, for messages.
  public var name: String
  /// The layout recognised.
  public var format: Format
  /// Every numeric score, in file order.
  public var scores: [Double]
  /// Rows skipped because their score was empty or not a number.
  public var skipped: Int

  public init(name: String, format: Format, scores: [Double], skipped: Int = 0) {
    self.name = name
    self.format = format
    self.scores = scores
    self.skipped = skipped
  }

  /// Reads a leaderboard CSV.
  ///
  /// - Throws: ``DojoError`` `.notFound`, `.invalidData` when the file has no `score` column
  ///   or no numeric score at all.
  public static func read(_ url: URL) throws -> Leaderboard {
    try parse(Table.read(url))
  }

  /// Reads a leaderboard from a parsed table.
  public static func parse(_ table: Table) throws -> Leaderboard {
    let lower = table.header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
    guard let column = lower.firstIndex(of: "score") else {
      throw DojoError(
        .invalidData,
        "\(table.name): has no score column (header: \(table.header.joined(separator: ", "))); a leaderboard needs one"
      )
    }
    let format: Format
    if lower == ["rank", "score"] {
      format = .mleDojo
    } else if lower.starts(with: ["rank", "teamid", "teamname", "lastsubmissiondate", "score"]) {
      format = .kaggle
    } else if lower == ["teamid", "teamname", "submissiondate", "score"] {
      format = .corpus
    } else {
      format = .mleBench
    }
    var scores: [Double] = []
    scores.reserveCapacity(table.rowCount)
    var skipped = 0
    for row in 0..<table.rowCount {
      if let s = table.double(row: row, column: column), s.isFinite {
        scores.append(s)
      } else {
        skipped += 1
      }
    }
    guard !scores.isEmpty else {
      throw DojoError(
        .invalidData,
        "\(table.name): has no numeric score in \(table.rowCount) rows; check the score column")
    }
    return Leaderboard(name: table.name, format: format, scores: scores, skipped: skipped)
  }
}
