internal import Foundation

/// How one competition's import ended, as the node that imported it recorded it: the summary
/// of a run (a local `dojo import`, or a Slurm job array and its retries) is read from these, so
/// it is right whichever node did the work and whether or not the submitting process lived on.
public struct ImportRecord: Sendable, Equatable {
  /// The run it was part of: `local-<uuid>` or `slurm-<array job id>`.
  public var run: String
  public var task: String
  public var succeeded: Bool
  /// The last stage reached: the failed one, or `publish`.
  public var stage: String
  public var version: String?
  /// Stages skipped because their inputs were unchanged.
  public var skipped: [String]
  public var seconds: Double
  public var error: String?
  /// The node that imported it.
  public var host: String
  public var recordedAt: String

  public init(
    run: String, task: String, succeeded: Bool, stage: String, version: String?,
    skipped: [String], seconds: Double, error: String?, host: String, recordedAt: String
  ) {
    self.run = run
    self.task = task
    self.succeeded = succeeded
    self.stage = stage
    self.version = version
    self.skipped = skipped
    self.seconds = seconds
    self.error = error
    self.host = host
    self.recordedAt = recordedAt
  }
}

extension Registry {
  /// Appends an import outcome; a retried competition's newest record is its outcome.
  public func recordImport(_ record: ImportRecord) throws {
    try db.query(
      """
      INSERT INTO import_records (run, competition_id, succeeded, stage, version, skipped,
        seconds, error, host, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      """,
      [
        .text(record.run), .text(record.task), .integer(record.succeeded ? 1 : 0),
        .text(record.stage), record.version.map(SQLValue.text) ?? .null,
        .text(record.skipped.joined(separator: ",")),
        .real(record.seconds.isFinite ? record.seconds : 0),
        record.error.map(SQLValue.text) ?? .null, .text(record.host), .text(record.recordedAt),
      ])
  }

  /// The newest record of each competition imported in `run`, by competition id.
  public func importRecords(run: String) throws -> [ImportRecord] {
    // The order of arrival: SQLite's implicit rowid, PostgreSQL's `seq` (migration 5).
    let order = db.dialect == .sqlite ? "rowid" : "seq"
    return try db.query(
      """
      SELECT r.* FROM import_records r
      WHERE r.run = ? AND r.\(order) = (SELECT MAX(\(order)) FROM import_records s
                                     WHERE s.run = r.run AND s.competition_id = r.competition_id)
      ORDER BY r.competition_id
      """, [.text(run)]
    ).map { row in
      let skipped = row["skipped"].text ?? ""
      return ImportRecord(
        run: row["run"].text ?? "", task: row["competition_id"].text ?? "",
        succeeded: row["succeeded"].integer == 1, stage: row["stage"].text ?? "",
        version: row["version"].text,
        skipped: skipped.isEmpty ? [] : skipped.split(separator: ",").map(String.init),
        seconds: row["seconds"].real ?? 0, error: row["error"].text, host: row["host"].text ?? "",
        recordedAt: row["recorded_at"].text ?? "")
    }
  }
}
