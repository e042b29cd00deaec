import Foundation
import Tabular
import Testing

struct ParseCase: CustomTestStringConvertible, Sendable {
  let name: String
  let input: [UInt8]
  let expected: [[String]]
  var testDescription: String { name }
  init(_ name: String, _ input: String, _ expected: [[String]]) {
    self.name = name
    self.input = Array(input.utf8)
    self.expected = expected
  }
  init(_ name: String, bytes: [UInt8], _ expected: [[String]]) {
    self.name = name
    self.input = bytes
    self.expected = expected
  }
}

struct ErrorCase: CustomTestStringConvertible, Sendable {
  let name: String
  let input: [UInt8]
  let message: String
  var testDescription: String { name }
  init(_ name: String, _ input: [UInt8], _ message: String) {
    self.name = name
    self.input = input
    self.message = message
  }
}

let parseCases: [ParseCase] = [
  ParseCase("plain LF", "a,b\n1,2\n3,4\n", [["a", "b"], ["1", "2"], ["3", "4"]]),
  ParseCase("CRLF", "a,b\r\n1,2\r\n", [["a", "b"], ["1", "2"]]),
  ParseCase(
    "mixed endings", "a,b\r\n1,2\n3,4\r5,6", [["a", "b"], ["1", "2"], ["3", "4"], ["5", "6"]]),
  ParseCase("quoted comma", "a,b\n\"1,2\",3\n", [["a", "b"], ["1,2", "3"]]),
  ParseCase("doubled quotes", "a,b\n\"say \"\"hi\"\"\",x\n", [["a", "b"], ["say \"hi\"", "x"]]),
  ParseCase("only a quote", "a\n\"\"\"\"\n", [["a"], ["\""]]),
  ParseCase("embedded LF", "a,b\n\"l1\nl2\",x\n", [["a", "b"], ["l1\nl2", "x"]]),
  ParseCase("embedded CRLF", "a,b\r\n\"l1\r\nl2\",x\r\n", [["a", "b"], ["l1\r\nl2", "x"]]),
  ParseCase("quoted header", "\"a,1\",\"b\"\nx,y\n", [["a,1", "b"], ["x", "y"]]),
  ParseCase(
    "BOM dropped", bytes: [0xEF, 0xBB, 0xBF] + Array("id,v\n1,2\n".utf8),
    [["id", "v"], ["1", "2"]]),
  ParseCase(
    "empty fields", "a,b,c\n,,\n1,,3\n", [["a", "b", "c"], ["", "", ""], ["1", "", "3"]]),
  ParseCase("empty quoted field", "a,b\n\"\",x\n", [["a", "b"], ["", "x"]]),
  ParseCase("trailing comma", "a,b\n1,\n", [["a", "b"], ["1", ""]]),
  ParseCase("no final newline", "a,b\n1,2", [["a", "b"], ["1", "2"]]),
  ParseCase("no final newline, quoted", "a,b\n1,\"2\"", [["a", "b"], ["1", "2"]]),
  ParseCase("blank last line", "a,b\n1,2\n\n", [["a", "b"], ["1", "2"]]),
  ParseCase("blank last line CRLF", "a,b\r\n1,2\r\n\r\n", [["a", "b"], ["1", "2"]]),
  ParseCase("blank line inside", "a,b\n1,2\n\n3,4\n", [["a", "b"], ["1", "2"], ["3", "4"]]),
  ParseCase("header only", "a,b\n", [["a", "b"]]),
  ParseCase("text after closing quote", "a,b\n\"x\"y,z\n", [["a", "b"], ["xy", "z"]]),
  ParseCase("quote inside unquoted field", "a,b\nab\"c,d\n", [["a", "b"], ["ab\"c", "d"]]),
  ParseCase("spaces kept", "a,b\n 1 , x\n", [["a", "b"], [" 1 ", " x"]]),
  ParseCase("UTF-8 text", "名前,b\n値,é\n", [["名前", "b"], ["値", "é"]]),
  ParseCase("CR at end", "a,b\r1,2\r", [["a", "b"], ["1", "2"]]),
]

let errorCases: [ErrorCase] = [
  ErrorCase(
    "ragged row", Array("a,b\n1,2\n1,2,3\n".utf8), "x.csv:3: has 3 fields but the header has 2"),
  ErrorCase("short row", Array("a,b\n1,2\n1\n".utf8), "x.csv:3: has 1 field but the header has 2"),
  ErrorCase(
    "ragged after a multi-line field", Array("a,b\n\"x\ny\",2\n\n1\n".utf8),
    "x.csv:5: has 1 field but the header has 2"),
  ErrorCase(
    "unterminated quote", Array("a,b\n1,2\n\"open,3\n4,5\n".utf8),
    "x.csv:3: a quoted field opened on this line is never closed"),
  ErrorCase(
    "unterminated quote at the end", Array("a,b\n1,\"2".utf8),
    "x.csv:2: a quoted field opened on this line is never closed"),
  ErrorCase(
    "Latin-1 byte", Array("a,b\n1,2\n".utf8) + [0x63, 0x61, 0x66, 0xE9] + Array(",3\n".utf8),
    "x.csv:3: byte 0xE9 is not UTF-8"),
  ErrorCase(
    "truncated sequence at the end", Array("a,b\n1,x".utf8) + [0xC3],
    "x.csv:2: byte 0xC3 is not UTF-8"),
  ErrorCase(
    "overlong form", Array("a\n".utf8) + [0xC0, 0xAF, 0x0A], "x.csv:2: byte 0xC0 is not UTF-8"),
  ErrorCase(
    "surrogate", Array("a\n".utf8) + [0xED, 0xA0, 0x80, 0x0A], "x.csv:2: byte 0xED is not UTF-8"),
  ErrorCase(
    "bad byte inside a quoted field", Array("a\n1\n\"x\n".utf8) + [0xFF, 0x22, 0x0A],
    "x.csv:3: byte 0xFF is not UTF-8"),
  ErrorCase("empty file", [], "x.csv: is empty"),
  ErrorCase("only blank lines", Array("\n\r\n".utf8), "x.csv: is empty"),
]

@Suite struct RFC4180Tests {
  @Test(arguments: parseCases)
  func streamingReader(_ c: ParseCase) throws {
    let dir = try TempDir()
    defer { dir.cleanup() }
    let url = try dir.file("x.csv", c.input)
    for size in blockSizes {
      #expect(try readAll(url, blockSize: size) == c.expected, "block size \(size)")
    }
  }

  @Test(arguments: parseCases)
  func table(_ c: ParseCase) throws {
    let table = try Table.parse(Data(c.input), name: "x.csv")
    #expect(rows(of: table) == c.expected)
    #expect(table.rowCount == c.expected.count - 1)
  }

  @Test(arguments: errorCases)
  func readerErrors(_ c: ErrorCase) throws {
    let dir = try TempDir()
    defer { dir.cleanup() }
    let url = try dir.file("x.csv", c.input)
    for size in blockSizes {
      let message = errorMessage { _ = try readAll(url, blockSize: size) }
      #expect(message?.hasPrefix(c.message) == true, "block size \(size): \(message ?? "no error")")
    }
  }

  @Test(arguments: errorCases)
  func tableErrors(_ c: ErrorCase) {
    let message = errorMessage { _ = try Table.parse(Data(c.input), name: "x.csv") }
    #expect(message?.hasPrefix(c.message) == true, "\(message ?? "no error")")
  }

  /// A bad byte at every offset of long fields, quoted and not, so that the eight-byte
  /// search loops see it in every lane.
  @Test func badByteAnywhereInLongFields() throws {
    let dir = try TempDir()
    defer { dir.cleanup() }
    for quoted in [false, true] {
      for offset in 0..<20 {
        var field = [UInt8](repeating: UInt8(ascii: "x"), count: 20)
        field[offset] = 0xFF
        if quoted { field = [0x22] + field + [0x22] }
        let bytes = Array("id,text,n\n1,ok,2\n2,".utf8) + field + Array(",3\n3,fine,4\n".utf8)
        let url = try dir.file("x.csv", bytes)
        for size in [7, 4 << 20] {
          let message = errorMessage { _ = try readAll(url, blockSize: size) }
          #expect(
            message?.hasPrefix("x.csv:3: byte 0xFF is not UTF-8") == true, "\(offset) \(quoted)")
        }
        let table = errorMessage { _ = try Table.parse(Data(bytes), name: "x.csv") }
        #expect(table?.hasPrefix("x.csv:3: byte 0xFF is not UTF-8") == true)
      }
    }
  }

  /// Delimiters, quotes and line breaks at every offset, for the eight-byte search loops.
  @Test func fieldsOfEveryLength() throws {
    var expected = [["a", "b", "c"]]
    var text = "a,b,c\n"
    for n in 0..<24 {
      let plain = String(repeating: "x", count: n)
      let inner = String(repeating: "z", count: n) + [",", "\"", "\n", "\r\n"][n % 4] + "é"
      let last = String(repeating: "w", count: 24 - n)
      expected.append([plain, inner, last])
      text += plain + ",\"" + inner.replacingOccurrences(of: "\"", with: "\"\"") + "\"," + last
      text += n % 2 == 0 ? "\n" : "\r\n"
    }
    let dir = try TempDir()
    defer { dir.cleanup() }
    let url = try dir.file("x.csv", Array(text.utf8))
    for size in blockSizes { #expect(try readAll(url, blockSize: size) == expected) }
    #expect(rows(of: try Table.parse(Data(text.utf8), name: "x.csv")) == expected)
  }

  /// Bytes below the comma that are not delimiters (a space, a tab, a NUL, '+', '*', a quote
  /// inside an unquoted field) are content, at every offset of the eight-byte search and
  /// next to the delimiter that ends their field.
  @Test func lowBytesThatAreNotDelimitersStayInTheirField() throws {
    let lows = [" ", "\t", "\u{0}", "+", "*", "!", "#", "&", "'", "(", ")", "\u{1F}", "a\"b"]
    var expected = [["a", "b", "c"]]
    var text = "a,b,c\n"
    for n in 0..<20 {
      for (k, low) in lows.enumerated() {
        let pad = String(repeating: "7", count: (n + k) % 9)
        let first = pad + low + String(repeating: "8", count: n % 5)
        let second = low + pad + low
        let third = String(repeating: "9", count: n) + low
        expected.append([first, second, third])
        text += first + "," + second + "," + third + (k % 2 == 0 ? "\n" : "\r\n")
      }
    }
    let dir = try TempDir()
    defer { dir.cleanup() }
    let url = try dir.file("low.csv", Array(text.utf8))
    for size in blockSizes { #expect(try readAll(url, blockSize: size) == expected) }
    #expect(rows(of: try Table.parse(Data(text.utf8), name: "low.csv")) == expected)
  }

  @Test func latin1IsTranscoded() throws {
    let bytes =
      Array("nom,ville\n".utf8) + [0x4A, 0x6F, 0x73, 0xE9] + [0x2C]
      + [0x5A, 0xFC, 0x72, 0x69, 0x63, 0x68, 0x0A]
    let expected = [["nom", "ville"], ["José", "Zürich"]]
    let dir = try TempDir()
    defer { dir.cleanup() }
    let url = try dir.file("x.csv", bytes)
    for size in blockSizes {
      #expect(try readAll(url, blockSize: size, encoding: .latin1) == expected)
    }
    #expect(rows(of: try Table.read(url, encoding: .latin1)) == expected)
    #expect(CSVEncoding(name: "LATIN-1") == .latin1)
    #expect(CSVEncoding(name: "utf8") == .utf8)
    #expect(CSVEncoding(name: "cp1252") == nil)
  }

  @Test func lineNumbersCountQuotedNewlinesAndBlankLines() throws {
    let text = "id,note\n1,\"a\nb\nc\"\n2,x\n\n3,\"y\r\nz\"\r\n4,w\n"
    let expectedLines = [2, 5, 7, 9]
    let dir = try TempDir()
    defer { dir.cleanup() }
    let url = try dir.file("x.csv", Array(text.utf8))
    for size in blockSizes {
      let reader = try CSVReader(url: url, options: .init(blockSize: size))
      var lines: [Int] = []
      while let record = try reader.next() { lines.append(record.line) }
      #expect(lines == expectedLines)
    }
    let table = try Table.parse(Data(text.utf8), name: "x.csv")
    #expect((0..<table.rowCount).map { table.line(ofRow: $0) } == expectedLines)
    let index = try CSVIndex.scan(url)
    #expect((0..<index.rowCount).map { index.line(ofRow: $0) } == expectedLines)
  }

  @Test func recordExposesRawBytes() throws {
    let dir = try TempDir()
    defer { dir.cleanup() }
    let url = try dir.file("x.csv", Array("a,b\r\n\"x,\"\"y\"\"\",2\r\n".utf8))
    let reader = try CSVReader(url: url)
    #expect(reader.headerBytes == Array("a,b".utf8))
    let record = try #require(try reader.next())
    #expect(record.withRawBytes { Array($0) } == Array("\"x,\"\"y\"\"\",2".utf8))
    #expect(record.withRawFieldBytes(0) { Array($0) } == Array("\"x,\"\"y\"\"\"".utf8))
    #expect(record.rawRange(1) == 10..<11)
    #expect(record.withFieldBytes(0) { Array($0) } == Array("x,\"y\"".utf8))
    #expect(record.double(1) == 2)
    #expect(try reader.next() == nil)
  }

  @Test func missingFile() {
    let url = URL(fileURLWithPath: "/nonexistent/dir/none.csv")
    #expect(errorMessage { _ = try Table.read(url) }?.contains("no such file") == true)
    #expect(errorMessage { _ = try CSVReader(url: url) }?.contains("no such file") == true)
  }
}
