internal import Curation
public import DojoCore
internal import Foundation
internal import Grading
public import Registry
internal import Validation

/// Publishes a validated task into the registry.
public enum Publisher {
  /// Publishes the task at `layout`.
  ///
  /// - Parameter allowSkipped: the checks the report may have skipped (`--allow-skipped`);
  ///   the registry records each that was skipped, with its reason.
  /// - Returns: true if a new version was written, false if it was already published.
  /// - Throws: ``DojoError`` `.conflict` when the task has no validation report, the report
  ///   failed, it skipped a check `allowSkipped` does not name, or it is stale (the task's
  ///   files changed since); `.invalidArgument` when `allowSkipped` names no check.
  @discardableResult
  public static func publish(
    _ layout: TaskLayout, to registry: Registry, manifestSHA256: String? = nil,
    allowSkipped: Set<String> = []
  )
    throws -> Bool
  {
    let report: ValidationReport
    do {
      report = try ValidationReport.read(layout.report)
    } catch {
      throw DojoError(
        .conflict, "\(layout.root.path) has not been validated; run `dojo validate` first")
    }
    if !report.passed {
      let failed = report.checks.filter { $0.status == .failed }
        .map { "\($0.name) (\($0.detail))" }.joined(separator: "; ")
      throw DojoError(
        .conflict,
        "the last validation of \(report.task) \(report.version) failed: \(failed); fix it and validate again"
      )
    }
    let checksumsHash = try SHA256Hasher.hash(fileAt: layout.checksums)
    let unchanged = try Checksums.verify(layout.root).isEmpty
    if checksumsHash != report.checksumsSHA256 || !unchanged {
      throw DojoError(
        .conflict,
        "the validation report of \(report.task) \(report.version) is stale: the task's files changed since; run `dojo validate` again"
      )
    }
    let names = Set(report.checks.map(\.name))
    if let unknown = allowSkipped.subtracting(names).sorted().first {
      throw DojoError(
        .invalidArgument,
        "--allow-skipped \(unknown): there is no such check; the checks are \(report.checks.map(\.name).joined(separator: ", "))"
      )
    }
    let refused = report.skipped.filter { !allowSkipped.contains($0.name) }
    if !refused.isEmpty {
      throw DojoError(
        .conflict,
        "the last validation of \(report.task) \(report.version) skipped "
          + refused.map { "\($0.name) (\($0.detail))" }.joined(separator: "; ")
          + "; a skipped check is not a pass: validate again where it can run, or publish with "
          + refused.map { "--allow-skipped \($0.name)" }.joined(separator: " ")
          + " to publish without it (the registry records that)")
    }
    let spec = try JSONDecoder().decode(TaskSpec.self, from: Data(contentsOf: layout.taskFile))
    var entries: [LeaderboardEntry] = []
    for name in spec.leaderboards {
      let board = try Leaderboard.read(layout.privateDir.appendingPathComponent(name))
      let label = name.contains("private") ? "private" : "public"
      entries += board.scores.enumerated().map {
        LeaderboardEntry(board: label, rank: $0.offset + 1, score: $0.element)
      }
    }
    let reportJSON = String(decoding: try StableJSON.encode(report), as: UTF8.self)
    return try registry.publish(
      PublishRequest(
        spec: spec, manifestSHA256: manifestSHA256, checksums: try Checksums.read(layout.root),
        reportJSON: reportJSON, leaderboard: entries, path: layout.root.standardizedFileURL.path,
        skippedChecks: report.skipped.map { SkippedCheck(name: $0.name, reason: $0.detail) }))
  }
}
