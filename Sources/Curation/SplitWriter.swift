internal import DojoCore
internal import Foundation
internal import Tabular

/// The first half of a table split: which side each row goes to, found by one read of the
/// source and nothing written. ``Preparer`` can overlap it with hashing the inputs.
struct SplitPlan: Sendable {
  var source: URL
  var sides: Sides
  /// Each target column's values, for every row (coded: a byte or two a row for labels).
  var targetValues: [CodedColumn]
  /// The source's index without its values: the row spans the copy pass uses (nil once the
  /// copy is done, so they are freed before the train side's targets are made).
  var spans: CSVIndex?
  /// Each media entry's column values, in the manifest's order (empty without media).
  var mediaKeys: [CodedColumn]
  /// Per row, whether a test row is scored (`table.scored_where`); nil when all are.
  var scored: [Bool]?
  /// The `public.train_only` column's values, per row.
  var trainOnlyKeys: CodedColumn?
  /// What the curator should know about the split, with the manifest line (a time cut
  /// inside a run of equal times).
  var warnings: [String] = []
}

extension Preparer {
  /// Plans a split of `files.train` by the manifest's strategy: checks the columns the
  /// manifest names, indexes the few columns the split needs, checks the ids are unique and
  /// assigns every row a side.
  ///
  /// - Parameter scratch: a folder for the normalised copy of a table that is not plain
  ///   CSV (see ``SourceTable``); the caller removes it after the split.
  func planSplit(files: RawFiles, scratch: URL) throws -> SplitPlan {
    var url = try files.one(manifest.files.train, key: "files.train")
    if manifest.table?.format == .parquet {
      let converted = scratch.appendingPathComponent("parquet/train.csv")
      try convertParquet(url, files: files, to: converted)
      url = converted
    }
    let source = SourceTable(manifest: manifest)
    if source.needsCopy {
      let copy = scratch.appendingPathComponent("train.csv")
      try source.normalise(url, to: copy)
      url = copy
    }
    let header = try CSVReader(url: url).header
    let planner = SplitPlanner(manifest.split)
    try requireColumns(header: header, file: url.lastPathComponent, key: "files.train")
    for name in planner.columnsNeeded where !header.contains(name) {
      throw DojoError(
        .invalidManifest,
        "split names column \"\(name)\", which \(url.lastPathComponent) does not have (columns: \(header.joined(separator: ", ")))"
      )
    }
    let mediaColumns = manifest.media.map { $0.column ?? manifest.answers.id }
    for column in mediaColumns where !header.contains(column) {
      throw DojoError(
        .invalidManifest,
        "media.column: \"\(column)\" is not a column of \(url.lastPathComponent)")
    }
    for name in manifest.publicFiles?.drop ?? [] where !header.contains(name) {
      throw DojoError(
        .invalidManifest,
        "public.drop: column \"\(name)\" is not in \(url.lastPathComponent) (columns: \(header.joined(separator: ", ")))"
      )
    }
    let trainOnly = manifest.publicFiles?.trainOnly
    if let trainOnly, !header.contains(trainOnly.column) {
      throw DojoError(
        .invalidManifest,
        "public.train_only.column: \"\(trainOnly.column)\" is not a column of \(url.lastPathComponent)"
      )
    }
    let scoredWhere = manifest.table?.scoredWhere
    if let scoredWhere, !header.contains(scoredWhere.column) {
      throw DojoError(
        .invalidManifest,
        "table.scored_where.column: \"\(scoredWhere.column)\" is not a column of \(url.lastPathComponent)"
      )
    }
    let needed = Array(
      Set(
        manifest.answers.sourceColumns + planner.columnsNeeded + mediaColumns
          + (scoredWhere.map { [$0.column] } ?? []) + (trainOnly.map { [$0.column] } ?? []))
    ).sorted()
    // The id column is a key: checked unique without keeping its values (unless media
    // needs them). Only the plan outlives the index: the sides, the coded target columns and
    // the row spans, so rows are copied without being parsed again.
    let index = try CSVIndex.scan(url, columns: needed, keys: [manifest.answers.id])
    try requireUniqueIDs(index)
    let sides: Sides
    do {
      sides = try planner.assign(rowCount: index.rowCount) { index.values(of: $0) ?? [] }
    } catch let error as DojoError
      where error.code == .invalidData || error.code == .invalidManifest
    {
      // The data showed what the manifest could not: say which line to change.
      let key =
        switch manifest.split.strategy {
        case .time: "split.time"
        case .stratified: "split.stratify"
        case .group: "split.group"
        default: "split"
        }
      throw DojoError(
        error.code, "\(loaded.location(of: key)): \(error.message)", cause: error)
    }
    let targetValues = manifest.answers.sourceColumns.map { index.values(of: $0) ?? [] }
    // A group_matches column holds groups, not labels.
    if manifest.answers.groupMatches == nil { try LabelCheck(loaded).check(targetValues) }
    var warnings: [String] = []
    if let advice = planner.samplerAdvice(rowCount: index.rowCount) {
      warnings.append("\(loaded.location(of: "split.strategy")): \(advice)")
    }
    if let time = manifest.split.time,
      let tie = planner.tieAtTimeCut(sides: sides, times: index.values(of: time) ?? [])
    {
      warnings.append(
        "\(loaded.location(of: "split.time")): the time cut falls inside \(tie.before + tie.test) rows at \(time) = \(tie.value): \(tie.before) stay before the cut and \(tie.test) go to test, by file order; choose test_rows or a gap that moves the cut off that time if it matters"
      )
    }
    return SplitPlan(
      source: url, sides: sides, targetValues: targetValues,
      spans: index.droppingValues(), mediaKeys: mediaColumns.map { index.values(of: $0) ?? [] },
      scored: scoredWhere.map { rule in
        (index.values(of: rule.column) ?? []).map { $0 == rule.value }
      }, trainOnlyKeys: trainOnly.flatMap { index.values(of: $0.column) }, warnings: warnings)
  }

  /// Writes a planned split into public train/test and the answers: one copy of every
  /// record to its side, byte for byte, never re-printed. Media files go with their rows.
  ///
  /// - Returns: the row counts, the train rows' targets, and the checksum entries of the
  ///   tables written, hashed as they were written (empty for a table changed afterwards).
  func writeSplit(_ plan: consuming SplitPlan, files: RawFiles, work: TaskLayout) throws -> (
    (train: Int, test: Int), [CodedColumn], hashed: [FileTree.Entry]
  ) {
    for (media, keys) in zip(manifest.media, plan.mediaKeys) {
      let mover = MediaMover(media: media, files: files, publicDir: work.publicDir)
      // Rows may share a file (several windows of one recording): it is placed once a side.
      var placed = Set<String>()
      for (row, key) in keys.enumerated()
      where placed.insert("\(plan.sides[row].rawValue) \(key)").inserted {
        try mover.place(id: key, side: plan.sides[row])
      }
    }
    // The sides' bytes are the copy's classes, moved out of the plan rather than copied
    // (a byte a row). Test rows outside `table.scored_where` are shown in the test table but
    // not scored.
    let unscored: UInt8 = 3
    let train = RowSide.train.rawValue
    let test = RowSide.test.rawValue
    var assignments = plan.sides.takeRaw()
    if let scored = plan.scored {
      for row in assignments.indices where assignments[row] == test && !scored[row] {
        assignments[row] = unscored
      }
      if !assignments.contains(test) {
        throw DojoError(
          .invalidData,
          "table.scored_where: no test row has the value it names, so nothing would be scored; check its column and value"
        )
      }
    }
    // The train rows' targets (for the sample's default) are taken on the second core while
    // this one copies the rows; the copy leaves it half idle, hashing the train table.
    let trainTargetsJob: BackgroundJob<[CodedColumn]>? =
      manifest.answers.groupMatches != nil
      ? nil
      : BackgroundJob("dojo-train-targets") { [assignments, targetValues = plan.targetValues] in
        targetValues.map { values in values.filter { assignments[$0] == train } }
      }
    defer { _ = try? trainTargetsJob?.wait() }
    let hidden = manifest.answers.sourceColumns + (manifest.publicFiles?.drop ?? [])
    let paths = [
      "public/" + manifest.publicTrainName, "public/" + manifest.publicTestName,
      "private/answers.csv",
    ]
    let written = try CSVSplitter.write(
      source: plan.source, assignments: assignments,
      outputs: [
        SplitOutput(
          url: work.root.appendingPathComponent(paths[0]), rowClass: RowSide.train.rawValue),
        SplitOutput(
          url: work.root.appendingPathComponent(paths[1]), rowClass: RowSide.test.rawValue,
          also: [unscored], columns: .dropping(hidden)),
        SplitOutput(
          url: work.root.appendingPathComponent(paths[2]), rowClass: RowSide.test.rawValue,
          columns: .only([manifest.answers.id] + manifest.answers.sourceColumns)),
      ], index: plan.spans, hashing: true)
    plan.spans = nil
    let counts = written.map(\.rows)
    var hashed: [FileTree.Entry] = []
    for (path, output) in zip(paths, written) {
      guard let sha256 = output.sha256, let size = output.size else { continue }
      hashed.append(FileTree.Entry(path: path, size: Int64(size), sha256: sha256))
    }
    if let group = manifest.answers.groupMatches {
      // The answers hold each test row's group for now; the matches replace it.
      try GroupMatches(
        id: manifest.answers.id, group: group, target: manifest.answers.targets[0]
      ).derive(answers: work.answers, sample: work.sampleSubmission)
      return ((counts[0], counts[1]), [], hashed.filter { $0.path != paths[2] })
    }
    if let trainOnly = manifest.publicFiles?.trainOnly, let keys = plan.trainOnlyKeys {
      var trainKeys = Set<String>()
      for (row, key) in keys.enumerated() where assignments[row] == train { trainKeys.insert(key) }
      try writeTrainOnly(trainOnly, trainKeys: trainKeys, files: files, work: work)
    }
    return ((counts[0], counts[1]), try trainTargetsJob?.wait() ?? [], hashed)
  }

  /// Copies each `public.train_only` table with only the rows whose key is on the train
  /// side; `copyExtras` then finds it in place and leaves it.
  func writeTrainOnly(
    _ spec: Manifest.PublicFiles.TrainOnly, trainKeys: Set<String>, files: RawFiles,
    work: TaskLayout
  ) throws {
    for name in spec.files {
      let source = try files.one(name, key: "public.train_only.files")
      let reader = try CSVReader(url: source)
      guard let column = reader.header.firstIndex(of: spec.column) else {
        throw DojoError(
          .invalidManifest,
          "public.train_only.column: \"\(spec.column)\" is not a column of \(source.lastPathComponent)"
        )
      }
      let writer = try CSVWriter(
        url: work.publicDir.appendingPathComponent(source.lastPathComponent))
      do {
        try reader.headerBytes.withUnsafeBufferPointer { try writer.writeRaw(recordBytes: $0) }
        while let record = try reader.next() {
          if trainKeys.contains(record.string(column)) { try writer.writeRaw(record) }
        }
        try writer.finish()
      } catch {
        writer.discard()
        throw error
      }
    }
  }

  /// The public table of one side, by the manifest's `public.train` / `public.test` name.
  func publicTable(_ side: RowSide, _ work: TaskLayout) -> URL {
    work.publicDir.appendingPathComponent(
      side == .test ? manifest.publicTestName : manifest.publicTrainName)
  }

  /// `split.strategy: provided`: the archive has labelled test rows already.
  func writeProvided(files: RawFiles, work: TaskLayout) throws -> (
    (train: Int, test: Int), [CodedColumn]
  ) {
    let trainURL = try files.one(manifest.files.train, key: "files.train")
    guard let answersPattern = manifest.files.testAnswers else {
      throw DojoError(.invalidManifest, "files.test_answers is required by split.strategy provided")
    }
    let labelledURL = try files.one(answersPattern, key: "files.test_answers")
    try requireColumns(
      header: try CSVReader(url: trainURL).header, file: trainURL.lastPathComponent,
      key: "files.train")
    try requireColumns(
      header: try CSVReader(url: labelledURL).header, file: labelledURL.lastPathComponent,
      key: "files.test_answers")
    let train = try CSVIndex.scan(trainURL, columns: manifest.answers.targets)
    let labelled = try CSVIndex.scan(labelledURL, keys: [manifest.answers.id])
    try requireUniqueIDs(labelled)
    let trainRows = try CSVSplitter.write(
      source: trainURL,
      assignments: [UInt8](repeating: RowSide.train.rawValue, count: train.rowCount),
      outputs: [SplitOutput(url: work.train, rowClass: RowSide.train.rawValue)])
    let testRows = try CSVSplitter.write(
      source: labelledURL,
      assignments: [UInt8](repeating: RowSide.test.rawValue, count: labelled.rowCount),
      outputs: [
        SplitOutput(
          url: work.test, rowClass: RowSide.test.rawValue,
          columns: .dropping(manifest.answers.targets)),
        SplitOutput(
          url: work.answers, rowClass: RowSide.test.rawValue,
          columns: .only([manifest.answers.id] + manifest.answers.targets)),
      ])
    let targets = manifest.answers.targets.map { train.values(of: $0) ?? [] }
    return ((trainRows[0], testRows[0]), targets)
  }

  /// Refuses a table without the manifest's id or target columns, naming the manifest key.
  func requireColumns(header: [String], file: String, key: String) throws {
    let listing = header.joined(separator: ", ")
    if !header.contains(manifest.answers.id) {
      throw DojoError(
        .invalidManifest,
        "answers.id: column \"\(manifest.answers.id)\" is not in \(key) \(file) (columns: \(listing))"
      )
    }
    let sourceKey =
      manifest.answers.groupMatches == nil ? "answers.targets" : "answers.group_matches"
    for name in manifest.answers.sourceColumns where !header.contains(name) {
      throw DojoError(
        .invalidManifest,
        "\(sourceKey): column \"\(name)\" is not in \(key) \(file) (columns: \(listing))")
    }
  }

  /// Refuses an id column that repeats a value or leaves one empty, naming the lines.
  func requireUniqueIDs(_ index: CSVIndex) throws {
    let id = manifest.answers.id
    if let row = index.firstEmpty(in: id) {
      throw DojoError(
        .invalidData,
        "answers.id: column \"\(id)\" is empty on line \(index.line(ofRow: row)) of \(index.name); every row needs an id"
      )
    }
    if let repeated = try index.firstDuplicate(in: id) {
      throw DojoError(
        .invalidData,
        "answers.id: \"\(repeated.value)\" appears on lines \(index.line(ofRow: repeated.earlierRow)) and \(index.line(ofRow: repeated.row)) of \(index.name); the id column must be unique"
      )
    }
  }

  /// The ids as numbers when every one is a canonical decimal integer of at most 18 digits
  /// (`0`, or a non-zero digit then digits); nil otherwise.
  static func canonicalIntegers(_ ids: [String]) -> [Int]? {
    var out = [Int](repeating: 0, count: ids.count)
    for (i, id) in ids.enumerated() {
      var id = id
      guard let value = id.withUTF8(CSVNumber.canonicalInteger) else { return nil }
      out[i] = value
    }
    return out
  }

}

/// Rows written through Tabular's atomic ``CSVWriter``.
struct RowSink {
  private let writer: CSVWriter

  init(url: URL, header: [String]) throws {
    writer = try CSVWriter(url: url)
    try writer.write(fields: header)
  }

  func append(_ fields: [String]) throws { try writer.write(fields: fields) }

  /// A row of one field's text bytes and fields encoded once (``CSVWriter/encodedFields(_:)``).
  func append(
    fieldBytes: UnsafeBufferPointer<UInt8>, encodedRest rest: UnsafeBufferPointer<UInt8>
  ) throws {
    try writer.write(fieldBytes: fieldBytes, encodedRest: rest)
  }

  func finish() throws { try writer.finish() }
}
