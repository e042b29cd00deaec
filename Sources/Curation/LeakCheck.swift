public import DojoCore
public import Foundation
internal import Tabular

/// Checks that stop a leaking task before it is written into place.
enum LeakCheck {
  /// After the split: no id on both sides, no target column in public test, and nothing
  /// under `public/` that links anywhere (so no path leads from public to private).
  ///
  /// - Parameter idsDisjointBySplit: true when the split itself proves no id is on both
  ///   sides (one source file whose ids were checked unique, each row sent to one side);
  ///   train is then not read again. Provided and scripted splits pass false.
  ///   - train, test: the public tables (default `public/train.csv` and `public/test.csv`;
  ///     a manifest's `public:` names others). A JSON test table is checked record by record.
  static func afterSplit(
    work: TaskLayout, manifest: Manifest, idsDisjointBySplit: Bool = false, train: URL? = nil,
    test: URL? = nil
  ) throws {
    let trainTable = train ?? work.train
    let testTable = test ?? work.test
    let answers = try Table.read(work.answers)
    guard let answerID = answers.index(of: manifest.answers.id) else {
      throw DojoError(
        .invalidData, "private/answers.csv has no id column \"\(manifest.answers.id)\"")
    }
    let testIDList = (0..<answers.rowCount).map { answers.string(row: $0, column: answerID) }
    if !idsDisjointBySplit, FileManager.default.fileExists(atPath: trainTable.path) {
      // Streamed, so no column of train is held in memory. Integer ids compare as numbers
      // (cheaper to hash than strings); see `Preparer.canonicalIntegers` for why that is
      // exact: a train id that is not a canonical integer cannot equal one that is.
      let reader = try CSVReader(url: trainTable)
      if let idField = reader.header.firstIndex(of: manifest.answers.id) {
        let testNumbers = Preparer.canonicalIntegers(testIDList).map { Set($0) }
        let testStrings = testNumbers == nil ? Set(testIDList) : []
        while let record = try reader.next() {
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
              "leak: id \"\(record.string(idField))\" is both in public/train.csv (line \(record.line)) and in the answers"
            )
          }
        }
      }
    }
    if testTable.pathExtension == "json" {
      // COCO test metadata must not carry the labels under their own names either.
      let coco = manifest.table?.format == .coco ? ["category_id", "annotations"] : []
      if let field = try JSONRecords.firstField(of: manifest.answers.targets + coco, in: testTable)
      {
        throw DojoError(
          .invalidData,
          "leak: public/\(testTable.lastPathComponent) holds the target field \"\(field)\"; it must not"
        )
      }
    } else if FileManager.default.fileExists(atPath: testTable.path) {
      let header = try CSVReader(url: testTable).header
      for target in manifest.answers.targets where header.contains(target) {
        throw DojoError(
          .invalidData,
          "leak: public/\(testTable.lastPathComponent) holds the target column \"\(target)\"; it must not"
        )
      }
    }
    try requireNoLinks(under: work.publicDir)
  }

  /// Refuses symbolic links below `dir`: a link is the one way public files could reach
  /// private ones.
  static func requireNoLinks(under dir: URL) throws {
    guard
      let walker = FileManager.default.enumerator(
        at: dir, includingPropertiesForKeys: [.isSymbolicLinkKey])
    else { return }
    for case let url as URL in walker {
      if (try? url.resourceValues(forKeys: [.isSymbolicLinkKey]).isSymbolicLink) == true {
        throw DojoError(
          .invalidData, "leak: \(url.path) is a symbolic link; public/ must hold plain files only")
      }
    }
  }
}

/// `checksums.json`: the SHA-256 and size of every file of the task, recursively.
public enum Checksums {
  /// The file's name at a task's root.
  public static let fileName = "checksums.json"

  /// Files at the task root that are not covered (the checksums themselves and reports).
  static func skip(_ path: String) -> Bool {
    path == fileName || path == "report.json" || path.hasPrefix(".")
  }

  /// Hashes every file below `root` and writes `root/checksums.json`.
  public static func write(for root: URL) throws {
    let entries = try FileTree.entries(under: root, skip: skip)
    try AtomicFiles.write(
      try StableJSON.encode(["files": entries]), to: root.appendingPathComponent(fileName))
  }

  /// As ``write(for:)``, taking the entries in `known` as they are instead of hashing those
  /// files again: for files the caller hashed and has not changed since.
  static func write(for root: URL, reusing known: [FileTree.Entry]) throws {
    let byPath = Dictionary(known.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
    let present = Set(try FileTree.relativePaths(under: root, skip: skip))
    let fresh = try FileTree.entries(under: root) { skip($0) || byPath[$0] != nil }
    let entries = (fresh + known.filter { present.contains($0.path) })
      .sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
    try AtomicFiles.write(
      try StableJSON.encode(["files": entries]), to: root.appendingPathComponent(fileName))
  }

  /// Reads `checksums.json`.
  public static func read(_ root: URL) throws -> [FileTree.Entry] {
    let url = root.appendingPathComponent(fileName)
    guard let data = FileManager.default.contents(atPath: url.path) else {
      throw DojoError(.notFound, "\(url.path) is missing; prepare the task again")
    }
    do {
      return try JSONDecoder().decode([String: [FileTree.Entry]].self, from: data)["files"] ?? []
    } catch {
      throw DojoError(
        .invalidData, "\(url.path) is not a valid checksums file; prepare the task again")
    }
  }

  /// The paths whose bytes no longer match, plus missing and unexpected files.
  public static func verify(_ root: URL) throws -> [String] {
    let recorded = try read(root)
    let actual = try FileTree.entries(under: root, skip: skip)
    let byPath = Dictionary(uniqueKeysWithValues: actual.map { ($0.path, $0) })
    var problems: [String] = []
    for entry in recorded {
      guard let now = byPath[entry.path] else {
        problems.append("\(entry.path) is missing")
        continue
      }
      if now.sha256 != entry.sha256 { problems.append("\(entry.path) has changed") }
    }
    let known = Set(recorded.map(\.path))
    for entry in actual where !known.contains(entry.path) {
      problems.append("\(entry.path) is not in checksums.json")
    }
    return problems
  }
}
