public import DojoCore
internal import Foundation
internal import Tabular

/// The leak checks: nothing of the answers reaches `public/`. They run over task.json's file
/// list, so every train and test table is checked whatever its name and format (CSV, TSV,
/// JSON records), and a listed table that cannot be read is an error naming it, never a
/// skipped check. Prepare runs the cheap ones before a task is written into place
/// (``afterSplit(work:files:manifest:idsDisjointBySplit:)``); validate runs them all
/// (``audit(_:files:idColumn:targets:duplicates:duplicateLimit:idsInTrain:)``).
public enum LeakCheck {
  /// After the split: no test id in any train table, no target column in any test table, and
  /// nothing under `public/` that links anywhere (so no path leads from public to private).
  ///
  /// - Parameter idsDisjointBySplit: true when the split itself proves no id is on both
  ///   sides (one source file whose ids were checked unique, each row sent to one side);
  ///   train is then not read again. Provided and scripted splits pass false.
  ///   - cocoTestMetadata: a COCO split's public test metadata file.
  static func afterSplit(
    work: TaskLayout, files: [TaskFile], manifest: Manifest, idsDisjointBySplit: Bool = false,
    cocoTestMetadata: URL? = nil
  ) throws {
    if !idsDisjointBySplit && !manifest.answers.idsInTrain {
      let testIDs = try answerIDs(work, idColumn: manifest.answers.id)
      for train in files where train.role == .trainTable {
        _ = try requireNoTestIDs(in: train, layout: work, idColumn: manifest.answers.id, testIDs)
      }
    }
    // A matching task's group column is its answers in another form.
    let hidden = manifest.answers.targets + (manifest.answers.groupMatches.map { [$0] } ?? [])
    for test in files where test.role == .testTable {
      try requireNoTargets(in: test, layout: work, targets: hidden)
    }
    if manifest.table?.format == .coco, let test = cocoTestMetadata {
      // COCO test metadata sits inside its image folder, not among the listed tables, and
      // must not carry the labels under COCO's own names either.
      let fields = manifest.answers.targets + ["category_id", "annotations"]
      if let field = try JSONRecords.firstField(of: fields, in: test) {
        throw DojoError(
          .invalidData,
          "leak: public/\(test.path.dropFirst(work.publicDir.path.count + 1)) holds the target field \"\(field)\"; it must not"
        )
      }
    }
    try requireNoLinks(under: work.publicDir)
  }

  /// Every leak check, for `dojo validate`: no test id in a train table; no target column or
  /// field in a test table; no public file that is the answers or holds most of their
  /// id-target pairs; few exact duplicates of test rows in their train table; no link from
  /// public to private.
  ///
  /// - Parameters:
  ///   - duplicates: ``duplicates(_:files:idColumn:targets:)``'s findings, measured once for
  ///     this check and validation's duplicate warning.
  ///   - duplicateLimit: the share of test rows with an exact feature duplicate in train
  ///     past which informative features count as a leak.
  /// - Returns: notes on what was found that is not a leak (duplicate shares, tables
  ///   without an id column).
  /// - Throws: ``DojoError`` `.invalidData` for a leak ("leak: …") or a listed file that
  ///   cannot be read, naming the file.
  public static func audit(
    _ layout: TaskLayout, files: [TaskFile], idColumn: String, targets: [String],
    duplicates: [DuplicateFinding], duplicateLimit: Double, idsInTrain: Bool = false
  ) throws -> [String] {
    let answers = try Table.read(layout.answers)
    guard let answerID = answers.index(of: idColumn) else {
      throw DojoError(.invalidData, "private/answers.csv has no id column \"\(idColumn)\"")
    }
    let targetColumns = targets.compactMap { answers.index(of: $0) }
    var testIDs = Set<String>()
    var pairs = Set<String>()
    var distinctTargets = Set<String>()
    for row in 0..<answers.rowCount {
      let id = answers.string(row: row, column: answerID)
      let values = targetColumns.map { answers.string(row: row, column: $0) }
      testIDs.insert(id)
      distinctTargets.insert(values.joined(separator: "\u{1F}"))
      pairs.insert(([id] + values).joined(separator: "\u{1F}"))
    }
    try requireNoAnswersCopy(layout)
    var notes: [String] = []
    let tables = files.filter { $0.isPublic && $0.format.isTable && $0.role != .mediaFolder }
    for table in tables {
      if table.role == .trainTable, !idsInTrain,
        try !requireNoTestIDs(in: table, layout: layout, idColumn: idColumn, testIDs)
      {
        notes.append("\(table.path) has no id column \"\(idColumn)\"")
      }
      if table.role == .testTable {
        try requireNoTargets(in: table, layout: layout, targets: targets)
      }
      // A file that holds most of the answers' (id, targets) pairs leaks them. The sample's
      // default prediction may match many rows by chance, so only a near-complete match of
      // answers that vary counts.
      guard distinctTargets.count > 1, !pairs.isEmpty else { continue }
      let records = TableRecords(table, in: layout)
      let columns = try records.columns()
      guard columns.contains(idColumn), targets.allSatisfy(columns.contains) else { continue }
      var hits = 0
      var predicted = Set<String>()
      try records.forEachRow(columns: [idColumn] + targets) { values, _ in
        let key = values.map { $0 ?? "" }
        let prediction = key.dropFirst().joined(separator: "\u{1F}")
        predicted.insert(prediction)
        if pairs.contains(key.joined(separator: "\u{1F}")) { hits += 1 }
        return true
      }
      // One value for every row (the sample's prior class) matches the majority by design.
      if predicted.count > 1 && Double(hits) >= 0.9 * Double(pairs.count) {
        throw DojoError(
          .invalidData,
          "leak: \(table.path) holds \(hits) of the \(pairs.count) answers' id-target pairs")
      }
    }
    for found in duplicates {
      // Where the features are coarse (few distinct rows, like Titanic's sex/age/class),
      // duplicates are the data's nature, not a leak: only informative features count.
      if found.coarse {
        notes.append(
          found.summary
            + " (features are coarse: \(found.distinctPercent)% of train rows distinct, so that is expected)"
        )
      } else if found.share > duplicateLimit {
        throw DojoError(
          .invalidData,
          "leak: \(found.summary) (limit \(Self.percent(duplicateLimit))%, validation.duplicate_limit)"
        )
      } else {
        notes.append(found.summary)
      }
    }
    if let link = try linkOut(layout) { throw DojoError(.invalidData, "leak: " + link) }
    return notes
  }

  /// The answers' ids.
  static func answerIDs(_ layout: TaskLayout, idColumn: String) throws -> [String] {
    let answers = try Table.read(layout.answers)
    guard let column = answers.index(of: idColumn) else {
      throw DojoError(.invalidData, "private/answers.csv has no id column \"\(idColumn)\"")
    }
    return (0..<answers.rowCount).map { answers.string(row: $0, column: column) }
  }

  /// Refuses a train table holding a test id.
  ///
  /// - Returns: false when the table has no id column, so ids cannot be compared.
  static func requireNoTestIDs<IDs: Collection<String>>(
    in table: TaskFile, layout: TaskLayout, idColumn: String, _ testIDs: IDs
  ) throws -> Bool {
    let url = layout.root.appendingPathComponent(table.path)
    if table.format == .csv {
      // Streamed, so no column of train is held in memory. Integer ids compare as numbers
      // (cheaper to hash than strings); see `Preparer.canonicalIntegers` for why that is
      // exact: a train id that is not a canonical integer cannot equal one that is.
      let reader: CSVReader
      do {
        reader = try CSVReader(url: url)
      } catch let error as DojoError {
        throw DojoError(.invalidData, "\(table.path) cannot be read as CSV: \(error.message)")
      }
      guard let idField = reader.header.firstIndex(of: idColumn) else { return false }
      let testNumbers = Preparer.canonicalIntegers(Array(testIDs)).map { Set($0) }
      let testStrings = testNumbers == nil ? Set(testIDs) : []
      while true {
        let next: CSVRecord?
        do {
          next = try reader.next()
        } catch let error as DojoError {
          throw DojoError(.invalidData, "\(table.path) cannot be read as CSV: \(error.message)")
        }
        guard let record = next else { return true }
        let leaks: Bool
        if let testNumbers {
          leaks = record.withFieldBytes(idField) { bytes in
            CSVNumber.canonicalInteger(bytes).map { testNumbers.contains($0) } ?? false
          }
        } else {
          leaks = testStrings.contains(record.string(idField))
        }
        if leaks {
          throw DojoError(
            .invalidData,
            "leak: test id \"\(record.string(idField))\" is in \(table.path) (line \(record.line)) and in the answers"
          )
        }
      }
    }
    let records = TableRecords(table, in: layout)
    guard try records.columns().contains(idColumn) else { return false }
    let testSet = Set(testIDs)
    try records.forEachRow(columns: [idColumn]) { values, line in
      if let id = values[0], testSet.contains(id) {
        throw DojoError(
          .invalidData,
          "leak: test id \"\(id)\" is in \(table.path) (\(table.format == .json ? "record" : "line") \(line)) and in the answers"
        )
      }
      return true
    }
    return true
  }

  /// Refuses a test table with a target column (CSV, TSV) or a record with a target field
  /// (JSON).
  static func requireNoTargets(in table: TaskFile, layout: TaskLayout, targets: [String]) throws {
    let columns = try TableRecords(table, in: layout).columns()
    if let target = targets.first(where: columns.contains) {
      throw DojoError(
        .invalidData,
        "leak: \(table.path) holds the target \(table.format == .json ? "field" : "column") \"\(target)\"; it must not"
      )
    }
  }

  /// Refuses a public file whose bytes are the answers'.
  static func requireNoAnswersCopy(_ layout: TaskLayout) throws {
    let size = try fileSize(layout.answers)
    var answersHash: String?
    for path in try FileTree.relativePaths(under: layout.publicDir) {
      let url = layout.publicDir.appendingPathComponent(path)
      guard try fileSize(url) == size else { continue }
      let hash = try answersHash ?? SHA256Hasher.hash(fileAt: layout.answers)
      answersHash = hash
      if try SHA256Hasher.hash(fileAt: url) == hash {
        throw DojoError(
          .invalidData, "leak: public/\(path) is a byte-for-byte copy of private/answers.csv")
      }
    }
  }

  /// A file's size in bytes.
  static func fileSize(_ url: URL) throws -> Int {
    let attributes: [FileAttributeKey: Any]
    do {
      attributes = try FileManager.default.attributesOfItem(atPath: url.path)
    } catch {
      throw AtomicFiles.ioError("cannot read \(url.path)", error)
    }
    return (attributes[.size] as? NSNumber)?.intValue ?? -1
  }

  /// How many of a test table's rows repeat a train row in every feature column.
  public struct DuplicateFinding: Sendable, Equatable {
    /// The train and test tables, as task.json lists them.
    public var train: String
    public var test: String
    /// The share of test rows whose features (every shared column but the id and targets)
    /// equal a train row's.
    public var share: Double
    /// The share of train rows that are distinct in those features.
    public var distinctTrain: Double

    /// Features so coarse (under half of train's rows distinct) that repeats are the data's
    /// nature rather than a leak.
    public var coarse: Bool { distinctTrain < 0.5 }

    /// "12.5% of test.csv rows have an exact feature duplicate in train.csv".
    public var summary: String {
      "\(String(format: "%.1f", share * 100))% of \(test) rows have an exact feature duplicate in \(train)"
    }

    var distinctPercent: String { String(format: "%.0f", distinctTrain * 100) }
  }

  /// Every listed train/test pair's duplicate share, for pairs that share a feature column
  /// and hold rows (an image task's id-only tables have none to compare).
  ///
  /// - Throws: ``DojoError`` when a listed table cannot be read, naming it.
  public static func duplicates(
    _ layout: TaskLayout, files: [TaskFile], idColumn: String, targets: [String]
  ) throws -> [DuplicateFinding] {
    try TaskFileList.pairs(files).compactMap { train, test in
      try duplicateShare(
        train: train, test: test, layout: layout, idColumn: idColumn, targets: targets
      ).map {
        DuplicateFinding(
          train: train.path, test: test.path, share: $0.share, distinctTrain: $0.distinct)
      }
    }
  }

  /// A share as a whole percentage when it is one ("50"), else to one decimal ("12.5").
  public static func percent(_ share: Double) -> String {
    let p = share * 100
    return p == p.rounded() ? String(Int(p)) : String(format: "%.1f", p)
  }

  /// The share of the test table's rows whose feature columns (all but id and targets) equal
  /// a row of its train table, and the share of train rows that are distinct; nil when they
  /// share no feature or either is empty.
  static func duplicateShare(
    train: TaskFile, test: TaskFile, layout: TaskLayout, idColumn: String, targets: [String]
  ) throws -> (share: Double, distinct: Double)? {
    let trainRecords = TableRecords(train, in: layout)
    let testRecords = TableRecords(test, in: layout)
    let trainColumns = Set(try trainRecords.columns())
    let features = try testRecords.columns().filter {
      $0 != idColumn && !targets.contains($0) && trainColumns.contains($0)
    }
    guard !features.isEmpty else { return nil }
    func keys(_ records: TableRecords) throws -> [String] {
      var keys: [String] = []
      try records.forEachRow(columns: features) { values, _ in
        keys.append(values.map { $0 ?? "\u{0}" }.joined(separator: "\u{1F}"))
        return true
      }
      return keys
    }
    let trainKeys = try keys(trainRecords)
    let trainSet = Set(trainKeys)
    let testKeys = try keys(testRecords)
    guard !testKeys.isEmpty, !trainKeys.isEmpty else { return nil }
    return (
      Double(testKeys.filter(trainSet.contains).count) / Double(testKeys.count),
      Double(trainSet.count) / Double(trainKeys.count)
    )
  }

  /// A symbolic link anywhere under public/, or a public file that is a hard link of a
  /// private one: either way a path from public to the answers.
  static func linkOut(_ layout: TaskLayout) throws -> String? {
    var privateInodes = Set<UInt64>()
    for path in try FileTree.relativePaths(under: layout.privateDir) {
      let attributes = try FileManager.default.attributesOfItem(
        atPath: layout.privateDir.appendingPathComponent(path).path)
      if let inode = attributes[.systemFileNumber] as? UInt64 { privateInodes.insert(inode) }
    }
    guard
      let walker = FileManager.default.enumerator(
        at: layout.publicDir, includingPropertiesForKeys: [.isSymbolicLinkKey])
    else { return nil }
    for case let url as URL in walker {
      if try url.resourceValues(forKeys: [.isSymbolicLinkKey]).isSymbolicLink == true {
        return "public/ holds a symbolic link: \(url.path)"
      }
      let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
      if let inode = attributes[.systemFileNumber] as? UInt64, privateInodes.contains(inode) {
        return "\(url.path) is a hard link to a private file"
      }
    }
    return nil
  }

  /// Refuses symbolic links below `dir`: a link is the one way public files could reach
  /// private ones.
  static func requireNoLinks(under dir: URL) throws {
    guard
      let walker = FileManager.default.enumerator(
        at: dir, includingPropertiesForKeys: [.isSymbolicLinkKey])
    else { return }
    for case let url as URL in walker {
      if try url.resourceValues(forKeys: [.isSymbolicLinkKey]).isSymbolicLink == true {
        throw DojoError(
          .invalidData, "leak: \(url.path) is a symbolic link; public/ must hold plain files only")
      }
    }
  }
}
