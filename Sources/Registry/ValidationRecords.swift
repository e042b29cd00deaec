internal import Foundation

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

/// A validation check a task version was published without, and why it did not run.
public struct SkippedCheck: Codable, Sendable, Equatable {
  /// The check's name (`determinism`, `reference`, ...).
  public var name: String
  /// Why it was skipped, as the validation report says.
  public var reason: String

  public init(name: String, reason: String) {
    self.name = name
    self.reason = reason
  }
}

extension Registry {
  /// Keeps the checks a version is published without; part of ``publish(_:now:)``'s
  /// transaction.
  func recordSkipped(_ checks: [SkippedCheck], id: String, version: String) throws {
    for check in checks {
      try db.query(
        "INSERT INTO skipped_checks (competition_id, version, check_name, reason) VALUES (?, ?, ?, ?)",
        [.text(id), .text(version), .text(check.name), .text(check.reason)])
    }
  }

  /// The validation checks a published version was published without, by name.
  public func skippedChecks(_ id: String, version: String) throws -> [SkippedCheck] {
    try db.query(
      "SELECT check_name, reason FROM skipped_checks WHERE competition_id = ? AND version = ? ORDER BY check_name",
      [.text(id), .text(version)]
    ).map { SkippedCheck(name: $0["check_name"].text ?? "", reason: $0["reason"].text ?? "") }
  }

  /// Appends a validation outcome; the history is kept, the newest is a task's status.
  public func recordValidation(_ record: ValidationRecord) throws {
    try db.query(
      """
      INSERT INTO validations (competition_id, version, title, category, metric_name, passed,
        failed_check, message, report_json, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      """,
      [
        .text(record.task), record.version.map(SQLValue.text) ?? .null, .text(record.title),
        record.category.map(SQLValue.text) ?? .null,
        record.metric.map(SQLValue.text) ?? .null, .integer(record.passed ? 1 : 0),
        record.failedCheck.map(SQLValue.text) ?? .null,
        record.message.map(SQLValue.text) ?? .null,
        record.reportJSON.map(SQLValue.text) ?? .null, .text(record.recordedAt),
      ])
  }

  /// The newest outcome of every task that has one, by task id.
  public func latestValidations() throws -> [ValidationRecord] {
    // The order of arrival: SQLite's implicit rowid, PostgreSQL's `seq` (migration 3).
    let order = db.dialect == .sqlite ? "rowid" : "seq"
    return try db.query(
      """
      SELECT v.* FROM validations v
      WHERE v.\(order) = (SELECT MAX(\(order)) FROM validations w
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
