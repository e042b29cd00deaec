internal import DojoCore
internal import Foundation
internal import Tabular

/// The labelled table as the split engine reads it: `files.train` itself when it is a plain
/// UTF-8 CSV, otherwise a normalised copy written once before the split, so the one split
/// engine (``SplitPlanner`` and the byte-copying ``CSVSplitter``) serves every table.
///
/// The copy applies the manifest's `table:` keys in one streaming pass: the dialect
/// (delimiter, quoting, escape, encoding) becomes RFC 4180 UTF-8, the first column gets its
/// `rename_first` name, a `row_id` column is added in front (the row's number from 0 in the
/// source, counting every data row, or its `id_parts` joined by `_`), and with
/// `drop_unlabelled` rows whose target is empty are left out.
struct SourceTable {
  let table: Manifest.Table
  let answers: Manifest.Answers

  init(manifest: Manifest) {
    table = manifest.table ?? Manifest.Table()
    answers = manifest.answers
  }

  /// Whether `files.train` needs the normalising copy.
  var needsCopy: Bool { !table.isPlainCSV }

  /// Writes the normalised copy of `source` to `destination` (atomically).
  ///
  /// - Throws: ``DojoError`` `.invalidManifest` naming the `table.` key whose column the file
  ///   lacks, or the reader's `.invalidData` naming the line.
  func normalise(_ source: URL, to destination: URL) throws {
    guard let encoding = CSVEncoding(name: table.encoding) else {
      throw DojoError(.invalidManifest, "table.encoding: \"\(table.encoding)\" is not supported")
    }
    let plainDialect = table.delimiter == "," && table.quoting == .minimal && table.escape == nil
    if plainDialect {
      let reader = try CSVReader(url: source, options: CSVReader.Options(encoding: encoding))
      let columns = try resolve(header: reader.header, file: reader.name)
      let writer = try CSVWriter(url: destination)
      do {
        try writer.write(fields: columns.header)
        var number = 0
        while let record = try reader.next() {
          defer { number += 1 }
          if columns.unlabelled(record.string) { continue }
          let id = columns.id(record.string, number)
          let derived = columns.derived(record.string)
          if id == nil && derived.isEmpty {
            try writer.writeRaw(record)
          } else {
            try writer.writeRaw(record, leading: id.map { [$0] } ?? [], trailing: derived)
          }
        }
        try writer.finish()
      } catch {
        writer.discard()
        throw error
      }
      return
    }
    let dialect = DelimitedReader.Dialect(
      delimiter: table.delimiter.utf8.first ?? UInt8(ascii: ","),
      quoting: table.quoting == .minimal,
      escape: table.escape?.utf8.first, encoding: encoding)
    let reader = try DelimitedReader(url: source, dialect: dialect)
    let columns = try resolve(header: reader.header, file: reader.name)
    let writer = try CSVWriter(url: destination)
    do {
      try writer.write(fields: columns.header)
      var number = 0
      while let fields = try reader.next() {
        defer { number += 1 }
        if columns.unlabelled({ fields[$0] }) { continue }
        let id = columns.id({ fields[$0] }, number)
        let derived = columns.derived { fields[$0] }
        try writer.write(fields: (id.map { [$0] } ?? []) + fields + derived)
      }
      try writer.finish()
    } catch {
      writer.discard()
      throw error
    }
  }

  /// The source's columns as the copy uses them.
  struct Columns {
    var header: [String]
    var targets: [Int]
    var parts: [Int]
    var rowID: Bool
    var dropUnlabelled: Bool
    /// The derived columns with the index of the column each is computed from.
    var derive: [(Manifest.Table.Derived, Int)]

    func derived(_ field: (Int) -> String) -> [String] {
      derive.map { rule, from in rule.value(for: field(from)) }
    }

    func unlabelled(_ field: (Int) -> String) -> Bool {
      dropUnlabelled && targets.contains { field($0).isEmpty }
    }

    func id(_ field: (Int) -> String, _ number: Int) -> String? {
      guard rowID else { return nil }
      if parts.isEmpty { return String(number) }
      return parts.map(field).joined(separator: "_")
    }
  }

  func resolve(header: [String], file: String) throws -> Columns {
    var header = header
    if let name = table.renameFirst, !header.isEmpty {
      header[0] = name
    }
    let listing = header.map { "\"\($0)\"" }.joined(separator: ", ")
    func index(_ name: String, _ key: String) throws -> Int {
      guard let i = header.firstIndex(of: name) else {
        throw DojoError(
          .invalidManifest,
          "\(key): column \"\(name)\" is not in \(file) (columns: \(listing))")
      }
      return i
    }
    if let rowID = table.rowID, header.contains(rowID) {
      throw DojoError(
        .invalidManifest,
        "table.row_id: \(file) already has a column \"\(rowID)\"; name the new id column otherwise, or drop row_id and use that column"
      )
    }
    let parts = try table.idParts.map { try index($0, "table.id_parts") }
    let derive = try table.derive.map { rule in
      if header.contains(rule.column) {
        throw DojoError(
          .invalidManifest,
          "table.derive: \(file) already has a column \"\(rule.column)\"; name the derived column otherwise"
        )
      }
      return (rule, try index(rule.from, "table.derive.from"))
    }
    let derivedNames = table.derive.map(\.column)
    // A target may be derived (one-hot classes, a weight): only source targets are checked.
    let targets = try answers.targets.filter { !derivedNames.contains($0) }
      .map { try index($0, "answers.targets") }
    return Columns(
      header: (table.rowID.map { [$0] } ?? []) + header + derivedNames, targets: targets,
      parts: parts, rowID: table.rowID != nil, dropUnlabelled: table.dropUnlabelled,
      derive: derive)
  }
}
