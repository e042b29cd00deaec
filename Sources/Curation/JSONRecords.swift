internal import DojoCore
internal import Foundation
internal import Tabular

/// A JSON table: a file holding a list of objects, one per row (`table.format:
/// json_records`). Values are kept as parsed; a scalar reads as text for the split (ids,
/// targets, stratify and group keys) the way Python's `int()`/`str()` would print it.
enum JSONRecordValue: Codable, Equatable, Sendable {
  case null
  case bool(Bool)
  case integer(Int64)
  case number(Double)
  case string(String)
  case array([JSONRecordValue])
  case object([String: JSONRecordValue])

  init(from decoder: any Decoder) throws {
    if let object = try? decoder.container(keyedBy: AnyJSONKey.self) {
      var fields: [String: JSONRecordValue] = [:]
      for key in object.allKeys {
        fields[key.stringValue] = try object.decode(JSONRecordValue.self, forKey: key)
      }
      self = .object(fields)
      return
    }
    if var list = try? decoder.unkeyedContainer() {
      var items: [JSONRecordValue] = []
      while !list.isAtEnd { items.append(try list.decode(JSONRecordValue.self)) }
      self = .array(items)
      return
    }
    let single = try decoder.singleValueContainer()
    if single.decodeNil() {
      self = .null
    } else if let b = try? single.decode(Bool.self) {
      self = .bool(b)
    } else if let i = try? single.decode(Int64.self) {
      self = .integer(i)
    } else if let d = try? single.decode(Double.self) {
      self = .number(d)
    } else {
      self = .string(try single.decode(String.self))
    }
  }

  func encode(to encoder: any Encoder) throws {
    var c = encoder.singleValueContainer()
    switch self {
    case .null: try c.encodeNil()
    case .bool(let b): try c.encode(b)
    case .integer(let i): try c.encode(i)
    case .number(let d): try c.encode(d)
    case .string(let s): try c.encode(s)
    case .array(let a): try c.encode(a)
    case .object(let o): try c.encode(o)
    }
  }

  /// The value as a table cell: text as is, `true`/`false` as `1`/`0` (a label), whole
  /// numbers without a fraction, null as empty; nil for a list or an object.
  var cell: String? {
    switch self {
    case .null: return ""
    case .bool(let b): return b ? "1" : "0"
    case .integer(let i): return String(i)
    case .number(let d):
      return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
    case .string(let s): return s
    case .array, .object: return nil
    }
  }
}

struct AnyJSONKey: CodingKey {
  var stringValue: String
  var intValue: Int? { nil }
  init(stringValue: String) { self.stringValue = stringValue }
  init?(intValue: Int) { nil }
}

enum JSONRecords {
  typealias Record = [String: JSONRecordValue]

  /// Reads a list of objects.
  ///
  /// - Throws: ``DojoError`` `.invalidData` naming the file when it is not JSON or not a
  ///   list of objects.
  static func load(_ url: URL) throws -> [Record] {
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      throw AtomicFiles.ioError("cannot read \(url.path)", error)
    }
    do {
      return try JSONDecoder().decode([Record].self, from: data)
    } catch {
      throw DojoError(
        .invalidData,
        "\(url.lastPathComponent): is not a JSON list of objects (table.format json_records expects [{...}, ...]): \(Self.describe(error))"
      )
    }
  }

  /// Reads any JSON value, transcoding a Latin-1 file to UTF-8 first.
  static func loadValue(_ url: URL, latin1: Bool = false) throws -> JSONRecordValue {
    var data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      throw AtomicFiles.ioError("cannot read \(url.path)", error)
    }
    if latin1 {
      var utf8: [UInt8] = []
      utf8.reserveCapacity(data.count)
      for b in data {
        if b < 0x80 {
          utf8.append(b)
        } else {
          utf8.append(0xC0 | (b >> 6))
          utf8.append(0x80 | (b & 0x3F))
        }
      }
      data = Data(utf8)
    }
    do {
      return try JSONDecoder().decode(JSONRecordValue.self, from: data)
    } catch {
      throw DojoError(
        .invalidData, "\(url.lastPathComponent): is not valid JSON: \(Self.describe(error))")
    }
  }

  /// Writes any JSON value (keys sorted), atomically.
  static func writeValue(_ value: JSONRecordValue, to url: URL) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    try AtomicFiles.createDirectory(url.deletingLastPathComponent())
    try AtomicFiles.write(try encoder.encode(value), to: url)
  }

  /// Writes records as a JSON list (keys sorted, so the output is deterministic), atomically.
  static func write(_ records: [Record], to url: URL) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    try AtomicFiles.write(try encoder.encode(records), to: url)
  }

  /// The first of `names` that any record of the JSON file at `url` holds, or nil: a list
  /// of records, or an object (COCO metadata) whose own keys and `images` records are checked.
  static func firstField(of names: [String], in url: URL) throws -> String? {
    let value = try loadValue(url)
    var records: [Record] = []
    switch value {
    case .array(let items):
      for item in items {
        guard case .object(let record) = item else { continue }
        records.append(record)
      }
    case .object(let object):
      if let hit = names.first(where: { object[$0] != nil }) { return hit }
      if case .array(let items)? = object["images"] {
        for case .object(let record) in items { records.append(record) }
      }
    default:
      throw DojoError(
        .invalidData, "\(url.lastPathComponent): is neither a JSON list nor an object")
    }
    for record in records {
      if let hit = names.first(where: { record[$0] != nil }) { return hit }
    }
    return nil
  }

  static func describe(_ error: any Error) -> String {
    if case DecodingError.dataCorrupted(let context) = error {
      return context.debugDescription
    }
    if case DecodingError.typeMismatch(_, let context) = error {
      let at = context.codingPath.first?.intValue.map { "record \($0): " } ?? ""
      return at + context.debugDescription
    }
    return String(describing: error)
  }
}

extension Preparer {
  /// Splits a JSON-records table (`table.format: json_records`) with the same planner as a
  /// CSV: public train and test are JSON lists (test records lose the targets, `public.drop`
  /// and, with `public.test_fields: kaggle`, every field Kaggle's own test records lack);
  /// the answers are a CSV of the id and targets.
  func writeJSONRecordsSplit(files: RawFiles, work: TaskLayout) throws -> (
    (train: Int, test: Int), [[String]]
  ) {
    let url = try files.one(manifest.files.train, key: "files.train")
    let records = try JSONRecords.load(url)
    let file = url.lastPathComponent
    func column(_ name: String, key: String) throws -> [String] {
      try records.enumerated().map { i, record in
        guard let value = record[name] else {
          throw DojoError(
            .invalidData,
            "\(key): record \(i) of \(file) has no field \"\(name)\"; every record needs it")
        }
        guard let cell = value.cell else {
          throw DojoError(
            .invalidData,
            "\(key): field \"\(name)\" of record \(i) of \(file) is a list or an object, not a value"
          )
        }
        return cell
      }
    }
    let id = manifest.answers.id
    let ids = try column(id, key: "answers.id")
    var seen: [String: Int] = [:]
    for (i, value) in ids.enumerated() {
      if value.isEmpty {
        throw DojoError(.invalidData, "answers.id: record \(i) of \(file) has an empty \"\(id)\"")
      }
      if let first = seen.updateValue(i, forKey: value) {
        throw DojoError(
          .invalidData,
          "answers.id: \"\(value)\" is the id of records \(first) and \(i) of \(file); ids must be unique"
        )
      }
    }
    let targets = try manifest.answers.targets.map { try column($0, key: "answers.targets") }
    let sides = try SplitPlanner(manifest.split).assign(rowCount: records.count) { name in
      CodedColumn(try column(name, key: "split"))
    }
    var shown: Set<String>?
    if manifest.publicFiles?.testFields == .kaggle, let test = manifest.files.test {
      let kaggle = try JSONRecords.load(try files.one(test, key: "files.test"))
      shown = Set(kaggle.flatMap(\.keys)).union([id])
    }
    let hidden = Set(manifest.answers.targets + (manifest.publicFiles?.drop ?? []))
    var train: [JSONRecords.Record] = []
    var test: [JSONRecords.Record] = []
    let answers = try RowSink(url: work.answers, header: [id] + manifest.answers.targets)
    for (row, record) in records.enumerated() {
      switch sides[row] {
      case .train: train.append(record)
      case .test:
        test.append(
          record.filter { key, _ in !hidden.contains(key) && shown?.contains(key) ?? true })
        try answers.append([ids[row]] + targets.map { $0[row] })
      case .dropped: break
      }
    }
    try answers.finish()
    try JSONRecords.write(train, to: publicTable(.train, work))
    try JSONRecords.write(test, to: publicTable(.test, work))
    let trainTargets = targets.map { values in
      values.indices.filter { sides[$0] == .train }.map { values[$0] }
    }
    return ((train.count, test.count), trainTargets)
  }
}
