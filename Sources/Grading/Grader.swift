public import DojoCore
public import Foundation
internal import Tabular

/// The grader synthesized from a task's metric spec: checks a submission against the answers
/// and `task.json`, scores it, and places the score on the human leaderboard.
///
/// Three outcomes are kept apart: an invalid submission (`.invalidSubmission`: the agent's
/// fault, with the line, column and value), a grader error (`.graderError`: the task or Dojo
/// is at fault), and a score.
public struct Grader: Sendable {
  /// The task's `private/task.json`.
  public let task: TaskSpec
  /// The resolved metric.
  public let metric: ResolvedMetric
  /// The answers file.
  public let answersURL: URL
  /// The leaderboard files, public first.
  public let leaderboardURLs: [URL]

  /// A submission is refused unread above this many bytes: 20 times the answers plus 10 MB,
  /// far more than any honest submission needs.
  public var sizeLimit: Int64 {
    20 * Self.fileSize(answersURL) + 10_000_000
  }

  /// A file's size by `stat` (0 when it cannot be had): FileManager's attributes also look
  /// up the owner's and group's names in /etc/passwd and /etc/group, twice a grade.
  static func fileSize(_ url: URL) -> Int64 {
    var info = stat()
    return stat(url.path, &info) == 0 ? Int64(info.st_size) : 0
  }

  /// Loads a prepared task: `private/task.json`, the answers and leaderboards it names.
  ///
  /// - Throws: ``DojoError`` `.graderError` when `task.json` is missing or unreadable or its
  ///   metric spec does not resolve.
  public init(taskDirectory: URL) throws {
    let layout = TaskLayout(root: taskDirectory)
    let privateDir = layout.privateDir
    let specURL = layout.taskFile
    guard let data = FileManager.default.contents(atPath: specURL.path) else {
      throw DojoError(
        .graderError,
        "\(specURL.path) does not exist; is \(taskDirectory.path) a prepared task folder?")
    }
    let task: TaskSpec
    do {
      task = try JSONDecoder().decode(TaskSpec.self, from: data)
    } catch {
      throw DojoError(
        .graderError, "\(specURL.path) is not a valid task.json (\(error)); prepare the task again")
    }
    try self.init(
      task: task, answers: privateDir.appendingPathComponent(task.answers),
      leaderboards: task.leaderboards.map { privateDir.appendingPathComponent($0) })
  }

  /// A grader for a task spec and explicit files (used by `dojo metric` and tests).
  public init(task: TaskSpec, answers: URL, leaderboards: [URL] = []) throws {
    self.task = task
    self.answersURL = answers
    self.leaderboardURLs = leaderboards
    do {
      metric = try MetricCatalogue.resolve(task.metric)
    } catch let error as DojoError {
      throw DojoError(.graderError, "task \(task.id): \(error.message)")
    }
  }

  /// Checks and scores a submission.
  ///
  /// Errors name rows by their line in the file (the header is line 1), which is exact unless
  /// a quoted field spans lines.
  ///
  /// - Throws: ``DojoError`` `.invalidSubmission` for the submission's faults, `.graderError`
  ///   for everything else.
  public func score(submission: URL) throws -> Double {
    var isFolder: ObjCBool = false
    if FileManager.default.fileExists(atPath: submission.path, isDirectory: &isFolder),
      isFolder.boolValue
    {
      let inside = submission.appendingPathComponent("submission.csv")
      throw DojoError(
        .invalidSubmission,
        "\(submission.path) is a folder, not a submission file: give the CSV itself"
          + (FileManager.default.fileExists(atPath: inside.path) ? " (\(inside.path))" : ""))
    }
    do {
      // The answers and the submission are read and indexed side by side, on two cores.
      let reading = BackgroundJob("dojo-answers") { [self] in try readAnswers() }
      let table: Table
      do {
        // Only an error message needs the answers' row count: it waits for them then.
        table = try readSubmission(submission) {
          (try? reading.wait())?.table.rowCount ?? task.testRows
        }
      } catch {
        _ = try? reading.wait()
        throw error
      }
      let early = EarlyCells(table, task: task, metric: metric)
      return try score(table, answers: try reading.wait(), early: early)
    } catch let error as DojoError where error.code == .invalidSubmission {
      throw error
    } catch let error as DojoError where error.code == .graderError {
      throw error
    } catch let error as DojoError {
      throw DojoError(.graderError, error.message, cause: error)
    } catch {
      throw DojoError(.graderError, "grading failed: \(error)")
    }
  }

  /// Grades a submission into a report; never throws. An invalid submission and a grader
  /// error are reports too, told apart by ``GradeReport/error``.
  public func grade(submission: URL) -> GradeReport {
    let score: Double
    do {
      score = try self.score(submission: submission)
    } catch let error as DojoError {
      return GradeReport(
        task: task.id, lowerIsBetter: task.lowerIsBetter,
        error: .init(
          kind: error.code == .invalidSubmission ? .invalidSubmission : .graderError,
          message: error.message))
    } catch {
      return GradeReport(
        task: task.id, lowerIsBetter: task.lowerIsBetter,
        error: .init(kind: .graderError, message: "\(error)"))
    }
    do {
      let boards = try leaderboardURLs.map { try Leaderboard.read($0) }
      let placement = Placement.place(
        score: score, on: boards, lowerIsBetter: task.lowerIsBetter)
      return GradeReport(
        task: task.id, lowerIsBetter: task.lowerIsBetter, score: score, placement: placement)
    } catch let error as DojoError {
      return GradeReport(
        task: task.id, lowerIsBetter: task.lowerIsBetter, score: score,
        error: .init(kind: .graderError, message: "leaderboard: \(error.message)"))
    } catch {
      return GradeReport(
        task: task.id, lowerIsBetter: task.lowerIsBetter, score: score,
        error: .init(kind: .graderError, message: "leaderboard: \(error)"))
    }
  }

  // MARK: - Reading

  struct Answers {
    var table: Table
    var id: Int
    var index: AnswerIndex
    /// The metric's truth columns in answers order, in the form the metric reads them, made
    /// while the submission is still being read; nil when the answers lack one (scoring then
    /// says which).
    var truth: TruthCells?
  }

  private func readAnswers() throws -> Answers {
    let table: Table
    do {
      table = try Table.read(answersURL)
    } catch let error as DojoError {
      // The reader's message may quote an answers cell; agents read this message, so it
      // names the file only and keeps the reader's error as the cause.
      throw DojoError(
        .graderError,
        "answers \(answersURL.lastPathComponent) cannot be read as a table; prepare the task again",
        cause: error)
    }
    guard let id = table.index(of: task.idColumn) else {
      throw DojoError(
        .graderError, "answers \(answersURL.path) have no id column \"\(task.idColumn)\"")
    }
    guard table.rowCount > 0 else {
      throw DojoError(.graderError, "answers \(answersURL.path) have no rows")
    }
    let columns = (try? SubmissionLayout.truthColumns(metric, targets: task.targets))?.map {
      table.index(of: $0)
    }
    // The truth is made beside the index, on a thread of its own.
    let form = TruthCells.Form(metric)
    let truth = columns.flatMap { columns in
      columns.contains(nil)
        ? nil
        : BackgroundJob("dojo-truth") {
          TruthCells(table, columns: columns.map { $0! }, form: form)
        }
    }
    let index: AnswerIndex
    do {
      index = try AnswerIndex(table, column: id)
    } catch {
      _ = try? truth?.wait()
      throw error
    }
    return Answers(table: table, id: id, index: index, truth: try truth?.wait())
  }

  /// Reads the submission as a table, refusing what is not a CSV before parsing it.
  func readSubmission(_ url: URL, answerRows: () -> Int) throws -> Table {
    let name = url.lastPathComponent
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory),
      !isDirectory.boolValue
    else {
      throw DojoError(.invalidSubmission, "\(url.path): no such file; write the submission CSV")
    }
    let size = Self.fileSize(url)
    let limit = sizeLimit
    if size > limit {
      throw DojoError(
        .invalidSubmission,
        "\(name): is \(size) bytes, over the limit of \(limit) (20 times the answers plus 10 MB); a submission holds one row per test id (\(answerRows()))"
      )
    }
    // Blank or binary? The blank check stops at the first other byte and memchr looks for
    // a NUL a vector at a time: a byte loop over the whole file cost a tenth of a grade. The
    // bytes are looked at where the table reads them, so the file is read and copied once.
    let table: Table
    do {
      table = try Table.read(url) { bytes in
        let start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        let hasNUL = bytes.baseAddress.map { memchr($0, 0, bytes.count) != nil } ?? false
        let blank =
          !bytes[start...].contains { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }
        if blank && !hasNUL {
          throw DojoError(
            .invalidSubmission,
            "\(name): is empty; expected a header line and one row per test id (\(answerRows()))")
        }
        if hasNUL {
          throw DojoError(
            .invalidSubmission, "\(name): holds NUL bytes, so it is a binary file, not a CSV")
        }
      }
    } catch let error as DojoError where error.code == .invalidSubmission {
      throw error
    } catch let error as DojoError where error.code == .notFound || error.code == .io {
      throw DojoError(.invalidSubmission, "\(name): cannot be read")
    } catch let error as DojoError {
      throw DojoError(.invalidSubmission, error.message)
    }
    if table.rowCount == 0 {
      throw DojoError(
        .invalidSubmission,
        "\(name): has a header but no rows; expected one row per test id (\(answerRows()))")
    }
    return table
  }

  // MARK: - Checking and scoring

  private func score(_ sub: Table, answers: Answers, early: EarlyCells) throws -> Double {
    let classes = task.classes
    let columns: [String]
    let truthNames: [String]
    do {
      columns = try SubmissionLayout.layout(metric, targets: task.targets, classes: classes)
      truthNames = try SubmissionLayout.truthColumns(metric, targets: task.targets)
    } catch let error as DojoError {
      throw DojoError(.graderError, "task \(task.id): \(error.message)")
    }
    // task.json keeps the sample submission's column order; only the set must agree.
    if Set(columns) != Set(task.submissionColumns) || columns.count != task.submissionColumns.count
    {
      throw DojoError(
        .graderError,
        "task \(task.id): task.json lists submission columns \(task.submissionColumns.joined(separator: ", ")) but \(metric.name) needs \(columns.joined(separator: ", ")); prepare again"
      )
    }
    let expected = [task.idColumn] + columns
    let quotedExpected = expected.map { "\"\($0)\"" }.joined(separator: ", ")

    // Header: every column once, the id and each submission column present, nothing else.
    var seen: Set<String> = []
    for column in sub.header where !seen.insert(column).inserted {
      throw DojoError(
        .invalidSubmission,
        "row 1: column \"\(column)\" appears twice in the header; the submission holds \(quotedExpected)"
      )
    }
    if let missing = expected.first(where: { sub.index(of: $0) == nil }) {
      let what = missing == task.idColumn ? "the id column" : "column"
      throw DojoError(
        .invalidSubmission,
        "row 1: \(what) \"\(missing)\" is missing (the header is \(sub.header.map { "\"\($0)\"" }.joined(separator: ", ")); the submission holds \(quotedExpected))"
      )
    }
    // The page's own format may hold columns that are never scored: they may be present.
    let unscored = task.unscoredColumns ?? []
    let extra = sub.header.filter { !expected.contains($0) && !unscored.contains($0) }
    if !extra.isEmpty {
      let may =
        unscored.isEmpty
        ? "" : " (and may hold \(unscored.map { "\"\($0)\"" }.joined(separator: ", ")), not scored)"
      throw DojoError(
        .invalidSubmission,
        "row 1: unexpected column\(extra.count == 1 ? "" : "s") \(extra.map { "\"\($0)\"" }.joined(separator: ", ")); the submission holds exactly \(quotedExpected)\(may)"
      )
    }

    // The join: each answer row gets exactly one submission row, or up to `rowsPerId` rows
    // when the page lists a ranked prediction per row (their cells then join in file order).
    let idColumn = sub.index(of: task.idColumn)!
    let n = answers.table.rowCount
    // An object metric (Airbus) takes one row per object, as many as the image has.
    let objectRows = MetricCatalogue.objectRowMetrics.contains(metric.name)
    let perId = objectRows ? Int.max : max(1, task.rowsPerId ?? 1)
    guard perId == 1 || objectRows || metric.definition.shape == .ranking else {
      throw DojoError(
        .graderError,
        "task \(task.id): rows_per_id \(perId) needs a ranked-list metric, not \(metric.name); prepare again"
      )
    }
    // Submission row → its answer row: the only array the join writes a row at a time. Its
    // inverse (answer row → submission row) would be a write to a random place per row of a
    // shuffled file; it is made only where an error message or a ranked list needs it.
    // (Made by the join itself when each id has one row; allocated here only for the
    // sequential join of ranked lists and object rows.)
    var answerRow: [Int] = []
    // Answer row → the submission rows after its first, in file order (rows_per_id only).
    var laterRows: [Int: [Int]] = [:]
    var laterCount = 0
    var index = answers.index
    guard sub.rowCount < Int(Int32.max) / 2 else {
      throw DojoError(.invalidSubmission, "the submission has too many rows (\(sub.rowCount))")
    }
    // One row per id: the join runs on two threads (``AnswerIndex/claimAll(_:column:)``).
    // Ranked lists and object rows extend an id's first row with the rows after it, in file
    // order, which the sequential loop below keeps.
    if perId == 1 {
      let joined = index.claimAll(sub, column: idColumn, integers: early.ids)
      answerRow = joined.answerRow
      switch joined.problem {
      case .unknown(let row):
        throw unknownID(sub, row: row, column: idColumn)
      case .taken(let row, let first):
        throw repeatedID(
          sub, row: row, first: first, column: idColumn, rule: "each id goes on one row")
      case nil:
        break
      }
    } else {
      answerRow = HugePages.array(count: sub.rowCount) { $0.initialize(repeating: -1) }
      var batchSlots = [Int](repeating: -1, count: 256)
      for row in 0..<sub.rowCount {
        if row % batchSlots.count == 0 {
          for r in row..<min(row + batchSlots.count, sub.rowCount) {
            batchSlots[r - row] = index.slot(sub, row: r, column: idColumn)
          }
        }
        switch index.claim(slot: batchSlots[row % batchSlots.count], row: row) {
        case .row(let a):
          answerRow[row] = a
        case .unknown:
          throw unknownID(sub, row: row, column: idColumn)
        case .taken(let first):
          let a = answerRow[first]
          if a >= 0, laterRows[a, default: []].count + 1 < perId {
            laterRows[a, default: []].append(row)
            answerRow[row] = a
            laterCount += 1
            continue
          }
          throw repeatedID(
            sub, row: row, first: first, column: idColumn,
            rule: "each id goes on at most \(perId) rows")
        }
      }
    }
    if objectRows {
      // Each object is one row: a cell holding the separator would pass for several.
      for c in columns.map({ sub.index(of: $0)! }) {
        for row in 0..<sub.rowCount
        where sub.string(row: row, column: c).contains(Metrics.objectSeparator) {
          throw DojoError(
            .invalidSubmission,
            "row \(sub.line(ofRow: row)): column \"\(sub.header[c])\" holds \"\(Metrics.objectSeparator)\"; each object goes on its own row, as start length pairs"
          )
        }
      }
    }
    let distinctIds = sub.rowCount - laterCount
    if distinctIds < n, let first = Self.firstUnclaimed(answerRows: answerRow, count: n) {
      let missing = n - distinctIds
      throw DojoError(
        .invalidSubmission,
        "column \"\(task.idColumn)\": \(missing) test id\(missing == 1 ? " is" : "s are") missing, first \"\(answers.table.string(row: first, column: answers.id))\"; the submission needs one row per test id (\(n))"
      )
    }

    // Every answer row has exactly one submission row now: `answerRow` is a permutation,
    // which the scatter below relies on to fill every cell.
    guard distinctIds == n else {
      throw DojoError(.graderError, "the join left \(distinctIds) rows for \(n) answers")
    }
    // Cells are read in file order and scattered into answers order: reading a shuffled
    // submission in answers order would miss the cache on nearly every cell of a large file.
    let columnIndex = columns.map { sub.index(of: $0)! }
    let order = answerRow
    let later = laterRows
    // The rows that extend an id's list past its first (rows_per_id, object rows).
    let laterSet = Set(later.values.joined())
    let cells = PredictedCells(
      texts: { j in
        var out = [String](repeating: "", count: n)
        for row in 0..<sub.rowCount where laterSet.isEmpty || !laterSet.contains(row) {
          out[order[row]] = sub.string(row: row, column: columnIndex[j])
        }
        // An id's further rows extend its ranked list, best first as the file orders them,
        // or add its objects.
        let separator = objectRows ? String(Metrics.objectSeparator) : " "
        for (a, rows) in later {
          let items = [out[a]] + rows.map { sub.string(row: $0, column: columnIndex[j]) }
          out[a] = items.filter { !$0.isEmpty }.joined(separator: separator)
        }
        return out
      },
      numbers: { j in
        // Parsing is most of a wide submission's time: the rows are split between two cores.
        let column = columnIndex[j]
        if laterSet.isEmpty, let parsed = early.numbers[column], parsed.count == sub.rowCount {
          return HugePages.array(count: n) { buffer in
            let out = SharedBuffer(buffer)
            RowChunks.run(sub.rowCount) { rows in
              for row in rows { out.initialize(order[row], to: parsed[row]) }
            }
          }
        }
        return HugePages.array(count: n) { buffer in
          let out = SharedBuffer(buffer)
          RowChunks.run(sub.rowCount) { rows in
            for row in rows {
              out.initialize(order[row], to: sub.double(row: row, column: column) ?? .nan)
            }
          }
        }
      },
      // One place per row: valid when every answer row has exactly one submission row.
      numberRows: laterSet.isEmpty
        ? {
          let width = columnIndex.count
          return HugePages.array(count: n * width) { buffer in
            let out = SharedBuffer(buffer)
            RowChunks.run(sub.rowCount) { rows in
              sub.forEachBlockOfNumbers(rows: rows, columns: columnIndex) { block, values in
                var i = 0
                for row in block {
                  let base = order[row] * width
                  for k in 0..<width { out.initialize(base + k, to: values[i + k]) }
                  i += width
                }
              }
            }
          }
        } : nil,
      // What a class-probability metric reads of a row, reduced as the row is read.
      rowReductions: laterSet.isEmpty
        ? { truthIndex in
          let width = columnIndex.count
          // Whether every cell was a probability.
          let valid = AllFlag()
          var truthValues: [Double] = []
          let sums = HugePages.array(count: n) { (sumBuffer: UnsafeMutableBufferPointer<Double>) in
            truthValues = HugePages.array(count: n) { truthBuffer in
              let outSums = SharedBuffer(sumBuffer)
              let outTruths = SharedBuffer(truthBuffer)
              RowChunks.run(sub.rowCount) { rows in
                var good = true
                // A row's true class sits at a random place of the answers: looked up for
                // a block of rows in a loop of loads alone, many misses overlap; looked up
                // beside each row's parse, one miss stalls each row.
                let blockRows = 1024
                let truths = UnsafeMutableBufferPointer<Int>.allocate(capacity: blockRows)
                defer { truths.deallocate() }
                sub.forEachBlockOfNumbers(rows: rows, columns: columnIndex, blockRows: blockRows) {
                  block, values in
                  for row in block { truths[row - block.lowerBound] = truthIndex[order[row]] }
                  var i = 0
                  for row in block {
                    let t = truths[row - block.lowerBound]
                    var total = 0.0
                    for k in 0..<width {
                      let v = values[i + k]
                      if !MetricData.isProbability(v) { good = false }
                      total += v
                    }
                    let a = order[row]
                    outSums.initialize(a, to: total)
                    outTruths.initialize(a, to: t >= 0 && t < width ? values[i + t] : 0)
                    i += width
                  }
                }
                if !good { valid.clear() }
              }
            }
          }
          return valid.isSet ? (sums, truthValues) : nil
        } : nil)
    // Made on the answers' thread; absent only when the answers lack a truth column.
    guard let truth = answers.truth else {
      let missing = truthNames.first { answers.table.index(of: $0) == nil } ?? ""
      throw DojoError(.graderError, "answers have no target column \"\(missing)\"; prepare again")
    }
    // Each answer row's line in the submission, made only when an error names one.
    let lines = SubmissionLines {
      var out = [Int](repeating: 0, count: n)
      for row in (0..<sub.rowCount).reversed() { out[order[row]] = sub.line(ofRow: row) }
      return out
    }
    let data = try MetricData(
      metric: metric, truth: truth, truthColumns: truthNames, cells: cells,
      predictedColumns: columns, classes: classes, submissionLines: lines)
    return try metric.evaluate(data)
  }

  /// The error for a submission row whose id is not a test id.
  private func unknownID(_ sub: Table, row: Int, column: Int) -> DojoError {
    DojoError(
      .invalidSubmission,
      "row \(sub.line(ofRow: row)): column \"\(task.idColumn)\": \"\(sub.string(row: row, column: column))\" is not an id of the test set"
    )
  }

  /// The error for a submission row whose id an earlier row (`first`) already holds.
  private func repeatedID(_ sub: Table, row: Int, first: Int, column: Int, rule: String)
    -> DojoError
  {
    DojoError(
      .invalidSubmission,
      "row \(sub.line(ofRow: row)): column \"\(task.idColumn)\": \"\(sub.string(row: row, column: column))\" appears again (first on row \(sub.line(ofRow: first))); \(rule)"
    )
  }

  /// The first answer row no submission row took, if any.
  static func firstUnclaimed(answerRows: [Int], count: Int) -> Int? {
    var taken = [Bool](repeating: false, count: count)
    for a in answerRows where a >= 0 { taken[a] = true }
    return taken.firstIndex(of: false)
  }
}

/// The outcome of grading one submission, as `dojo grade --json` prints it.
public struct GradeReport: Sendable, Equatable, Encodable {
  /// Why there is no score.
  public struct Failure: Sendable, Equatable, Encodable {
    public enum Kind: String, Sendable, Encodable {
      /// The agent's fault.
      case invalidSubmission = "invalid_submission"
      /// Ours: the task or Dojo.
      case graderError = "grader_error"
    }
    public var kind: Kind
    public var message: String

    public init(kind: Kind, message: String) {
      self.kind = kind
      self.message = message
    }
  }

  public var task: String
  public var lowerIsBetter: Bool
  public var score: Double?
  public var placement: Placement?
  public var error: Failure?

  /// Whether the submission passed every check and got a score.
  public var valid: Bool { score != nil && error?.kind != .invalidSubmission }

  public init(
    task: String, lowerIsBetter: Bool, score: Double? = nil, placement: Placement? = nil,
    error: Failure? = nil
  ) {
    self.task = task
    self.lowerIsBetter = lowerIsBetter
    self.score = score
    self.placement = placement
    self.error = error
  }

  private enum Keys: String, CodingKey {
    case task, valid, error, score, rank, thresholds
    case lowerIsBetter = "lower_is_better"
    case humanRank = "human_rank"
    case aboveMedian = "above_median"
    case gold = "gold_medal"
    case silver = "silver_medal"
    case bronze = "bronze_medal"
    case anyMedal = "any_medal"
    case leaderboardSize = "leaderboard_size"
  }

  private enum ThresholdKeys: String, CodingKey { case gold, silver, bronze, median }

  /// Every field is always present (null when unknown), so readers need no optional keys.
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: Keys.self)
    try c.encode(task, forKey: .task)
    try c.encode(valid, forKey: .valid)
    if let error { try c.encode(error, forKey: .error) } else { try c.encodeNil(forKey: .error) }
    try c.encode(score, forKey: .score)
    try c.encode(lowerIsBetter, forKey: .lowerIsBetter)
    let p = placement
    try c.encode(p?.rank, forKey: .rank)
    try c.encode(p?.humanRank, forKey: .humanRank)
    try c.encode(p?.aboveMedian ?? false, forKey: .aboveMedian)
    try c.encode(p?.gold ?? false, forKey: .gold)
    try c.encode(p?.silver ?? false, forKey: .silver)
    try c.encode(p?.bronze ?? false, forKey: .bronze)
    try c.encode(p?.anyMedal ?? false, forKey: .anyMedal)
    if let t = p?.thresholds {
      var tc = c.nestedContainer(keyedBy: ThresholdKeys.self, forKey: .thresholds)
      try tc.encode(t.gold, forKey: .gold)
      try tc.encode(t.silver, forKey: .silver)
      try tc.encode(t.bronze, forKey: .bronze)
      try tc.encode(t.median, forKey: .median)
    } else {
      try c.encodeNil(forKey: .thresholds)
    }
    try c.encode(p?.leaderboardSize, forKey: .leaderboardSize)
  }
}

/// A buffer that two threads fill at disjoint indexes (parsed cells, a join's slots and rows).
struct SharedBuffer<Element>: @unchecked Sendable {
  let base: UnsafeMutableBufferPointer<Element>
  init(_ base: UnsafeMutableBufferPointer<Element>) { self.base = base }
  func initialize(_ i: Int, to value: Element) { base.initializeElement(at: i, to: value) }
}

/// What of a submission needs no answers, made while the answers are still being read and
/// indexed (which takes longer than reading a submission of the same size): its ids as
/// canonical integers, which a numeric index looks up without parsing them again, and a
/// lone predicted column's numbers in file order, which the join then only scatters.
struct EarlyCells {
  /// The id column as ``AnswerIndex/integers(of:column:)`` gives it; nil without one.
  var ids: [Int]?
  /// By submission column: its numbers in file order, NaN where a cell did not parse.
  var numbers: [Int: [Double]] = [:]

  init(_ sub: Table, task: TaskSpec, metric: ResolvedMetric) {
    ids = sub.index(of: task.idColumn).map { AnswerIndex.integers(of: sub, column: $0) }
    // Only where each id has one row and the metric reads a single column's numbers;
    // wider submissions are parsed a row at a time into the metric's rows after the join.
    guard TruthCells.Form(metric) != .texts, (task.rowsPerId ?? 1) <= 1,
      !MetricCatalogue.objectRowMetrics.contains(metric.name),
      let columns = try? SubmissionLayout.layout(
        metric, targets: task.targets, classes: task.classes),
      columns.count == 1, let column = sub.index(of: columns[0])
    else { return }
    numbers[column] = RowChunks.numbers(sub, column: column)
  }
}
