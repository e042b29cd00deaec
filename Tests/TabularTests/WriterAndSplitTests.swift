import Foundation
import Tabular
import Testing

struct QuoteCase: CustomTestStringConvertible, Sendable {
  let fields: [String]
  let written: String
  var testDescription: String { written.debugDescription }
}

/// A generated CSV whose raw bytes per row and per field are known independently of the reader.
struct GeneratedCSV {
  var header = ["id", "count", "score", "note", "target"]
  var rawFields: [[String]] = []
  var lineEnding = "\n"

  init(rows: Int, seed: UInt64) {
    var rng = SplitMix64(seed: seed)
    let words = ["alpha", "beta, gamma", "say \"hi\"", "two\nlines", "crlf\r\ninside", "", " pad "]
    for r in 0..<rows {
      let count = String(Int.random(in: -1000...1_000_000, using: &rng))
      let score =
        Bool.random(using: &rng)
        ? String(Double.random(in: -1...1, using: &rng)) : "1e-5"
      let word = words[Int.random(in: 0..<words.count, using: &rng)]
      let needsQuotes =
        word.utf8.contains(where: { [0x2C, 0x22, 0x0D, 0x0A].contains($0) })
        || Bool.random(using: &rng)
      let note =
        needsQuotes ? "\"" + word.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : word
      let target = ["yes", "no", ""][Int.random(in: 0..<3, using: &rng)]
      rawFields.append(["id\(r)", count, score, note, target])
    }
  }

  var bytes: [UInt8] {
    let lines = [header.joined(separator: ",")] + rawFields.map { $0.joined(separator: ",") }
    return Array(lines.map { $0 + lineEnding }.joined().utf8)
  }

  /// The file an output with these columns and rows must hold.
  func expected(columns: [Int], rows: [Int]) -> [UInt8] {
    let head = columns.map { header[$0] }.joined(separator: ",")
    let body = rows.map { r in columns.map { rawFields[r][$0] }.joined(separator: ",") }
    return Array(([head] + body).map { $0 + "\n" }.joined().utf8)
  }
}

@Suite struct WriterTests {
  static let cases: [QuoteCase] = [
    QuoteCase(fields: ["a", "b"], written: "a,b\n"),
    QuoteCase(fields: ["a,b", "c"], written: "\"a,b\",c\n"),
    QuoteCase(fields: ["say \"hi\""], written: "\"say \"\"hi\"\"\"\n"),
    QuoteCase(fields: ["\""], written: "\"\"\"\"\n"),
    QuoteCase(fields: [" x", "y "], written: "\" x\",\"y \"\n"),
    QuoteCase(fields: ["l1\nl2", "cr\r"], written: "\"l1\nl2\",\"cr\r\"\n"),
    QuoteCase(fields: [""], written: "\"\"\n"),
    QuoteCase(fields: ["", ""], written: ",\n"),
    QuoteCase(fields: ["1.5", "é,ü"], written: "1.5,\"é,ü\"\n"),
  ]

  @Test(arguments: cases)
  func quotesOnlyWhenNeeded(_ c: QuoteCase) throws {
    let dir = try TempDir()
    defer { dir.cleanup() }
    let url = dir.url.appendingPathComponent("out.csv")
    let writer = try CSVWriter(url: url)
    try writer.write(fields: c.fields)
    try writer.finish()
    let bytes = try dir.contents("out.csv")
    #expect(String(decoding: bytes, as: UTF8.self) == c.written)
    // Read back as a header, the fields come out unchanged.
    let table = try Table.parse(Data(bytes), name: "out.csv")
    #expect(table.header == c.fields)
  }

  /// A first field's bytes and the rest encoded once write the record `write(fields:)` does.
  @Test(arguments: cases)
  func aFieldAndAnEncodedRestWriteWhatTheFieldsWould(_ c: QuoteCase) throws {
    let dir = try TempDir()
    defer { dir.cleanup() }
    let url = dir.url.appendingPathComponent("out.csv")
    let writer = try CSVWriter(url: url)
    let rest = CSVWriter.encodedFields(Array(c.fields.dropFirst()))
    var first = c.fields[0]
    try first.withUTF8 { first in
      try rest.withUnsafeBufferPointer { try writer.write(fieldBytes: first, encodedRest: $0) }
    }
    try writer.finish()
    #expect(String(decoding: try dir.contents("out.csv"), as: UTF8.self) == c.written)
  }

  @Test func writesAtomically() throws {
    let dir = try TempDir()
    defer { dir.cleanup() }
    let url = dir.url.appendingPathComponent("sub/out.csv")
    let writer = try CSVWriter(url: url, bufferSize: 64)
    for i in 0..<100 { try writer.write(fields: ["\(i)", String(repeating: "x", count: i)]) }
    #expect(!FileManager.default.fileExists(atPath: url.path))
    try writer.finish()
    #expect(try Table.read(url).rowCount == 99)
    let names = try FileManager.default.contentsOfDirectory(
      atPath: url.deletingLastPathComponent().path)
    #expect(names == ["out.csv"])

    let abandoned = try CSVWriter(url: dir.url.appendingPathComponent("gone.csv"))
    try abandoned.write(fields: ["a"])
    abandoned.discard()
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path) == ["sub"])
  }

  @Test(arguments: [7, 4 << 20])
  func verbatimRoundTrip(blockSize: Int) throws {
    let dir = try TempDir()
    defer { dir.cleanup() }
    let source = GeneratedCSV(rows: 300, seed: 7)
    let input = try dir.file("in.csv", source.bytes)
    let reader = try CSVReader(url: input, options: .init(blockSize: blockSize))
    let writer = try CSVWriter(url: dir.url.appendingPathComponent("out.csv"), bufferSize: 100)
    try reader.headerBytes.withUnsafeBufferPointer { try writer.writeRaw(recordBytes: $0) }
    while let record = try reader.next() { try writer.writeRaw(record) }
    try writer.finish()
    #expect(try dir.contents("out.csv") == source.bytes)
  }

  @Test func crlfIsNormalisedToLF() throws {
    let dir = try TempDir()
    defer { dir.cleanup() }
    var source = GeneratedCSV(rows: 50, seed: 3)
    let lf = source.bytes
    source.lineEnding = "\r\n"
    let input = try dir.file("in.csv", source.bytes)
    let reader = try CSVReader(url: input, options: .init(blockSize: 5))
    let writer = try CSVWriter(url: dir.url.appendingPathComponent("out.csv"))
    try reader.headerBytes.withUnsafeBufferPointer { try writer.writeRaw(recordBytes: $0) }
    while let record = try reader.next() { try writer.writeRaw(record) }
    try writer.finish()
    #expect(try dir.contents("out.csv") == lf)
  }
}

@Suite struct SplitTests {
  @Test(arguments: [7, 4 << 20])
  func splitsRowsByClassWithProjections(blockSize: Int) throws {
    let dir = try TempDir()
    defer { dir.cleanup() }
    let source = GeneratedCSV(rows: 400, seed: 11)
    let input = try dir.file("train_raw.csv", source.bytes)
    let options = CSVReader.Options(blockSize: blockSize)

    let index = try CSVIndex.scan(input, columns: ["id", "target"], options: options)
    #expect(index.header == source.header)
    #expect(index.rowCount == 400)
    #expect(index.values(of: "id").map(Array.init) == (0..<400).map { "id\($0)" })
    #expect(index.values(of: "count") == nil)
    #expect(index.values(of: "target").map(Array.init) == source.rawFields.map { $0[4] })

    var rng = SplitMix64(seed: 5)
    let assignments = (0..<400).map { _ in UInt8.random(in: 0...2, using: &rng) }
    let trainRows = (0..<400).filter { assignments[$0] == 1 }
    let testRows = (0..<400).filter { assignments[$0] == 2 }
    for useIndex in [false, true] {
      let out = { (name: String) in dir.url.appendingPathComponent("out\(useIndex)/\(name)") }
      let counts = try CSVSplitter.write(
        source: input, assignments: assignments,
        outputs: [
          SplitOutput(url: out("train.csv"), rowClass: CSVSplitter.train),
          SplitOutput(
            url: out("test.csv"), rowClass: CSVSplitter.test, columns: .dropping(["target"])),
          SplitOutput(
            url: out("answers.csv"), rowClass: CSVSplitter.test, columns: .only(["target", "id"])),
        ], index: useIndex ? index : nil, options: options)
      #expect(counts == [trainRows.count, testRows.count, testRows.count])
      #expect(
        try Data(contentsOf: out("train.csv"))
          == Data(source.expected(columns: [0, 1, 2, 3, 4], rows: trainRows)))
      #expect(
        try Data(contentsOf: out("test.csv"))
          == Data(source.expected(columns: [0, 1, 2, 3], rows: testRows)))
      #expect(
        try Data(contentsOf: out("answers.csv"))
          == Data(source.expected(columns: [4, 0], rows: testRows)))
    }
  }

  /// Line endings mixed, blank lines, a multi-line field, no final newline: the indexed
  /// copy by byte spans and the parsing copy write the same files.
  @Test(arguments: [1, 7, 4 << 20])
  func indexedCopyMatchesParsingCopy(blockSize: Int) throws {
    let dir = try TempDir()
    defer { dir.cleanup() }
    let text =
      "\u{FEFF}id,v,t\r\n\r\n1,a,x\n2,\"b\nc\",y\r\n3,d,z\n\n\n4,e,x\r5,f,y\n6,g,z\n7,h,\"x\""
    let input = try dir.file("in.csv", Array(text.utf8))
    let options = CSVReader.Options(blockSize: blockSize)
    let index = try CSVIndex.scan(input, options: options)
    #expect(index.rowCount == 7)
    let assignments: [UInt8] = [1, 1, 2, 1, 1, 1, 1]
    let expectedTrain = "id,v,t\n1,a,x\n2,\"b\nc\",y\n4,e,x\n5,f,y\n6,g,z\n7,h,\"x\"\n"
    for useIndex in [false, true] {
      let out = { (name: String) in dir.url.appendingPathComponent("out\(useIndex)/\(name)") }
      let counts = try CSVSplitter.write(
        source: input, assignments: assignments,
        outputs: [
          SplitOutput(url: out("train.csv"), rowClass: 1),
          SplitOutput(url: out("test.csv"), rowClass: 2, columns: .only(["t", "id"])),
        ], index: useIndex ? index : nil, options: options)
      #expect(counts == [6, 1])
      #expect(
        String(decoding: try Data(contentsOf: out("train.csv")), as: UTF8.self) == expectedTrain)
      #expect(
        String(decoding: try Data(contentsOf: out("test.csv")), as: UTF8.self) == "t,id\nz,3\n")
    }
  }

  /// Rows over 64 KiB keep their length beside the 2-byte spans: the indexed copy still
  /// writes them whole, between short rows on either side.
  @Test func rowsLongerThanAShortSpanAreCopiedWhole() throws {
    let dir = try TempDir()
    defer { dir.cleanup() }
    let long = String(repeating: "y", count: 70_000)
    let longer = String(repeating: "z", count: 200_000)
    let text = "id,v\n1,a\n2,\(long)\n3,b\n4,\(longer)\n5,c\n"
    let input = try dir.file("in.csv", Array(text.utf8))
    let index = try CSVIndex.scan(input)
    let out = dir.url.appendingPathComponent("out.csv")
    let counts = try CSVSplitter.write(
      source: input, assignments: [1, 1, 2, 1, 1],
      outputs: [SplitOutput(url: out, rowClass: 1)], index: index)
    #expect(counts == [4])
    #expect(
      String(decoding: try Data(contentsOf: out), as: UTF8.self)
        == "id,v\n1,a\n2,\(long)\n4,\(longer)\n5,c\n")
  }

  @Test func refusesAFileChangedSinceIndexed() throws {
    let dir = try TempDir()
    defer { dir.cleanup() }
    let input = try dir.file("in.csv", Array("id,v\n1,a\n2,b\n".utf8))
    let index = try CSVIndex.scan(input)
    _ = try dir.file("in.csv", Array("id,v\n1,a\n2,bb\n".utf8))
    let train = SplitOutput(url: dir.url.appendingPathComponent("train.csv"), rowClass: 1)
    let message = errorMessage {
      try CSVSplitter.write(source: input, assignments: [1, 1], outputs: [train], index: index)
    }
    #expect(message == "in.csv: changed since it was indexed; index it again and redo the split")
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path) == ["in.csv"])
  }

  @Test func refusesStaleAssignmentsAndUnknownColumns() throws {
    let dir = try TempDir()
    defer { dir.cleanup() }
    let input = try dir.file("in.csv", GeneratedCSV(rows: 20, seed: 1).bytes)
    let train = SplitOutput(url: dir.url.appendingPathComponent("train.csv"), rowClass: 1)
    let short = errorMessage {
      try CSVSplitter.write(
        source: input, assignments: [UInt8](repeating: 1, count: 19), outputs: [train])
    }
    #expect(short?.contains("has more rows than the 19 assigned") == true)
    let long = errorMessage {
      try CSVSplitter.write(
        source: input, assignments: [UInt8](repeating: 1, count: 21), outputs: [train])
    }
    #expect(long?.contains("has 20 rows but 21 were assigned") == true)
    let unknown = errorMessage {
      let answers = SplitOutput(
        url: dir.url.appendingPathComponent("a.csv"), rowClass: 2, columns: .only(["label"]))
      try CSVSplitter.write(
        source: input, assignments: [UInt8](repeating: 1, count: 20), outputs: [answers])
    }
    #expect(unknown?.hasPrefix("in.csv: has no column \"label\"; its columns are \"id\"") == true)
    #expect(errorMessage { _ = try CSVIndex.scan(input, columns: ["nope"]) } != nil)
    // Nothing is left behind by a failed split.
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path) == ["in.csv"])
  }
}
