internal import Curation
internal import DojoCore
internal import Foundation
internal import Grading
internal import Tabular

/// What the checks measured that the warnings reuse, so nothing is graded or read twice.
final class ValidationFindings {
  /// The sample submission's grade (the `sample` check's).
  var sample: GradeReport?
  /// The duplicate shares the `leaks` check measured, nil until it has.
  var duplicates: [LeakCheck.DuplicateFinding]?
  /// Why `duplicates` is nil after the checks ran.
  var duplicatesMissing: String?
}

extension Validator {
  /// A warning's outcome before it is timed.
  struct WarningVerdict {
    var status: ValidationWarning.Status
    var detail: String
    static func warned(_ d: String) -> WarningVerdict { .init(status: .warned, detail: d) }
    static func clear(_ d: String) -> WarningVerdict { .init(status: .clear, detail: d) }
    static func notRun(_ d: String) -> WarningVerdict { .init(status: .notRun, detail: d) }
  }

  /// The rows a tier-separation bootstrap draws from: every test row up to this many, else
  /// this many drawn at random and the standard error scaled from them (it shrinks as one
  /// over the square root of the rows), so a test of millions costs what one of 2,000 does:
  /// a few seconds in a debug build, where 10,000 rows took up to 50 s.
  static let bootstrapRows = 2_000
  /// Resamples per bootstrap: the standard error's own error is about 1/√(2·40), a ninth.
  static let bootstrapResamples = 40
  /// The bootstrap's seed, fixed so a report is the same on every run and machine.
  static let bootstrapSeed: UInt64 = 0xD0_1018

  /// The duplicate thresholds in force: the manifest's `validation:` section, else the
  /// defaults.
  var settings: Manifest.ValidationSettings {
    manifest?.manifest.validation ?? Manifest.ValidationSettings()
  }

  /// Runs every warning after the checks; one that throws is reported as not run with the
  /// reason, never as clear.
  func warnings(
    _ scratch: URL, _ findings: ValidationFindings, progress: (ValidationWarning) -> Void
  ) -> [ValidationWarning] {
    let warnings: [(String, () throws -> WarningVerdict)] = [
      ("baseline_medal", { try baselineMedal(scratch, findings) }),
      ("duplicates", { duplicateWarning(findings) }),
      ("tier_separation", { try tierSeparation(scratch, findings) }),
    ]
    return warnings.map { name, measure in
      let start = Date()
      let verdict: WarningVerdict
      do {
        verdict = try measure()
      } catch let error as DojoError {
        verdict = .notRun("could not be measured: \(error.message)")
      } catch {
        verdict = .notRun("could not be measured: \(error)")
      }
      let warning = ValidationWarning(
        name: name, status: verdict.status, detail: verdict.detail,
        seconds: Date().timeIntervalSince(start))
      progress(warning)
      return warning
    }
  }

  // MARK: - Baseline medal

  /// Warns when the sample submission or a constant prediction earns a medal: the board's
  /// medals would then reward doing nothing.
  func baselineMedal(_ scratch: URL, _ findings: ValidationFindings) throws -> WarningVerdict {
    let grader = try Grader(taskDirectory: layout.root)
    if grader.leaderboardURLs.isEmpty {
      return .notRun("the task has no leaderboard to place a baseline on")
    }
    let sample = findings.sample ?? grader.grade(submission: layout.sampleSubmission)
    if let error = sample.error {
      return .notRun("the sample submission does not grade: \(error.message)")
    }
    guard let sampleScore = sample.score, let samplePlace = sample.placement else {
      return .notRun("the sample submission has no place on the leaderboard")
    }
    var parts = [
      "the sample submission scores \(Self.format(sampleScore))\(Self.medal(samplePlace))"
    ]
    var medals = samplePlace.anyMedal
    let constant = try constantBaseline(grader, scratch: scratch)
    switch constant {
    case .failure(let reason):
      parts.append("no constant baseline could be graded: \(reason)")
    case .success(let (what, report)):
      guard let score = report.score, let place = report.placement else {
        return .notRun(parts.joined(separator: "; ") + "; the constant baseline has no place")
      }
      parts.append("a constant \(what) scores \(Self.format(score))\(Self.medal(place))")
      medals = medals || place.anyMedal
    }
    let bronze =
      "bronze needs \(Self.format(samplePlace.thresholds.bronze)) on \(samplePlace.leaderboardSize) entries"
    let detail = (parts + [bronze]).joined(separator: "; ")
    if medals {
      return .warned(
        detail
          + ": a submission that learns nothing earns a medal; check the leaderboard, the metric's direction and the split"
      )
    }
    if case .failure = constant { return .notRun(detail) }
    return .clear(detail)
  }

  /// ", earning silver (rank 3 of 20)", or the rank alone without a medal.
  static func medal(_ place: Placement) -> String {
    let name = place.gold ? "gold" : place.silver ? "silver" : place.bronze ? "bronze" : nil
    // A score below every entry takes the rank after the last, which is no place "of" them.
    let rank =
      place.rank > place.leaderboardSize
      ? "below all \(place.leaderboardSize) entries"
      : "rank \(place.rank) of \(place.leaderboardSize)"
    guard let name else { return " (\(rank))" }
    return ", earning \(name) (\(rank))"
  }

  enum Baseline { case success((String, GradeReport)), failure(String) }

  /// The constant baseline graded: every test id gets the same prediction, each column's
  /// mean over the perfect submission where the metric reads numbers (the positive rate,
  /// class priors, the target's mean), else its most frequent value (the majority label, the
  /// most common list). A mean the metric refuses (ratings that must be whole) falls back
  /// to the most frequent value.
  func constantBaseline(_ grader: Grader, scratch: URL) throws -> Baseline {
    let perfectURL = scratch.appendingPathComponent("baseline-perfect.csv")
    try grader.writePerfectSubmission(to: perfectURL)
    let perfect = try Table.read(perfectURL)
    guard let idIndex = perfect.index(of: grader.task.idColumn), perfect.rowCount > 0 else {
      return .failure("the perfect submission has no rows or no id column")
    }
    let numeric: Set<MetricShape> = [.probability, .classProbabilities, .value, .values]
    var attempts: [(String, [String])] = []
    let columns = perfect.header.indices.filter { $0 != idIndex }
    if numeric.contains(grader.metric.definition.shape) {
      let means = columns.map { Self.mean(perfect, column: $0) }
      if !means.contains(nil) {
        attempts.append(("prediction (each column's mean)", means.map { "\($0!)" }))
      }
    }
    attempts.append(
      (
        "prediction (each column's most frequent value)",
        columns.map { Self.mostFrequent(perfect, column: $0) }
      ))
    var refusal = ""
    for (k, (what, values)) in attempts.enumerated() {
      let url = scratch.appendingPathComponent("baseline-constant-\(k).csv")
      let rows = (0..<perfect.rowCount).map { row in
        var fields = [String](repeating: "", count: perfect.header.count)
        fields[idIndex] = perfect.string(row: row, column: idIndex)
        for (c, value) in zip(columns, values) { fields[c] = value }
        return fields
      }
      try Self.writeCSV(perfect.header, rows, to: url)
      let report = grader.grade(submission: url)
      if let error = report.error {
        refusal = error.message
        continue
      }
      return .success((what, report))
    }
    return .failure(refusal)
  }

  /// A column's mean, or nil when a cell is not a finite number.
  static func mean(_ table: Table, column: Int) -> Double? {
    var sum = 0.0
    for row in 0..<table.rowCount {
      guard let x = table.double(row: row, column: column), x.isFinite else { return nil }
      sum += x
    }
    let mean = sum / Double(table.rowCount)
    return mean.isFinite ? mean : nil
  }

  /// A column's most frequent value; ties go to the first in byte order, so it is stable.
  static func mostFrequent(_ table: Table, column: Int) -> String {
    var counts: [String: Int] = [:]
    for row in 0..<table.rowCount {
      counts[table.string(row: row, column: column), default: 0] += 1
    }
    return counts.max { a, b in
      a.value != b.value ? a.value < b.value : b.key.utf8.lexicographicallyPrecedes(a.key.utf8)
    }?.key ?? ""
  }

  // MARK: - Duplicates

  /// Warns when more test rows than `validation.duplicate_warning` repeat a train row in
  /// every feature: a model can look their answers up rather than learn them.
  func duplicateWarning(_ findings: ValidationFindings) -> WarningVerdict {
    guard let found = findings.duplicates else {
      return .notRun(findings.duplicatesMissing ?? "the leaks check did not measure duplicates")
    }
    if found.isEmpty {
      return .notRun(
        "no listed train and test tables share a feature column besides the id and targets, so their rows cannot be compared"
      )
    }
    let threshold = settings.warning
    let limit = "\(LeakCheck.percent(threshold))%, validation.duplicate_warning"
    let over = found.filter { !$0.coarse && $0.share > threshold }
    if !over.isEmpty {
      return .warned(
        over.map(\.summary).joined(separator: "; ")
          + " (above \(limit)): a model can look these rows' answers up in train; check the data for repeated rows, or split by a group that keeps them on one side"
      )
    }
    let coarse = found.filter { $0.coarse && $0.share > threshold }
    return .clear(
      found.map(\.summary).joined(separator: "; ") + " (at most \(limit))"
        + (coarse.isEmpty
          ? ""
          : "; coarse features, where repeats are expected: \(coarse.map(\.test).joined(separator: ", "))")
    )
  }

  // MARK: - Tier separation

  /// Warns when the test is too small to tell gold from bronze: the standard error of a
  /// score near gold, bootstrapped over the test rows, is above the gap between the board's
  /// gold and bronze thresholds.
  ///
  /// The submission bootstrapped scores at the gold threshold: the perfect submission on a
  /// share of the rows, the sample's on the rest, the share found by bisection. The perfect
  /// submission itself would not do: it scores perfectly on every resample, so its error is
  /// nil whatever the test's size.
  func tierSeparation(_ scratch: URL, _ findings: ValidationFindings) throws -> WarningVerdict {
    let grader = try Grader(taskDirectory: layout.root)
    if grader.leaderboardURLs.isEmpty {
      return .notRun("the task has no leaderboard, so no medal tiers to separate")
    }
    let boards = try grader.leaderboardURLs.map { try Leaderboard.read($0) }
    let lower = grader.task.lowerIsBetter
    guard let thresholds = Placement.place(score: 0, on: boards, lowerIsBetter: lower)?.thresholds
    else { return .notRun("the leaderboard has no scores") }
    let gap = abs(thresholds.gold - thresholds.bronze)
    let tiers =
      "the gold-bronze gap of \(Self.format(gap)) (gold \(Self.format(thresholds.gold)), bronze \(Self.format(thresholds.bronze)))"
    if let error = (findings.sample ?? grader.grade(submission: layout.sampleSubmission)).error {
      return .notRun("the sample submission does not grade: \(error.message)")
    }
    let perfectURL = scratch.appendingPathComponent("tiers-perfect.csv")
    try grader.writePerfectSubmission(to: perfectURL)
    let rows = try TestRows(
      answers: grader.answersURL, idColumn: grader.task.idColumn, perfect: perfectURL,
      sample: layout.sampleSubmission, limit: Self.bootstrapRows, seed: Self.bootstrapSeed)
    let score = { (picks: [Int], cut: Int, name: String) throws -> Double in
      let answers = scratch.appendingPathComponent("tiers-answers-\(name).csv")
      let submission = scratch.appendingPathComponent("tiers-submission-\(name).csv")
      try rows.write(picks: picks, perfectBelow: cut, answers: answers, submission: submission)
      return try Grader(task: grader.task, answers: answers).score(submission: submission)
    }
    func reaches(_ s: Double) -> Bool { lower ? s <= thresholds.gold : s >= thresholds.gold }
    // The fewest perfect rows whose mix reaches gold (the sample alone may already).
    let all = Array(0..<rows.count)
    var low = 0
    var high = rows.count
    var mixScore = try score(all, high, "mix")
    let sampleOnly = try score(all, 0, "mix")
    if reaches(sampleOnly) {
      high = 0
      mixScore = sampleOnly
    }
    // A score within a hundredth of the rows of the crossing is near enough to gold.
    while high - low > max(1, rows.count / 100) {
      let mid = low + (high - low) / 2
      let s = try score(all, mid, "mix")
      if reaches(s) {
        high = mid
        mixScore = s
      } else {
        low = mid
      }
    }
    var generator = SeededGenerator(seed: Self.bootstrapSeed)
    var scores: [Double] = []
    var refusal: String?
    for b in 0..<Self.bootstrapResamples {
      let picks = (0..<rows.count).map { _ in generator.below(rows.count) }
      do {
        let s = try score(picks, high, "\(b)")
        if s.isFinite { scores.append(s) }
      } catch let error as DojoError {
        // A resample can leave the metric undefined (one class only, for ROC AUC).
        refusal = refusal ?? error.message
      }
    }
    guard scores.count * 2 >= Self.bootstrapResamples, scores.count >= 2 else {
      return .notRun(
        "only \(scores.count) of \(Self.bootstrapResamples) bootstrap resamples could be graded: \(refusal ?? "non-finite scores")"
      )
    }
    let mean = scores.reduce(0, +) / Double(scores.count)
    let variance =
      scores.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(scores.count - 1)
    let error = variance.squareRoot() * (Double(rows.count) / Double(rows.total)).squareRoot()
    let sampled =
      rows.count == rows.total
      ? "\(rows.total) test rows" : "\(rows.count) of \(rows.total) test rows, scaled"
    let measured =
      "the score's standard error is \(Self.format(error)) (\(scores.count) bootstrap resamples of \(sampled), for a submission scoring \(Self.format(mixScore)), near gold)"
    if gap == 0 {
      return .warned(
        "\(tiers): gold and bronze need the same score, so the board cannot separate them; \(measured)"
      )
    }
    if error > gap {
      return .warned(
        "\(measured) exceeds \(tiers): the test side is too small to tell medal tiers apart; a larger test_fraction or test_rows would separate them"
      )
    }
    return .clear("\(measured), below \(tiers)")
  }
}

/// The test rows a tier bootstrap resamples: each answers row with the perfect and the
/// sample submission's rows for its id. A resample is written as a task of its own, every
/// row under a fresh id (`r0`, `r1`, ...), so a row drawn twice is two rows and the real
/// grader scores it: no metric is reimplemented for the bootstrap.
struct TestRows {
  let answersHeader: [String]
  let answersID: Int
  let submissionHeader: [String]
  let submissionID: Int
  /// The chosen answers rows' fields.
  var answers: [[String]] = []
  /// Per chosen row, its rows in the perfect and in the sample submission (several where
  /// the task lists a ranked prediction per row).
  var perfect: [[[String]]] = []
  var sample: [[[String]]] = []
  /// Per chosen row, its place in a seeded order: the rows below a cut take the perfect
  /// prediction.
  var rank: [Int] = []
  /// All test rows.
  let total: Int
  var count: Int { answers.count }

  init(answers: URL, idColumn: String, perfect: URL, sample: URL, limit: Int, seed: UInt64) throws {
    let table = try Table.read(answers)
    let perfectTable = try Table.read(perfect)
    let sampleTable = try Table.read(sample)
    guard let a = table.index(of: idColumn), let p = perfectTable.index(of: idColumn),
      let s = sampleTable.index(of: idColumn)
    else { throw DojoError(.invalidData, "the answers or a submission have no id column") }
    answersHeader = table.header
    answersID = a
    submissionHeader = sampleTable.header
    submissionID = s
    total = table.rowCount
    guard total > 1 else { throw DojoError(.invalidData, "the test has \(total) row") }
    var generator = SeededGenerator(seed: seed)
    let chosen = Self.choose(limit, of: total, &generator)
    var slot: [String: Int] = [:]
    for (k, row) in chosen.enumerated() {
      self.answers.append(table.header.indices.map { table.string(row: row, column: $0) })
      slot[table.string(row: row, column: a)] = k
    }
    // The perfect submission's columns in the sample's order; a column only the sample has
    // (one the grader does not score) stays empty.
    let fromPerfect = sampleTable.header.map { perfectTable.index(of: $0) }
    self.perfect = Array(repeating: [], count: chosen.count)
    for row in 0..<perfectTable.rowCount {
      guard let k = slot[perfectTable.string(row: row, column: p)] else { continue }
      self.perfect[k].append(
        fromPerfect.map { $0.map { perfectTable.string(row: row, column: $0) } ?? "" })
    }
    self.sample = Array(repeating: [], count: chosen.count)
    for row in 0..<sampleTable.rowCount {
      guard let k = slot[sampleTable.string(row: row, column: s)] else { continue }
      self.sample[k].append(
        sampleTable.header.indices.map { sampleTable.string(row: row, column: $0) })
    }
    if let k = self.perfect.indices.first(where: {
      self.perfect[$0].isEmpty || self.sample[$0].isEmpty
    }) {
      throw DojoError(
        .invalidData,
        "test id \"\(self.answers[k][a])\" is missing from the perfect or the sample submission")
    }
    var order = Array(0..<chosen.count)
    generator.shuffle(&order)
    rank = [Int](repeating: 0, count: chosen.count)
    for (r, k) in order.enumerated() { rank[k] = r }
  }

  /// `limit` distinct rows of `total`, ascending: all of them when they are fewer, else
  /// Floyd's sample, which draws only `limit` numbers however large `total` is.
  static func choose(_ limit: Int, of total: Int, _ generator: inout SeededGenerator) -> [Int] {
    guard total > limit else { return Array(0..<total) }
    var picked = Set<Int>()
    for j in (total - limit)..<total {
      let t = generator.below(j + 1)
      picked.insert(picked.contains(t) ? j : t)
    }
    return picked.sorted()
  }

  /// Writes the answers of the rows `picks` names (a row may repeat) and a submission for
  /// them: the perfect prediction for rows ranked below `perfectBelow`, the sample's for
  /// the rest.
  func write(picks: [Int], perfectBelow cut: Int, answers: URL, submission: URL) throws {
    let answersOut = try CSVWriter(url: answers)
    let submissionOut = try CSVWriter(url: submission)
    try answersOut.write(fields: answersHeader)
    try submissionOut.write(fields: submissionHeader)
    for (i, k) in picks.enumerated() {
      let id = "r\(i)"
      var fields = self.answers[k]
      fields[answersID] = id
      try answersOut.write(fields: fields)
      for row in rank[k] < cut ? perfect[k] : sample[k] {
        var fields = row
        fields[submissionID] = id
        try submissionOut.write(fields: fields)
      }
    }
    try answersOut.finish()
    try submissionOut.finish()
  }
}
