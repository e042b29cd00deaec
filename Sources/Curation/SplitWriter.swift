internal import DojoCore
internal import Foundation
internal import Tabular

extension Preparer {
  /// Splits `files.train` by the manifest's strategy into public train/test and the answers.
  func writeSplit(files: RawFiles, work: TaskLayout) throws -> (
    (train: Int, test: Int), [[String]]
  ) {
    let url = try files.one(manifest.files.train, key: "files.train")
    let table = try Table.read(url)
    let columns = try TableColumns(table: table, manifest: manifest, file: "files.train")
    try columns.requireUniqueIDs()
    let planner = SplitPlanner(manifest.split)
    let sides = try planner.assign(rowCount: table.rowCount) { name in
      guard let i = table.index(of: name) else {
        throw DojoError(
          .invalidManifest,
          "split names column \"\(name)\", which \(table.name) does not have (columns: \(table.header.joined(separator: ", ")))"
        )
      }
      return (0..<table.rowCount).map { table.string(row: $0, column: i) }
    }
    let testColumns = table.header.indices.filter { !columns.targets.contains($0) }
    let answerColumns = [columns.id] + columns.targets
    var train = RowSink(url: work.train, header: table.header)
    var test = RowSink(url: work.test, header: testColumns.map { table.header[$0] })
    var answers = RowSink(url: work.answers, header: answerColumns.map { table.header[$0] })
    var trainTargets: [[String]] = columns.targets.map { _ in [] }
    let mover = manifest.media.map { media in
      MediaMover(media: media, files: files, publicDir: work.publicDir)
    }
    let mediaColumn = try manifest.media.map { media in
      let name = media.column ?? manifest.answers.id
      guard let i = table.index(of: name) else {
        throw DojoError(
          .invalidManifest, "media.column: \"\(name)\" is not a column of \(table.name)")
      }
      return i
    }
    for row in 0..<table.rowCount {
      if let mover, let mediaColumn {
        try mover.place(id: table.string(row: row, column: mediaColumn), side: sides[row])
      }
      let fields = table.header.indices.map { table.string(row: row, column: $0) }
      switch sides[row] {
      case .train:
        train.append(fields)
        for (k, c) in columns.targets.enumerated() { trainTargets[k].append(fields[c]) }
      case .test:
        test.append(testColumns.map { fields[$0] })
        answers.append(answerColumns.map { fields[$0] })
      case .dropped:
        break
      }
    }
    try train.finish()
    try test.finish()
    try answers.finish()
    return ((train.rows, test.rows), trainTargets)
  }

  /// `split.strategy: provided`: the archive has labelled test rows already.
  func writeProvided(files: RawFiles, work: TaskLayout) throws -> (
    (train: Int, test: Int), [[String]]
  ) {
    let trainURL = try files.one(manifest.files.train, key: "files.train")
    guard let answersPattern = manifest.files.testAnswers else {
      throw DojoError(.invalidManifest, "files.test_answers is required by split.strategy provided")
    }
    let labelled = try Table.read(try files.one(answersPattern, key: "files.test_answers"))
    let train = try Table.read(trainURL)
    let trainColumns = try TableColumns(table: train, manifest: manifest, file: "files.train")
    let testColumns = try TableColumns(
      table: labelled, manifest: manifest, file: "files.test_answers")
    try testColumns.requireUniqueIDs()
    try copyFile(trainURL, to: work.train)
    let publicColumns = labelled.header.indices.filter { !testColumns.targets.contains($0) }
    let answerColumns = [testColumns.id] + testColumns.targets
    var test = RowSink(url: work.test, header: publicColumns.map { labelled.header[$0] })
    var answers = RowSink(url: work.answers, header: answerColumns.map { labelled.header[$0] })
    for row in 0..<labelled.rowCount {
      test.append(publicColumns.map { labelled.string(row: row, column: $0) })
      answers.append(answerColumns.map { labelled.string(row: row, column: $0) })
    }
    try test.finish()
    try answers.finish()
    let targets = trainColumns.targets.map { c in
      (0..<train.rowCount).map { train.string(row: $0, column: c) }
    }
    return ((train.rowCount, labelled.rowCount), targets)
  }
}

/// The id and target columns of a labelled table, checked against the manifest.
struct TableColumns {
  let table: Table
  let id: Int
  let targets: [Int]
  let file: String

  init(table: Table, manifest: Manifest, file: String) throws {
    self.table = table
    self.file = file
    let listing = table.header.joined(separator: ", ")
    guard let id = table.index(of: manifest.answers.id) else {
      throw DojoError(
        .invalidManifest,
        "answers.id: column \"\(manifest.answers.id)\" is not in \(file) \(table.name) (columns: \(listing))"
      )
    }
    self.id = id
    self.targets = try manifest.answers.targets.map { name in
      guard let i = table.index(of: name) else {
        throw DojoError(
          .invalidManifest,
          "answers.targets: column \"\(name)\" is not in \(file) \(table.name) (columns: \(listing))"
        )
      }
      return i
    }
  }

  /// Refuses a table whose id column repeats a value or leaves one empty.
  func requireUniqueIDs() throws {
    var seen: [String: Int] = [:]
    seen.reserveCapacity(table.rowCount)
    for row in 0..<table.rowCount {
      let value = table.string(row: row, column: id)
      if value.isEmpty {
        throw DojoError(
          .invalidData,
          "answers.id: column \"\(table.header[id])\" is empty on data row \(row + 1) of \(table.name); every row needs an id"
        )
      }
      if let first = seen[value] {
        throw DojoError(
          .invalidData,
          "answers.id: \"\(value)\" appears on data rows \(first + 1) and \(row + 1) of \(table.name); the id column must be unique"
        )
      }
      seen[value] = row
    }
  }
}

/// Rows written through a temporary file, renamed into place by ``finish()``.
struct RowSink {
  let url: URL
  private var buffer = ""
  private(set) var rows = 0

  init(url: URL, header: [String]) {
    self.url = url
    append(header)
    rows = 0
  }

  mutating func append(_ fields: [String]) {
    buffer += fields.map(Self.quote).joined(separator: ",")
    buffer += "\n"
    rows += 1
  }

  func finish() throws { try AtomicFiles.write(buffer, to: url) }

  static func quote(_ field: String) -> String {
    guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else {
      return field
    }
    return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }
}
