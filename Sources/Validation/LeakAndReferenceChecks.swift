internal import Curation
internal import DojoCore
internal import Foundation
internal import Grading
internal import Sandbox
internal import Tabular

extension Validator {
  // MARK: - 5. Leaks

  /// Nothing of the answers reaches `public/`: no test id in train, no target column in test,
  /// no public file that is the answers or holds their id-target pairs, few exact duplicates
  /// of test rows in train, and no link from public to private.
  func leaks() throws -> Verdict {
    let spec = try readSpec()
    let answers = try Table.read(layout.answers)
    guard let idColumn = answers.index(of: spec.idColumn) else {
      return .fail("private/answers.csv has no id column \"\(spec.idColumn)\"")
    }
    let targetColumns = spec.targets.compactMap { answers.index(of: $0) }
    var pairs = Set<String>()
    var testIDs = Set<String>()
    var distinctTargets = Set<String>()
    for row in 0..<answers.rowCount {
      let id = answers.string(row: row, column: idColumn)
      let targets = targetColumns.map { answers.string(row: row, column: $0) }
      testIDs.insert(id)
      distinctTargets.insert(targets.joined(separator: "\u{1F}"))
      pairs.insert(([id] + targets).joined(separator: "\u{1F}"))
    }
    let answersHash = try SHA256Hasher.hash(fileAt: layout.answers)
    var notes: [String] = []

    for path in try FileTree.relativePaths(under: layout.publicDir) {
      let url = layout.publicDir.appendingPathComponent(path)
      if try SHA256Hasher.hash(fileAt: url) == answersHash {
        return .fail("public/\(path) is a byte-for-byte copy of private/answers.csv")
      }
      guard path.hasSuffix(".csv"), let header = try? CSVReader(url: url).header,
        header.contains(spec.idColumn)
      else { continue }
      let present = spec.targets.filter { header.contains($0) }
      if path == "test.csv", let target = present.first {
        return .fail("public/test.csv holds the target column \"\(target)\"")
      }
      let index = try CSVIndex.scan(url, columns: [spec.idColumn] + present)
      let ids = index.values(of: spec.idColumn) ?? []
      if path == "train.csv", let row = ids.firstIndex(where: testIDs.contains) {
        return .fail(
          "test id \"\(ids[row])\" is in public/train.csv (line \(index.line(ofRow: row)))")
      }
      // A file that holds most of the answers' (id, targets) pairs leaks them. The sample's
      // default prediction may match many rows by chance, so only a near-complete match
      // of answers that vary counts.
      if present.count == spec.targets.count, distinctTargets.count > 1, !pairs.isEmpty {
        let values = present.map { index.values(of: $0) ?? [] }
        var hits = 0
        var predicted = Set<String>()
        for (row, id) in ids.enumerated() {
          let targets = values.map { $0[row] }.joined(separator: "\u{1F}")
          predicted.insert(targets)
          if pairs.contains(id + "\u{1F}" + targets) { hits += 1 }
        }
        // One value for every row (the sample's prior class) matches the majority by design.
        if predicted.count > 1 && Double(hits) >= 0.9 * Double(pairs.count) {
          return .fail(
            "public/\(path) holds \(hits) of the \(pairs.count) answers' id-target pairs")
        }
      }
    }

    if let found = try duplicateShare(spec) {
      let percent = String(format: "%.1f", found.share * 100)
      notes.append("\(percent)% of test rows have an exact feature duplicate in train")
      // Where the features are coarse (few distinct rows, like Titanic's sex/age/class),
      // duplicates are the data's nature, not a leak: only informative features count.
      if found.distinct < 0.5 {
        notes.append(
          "features are coarse (\(String(format: "%.0f", found.distinct * 100))% of train rows distinct), so that is expected"
        )
      } else if found.share > duplicateThreshold {
        return .fail(
          "\(percent)% of test rows have an exact feature duplicate in train (threshold \(Int(duplicateThreshold * 100))%)"
        )
      }
    }
    if let link = try linkOut() { return .fail(link) }
    return .pass((["no answer reaches public/"] + notes).joined(separator: "; "))
  }

  /// The share of public test rows whose feature columns (all but id and targets) equal a
  /// public train row's, and the share of train rows that are distinct; nil when there is
  /// no train/test pair to compare.
  func duplicateShare(_ spec: TaskSpec) throws -> (share: Double, distinct: Double)? {
    let fm = FileManager.default
    guard fm.fileExists(atPath: layout.train.path), fm.fileExists(atPath: layout.test.path) else {
      return nil
    }
    let testHeader = try CSVReader(url: layout.test).header
    let trainHeader = try CSVReader(url: layout.train).header
    let features = testHeader.filter {
      $0 != spec.idColumn && !spec.targets.contains($0) && trainHeader.contains($0)
    }
    guard !features.isEmpty else { return nil }
    func keys(_ url: URL) throws -> [String] {
      let index = try CSVIndex.scan(url, columns: features)
      let columns = features.map { index.values(of: $0) ?? [] }
      return (0..<index.rowCount).map { row in
        columns.map { $0[row] }.joined(separator: "\u{1F}")
      }
    }
    let trainKeys = try keys(layout.train)
    let train = Set(trainKeys)
    let test = try keys(layout.test)
    guard !test.isEmpty, !trainKeys.isEmpty else { return nil }
    return (
      Double(test.filter(train.contains).count) / Double(test.count),
      Double(train.count) / Double(trainKeys.count)
    )
  }

  /// A symbolic link anywhere under public/, or a public file that is a hard link of a
  /// private one: either way a path from public to the answers.
  func linkOut() throws -> String? {
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
      if (try? url.resourceValues(forKeys: [.isSymbolicLinkKey]).isSymbolicLink) == true {
        return "public/ holds a symbolic link: \(url.path)"
      }
      let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
      if let inode = attributes?[.systemFileNumber] as? UInt64, privateInodes.contains(inode) {
        return "\(url.path) is a hard link to a private file"
      }
    }
    return nil
  }
}
