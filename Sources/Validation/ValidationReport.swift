internal import DojoCore
public import Foundation

/// The result of one validation check.
///
/// Three outcomes, never confused: `passed` (the check ran and found nothing wrong),
/// `failed` (it ran and found a problem, or could not read what it must read), and
/// `skipped` (it did not run; `detail` says why). A skipped check is not a pass: `dojo
/// publish` refuses it unless `--allow-skipped` names it.
public struct CheckResult: Codable, Sendable, Equatable {
  /// `passed`, `failed` or `skipped`.
  public enum Status: String, Codable, Sendable {
    case passed, failed, skipped
  }
  /// The check's name (integrity, sample, gold, refusals, leaks, determinism, leaderboard,
  /// reference).
  public var name: String
  public var status: Status
  /// One line on what was found; for a failure, what is wrong and where; for a skipped
  /// check, why it did not run.
  public var detail: String
  public var seconds: Double
  /// The score the check measured, where it measures one (the reference solution's).
  public var score: Double?

  public init(name: String, status: Status, detail: String, seconds: Double, score: Double? = nil) {
    self.name = name
    self.status = status
    self.detail = detail
    self.seconds = seconds
    self.score = score
  }
}

/// A warning validation raises about a task that passes: something a curator should look at
/// before publishing (a baseline that earns a medal, test rows repeated in train, a test too
/// small to tell medals apart). A warning never fails validation or publishing.
///
/// Three outcomes, never confused: `warned` (the condition holds), `clear` (it was measured
/// and does not), and `not_run` (it could not be measured; `detail` says why). Not run is
/// never shown as clear.
public struct ValidationWarning: Codable, Sendable, Equatable {
  public enum Status: String, Codable, Sendable {
    case warned, clear
    case notRun = "not_run"
  }
  /// `baseline_medal`, `duplicates` or `tier_separation`.
  public var name: String
  public var status: Status
  /// What was measured and against what threshold; for `not_run`, why it could not be.
  public var detail: String
  public var seconds: Double

  public init(name: String, status: Status, detail: String, seconds: Double) {
    self.name = name
    self.status = status
    self.detail = detail
    self.seconds = seconds
  }

  /// The status as people read it ("not run").
  public var label: String { status == .notRun ? "not run" : status.rawValue }
}

/// `report.json`: every check's result for one prepared task version.
public struct ValidationReport: Codable, Sendable, Equatable {
  public var task: String
  public var version: String
  /// True when no check failed. Checks may still have been skipped: see ``skipped``.
  public var passed: Bool
  public var checks: [CheckResult]
  /// The warnings, each warned, clear or not run; empty in a report written before they
  /// existed.
  public var warnings: [ValidationWarning]
  /// When it ran (ISO 8601).
  public var validatedAt: String
  /// SHA-256 of the task's `checksums.json` when validated: a report for other bytes is stale.
  public var checksumsSHA256: String
  /// ``ReferenceCheck/fingerprint(of:)`` of the reference solution when validated (nil
  /// without one): the solution is not part of the task's bytes, so a report for another
  /// solution is stale too.
  public var referenceSHA256: String?

  enum CodingKeys: String, CodingKey {
    case task, version, passed, checks, warnings
    case validatedAt = "validated_at"
    case checksumsSHA256 = "checksums_sha256"
    case referenceSHA256 = "reference_sha256"
  }

  public init(
    task: String, version: String, checks: [CheckResult], validatedAt: Date,
    checksumsSHA256: String,
    referenceSHA256: String? = nil, warnings: [ValidationWarning] = []
  ) {
    self.task = task
    self.version = version
    self.checks = checks
    self.warnings = warnings
    self.passed = !checks.contains { $0.status == .failed }
    self.validatedAt = ISO8601DateFormatter().string(from: validatedAt)
    self.checksumsSHA256 = checksumsSHA256
    self.referenceSHA256 = referenceSHA256
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    task = try c.decode(String.self, forKey: .task)
    version = try c.decode(String.self, forKey: .version)
    passed = try c.decode(Bool.self, forKey: .passed)
    checks = try c.decode([CheckResult].self, forKey: .checks)
    warnings = try c.decodeIfPresent([ValidationWarning].self, forKey: .warnings) ?? []
    validatedAt = try c.decode(String.self, forKey: .validatedAt)
    checksumsSHA256 = try c.decode(String.self, forKey: .checksumsSHA256)
    referenceSHA256 = try c.decodeIfPresent(String.self, forKey: .referenceSHA256)
  }

  /// The warnings that hold.
  public var warned: [ValidationWarning] { warnings.filter { $0.status == .warned } }

  /// The warnings that could not be measured.
  public var warningsNotRun: [ValidationWarning] { warnings.filter { $0.status == .notRun } }

  /// The checks that did not run, each with its reason in `detail`.
  public var skipped: [CheckResult] { checks.filter { $0.status == .skipped } }

  /// The checks that failed.
  public var failed: [CheckResult] { checks.filter { $0.status == .failed } }

  /// One line for people: every check passed, or which failed and which were skipped (and
  /// why), so a skipped check is never read as a pass.
  public var summary: String {
    var parts: [String] = []
    if !failed.isEmpty {
      parts.append("FAILED: " + failed.map(\.name).joined(separator: ", "))
    }
    if !skipped.isEmpty {
      parts.append(
        "skipped: " + skipped.map { "\($0.name) (\($0.detail))" }.joined(separator: "; "))
    }
    if parts.isEmpty {
      parts.append("every check passed")
    } else if failed.isEmpty {
      parts.insert("no check failed", at: 0)
      parts.append(
        "publishing needs "
          + skipped.map { "--allow-skipped \($0.name)" }.joined(separator: " "))
    }
    // Warnings follow the checks: they never fail, but a warning not run is said so.
    if !warned.isEmpty {
      parts.append("warnings: " + warned.map(\.name).joined(separator: ", "))
    }
    if !warningsNotRun.isEmpty {
      parts.append("warnings not run: " + warningsNotRun.map(\.name).joined(separator: ", "))
    }
    return "\(task) \(version): " + parts.joined(separator: "; ")
  }

  /// Reads a task's `report.json`.
  public static func read(_ url: URL) throws -> ValidationReport {
    guard let data = FileManager.default.contents(atPath: url.path) else {
      throw DojoError(.notFound, "\(url.path) does not exist; run `dojo validate` first")
    }
    do {
      return try JSONDecoder().decode(ValidationReport.self, from: data)
    } catch {
      throw DojoError(
        .invalidData, "\(url.path) is not a validation report; run `dojo validate` again")
    }
  }
}
