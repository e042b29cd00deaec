public import Foundation

/// `checksums.json`: the SHA-256 and size of every file of the task, recursively.
public enum Checksums {
  /// The file's name at a task's root.
  public static let fileName = "checksums.json"

  /// Files at the task root that are not covered (the checksums themselves and reports).
  package static func skip(_ path: String) -> Bool {
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
  package static func write(for root: URL, reusing known: [FileTree.Entry]) throws {
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
