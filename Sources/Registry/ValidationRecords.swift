public import Foundation

/// One validation of a task, or one import that stopped before validation could run: what
/// `dojo report` shows as a task's last status.
public struct ValidationRecord: Sendable, Equatable {
  public var task: String
  /// The prepared version, when preparing got that far.
  public var version: String?
  public var title: String
  public var category: String?
  public var metric: String?
  public var passed: Bool
  /// The first failed check (`integrity` … `reference`), or the import stage that failed
  /// (`fetch`, `unpack`, `page`, `prepare`, `publish`).
  public var failedCheck: String?
  /// Why it failed, in one line.
  public var message: String?
  /// The whole `report.json`, when validation ran.
  public var reportJSON: String?
  public var recordedAt: String

  public init(
    task: String, version: String?, title: String, category: String? = nil, metric: String?,
    passed: Bool, failedCheck: String? = nil, message: String? = nil, reportJSON: String? = nil,
    recordedAt: String
  ) {
    self.task = task
    self.version = version
    self.title = title
    self.category = category
    self.metric = metric
    self.passed = passed
    self.failedCheck = failedCheck
    self.message = message
    self.reportJSON = reportJSON
    self.recordedAt = recordedAt
  }
}

extension Registry {
  /// Appends a validation outcome; the history is kept, the newest is a task's status.
  public func recordValidation(_ record: ValidationRecord) throws {
    try db.query(
      """
      INSERT INTO validations (competition_id, version, title, category, metric_name, passed,
        failed_check, message, report_json, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      """,
      [
        .text(record.task), record.version.map(SQLiteValue.text) ?? .null, .text(record.title),
        record.category.map(SQLiteValue.text) ?? .null,
        record.metric.map(SQLiteValue.text) ?? .null, .integer(record.passed ? 1 : 0),
        record.failedCheck.map(SQLiteValue.text) ?? .null,
        record.message.map(SQLiteValue.text) ?? .null,
        record.reportJSON.map(SQLiteValue.text) ?? .null, .text(record.recordedAt),
      ])
  }

  /// The newest outcome of every task that has one, by task id.
  public func latestValidations() throws -> [ValidationRecord] {
    try db.query(
      """
      SELECT v.* FROM validations v
      WHERE v.rowid = (SELECT MAX(rowid) FROM validations w
                       WHERE w.competition_id = v.competition_id)
      ORDER BY v.competition_id
      """
    ).map { row in
      ValidationRecord(
        task: row["competition_id"].text ?? "", version: row["version"].text,
        title: row["title"].text ?? "", category: row["category"].text,
        metric: row["metric_name"].text, passed: row["passed"].integer == 1,
        failedCheck: row["failed_check"].text, message: row["message"].text,
        reportJSON: row["report_json"].text, recordedAt: row["recorded_at"].text ?? "")
    }
  }
}
