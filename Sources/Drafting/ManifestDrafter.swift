internal import DojoCore
public import Foundation
internal import Grading

/// Drafts a manifest from an unpacked competition, the way a careful curator would: find the
/// train, test and sample-submission tables, the id column (shared by test and sample), the
/// targets (the sample's columns but the id), the metric from the page's Evaluation section,
/// the kind of target and its classes, and a split that does not leak (time where a date
/// column orders the rows, group where an entity repeats, stratified for classes, random
/// otherwise). Every guess carries what it was guessed from.
public struct ManifestDrafter: Sendable {
  public var id: String
  /// The unpacked archive.
  public var files: URL
  public var source: ManifestDraft.Source
  /// `kaggle`, a page file next to the manifest, or nil.
  public var page: String?
  /// The page as Markdown, for the title and the metric.
  public var pageMarkdown: String?
  /// `--metric`, when given: used as is.
  public var metric: String?
  /// `kaggle` when a leaderboard was fetched from Kaggle.
  public var leaderboard: String?
  /// From this many rows of train on, a random or stratified split is drafted with the
  /// sequential sampler (tests lower it).
  package var sequentialSamplerRows = Manifest.Split.Sampler.sequentialAdviceRows

  public init(
    id: String, files: URL, source: ManifestDraft.Source, page: String?, pageMarkdown: String?,
    metric: String?, leaderboard: String?
  ) {
    self.id = id
    self.files = files
    self.source = source
    self.page = page
    self.pageMarkdown = pageMarkdown
    self.metric = metric
    self.leaderboard = leaderboard
  }

  static let imageExtensions: Set<String> = [
    "jpg", "jpeg", "png", "tif", "tiff", "bmp", "gif", "webp", "dcm",
  ]
  static let audioExtensions: Set<String> = ["wav", "mp3", "flac", "ogg", "aif", "aiff"]
  /// Words in a column name that say it names an entity whose rows belong together.
  static let entityWords: Set<String> = [
    "user", "customer", "client", "patient", "subject", "student", "person", "player", "driver",
    "store", "shop", "household", "account", "session", "device", "member", "author", "visitor",
    "owner", "family", "building", "site", "well", "molecule", "installation", "series",
  ]

  /// The draft.
  ///
  /// - Throws: ``DojoError`` `.notFound` when the archive holds no table to split, and
  ///   `.unsupported` when its answers are not columns of the training table (a split script
  ///   is needed then), each saying what to do instead.
  public func draft() throws -> ManifestDraft {
    let paths = try FileTree.relativePaths(under: files) { $0.hasPrefix(".") || $0.contains("/.") }
    let tables = paths.filter { $0.lowercased().hasSuffix(".csv") }
    var review: [String] = []
    guard !tables.isEmpty else {
      throw DojoError(
        .notFound,
        "\(files.path) holds no CSV table (files: \(paths.prefix(8).joined(separator: ", "))); write the manifest by hand from the README's reference, with split.strategy: script if the labels are not in a table"
      )
    }
    func base(_ p: String) -> String { (p as NSString).lastPathComponent.lowercased() }
    func pick(_ candidates: [String], exact: String) -> String? {
      candidates.first { base($0) == exact }
        ?? candidates.sorted { ($0.count, $0) < ($1.count, $1) }.first
    }
    let samples = tables.filter { base($0).contains("sample") || base($0).contains("submission") }
    guard
      let sample = pick(
        samples.filter { base($0).contains("sample") && base($0).contains("submission") },
        exact: "sample_submission.csv")
        ?? pick(samples, exact: "sample_submission.csv")
    else {
      throw DojoError(
        .notFound,
        "no sample submission among \(tables.joined(separator: ", ")): dojo new reads the submission's columns from it; write the manifest by hand (README, The manifest)"
      )
    }
    let rest = tables.filter { !samples.contains($0) }
    let test = pick(rest.filter { base($0).contains("test") }, exact: "test.csv")
    var trainReason = "the file names"
    let trainCandidates = rest.filter { base($0).contains("train") }
    var train = pick(trainCandidates, exact: "train.csv")
    if train == nil {
      // No table is called train: the largest other table is the labelled one.
      train = rest.filter { $0 != test }.max { size($0) < size($1) }
      trainReason = "its size: no table is named train"
    }
    guard let train else {
      throw DojoError(
        .notFound,
        "no training table besides \(sample)\(test.map { " and \($0)" } ?? ""); write the manifest by hand (README, The manifest)"
      )
    }
    let sampleTable = try TableProfile.header(files.appendingPathComponent(sample), path: sample)
    let testTable = try test.map {
      try TableProfile.header(files.appendingPathComponent($0), path: $0)
    }
    let trainHeader = try TableProfile.header(files.appendingPathComponent(train), path: train)
      .header

    // The id: the sample's first column that the test also has (else that train has).
    let shared = sampleTable.header.filter {
      testTable?.header.contains($0) ?? trainHeader.contains($0)
    }
    guard let id = shared.first else {
      throw DojoError(
        .unsupported,
        "\(sample) and \(test ?? train) share no column, so there is no id to join submissions on (\(sample): \(sampleTable.header.joined(separator: ", "))); write answers.id by hand"
      )
    }
    let idReason =
      test == nil
      ? "the first column of \(sample) that \(train) has"
      : "the first column \(sample) shares with \(test!)"
    guard trainHeader.contains(id) else {
      throw DojoError(
        .unsupported,
        "\(train) has no column \(id) (the id of \(sample)): the labelled rows cannot be split into test rows with ids; add one with table.row_id or table.id_parts (README, The manifest)"
      )
    }
    let sampleTargets = sampleTable.header.filter { $0 != id }
    let trainOnly = trainHeader.filter { $0 != id && !(testTable?.header.contains($0) ?? false) }
    let entityColumns = trainHeader.filter { isEntity($0) && $0 != id }
    let trainTable = try TableProfile.read(
      files.appendingPathComponent(train), path: train,
      wide: Set(sampleTargets + trainOnly + entityColumns + [id]))

    // Targets: the sample's columns but the id, when train has them; else one probability
    // column per class of the one column train has and test lacks.
    var targets: [String]
    var kind: ManifestDraft.TargetKind
    var classes: ManifestDraft.Guess<[String]>?
    var targetReason = "the columns of \(sample) but the id"
    var recommender: RecommenderLayout?
    if !sampleTargets.isEmpty, sampleTargets.allSatisfy(trainHeader.contains) {
      targets = sampleTargets
      kind = .regression
    } else if trainOnly.count == 1, let column = trainTable.column(trainOnly[0]),
      !column.distinctOverflow, sampleTargets.allSatisfy({ column.counts[$0] != nil })
    {
      targets = [column.name]
      kind = .classProbabilities
      targetReason =
        "the one column \(train) has and \(test ?? "test") lacks, whose labels are \(sample)'s columns"
      classes = .init(sampleTargets, "the columns of \(sample), in its order")
    } else if let layout = recommenderLayout(
      train: train, trainTable: trainTable, sample: sample, sampleTable: sampleTable, test: test,
      id: id, targets: sampleTargets)
    {
      targets = sampleTargets
      kind = .rankingLists
      recommender = layout
      targetReason =
        "the columns of \(sample) but the id: lists of \(layout.item) that no row split can make, so prepare.py makes them"
    } else {
      let missing = sampleTargets.filter { !trainHeader.contains($0) }
      throw DojoError(
        .unsupported,
        "the submission's columns \(missing.joined(separator: ", ")) (from \(sample)) are not columns of \(train), so no declarative split can make answers from it: write the manifest with split.strategy: script and a prepare.py that writes private/answers.csv (README, The manifest; manifests/movie-recommendations is an example)"
      )
    }
    let profiles = targets.compactMap { trainTable.column($0) }
    let sampleProfile = sampleTargets.first.flatMap { sampleTable.column($0) }

    // The metric: --metric, else the page's Evaluation section, else the data's shape.
    var metricName: String
    var metricReason: String?
    if let metric {
      guard MetricCatalogue.definition(named: metric) != nil else {
        throw DojoError(
          .invalidArgument,
          "--metric \(metric) is not in the catalogue; use one of \(MetricCatalogue.names.joined(separator: ", ")) (map@k as map@3)"
        )
      }
      metricName = metric
    } else if let page = pageMarkdown,
      let match = MetricGuess.match(MetricGuess.evaluationSection(of: page))
    {
      metricName = match.name
      metricReason = "the page's Evaluation section (\"\(match.phrase)\")"
    } else if let recommender {
      metricName = "map@\(recommender.k)"
      metricReason =
        "the data alone: \(sample) lists \(recommender.k) items; check the page's metric"
      review.append(
        "The metric was guessed from the data (\(metricName)); pass --metric NAME if the page scores otherwise."
      )
    } else {
      metricName = guessMetric(kind: kind, targets: profiles, sample: sampleProfile)
      metricReason = "the data alone: the page names no catalogue metric; check it"
      review.append(
        "The metric was guessed from the data (\(metricName)); pass --metric NAME if the page scores otherwise."
      )
    }
    if kind == .classProbabilities && metricName == "log_loss" {
      metricName = "multiclass_log_loss"
      metricReason = (metricReason ?? "") + ", one probability column per class"
    }
    let definition = MetricCatalogue.definition(named: metricName)!
    switch definition.shape {
    case .classProbabilities:
      if kind != .classProbabilities {
        kind = .classes
      }
    case .ranking: kind = .rankingLists
    case .label, .probability:
      kind = (profiles.first?.distinct ?? 0) == 2 ? .binary : .classes
    case .value, .values, .text: kind = .regression
    // A metric over named columns (orderings, spans, angles): the data gives no better word.
    case .columns: kind = .regression
    }
    if kind == .classes || kind == .rankingLists, classes == nil, let p = profiles.first,
      !p.distinctOverflow, p.distinct <= 1_000, p.distinct > 2
    {
      let labels = LabelOrder.sorted(Array(p.counts.keys))
      if kind == .classes || labels.allSatisfy({ !$0.contains(" ") }) {
        classes = .init(labels, "the \(labels.count) labels of \(p.name) in \(train)")
      }
    }
    var positive: ManifestDraft.Guess<String>?
    if definition.parameters.contains(where: { $0.name == "positive" }), kind == .binary,
      let p = profiles.first
    {
      let labels = Set(p.counts.keys)
      // 0/1 and false/true need no word; any other pair is written out, so the reader sees
      // which class the metric scores without knowing the default rule.
      let plain = Set(labels.map { $0.lowercased() })
      if let label = MetricCatalogue.defaultPositiveLabel(among: labels),
        plain != ["0", "1"] && plain != ["false", "true"]
      {
        let rule =
          label.lowercased() == "yes"
          ? "the label spelled yes" : "the greater of the two labels"
        positive = .init(
          label,
          "\(rule) of \(p.name) (the default rule); check it is the class the page scores")
      }
    }

    // The split.
    let rows = trainTable.rows
    var strategy = ManifestDraft.Guess(
      "random", "the data: no classes, no date order and no repeated entity in \(train)")
    var splitColumn: String?
    let candidates = trainTable.columns.filter { $0.name != id && !targets.contains($0.name) }
    if let time = candidates.first(where: {
      $0.isDate && $0.filled == rows && rows > 10
        && Double($0.datesInOrder) >= 0.99 * Double(rows - 1)
    }) {
      strategy = .init("time", "\(time.name), ISO dates that order \(train)'s rows")
      splitColumn = time.name
    } else if let group = candidates.first(where: {
      isEntity($0.name) && $0.filled == rows && !$0.distinctOverflow && $0.distinct >= 10
        && Double($0.distinct) <= 0.8 * Double(rows)
    }) {
      strategy = .init(
        "group", "\(group.name), \(group.distinct) entities repeated over \(rows) rows")
      splitColumn = group.name
    } else if kind != .regression, let p = profiles.first, !p.distinctOverflow, p.distinct <= 1_000
    {
      strategy = .init("stratified", "the \(p.distinct) classes of \(p.name)")
      splitColumn = p.name
    }
    if let recommender {
      strategy = .init("script", recommender.reasons.joined(separator: "; "))
      splitColumn = nil
      review.append(
        "prepare.py was drafted for a recommender's log: it hides the latest \(recommender.item) interactions of a fifth of the \(recommender.entity)s with 20 or more; review its constants (\(recommender.reasons.joined(separator: "; ")))."
      )
    }
    // A new manifest has no published split to keep: past the size where a shuffle's row
    // numbers dominate what prepare holds, it is drafted with the one-pass sampler.
    let drawsRows = Manifest.Split.Strategy(rawValue: strategy.value).map {
      Manifest.Split.Sampler.applies(to: $0)
    }
    let sampler =
      drawsRows == true && rows >= sequentialSamplerRows
      ? ManifestDraft.Guess(
        "sequential",
        "\(rows) rows: one pass in row order, where a shuffle would hold \(Manifest.Split.Sampler.shuffleMegabytes(rows: rows)) MB of row numbers"
      ) : nil
    let kaggleTest =
      testTable.map { _ in (try? countRows(files.appendingPathComponent(test!))) ?? 0 } ?? 0
    let fractionReason =
      kaggleTest > 0
      ? "the usual 20% hold-out (Kaggle's \(test!) has \(kaggleTest) rows against \(rows) in \(train) (\(Int((Double(kaggleTest) / Double(kaggleTest + rows) * 100).rounded()))% of all))"
      : "the usual 20% hold-out"

    // Category and extra files.
    let extensions = paths.map { ($0 as NSString).pathExtension.lowercased() }
    let images = extensions.filter(Self.imageExtensions.contains).count
    let audio = extensions.filter(Self.audioExtensions.contains).count
    var category = ManifestDraft.Guess("Tabular", "the files: tables only")
    if images >= 10 {
      category = .init("Computer Vision", "\(images) image files")
      review.append(
        "\(images) image files: add a media section (folder, column, pattern) so each file moves with its row (README, The manifest)."
      )
    } else if audio >= 10 {
      category = .init("Audio", "\(audio) audio files")
      review.append(
        "\(audio) audio files: add a media section (folder, column, pattern) so each file moves with its row."
      )
    } else if let text = candidates.first(where: {
      $0.meanLength > 40 && Double($0.withSpace) > 0.5 * Double(max($0.filled, 1))
    }) {
      category = .init(
        "NLP", "\(text.name): free text, \(Int(text.meanLength)) characters a row on average")
    }
    let used = Set([train, sample] + (test.map { [$0] } ?? []))
    let others = paths.filter {
      !used.contains($0)
        && !Self.imageExtensions.contains(($0 as NSString).pathExtension.lowercased())
        && !Self.audioExtensions.contains(($0 as NSString).pathExtension.lowercased())
    }
    var extra: ManifestDraft.Guess<[String]>?
    if !others.isEmpty && others.count <= 20 {
      extra = .init(others, "the other files of the archive, copied to public/ unchanged")
      review.append(
        "files.extra copies \(others.joined(separator: ", ")) to public/ as they are: make sure none of them holds the answers."
      )
    } else if others.count > 20 {
      review.append(
        "\(others.count) other files are not copied to public/: name the ones agents need in files.extra."
      )
    }
    let trainOnlyRest = trainOnly.filter { !targets.contains($0) }
    let drop: ManifestDraft.Guess<[String]>? =
      trainOnlyRest.isEmpty || test == nil || recommender != nil
      ? nil
      : .init(
        trainOnlyRest,
        "columns of \(train) that \(test!) does not have (they may give the answer away)")
    if recommender == nil, let id = trainTable.column(id), id.distinctOverflow == false,
      id.distinct < rows
    {
      review.append(
        "\(id.name) repeats in \(train) (\(id.distinct) values over \(rows) rows): answers need one row per id; check answers.id."
      )
    }
    review.append(
      "No reference solution: write solution.py (reads DOJO_DATA, writes $DOJO_OUTPUT/submission.csv) and add reference: {solution: solution.py, expect: {...}} (the curator's guide, manifests/README.md)."
    )
    if leaderboard == nil {
      review.append(
        "No leaderboard: add leaderboard: {public: leaderboard.csv} (rank,score or Kaggle's CSV) next to the manifest; publish needs one."
      )
    }

    let title: String
    let titleReason: String
    if let heading = pageMarkdown.flatMap(Self.pageTitle) {
      (title, titleReason) = (heading, "the page's title")
    } else {
      title = id.split(whereSeparator: { $0 == "-" || $0 == "_" }).map {
        $0.prefix(1).uppercased() + $0.dropFirst()
      }.joined(separator: " ")
      titleReason = "the id"
    }
    var draft = ManifestDraft(
      id: self.id, title: .init(title, titleReason), category: category, source: source, page: page,
      train: .init(train, trainReason), test: test.map { .init($0, "the file names") },
      sampleSubmission: .init(sample, "the file names"), extra: extra, strategy: strategy,
      splitColumn: splitColumn, testFraction: .init(0.2, fractionReason),
      idColumn: .init(id, idReason), targets: .init(targets, targetReason), kind: kind,
      classes: classes, metric: .init(metricName, metricReason), positive: positive,
      dropFromTest: drop, leaderboard: leaderboard, review: review)
    draft.sampler = sampler
    if let recommender {
      draft.script = .init(
        RecommenderScript.text(recommender, id: self.id),
        recommender.reasons.joined(separator: "; "))
      draft.idsInTrain = .init(
        true, "test \(recommender.entity)s keep their earlier interactions in \(train) by design")
    }
    return draft
  }

  func size(_ path: String) -> Int64 {
    ((try? FileManager.default.attributesOfItem(atPath: files.appendingPathComponent(path).path)[
      .size]) as? Int64) ?? 0
  }

  func countRows(_ url: URL) throws -> Int {
    try TableProfile.read(url, path: url.lastPathComponent, cap: 0).rows
  }

  func isEntity(_ column: String) -> Bool {
    Self.words(column).contains { Self.entityWords.contains($0) }
  }

  /// `customerID`, `user_id`, `store-nbr` → their lower-cased words.
  static func words(_ name: String) -> [String] {
    var words: [String] = []
    var current = ""
    var previousLower = false
    for ch in name {
      if ch == "_" || ch == "-" || ch == " " || ch == "." {
        if !current.isEmpty { words.append(current) }
        current = ""
        previousLower = false
        continue
      }
      if ch.isUppercase && previousLower {
        words.append(current)
        current = ""
      }
      current.append(ch)
      previousLower = ch.isLowercase || ch.isNumber
    }
    if !current.isEmpty { words.append(current) }
    return words.map { $0.lowercased() }
  }

  /// A metric for data whose page names none: the plainest one of the target's shape.
  func guessMetric(kind: ManifestDraft.TargetKind, targets: [ColumnProfile], sample: ColumnProfile?)
    -> String
  {
    if kind == .classProbabilities { return "multiclass_log_loss" }
    guard let t = targets.first else { return "rmse" }
    let categorical = !t.isNumeric || (t.isIntegral && !t.distinctOverflow && t.distinct <= 20)
    if !categorical { return targets.count > 1 ? "mcrmse" : "rmse" }
    let sampleIsProbability =
      sample.map { $0.isNumeric && !$0.isIntegral } ?? false
      || (sample.map { $0.isNumeric } ?? false && !t.isNumeric)
    if t.distinct == 2 { return sampleIsProbability ? "roc_auc" : "accuracy" }
    return "accuracy"
  }

  /// The page's first Markdown heading.
  static func pageTitle(_ markdown: String) -> String? {
    for line in markdown.split(separator: "\n") {
      let t = line.trimmingCharacters(in: .whitespaces)
      if t.hasPrefix("# ") {
        let title = t.dropFirst(2).trimmingCharacters(in: .whitespaces)
        if !title.isEmpty { return title }
      }
    }
    return nil
  }
}
