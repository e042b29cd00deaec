internal import Curation
public import DojoCore
public import Foundation
internal import Grading
internal import Sandbox
internal import Tabular

/// Runs every check a task must pass before it is published, and writes `report.json`.
///
/// Checks: integrity, sample submission, gold, refusals, leaks, determinism, leaderboard
/// sanity, reference solution. Each check is independent: one failing never hides another.
/// Then the warnings (ValidationWarnings.swift), which never fail: a baseline earning a
/// medal, test rows repeated in train, a test too small to separate medal tiers.
public struct Validator: Sendable {
  /// The task to validate.
  public let layout: TaskLayout
  /// The manifest it was prepared from; needed for determinism and the reference solution.
  public var manifest: LoadedManifest?
  /// The unpacked archive it was prepared from (for determinism).
  public var raw: URL?
  /// The page Markdown it was prepared with (for determinism).
  public var pageMarkdown: String?
  /// Skip the reference solution (it can take minutes).
  public var skipReference: Bool
  /// The Python interpreter for reference solutions.
  public var python: String
  /// The Kaggle leaderboard it was prepared with, for `leaderboard: kaggle` (determinism).
  public var kaggleLeaderboard: URL?
  /// Why `manifest` is nil (where it was looked for), for the skipped checks' reasons.
  public var manifestMissing: String?
  /// Why `raw` is nil (where it was looked for), for the determinism check's reason.
  public var rawMissing: String?

  public init(
    layout: TaskLayout, manifest: LoadedManifest? = nil, raw: URL? = nil,
    pageMarkdown: String? = nil, skipReference: Bool = false, python: String = "python3",
    kaggleLeaderboard: URL? = nil,
    manifestMissing: String? = nil, rawMissing: String? = nil
  ) {
    self.manifestMissing = manifestMissing
    self.rawMissing = rawMissing
    self.kaggleLeaderboard = kaggleLeaderboard
    self.layout = layout
    self.manifest = manifest
    self.raw = raw
    self.pageMarkdown = pageMarkdown
    self.skipReference = skipReference
    self.python = python
  }

  /// A check's outcome before it is timed.
  struct Verdict {
    var status: CheckResult.Status
    var detail: String
    /// The score measured, for checks that grade a real solution (reference).
    var score: Double?
    static func pass(_ d: String) -> Verdict { .init(status: .passed, detail: d) }
    static func fail(_ d: String) -> Verdict { .init(status: .failed, detail: d) }
    static func skip(_ d: String) -> Verdict { .init(status: .skipped, detail: d) }
  }

  /// Runs every check, then every warning, writes `report.json` into the task, and returns
  /// the report.
  ///
  /// - Parameters:
  ///   - progress: called with each check's result as it is known.
  ///   - warning: called with each warning's result as it is known, after the checks.
  public func validate(
    progress: (CheckResult) -> Void = { _ in },
    warning: (ValidationWarning) -> Void = { _ in }
  ) throws -> ValidationReport {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
      "dojo-validate-\(UUID().uuidString)")
    try AtomicFiles.createDirectory(scratch)
    defer { try? FileManager.default.removeItem(at: scratch) }
    // Taken before the solution runs: a solution changed meanwhile gives the next import a
    // mismatch, and so another validation, never a stale pass.
    let referenceSHA256 = manifest.flatMap(ReferenceCheck.fingerprint(of:))
    let findings = ValidationFindings()

    let checks: [(String, () throws -> Verdict)] = [
      ("integrity", integrity),
      ("sample", { try sample(findings) }),
      ("gold", { try gold(scratch) }),
      ("refusals", { try refusals(scratch) }),
      ("leaks", { try leaks(findings) }),
      ("determinism", { try determinism(scratch) }),
      ("leaderboard", leaderboard),
      ("reference", { manifest == nil ? .skip(noManifest) : try reference(scratch) }),
    ]
    var results: [CheckResult] = []
    for (name, check) in checks {
      let start = Date()
      let verdict: Verdict
      do {
        verdict = try check()
      } catch let error as DojoError {
        verdict = .fail(error.message)
      } catch {
        verdict = .fail("\(error)")
      }
      let result = CheckResult(
        name: name, status: verdict.status, detail: verdict.detail,
        seconds: Date().timeIntervalSince(start), score: verdict.score)
      progress(result)
      results.append(result)
    }
    let warnings = warnings(scratch, findings, progress: warning)
    let spec = try? readSpec()
    let checksums = (try? SHA256Hasher.hash(fileAt: layout.checksums)) ?? ""
    let report = ValidationReport(
      task: spec?.id ?? layout.root.deletingLastPathComponent().lastPathComponent,
      version: spec?.version ?? layout.root.lastPathComponent, checks: results,
      validatedAt: Date(), checksumsSHA256: checksums, referenceSHA256: referenceSHA256,
      warnings: warnings)
    try AtomicFiles.write(try StableJSON.encode(report), to: layout.report)
    return report
  }

  func readSpec() throws -> TaskSpec {
    guard let data = FileManager.default.contents(atPath: layout.taskFile.path) else {
      throw DojoError(.notFound, "private/task.json is missing")
    }
    do {
      return try JSONDecoder().decode(TaskSpec.self, from: data)
    } catch {
      throw DojoError(.invalidData, "private/task.json does not parse: \(error)")
    }
  }

  /// The reason checks that need the manifest are skipped without one.
  var noManifest: String {
    "no manifest: " + (manifestMissing ?? "none was given")
  }

  // MARK: - 1. Integrity

  func integrity() throws -> Verdict {
    let problems = try Checksums.verify(layout.root)
    if !problems.isEmpty {
      return .fail(
        "checksums.json does not match: " + problems.prefix(5).joined(separator: "; ")
          + (problems.count > 5 ? "; ..." : ""))
    }
    let spec = try readSpec()
    let listed = try TaskFileList.read(layout)
    let unlisted = try TaskFileList.mismatches(listed, in: layout)
    if !unlisted.isEmpty {
      return .fail(
        unlisted.prefix(5).joined(separator: "; ")
          + "; re-prepare the task with `dojo prepare --force`")
    }
    let grader = try Grader(taskDirectory: layout.root)
    let expected = try SubmissionLayout.layout(
      for: spec.metric, answers: .init(id: spec.idColumn, targets: spec.targets),
      classes: spec.classes)
    if Set(expected) != Set(spec.submissionColumns) {
      return .fail(
        "task.json's submission_columns (\(spec.submissionColumns.joined(separator: ", "))) do not fit metric \(spec.metric.name), which needs \(expected.joined(separator: ", "))"
      )
    }
    let answers = try CSVReader(url: grader.answersURL).header
    let truth = try SubmissionLayout.truthColumns(
      for: spec.metric, answers: .init(id: spec.idColumn, targets: spec.targets))
    for column in [spec.idColumn] + truth where !answers.contains(column) {
      return .fail("private/answers.csv has no column \"\(column)\" that the metric reads")
    }
    return .pass(
      "\(try Checksums.read(layout.root).count) files match, \(listed.count) listed with their roles; metric \(grader.metric.name) fits the answers"
    )
  }

  // MARK: - 2. Sample submission

  func sample(_ findings: ValidationFindings) throws -> Verdict {
    let report = try Grader(taskDirectory: layout.root).grade(submission: layout.sampleSubmission)
    findings.sample = report
    if let error = report.error { return .fail("sample_submission.csv: \(error.message)") }
    guard let score = report.score, score.isFinite else {
      return .fail("sample_submission.csv grades to a non-finite score")
    }
    return .pass("score \(Self.format(score))")
  }

  // MARK: - 3. Gold

  func gold(_ scratch: URL) throws -> Verdict {
    let grader = try Grader(taskDirectory: layout.root)
    let perfect = scratch.appendingPathComponent("perfect.csv")
    try grader.writePerfectSubmission(to: perfect)
    let report = grader.grade(submission: perfect)
    if let error = report.error { return .fail("the perfect submission: \(error.message)") }
    guard let score = report.score else { return .fail("the perfect submission has no score") }
    guard let placement = report.placement else {
      return .pass("score \(Self.format(score)) (no leaderboard to place it on)")
    }
    // Kaggle publishes scores rounded to five decimals: leaf-classification's best log loss
    // shows as 0.00000, while a perfect submission clipped at 1 - 1e-15 scores 1e-15.
    let rounding = 5e-6
    if !placement.gold && abs(score - placement.thresholds.gold) > rounding {
      return .fail(
        "the perfect submission scores \(Self.format(score)), short of gold (\(Self.format(placement.thresholds.gold))): the answers or the leaderboard are wrong"
      )
    }
    if !placement.gold {
      return .pass(
        "score \(Self.format(score)), gold as the leaderboard rounds it (\(Self.format(placement.thresholds.gold)))"
      )
    }
    return .pass("score \(Self.format(score)), gold (rank \(placement.rank))")
  }

  // MARK: - 4. Refusals

  func refusals(_ scratch: URL) throws -> Verdict {
    let grader = try Grader(taskDirectory: layout.root)
    let spec = grader.task
    let table = try Table.read(layout.sampleSubmission)
    let header = table.header
    var rows = (0..<table.rowCount).map { r in
      header.indices.map { table.string(row: r, column: $0) }
    }
    guard rows.count >= 2, let idIndex = header.firstIndex(of: spec.idColumn) else {
      return .fail(
        "the sample submission needs an id column and at least two rows to test refusals")
    }
    let firstPrediction = header.indices.first { $0 != idIndex } ?? 0
    let numeric: Set<MetricShape> = [.probability, .classProbabilities, .value, .values]
    var cases: [(String, [String], [[String]])] = [
      ("a missing row", header, Array(rows.dropLast())),
      // An id on more rows than the task allows (`submission.rows_per_id`, else one); where
      // each row is one object, the same object twice on one image.
      MetricCatalogue.objectRowMetrics.contains(grader.metric.name)
        ? (
          "one object twice on an image", header,
          rows
            + [[String]](
              repeating: rows[0].enumerated().map { $0 == idIndex ? $1 : "1 1" }, count: 2)
        )
        : (
          "a duplicated id", header,
          rows + [[String]](repeating: rows[0], count: max(1, spec.rowsPerId ?? 1))
        ),
      (
        "an unknown id", header,
        [rows[0].enumerated().map { $0 == idIndex ? "dojo-unknown-id" : $1 }] + rows.dropFirst()
      ),
      (
        "a missing target column",
        header.enumerated().filter { $0.offset != header.count - 1 || header.count == 1 }.map(
          \.element),
        rows.map { Array($0.dropLast()) }
      ),
    ]
    // NaN is refused where numbers or known labels are due; in a ranked list, free text or
    // an open label set (no class list) it is just a (wrong) item.
    let shape = grader.metric.definition.shape
    if numeric.contains(shape) || (shape == .label && spec.classes != nil) {
      cases.append(
        (
          "a NaN", header,
          [rows[0].enumerated().map { $0 == firstPrediction ? "NaN" : $1 }] + rows.dropFirst()
        ))
    }
    if numeric.contains(shape) {
      cases.append(
        (
          "a non-numeric value", header,
          [rows[0].enumerated().map { $0 == firstPrediction ? "not-a-number" : $1 }]
            + rows.dropFirst()
        ))
    }
    var problems: [String] = []
    for (k, (name, head, body)) in cases.enumerated() {
      let url = scratch.appendingPathComponent("refusal-\(k).csv")
      try Self.writeCSV(head, body, to: url)
      let report = grader.grade(submission: url)
      switch report.error?.kind {
      case .invalidSubmission?: continue
      case .graderError?:
        problems.append("\(name) caused a grader error: \(report.error?.message ?? "")")
      case nil:
        problems.append(
          "\(name) was graded (\(report.score.map(Self.format) ?? "-")) instead of refused")
      }
    }
    let empty = scratch.appendingPathComponent("refusal-empty.csv")
    try AtomicFiles.write(Data(), to: empty)
    if grader.grade(submission: empty).error?.kind != .invalidSubmission {
      problems.append("an empty file was not refused as invalid")
    }
    // Row order must not matter: the sample, reversed, grades the same.
    let sampleScore = grader.grade(submission: layout.sampleSubmission).score
    rows.reverse()
    let shuffled = scratch.appendingPathComponent("shuffled.csv")
    try Self.writeCSV(header, rows, to: shuffled)
    let shuffledScore = grader.grade(submission: shuffled).score
    if sampleScore != shuffledScore {
      problems.append(
        "the sample with its rows reversed grades \(shuffledScore.map(Self.format) ?? "invalid"), not \(sampleScore.map(Self.format) ?? "-")"
      )
    }
    if !problems.isEmpty { return .fail(problems.joined(separator: "; ")) }
    return .pass("\(cases.count + 1) broken submissions refused; reversed rows grade the same")
  }

  static func writeCSV(_ header: [String], _ rows: [[String]], to url: URL) throws {
    let writer = try CSVWriter(url: url)
    try writer.write(fields: header)
    for row in rows { try writer.write(fields: row) }
    try writer.finish()
  }

  // MARK: - 5. Leaks

  /// Nothing of the answers reaches `public/`: every check of ``LeakCheck/audit`` over the
  /// task's listed files (every train and test table, in any format).
  func leaks(_ findings: ValidationFindings) throws -> Verdict {
    let spec: TaskSpec
    let files: [TaskFile]
    let duplicates: [LeakCheck.DuplicateFinding]
    do {
      spec = try readSpec()
      files = try TaskFileList.read(layout)
      duplicates = try LeakCheck.duplicates(
        layout, files: files, idColumn: spec.idColumn, targets: spec.targets)
      findings.duplicates = duplicates
    } catch let error as DojoError {
      findings.duplicatesMissing = "the tables could not be compared: \(error.message)"
      throw error
    }
    let idsInTrain = spec.idsInTrain ?? false
    let notes =
      try LeakCheck.audit(
        layout, files: files, idColumn: spec.idColumn, targets: spec.targets,
        duplicates: duplicates, duplicateLimit: settings.limit, idsInTrain: idsInTrain)
      + (idsInTrain ? ["test ids appear in train by design (answers.ids_in_train)"] : [])
    let tables = files.filter { $0.role == .trainTable || $0.role == .testTable }.map(\.path)
    let checked =
      tables.isEmpty
      ? "no train or test table is listed" : "tables checked: \(tables.joined(separator: ", "))"
    return .pass((["no answer reaches public/ (\(checked))"] + notes).joined(separator: "; "))
  }

  // MARK: - 6. Determinism

  func determinism(_ scratch: URL) throws -> Verdict {
    guard let manifest else { return .skip(noManifest + "; cannot prepare again") }
    guard let raw else {
      return .skip(
        "no unpacked archive: " + (rawMissing ?? "none was given") + "; cannot prepare again")
    }
    let spec = try readSpec()
    let again = try Preparer(manifest, python: python).prepare(
      raw: raw, curated: scratch.appendingPathComponent("again"), pageMarkdown: pageMarkdown,
      force: true, kaggleLeaderboard: kaggleLeaderboard)
    if again.version != spec.version {
      return .fail(
        "preparing again gives version \(again.version), not \(spec.version): the inputs changed")
    }
    let skip: (String) -> Bool = { $0 == "report.json" || $0.hasPrefix(".") }
    let mine = try FileTree.entries(under: layout.root, skip: skip)
    let theirs = try FileTree.entries(under: again.layout.root, skip: skip)
    if mine != theirs {
      let a = Dictionary(uniqueKeysWithValues: mine.map { ($0.path, $0.sha256) })
      let b = Dictionary(uniqueKeysWithValues: theirs.map { ($0.path, $0.sha256) })
      let differing = Set(a.keys).union(b.keys).filter { a[$0] != b[$0] }.sorted()
      return .fail(
        "preparing again changes \(differing.prefix(5).joined(separator: ", ")): the split is not deterministic"
      )
    }
    return .pass("prepared again: \(mine.count) files byte-identical")
  }

  // MARK: - 7. Leaderboard sanity

  func leaderboard() throws -> Verdict {
    let spec = try readSpec()
    if spec.leaderboards.isEmpty { return .skip("the task has no leaderboard") }
    let range = MetricRange.of(spec.metric)
    var notes: [String] = []
    for name in spec.leaderboards {
      let board = try Leaderboard.read(layout.privateDir.appendingPathComponent(name))
      guard let best = board.scores.first else { return .fail("\(name) has no scores") }
      for (i, pair) in zip(board.scores, board.scores.dropFirst()).enumerated() {
        let ordered = spec.lowerIsBetter ? pair.0 <= pair.1 : pair.0 >= pair.1
        if !ordered {
          return .fail(
            "\(name) is not ordered \(spec.lowerIsBetter ? "lowest" : "highest") first (entry \(i + 2): \(Self.format(pair.1)) after \(Self.format(pair.0))); is the metric's direction right?"
          )
        }
      }
      if !range.contains(best) || !(board.scores.last.map(range.contains) ?? true) {
        return .fail(
          "\(name): scores \(Self.format(best))...\(Self.format(board.scores.last ?? best)) are impossible for \(spec.metric.name) (range \(range.lower)...\(range.upper))"
        )
      }
      notes.append("\(name): \(board.scores.count) entries, best \(Self.format(best))")
    }
    return .pass(notes.joined(separator: "; "))
  }

  static func format(_ x: Double) -> String {
    x == x.rounded() && abs(x) < 1e12 ? String(Int64(x)) : String(format: "%.6g", x)
  }
}
