import Foundation

/// A competition's manifest: everything MLE-bench and MLE-Dojo put into a hand-written
/// `prepare.py` and `grade.py`, as data (`manifests/<id>/manifest.yaml`).
///
/// Field names are snake_case in YAML. Every key is checked: unknown keys and values of the
/// wrong kind are refused by ``ManifestLoader`` with the file, line and key path.
public struct Manifest: Codable, Sendable, Equatable {
  /// The competition's slug as Kaggle spells it: letters, digits, dots, underscores, dashes.
  public var id: String
  /// The human title.
  public var title: String
  /// The kind of data, for grouping tasks in reports (`Tabular`, `NLP`, `Computer Vision`,
  /// `Audio`, ...); free text.
  public var category: String?
  /// Where the archive comes from.
  public var source: Source
  /// Where the competition page comes from (defaults to Kaggle's overview for Kaggle sources).
  public var page: Page?
  /// Where things are inside the unpacked archive.
  public var files: Files
  /// How the labelled rows are split into a new train and test.
  public var split: Split
  /// The id and target columns of the answers.
  public var answers: Answers
  /// The metric spec the grader is synthesized from.
  public var metric: MetricSpec
  /// The human leaderboard(s) scores are placed on.
  public var leaderboard: Leaderboard?
  /// A reference solution that validation runs and checks.
  public var reference: Reference?
  /// Media files (images, audio) keyed by a column, moved with their rows by the split.
  /// Media files that travel with their rows; empty when the task has none. The manifest
  /// writes one mapping, or a list when rows name files in several folders.
  public var media: [Media]
  /// How `files.train` is read (delimiter, encoding, synthesised ids, row filters); see
  /// TableSpec.swift.
  public var table: Table?
  /// What the split writes to `public/` (file names, columns left out of the test table).
  public var publicFiles: PublicFiles?
  /// Unpack limits for one competition's archive, where its published size passes the
  /// defaults (each absent key keeps the default). Sizes are in GiB.
  public struct Unpack: Codable, Sendable, Equatable {
    /// The most entries (files, folders, links) across the archive and the ones inside it.
    public var maxEntries: Int?
    /// The largest single file, in GiB.
    public var maxFileGB: Double?
    /// The most bytes written in total, in GiB.
    public var maxTotalGB: Double?

    enum CodingKeys: String, CodingKey, CaseIterable {
      case maxEntries = "max_entries"
      case maxFileGB = "max_file_gb"
      case maxTotalGB = "max_total_gb"
    }

    public init(maxEntries: Int? = nil, maxFileGB: Double? = nil, maxTotalGB: Double? = nil) {
      self.maxEntries = maxEntries
      self.maxFileGB = maxFileGB
      self.maxTotalGB = maxTotalGB
    }

    public init(from decoder: any Decoder) throws {
      try decoder.rejectUnknownKeys(CodingKeys.self)
      let c = try decoder.container(keyedBy: CodingKeys.self)
      maxEntries = try c.decodeIfPresent(Int.self, forKey: .maxEntries)
      maxFileGB = try c.decodeIfPresent(Double.self, forKey: .maxFileGB)
      maxTotalGB = try c.decodeIfPresent(Double.self, forKey: .maxTotalGB)
      if let n = maxEntries, n < 1 {
        throw decoder.fail(CodingKeys.maxEntries, "must be a whole number of at least 1")
      }
      // 8 EiB is Int64's limit in bytes; a size beyond 2^32 GiB cannot be counted.
      for (key, value) in [(CodingKeys.maxFileGB, maxFileGB), (.maxTotalGB, maxTotalGB)] {
        if let v = value, !(v > 0 && v < 0x1p32) {
          throw decoder.fail(key, "must be a number of GiB above 0 (got \(v))")
        }
      }
    }
  }

  /// The submission's format where the page's differs from the default (unscored columns,
  /// several rows per id).
  public var submission: Submission?
  /// Unpack limits for an archive larger than the defaults allow (`unpack:`).
  public var unpack: Unpack?
  /// Thresholds of `dojo validate`'s checks and warnings (`validation:`); nil keeps the
  /// defaults.
  public var validation: ValidationSettings?

  /// Thresholds of `dojo validate` for one competition, where its data warrants others than
  /// the defaults (each absent key keeps its default).
  public struct ValidationSettings: Codable, Sendable, Equatable {
    /// Validation warns when more than this share of test rows has an exact feature
    /// duplicate (every column but the id and targets equal) in train.
    public var duplicateWarning: Double?
    /// The leaks check fails when more than this share has one: a model could look most of
    /// the test's answers up in train.
    public var duplicateLimit: Double?

    /// 10%: a random split of data without repeated rows gives almost none, so a tenth
    /// means the data repeats itself (or leaks) enough to reward memorising train.
    public static let defaultDuplicateWarning = 0.1
    /// 50%: past half the test, looking answers up beats most models.
    public static let defaultDuplicateLimit = 0.5

    enum CodingKeys: String, CodingKey, CaseIterable {
      case duplicateWarning = "duplicate_warning"
      case duplicateLimit = "duplicate_limit"
    }

    public init(duplicateWarning: Double? = nil, duplicateLimit: Double? = nil) {
      self.duplicateWarning = duplicateWarning
      self.duplicateLimit = duplicateLimit
    }

    public init(from decoder: any Decoder) throws {
      try decoder.rejectUnknownKeys(CodingKeys.self)
      let c = try decoder.container(keyedBy: CodingKeys.self)
      for key in CodingKeys.allCases {
        let value: Double?
        do {
          value = try c.decodeIfPresent(Double.self, forKey: key)
        } catch {
          throw decoder.fail(key, "must be a share of test rows between 0 and 1")
        }
        if let v = value, !(v >= 0 && v <= 1) {
          throw decoder.fail(key, "must be a share of test rows between 0 and 1 (got \(v))")
        }
        switch key {
        case .duplicateWarning: duplicateWarning = value
        case .duplicateLimit: duplicateLimit = value
        }
      }
      if let warning = duplicateWarning, let limit = duplicateLimit, warning > limit {
        throw decoder.fail(
          CodingKeys.duplicateWarning,
          "(\(warning)) is above duplicate_limit (\(limit)); a warning must come before the failure"
        )
      }
    }

    /// The share above which validation warns.
    public var warning: Double { duplicateWarning ?? Self.defaultDuplicateWarning }
    /// The share above which the leaks check fails.
    public var limit: Double { duplicateLimit ?? Self.defaultDuplicateLimit }
  }

  enum CodingKeys: String, CodingKey, CaseIterable {
    case id, title, category, source, page, files, split, answers, metric, leaderboard, reference
    case media, table, submission, unpack, validation
    case publicFiles = "public"
  }

  public init(
    id: String, title: String, source: Source, page: Page? = nil, files: Files, split: Split,
    answers: Answers, metric: MetricSpec, leaderboard: Leaderboard? = nil,
    reference: Reference? = nil, media: [Media] = [], category: String? = nil,
    table: Table? = nil, publicFiles: PublicFiles? = nil, submission: Submission? = nil
  ) {
    self.submission = submission
    self.unpack = nil
    self.validation = nil
    self.id = id
    self.title = title
    self.category = category
    self.source = source
    self.page = page
    self.files = files
    self.split = split
    self.answers = answers
    self.metric = metric
    self.leaderboard = leaderboard
    self.reference = reference
    self.media = media
    self.table = table
    self.publicFiles = publicFiles
  }

  public init(from decoder: any Decoder) throws {
    try decoder.rejectUnknownKeys(CodingKeys.self)
    let c = try decoder.container(keyedBy: CodingKeys.self)
    id = try c.decode(String.self, forKey: .id)
    guard id.wholeMatch(of: /[A-Za-z0-9][A-Za-z0-9._-]*/) != nil else {
      throw decoder.fail(
        CodingKeys.id,
        "must be a slug of letters, digits, '.', '_' and '-' (got \"\(id)\")")
    }
    title = try c.decode(String.self, forKey: .title)
    category = try c.decodeIfPresent(String.self, forKey: .category)
    source = try c.decode(Source.self, forKey: .source)
    page = try c.decodeIfPresent(Page.self, forKey: .page)
    files = try c.decodeIfPresent(Files.self, forKey: .files) ?? Files(train: "")
    split = try c.decode(Split.self, forKey: .split)
    answers = try c.decode(Answers.self, forKey: .answers)
    metric = try c.decode(MetricSpec.self, forKey: .metric)
    leaderboard = try c.decodeIfPresent(Leaderboard.self, forKey: .leaderboard)
    reference = try c.decodeIfPresent(Reference.self, forKey: .reference)
    if !c.contains(.media) {
      media = []
    } else if let list = try? c.decode([Media].self, forKey: .media) {
      guard !list.isEmpty else {
        throw decoder.fail(CodingKeys.media, "is an empty list; remove it")
      }
      media = list
    } else {
      // One mapping; decoded again for its own error when it is neither.
      media = [try c.decode(Media.self, forKey: .media)]
    }
    table = try c.decodeIfPresent(Table.self, forKey: .table)
    publicFiles = try c.decodeIfPresent(PublicFiles.self, forKey: .publicFiles)
    submission = try c.decodeIfPresent(Submission.self, forKey: .submission)
    unpack = try c.decodeIfPresent(Unpack.self, forKey: .unpack)
    validation = try c.decodeIfPresent(ValidationSettings.self, forKey: .validation)
    if let clash = submission?.unscoredColumns.first(where: {
      $0 == answers.id || answers.targets.contains($0)
    }) {
      throw decoder.fail(
        CodingKeys.submission,
        "unscored_columns lists \"\(clash)\", which is the id or a target; list only columns that are not scored"
      )
    }
    try checkTableKeys(decoder)
    if files.train.isEmpty && split.strategy != .script {
      throw decoder.fail(
        CodingKeys.files,
        "needs train: the labelled table the split reads (only a split.strategy: script, which reads the archive itself, goes without)"
      )
    }
    if split.strategy == .provided && files.testAnswers == nil {
      throw decoder.fail(
        CodingKeys.files,
        "needs test_answers when split.strategy is provided (the labelled test rows)")
    }
  }

  /// The archive's origin: a Kaggle competition or a URL, with an optional SHA-256.
  public struct Source: Codable, Sendable, Equatable {
    public enum Location: Sendable, Equatable {
      /// `kaggle: <slug>`: Kaggle's download-all endpoint (or `DOJO_KAGGLE_URL`'s mirror).
      case kaggle(String)
      /// `url: <http(s)://...|file:...|path>`; relative paths are relative to the manifest.
      case url(String)
    }
    public var location: Location
    /// The archive's expected SHA-256, lowercase hex.
    public var sha256: String?

    enum CodingKeys: String, CodingKey, CaseIterable { case kaggle, url, sha256 }

    public init(_ location: Location, sha256: String? = nil) {
      self.location = location
      self.sha256 = sha256
    }

    public init(from decoder: any Decoder) throws {
      try decoder.rejectUnknownKeys(CodingKeys.self)
      let c = try decoder.container(keyedBy: CodingKeys.self)
      let kaggle = try c.decodeIfPresent(String.self, forKey: .kaggle)
      let url = try c.decodeIfPresent(String.self, forKey: .url)
      switch (kaggle, url) {
      case (let slug?, nil): location = .kaggle(slug)
      case (nil, let u?): location = .url(u)
      default: throw decoder.fail(nil, "must have exactly one of kaggle or url")
      }
      sha256 = try c.decodeIfPresent(String.self, forKey: .sha256)?.lowercased()
      if let sha = sha256, sha.wholeMatch(of: /[0-9a-f]{64}/) == nil {
        throw decoder.fail(CodingKeys.sha256, "must be 64 hex digits")
      }
    }

    public func encode(to encoder: any Encoder) throws {
      var c = encoder.container(keyedBy: CodingKeys.self)
      switch location {
      case .kaggle(let s): try c.encode(s, forKey: .kaggle)
      case .url(let u): try c.encode(u, forKey: .url)
      }
      try c.encodeIfPresent(sha256, forKey: .sha256)
    }
  }

  /// The competition page: `kaggle` (the overview of the Kaggle source), a URL, or a file
  /// next to the manifest.
  public enum Page: Codable, Sendable, Equatable {
    case kaggle
    case location(String)

    public init(from decoder: any Decoder) throws {
      let text = try decoder.singleValueContainer().decode(String.self)
      self = text == "kaggle" ? .kaggle : .location(text)
      if let path = localPath, let problem = ContainedPath.lexicalProblem(path) {
        throw decoder.fail(
          nil,
          "\"\(text)\" \(problem); name a page file inside the manifest's folder, relative to it and without '..' (or give kaggle or an http(s):// URL)"
        )
      }
    }

    /// The file this page names relative to the manifest's folder, or nil for `kaggle`, a
    /// `kaggle:` source and a URL fetched over the network. A `file://` URL gives its
    /// absolute path (which the folder check refuses), `file:relative` its relative one.
    public var localPath: String? {
      guard case .location(let text) = self else { return nil }
      let trimmed = text.trimmingCharacters(in: .whitespaces)
      let lower = trimmed.lowercased()
      if lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("kaggle:") {
        return nil
      }
      if lower.hasPrefix("file://") { return URL(string: trimmed)?.path ?? "/" }
      if lower.hasPrefix("file:") {
        let path = String(trimmed.dropFirst("file:".count))
        return path.removingPercentEncoding ?? path
      }
      // Another scheme is refused by the page fetcher as unsupported; it names no file.
      if trimmed.firstMatch(of: /^[A-Za-z][A-Za-z0-9+.-]*:\/\//) != nil { return nil }
      return trimmed
    }
    public func encode(to encoder: any Encoder) throws {
      var c = encoder.singleValueContainer()
      switch self {
      case .kaggle: try c.encode("kaggle")
      case .location(let l): try c.encode(l)
      }
    }
  }

  /// Where the competition's files are inside the unpacked archive. Paths may be globs
  /// (`*`, `?`, `**`); each must match exactly one file except `extra`.
  public struct Files: Codable, Sendable, Equatable {
    /// The labelled training table; empty under `split.strategy: script` when the manifest
    /// names none, because the script reads the archive itself (a placeholder name that
    /// nothing reads would only have to exist).
    public var train: String
    /// Kaggle's unlabelled test table (informational; the new test comes from the split).
    public var test: String?
    /// Kaggle's sample submission, used for the submission's column layout when present.
    public var sampleSubmission: String?
    /// Labelled test rows, for `split.strategy: provided`.
    public var testAnswers: String?
    /// Files copied to `public/` unchanged (data dictionaries and the like).
    public var extra: [String]

    enum CodingKeys: String, CodingKey, CaseIterable {
      case train, test, extra
      case sampleSubmission = "sample_submission"
      case testAnswers = "test_answers"
    }

    public init(
      train: String, test: String? = nil, sampleSubmission: String? = nil,
      testAnswers: String? = nil, extra: [String] = []
    ) {
      self.train = train
      self.test = test
      self.sampleSubmission = sampleSubmission
      self.testAnswers = testAnswers
      self.extra = extra
    }

    public init(from decoder: any Decoder) throws {
      try decoder.rejectUnknownKeys(CodingKeys.self)
      let c = try decoder.container(keyedBy: CodingKeys.self)
      train = try c.decodeIfPresent(String.self, forKey: .train) ?? ""
      test = try c.decodeIfPresent(String.self, forKey: .test)
      sampleSubmission = try c.decodeIfPresent(String.self, forKey: .sampleSubmission)
      testAnswers = try c.decodeIfPresent(String.self, forKey: .testAnswers)
      extra = try c.decodeIfPresent([String].self, forKey: .extra) ?? []
      let named: [(CodingKeys, String?)] = [
        (.train, train), (.test, test), (.sampleSubmission, sampleSubmission),
        (.testAnswers, testAnswers),
      ]
      for (key, value) in named where value?.isEmpty != true {
        try decoder.requireContained(value, at: [key], inside: .archive)
      }
      for (index, pattern) in extra.enumerated() {
        try decoder.requireContained(
          pattern, at: [CodingKeys.extra, AnyKey(intValue: index)], inside: .archive)
      }
    }
  }

  /// How to split the labelled rows into a new train and test.
  public struct Split: Codable, Sendable, Equatable {
    public enum Strategy: String, Codable, Sendable, CaseIterable {
      /// Rows drawn uniformly at random (`test_fraction` or `test_rows`).
      case random
      /// Each class of `stratify` keeps its share on both sides.
      case stratified
      /// Rows sharing a `group` value stay on one side.
      case group
      /// The latest rows by `time` become the test side, after an optional `gap`.
      case time
      /// Exactly `test_rows` rows drawn at random.
      case count
      /// The archive carries labelled test rows (`files.test_answers`); no split.
      case provided
      /// A Python `script` writes `public/` and `private/answers.csv` itself.
      case script
    }
    /// How a random, count or stratified split draws its test rows from the seed.
    public enum Sampler: String, Codable, Sendable, CaseIterable {
      /// A Fisher-Yates shuffle of every row number (of each class's rows when stratified),
      /// whose first rows go to test: every split Dojo has made, so it stays the default and
      /// no published split changes. It holds 4 bytes a row while it draws.
      case shuffle
      /// Selection sampling (Fan, Muller and Rezucha, 1962; Knuth's Algorithm S): one pass in
      /// row order, each row sent to test with probability (rows still wanted) / (rows
      /// left), so exactly the asked count, every subset of that size equally likely, with
      /// no permutation held. The same count as `shuffle` draws, but a different test set.
      case sequential

      /// Past this many rows a shuffle's row numbers (4 bytes a row) outweigh the rest of
      /// what a split holds: `dojo prepare` advises the sequential sampler and `dojo new`
      /// drafts it.
      public static let sequentialAdviceRows = 50_000_000

      /// Whether a strategy draws with a sampler: random, count and stratified splits.
      public static func applies(to strategy: Strategy) -> Bool {
        [.random, .count, .stratified].contains(strategy)
      }

      /// The megabytes a shuffle's row numbers take for `rows` rows (4 bytes a row), as the
      /// advice to use the sequential sampler states them.
      public static func shuffleMegabytes(rows: Int) -> Int { rows * 4 / 1_000_000 }
    }
    public var strategy: Strategy
    public var sampler: Sampler
    public var testFraction: Double?
    public var testRows: Int?
    public var seed: UInt64
    public var stratify: String?
    public var group: String?
    public var time: String?
    public var gap: Int
    public var script: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
      case strategy, seed, stratify, group, time, gap, script, sampler
      case testFraction = "test_fraction"
      case testRows = "test_rows"
    }

    public init(
      strategy: Strategy, testFraction: Double? = nil, testRows: Int? = nil, seed: UInt64 = 0,
      stratify: String? = nil, group: String? = nil, time: String? = nil, gap: Int = 0,
      script: String? = nil, sampler: Sampler = .shuffle
    ) {
      self.strategy = strategy
      self.sampler = sampler
      self.testFraction = testFraction
      self.testRows = testRows
      self.seed = seed
      self.stratify = stratify
      self.group = group
      self.time = time
      self.gap = gap
      self.script = script
    }

    public init(from decoder: any Decoder) throws {
      try decoder.rejectUnknownKeys(CodingKeys.self)
      let c = try decoder.container(keyedBy: CodingKeys.self)
      let name = try c.decode(String.self, forKey: .strategy)
      guard let s = Strategy(rawValue: name) else {
        throw decoder.fail(
          CodingKeys.strategy,
          "must be one of \(Strategy.allCases.map(\.rawValue).joined(separator: ", ")) (got \"\(name)\")"
        )
      }
      strategy = s
      let samplerName = try c.decodeIfPresent(String.self, forKey: .sampler)
      if let samplerName {
        guard let sampler = Sampler(rawValue: samplerName) else {
          throw decoder.fail(
            CodingKeys.sampler,
            "must be one of \(Sampler.allCases.map(\.rawValue).joined(separator: ", ")) (got \"\(samplerName)\")"
          )
        }
        guard Sampler.applies(to: s) else {
          throw decoder.fail(
            CodingKeys.sampler,
            "applies to random, count and stratified splits, not \(name); remove it")
        }
        self.sampler = sampler
      } else {
        sampler = .shuffle
      }
      do {
        testFraction = try c.decodeIfPresent(Double.self, forKey: .testFraction)
      } catch {
        throw decoder.fail(CodingKeys.testFraction, "must be a number between 0 and 1")
      }
      if let f = testFraction, !(f > 0 && f < 1) {
        throw decoder.fail(CodingKeys.testFraction, "must be a number between 0 and 1")
      }
      do {
        testRows = try c.decodeIfPresent(Int.self, forKey: .testRows)
      } catch {
        throw decoder.fail(CodingKeys.testRows, "must be a whole number of rows, at least 1")
      }
      if let r = testRows, r < 1 {
        throw decoder.fail(CodingKeys.testRows, "must be a whole number of rows, at least 1")
      }
      do {
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? 0
      } catch {
        throw decoder.fail(CodingKeys.seed, "must be a non-negative whole number")
      }
      stratify = try c.decodeIfPresent(String.self, forKey: .stratify)
      group = try c.decodeIfPresent(String.self, forKey: .group)
      time = try c.decodeIfPresent(String.self, forKey: .time)
      do {
        gap = try c.decodeIfPresent(Int.self, forKey: .gap) ?? 0
      } catch {
        throw decoder.fail(CodingKeys.gap, "must be a non-negative whole number of rows")
      }
      if gap < 0 {
        throw decoder.fail(CodingKeys.gap, "must be a non-negative whole number of rows")
      }
      script = try c.decodeIfPresent(String.self, forKey: .script)
      try decoder.requireContained(script, at: [CodingKeys.script], inside: .manifestFolder)

      let sized = testFraction != nil || testRows != nil
      switch strategy {
      case .random, .stratified, .group, .time:
        if !sized {
          throw decoder.fail(nil, "strategy \(name) needs test_fraction (0 to 1) or test_rows")
        }
        if testFraction != nil && testRows != nil {
          throw decoder.fail(CodingKeys.testRows, "give test_fraction or test_rows, not both")
        }
      case .count:
        if testRows == nil {
          throw decoder.fail(CodingKeys.testRows, "is required by strategy count")
        }
      case .provided: break
      case .script:
        if script == nil {
          throw decoder.fail(
            CodingKeys.script, "is required by strategy script (a Python file next to the manifest)"
          )
        }
      }
      let needs: [(Strategy, CodingKeys, String?)] = [
        (.stratified, .stratify, stratify), (.group, .group, group), (.time, .time, time),
      ]
      for (s, key, value) in needs where strategy == s && value == nil {
        throw decoder.fail(key, "is required by strategy \(s.rawValue) (name a column)")
      }
    }
  }

  /// The answers' shape: which column identifies a row and which hold the truth.
  public struct Answers: Codable, Sendable, Equatable {
    /// The id column, shared by test, answers and submission.
    public var id: String
    /// The target columns as the training table names them.
    public var targets: [String]
    /// The class labels, when the target is categorical; discovered from the data if absent.
    public var classes: [String]?
    /// True when test ids appear in public train by design: the task predicts for entities
    /// train already knows (a recommender's users, whose latest ratings are held out). The
    /// id-in-train leak check then does not apply; every other leak check does.
    public var idsInTrain: Bool
    /// For matching tasks (which rows show the same product): the column whose equal values
    /// make rows a match. The one target is then derived, not read: each test row's answer
    /// is the space-separated ids of the test rows sharing its value, itself included. The
    /// column stays in public train and leaves the public test table.
    public var groupMatches: String?
    /// True when the target is open-ended (a normalized text, a sequence's next term, a plan
    /// code): any label is a valid prediction, so no class list is kept or checked. A fixed
    /// class list (the default) refuses a label outside it.
    public var openLabels: Bool

    enum CodingKeys: String, CodingKey, CaseIterable {
      case id, targets, classes
      case idsInTrain = "ids_in_train"
      case groupMatches = "group_matches"
      case openLabels = "open_labels"
    }

    public init(
      id: String, targets: [String], classes: [String]? = nil, idsInTrain: Bool = false,
      groupMatches: String? = nil,
      openLabels: Bool = false
    ) {
      self.id = id
      self.targets = targets
      self.classes = classes
      self.idsInTrain = idsInTrain
      self.groupMatches = groupMatches
      self.openLabels = openLabels
    }

    /// `open_labels` is written only when set, so manifests without it encode as before.
    public func encode(to encoder: any Encoder) throws {
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encode(id, forKey: .id)
      try c.encode(targets, forKey: .targets)
      try c.encodeIfPresent(classes, forKey: .classes)
      try c.encode(idsInTrain, forKey: .idsInTrain)
      try c.encodeIfPresent(groupMatches, forKey: .groupMatches)
      if openLabels { try c.encode(true, forKey: .openLabels) }
    }

    /// The labelled table's columns the answers come from: the targets, or the column
    /// `group_matches` derives the one target from.
    public var sourceColumns: [String] { groupMatches.map { [$0] } ?? targets }

    public init(from decoder: any Decoder) throws {
      try decoder.rejectUnknownKeys(CodingKeys.self)
      let c = try decoder.container(keyedBy: CodingKeys.self)
      id = try c.decode(String.self, forKey: .id)
      guard c.contains(.targets) else { throw decoder.fail(nil, "needs targets") }
      if let one = try? c.decode(String.self, forKey: .targets) {
        targets = [one]
      } else if let many = try? c.decode([String].self, forKey: .targets) {
        targets = many
      } else {
        throw decoder.fail(CodingKeys.targets, "must be a list of column names")
      }
      if targets.isEmpty { throw decoder.fail(CodingKeys.targets, "must name at least one column") }
      if targets.contains(id) {
        throw decoder.fail(CodingKeys.targets, "must not include the id column \"\(id)\"")
      }
      classes = try c.decodeIfPresent([String].self, forKey: .classes)
      idsInTrain = try c.decodeIfPresent(Bool.self, forKey: .idsInTrain) ?? false
      groupMatches = try c.decodeIfPresent(String.self, forKey: .groupMatches)
      if let groupMatches {
        if targets.count != 1 {
          throw decoder.fail(
            CodingKeys.targets,
            "must name one column with group_matches: the derived list of matching ids")
        }
        if groupMatches == id || groupMatches == targets[0] {
          throw decoder.fail(
            CodingKeys.groupMatches,
            "names \"\(groupMatches)\", which must be a column other than the id and the target")
        }
        if classes != nil {
          throw decoder.fail(CodingKeys.classes, "does not apply to group_matches answers")
        }
      }
      openLabels = try c.decodeIfPresent(Bool.self, forKey: .openLabels) ?? false
      if openLabels && classes != nil {
        throw decoder.fail(
          CodingKeys.openLabels,
          "cannot go with classes: an open label set has no class list (drop one of them)")
      }
    }
  }

  /// The submission's format where the page's differs from one row per test id holding
  /// exactly the scored columns.
  public struct Submission: Codable, Sendable, Equatable {
    /// Columns the page's submission format holds that are not scored (Stanford OpenVaccine's
    /// `deg_pH10` and `deg_50C`); a submission may hold them, and the grader ignores them.
    public var unscoredColumns: [String]
    /// For a ranked-list metric: the page lists each prediction on a row of its own, up to
    /// this many rows per test id, best first (Airbnb's five countries per user). The rows
    /// of an id are read in file order as one ranked list.
    public var rowsPerId: Int?

    enum CodingKeys: String, CodingKey, CaseIterable {
      case unscoredColumns = "unscored_columns"
      case rowsPerId = "rows_per_id"
    }

    public init(unscoredColumns: [String] = [], rowsPerId: Int? = nil) {
      self.unscoredColumns = unscoredColumns
      self.rowsPerId = rowsPerId
    }

    public init(from decoder: any Decoder) throws {
      try decoder.rejectUnknownKeys(CodingKeys.self)
      let c = try decoder.container(keyedBy: CodingKeys.self)
      unscoredColumns = try c.decodeIfPresent([String].self, forKey: .unscoredColumns) ?? []
      rowsPerId = try c.decodeIfPresent(Int.self, forKey: .rowsPerId)
      if let n = rowsPerId, n < 1 {
        throw decoder.fail(CodingKeys.rowsPerId, "must be a whole number of at least 1")
      }
      if Set(unscoredColumns).count != unscoredColumns.count || unscoredColumns.contains("") {
        throw decoder.fail(CodingKeys.unscoredColumns, "must name distinct, non-empty columns")
      }
    }
  }

  /// The metric spec: a catalogue name plus its parameters, kept as written so that the
  /// grading module can check them against the metric's own parameter list.
  public struct MetricSpec: Codable, Sendable, Equatable, Hashable {
    /// The catalogue entry (`accuracy`, `roc_auc`, `map@k`...).
    public var name: String
    /// Overrides the catalogue's direction (rarely needed).
    public var lowerIsBetter: Bool?
    /// Every other key, for the metric to interpret (`k`, `positive`, `columns`, `eps`...).
    public var parameters: [String: ManifestValue]

    public init(name: String, lowerIsBetter: Bool? = nil, parameters: [String: ManifestValue] = [:])
    {
      self.name = name
      self.lowerIsBetter = lowerIsBetter
      self.parameters = parameters
    }

    public init(from decoder: any Decoder) throws {
      let c = try decoder.container(keyedBy: AnyKey.self)
      guard c.contains(AnyKey(stringValue: "name")) else {
        throw decoder.fail(nil, "needs name (a metric from the catalogue, e.g. accuracy)")
      }
      name = try c.decode(String.self, forKey: AnyKey(stringValue: "name"))
      lowerIsBetter = try c.decodeIfPresent(
        Bool.self, forKey: AnyKey(stringValue: "lower_is_better"))
      var params: [String: ManifestValue] = [:]
      for key in c.allKeys where key.stringValue != "name" && key.stringValue != "lower_is_better" {
        params[key.stringValue] = try c.decode(ManifestValue.self, forKey: key)
      }
      parameters = params
    }

    public func encode(to encoder: any Encoder) throws {
      var c = encoder.container(keyedBy: AnyKey.self)
      try c.encode(name, forKey: AnyKey(stringValue: "name"))
      try c.encodeIfPresent(lowerIsBetter, forKey: AnyKey(stringValue: "lower_is_better"))
      for (k, v) in parameters { try c.encode(v, forKey: AnyKey(stringValue: k)) }
    }
  }

  /// The human leaderboard(s): `kaggle` (fetched at import), one file, or public and private
  /// files next to the manifest.
  public struct Leaderboard: Codable, Sendable, Equatable {
    public var fromKaggle: Bool
    public var publicBoard: String?
    public var privateBoard: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
      case publicBoard = "public"
      case privateBoard = "private"
    }

    public init(fromKaggle: Bool = false, publicBoard: String? = nil, privateBoard: String? = nil) {
      self.fromKaggle = fromKaggle
      self.publicBoard = publicBoard
      self.privateBoard = privateBoard
    }

    public init(from decoder: any Decoder) throws {
      if let text = try? decoder.singleValueContainer().decode(String.self) {
        if text == "kaggle" {
          self.init(fromKaggle: true)
        } else {
          self.init(publicBoard: text)
          try decoder.requireContained(text, at: [], inside: .manifestFolder)
        }
        return
      }
      try decoder.rejectUnknownKeys(CodingKeys.self)
      let c = try decoder.container(keyedBy: CodingKeys.self)
      self.init(
        publicBoard: try c.decodeIfPresent(String.self, forKey: .publicBoard),
        privateBoard: try c.decodeIfPresent(String.self, forKey: .privateBoard))
      if publicBoard == nil && privateBoard == nil {
        throw decoder.fail(nil, "needs public, private, or both (CSV files next to the manifest)")
      }
      try decoder.requireContained(
        publicBoard, at: [CodingKeys.publicBoard], inside: .manifestFolder)
      try decoder.requireContained(
        privateBoard, at: [CodingKeys.privateBoard], inside: .manifestFolder)
    }

    public func encode(to encoder: any Encoder) throws {
      if fromKaggle {
        var c = encoder.singleValueContainer()
        try c.encode("kaggle")
        return
      }
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encodeIfPresent(publicBoard, forKey: .publicBoard)
      try c.encodeIfPresent(privateBoard, forKey: .privateBoard)
    }
  }

  /// A reference solution and the score it must reach.
  public struct Reference: Codable, Sendable, Equatable {
    /// A Python file next to the manifest that reads `public/` and writes `submission.csv`.
    public var solution: String
    public var expect: Expectation
    /// Wall-time limit for the run, seconds.
    public var timeoutSeconds: Double

    enum CodingKeys: String, CodingKey, CaseIterable {
      case solution, expect
      case timeoutSeconds = "timeout_s"
    }

    public init(solution: String, expect: Expectation = Expectation(), timeoutSeconds: Double = 600)
    {
      self.solution = solution
      self.expect = expect
      self.timeoutSeconds = timeoutSeconds
    }

    public init(from decoder: any Decoder) throws {
      try decoder.rejectUnknownKeys(CodingKeys.self)
      let c = try decoder.container(keyedBy: CodingKeys.self)
      solution = try c.decode(String.self, forKey: .solution)
      try decoder.requireContained(solution, at: [CodingKeys.solution], inside: .manifestFolder)
      expect = try c.decodeIfPresent(Expectation.self, forKey: .expect) ?? Expectation()
      timeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .timeoutSeconds) ?? 600
      if !(timeoutSeconds > 0) {
        throw decoder.fail(CodingKeys.timeoutSeconds, "must be a positive number of seconds")
      }
    }

    /// What the reference's score must meet.
    public struct Expectation: Codable, Sendable, Equatable {
      public var atLeast: Double?
      public var atMost: Double?
      /// Whether the score must beat the leaderboard's median (default true).
      public var aboveMedian: Bool

      enum CodingKeys: String, CodingKey, CaseIterable {
        case atLeast = "at_least"
        case atMost = "at_most"
        case aboveMedian = "above_median"
      }

      public init(atLeast: Double? = nil, atMost: Double? = nil, aboveMedian: Bool = true) {
        self.atLeast = atLeast
        self.atMost = atMost
        self.aboveMedian = aboveMedian
      }

      public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        atLeast = try c.decodeIfPresent(Double.self, forKey: .atLeast)
        atMost = try c.decodeIfPresent(Double.self, forKey: .atMost)
        aboveMedian = try c.decodeIfPresent(Bool.self, forKey: .aboveMedian) ?? true
      }
    }
  }

  /// Media files named by a table column: `folder/<pattern with {id}>`.
  public struct Media: Codable, Sendable, Equatable {
    /// The folder inside the unpacked archive that holds the files.
    public var folder: String
    /// The column whose value names a file (defaults to the answers' id).
    public var column: String?
    /// The file name, with `{id}` standing for the column's value (default `{id}`).
    public var pattern: String
    /// The public folders train and test rows' files go to (default `train` and `test`), so
    /// a task with several kinds of file keeps them apart as the competition did
    /// (`train_eegs`/`test_eegs` beside `train_spectrograms`/`test_spectrograms`).
    public var trainFolder: String
    public var testFolder: String

    enum CodingKeys: String, CodingKey, CaseIterable {
      case folder, column, pattern
      case trainFolder = "train_folder"
      case testFolder = "test_folder"
    }

    public init(
      folder: String, column: String? = nil, pattern: String = "{id}",
      trainFolder: String = "train", testFolder: String = "test"
    ) {
      self.folder = folder
      self.column = column
      self.pattern = pattern
      self.trainFolder = trainFolder
      self.testFolder = testFolder
    }

    public init(from decoder: any Decoder) throws {
      try decoder.rejectUnknownKeys(CodingKeys.self)
      let c = try decoder.container(keyedBy: CodingKeys.self)
      folder = try c.decode(String.self, forKey: .folder)
      column = try c.decodeIfPresent(String.self, forKey: .column)
      pattern = try c.decodeIfPresent(String.self, forKey: .pattern) ?? "{id}"
      trainFolder = try c.decodeIfPresent(String.self, forKey: .trainFolder) ?? "train"
      testFolder = try c.decodeIfPresent(String.self, forKey: .testFolder) ?? "test"
      if !pattern.contains("{id}") {
        throw decoder.fail(CodingKeys.pattern, "must contain {id}, where the column's value goes")
      }
      for (key, name) in [(CodingKeys.trainFolder, trainFolder), (.testFolder, testFolder)] {
        // One plain folder name directly under public/: never a path out of it.
        if name.isEmpty || name.contains("/") || name == "." || name == ".." || name.contains("\0")
          || name.hasPrefix(".")
        {
          throw decoder.fail(key, "\"\(name)\" must be one plain folder name inside public/")
        }
      }
      if trainFolder == testFolder {
        throw decoder.fail(
          CodingKeys.testFolder,
          "is \"\(testFolder)\" like train_folder: train and test files must not share a folder")
      }
      try decoder.requireContained(folder, at: [CodingKeys.folder], inside: .archive)
      // The id values are checked where they are read (MediaMover); here, the pattern around
      // them must not leave the folder either.
      try decoder.requireContained(
        pattern.replacingOccurrences(of: "{id}", with: "id"), at: [CodingKeys.pattern],
        inside: .archive, shown: pattern)
    }
  }
}

extension Manifest {
  /// Every key that names a file in the manifest's own folder, with the path it names (the
  /// page only when it is a local file). Each must stay inside that folder.
  public var localPaths: [(key: String, path: String)] {
    var paths: [(String, String)] = []
    if let page = page?.localPath { paths.append(("page", page)) }
    if let script = split.script { paths.append(("split.script", script)) }
    if let solution = reference?.solution { paths.append(("reference.solution", solution)) }
    if let board = leaderboard, !board.fromKaggle {
      if let p = board.publicBoard { paths.append(("leaderboard.public", p)) }
      if let p = board.privateBoard { paths.append(("leaderboard.private", p)) }
    }
    return paths
  }
}
