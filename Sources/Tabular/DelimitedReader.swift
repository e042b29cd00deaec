internal import DojoCore
public import Foundation
internal import Glibc

/// Reads delimited text that is not RFC 4180 CSV: another delimiter (tab, semicolon), quote
/// characters that are data (`quoting: none`), or an escape character (`\"` inside a field),
/// in UTF-8 or Latin-1. It follows Python's `csv` reader for the same settings, so a manifest
/// converted from a script reads the same fields.
///
/// Slower than ``CSVReader`` (every field is copied), it is for the few tables that need it;
/// the split normalises such a table once into plain CSV and works on that.
public final class DelimitedReader {
  /// The dialect: how fields and records are separated.
  public struct Dialect: Sendable, Equatable {
    public var delimiter: UInt8
    /// Whether a field may be enclosed in double quotes (`""` inside is a quote).
    public var quoting: Bool
    /// A byte that makes the next byte literal, or nil.
    public var escape: UInt8?
    public var encoding: CSVEncoding

    public init(
      delimiter: UInt8 = UInt8(ascii: ","), quoting: Bool = true, escape: UInt8? = nil,
      encoding: CSVEncoding = .utf8
    ) {
      self.delimiter = delimiter
      self.quoting = quoting
      self.escape = escape
      self.encoding = encoding
    }
  }

  /// The file's name, as errors show it.
  public let name: String
  /// The column names.
  public private(set) var header: [String] = []
  /// The 1-based line the last record returned starts on.
  public private(set) var line = 0

  private let dialect: Dialect
  private let handle: FileHandle
  private var chunk: [UInt8] = []
  private var pos = 0
  private var eof = false
  private var nextLine = 1
  private var started = false

  /// Opens a file and reads its header.
  ///
  /// - Throws: ``DojoError`` `.notFound`, or `.invalidData` for an empty file.
  public init(url: URL, dialect: Dialect) throws {
    name = url.lastPathComponent
    self.dialect = dialect
    guard let handle = FileHandle(forReadingAtPath: url.path) else {
      throw DojoError(.notFound, "\(url.path): no such file or not readable")
    }
    self.handle = handle
    guard let first = try next(checkWidth: false) else {
      throw DojoError(.invalidData, "\(name): is empty; expected a header line")
    }
    header = first
  }

  deinit { try? handle.close() }

  /// The next record's fields, or nil at the end.
  ///
  /// - Throws: ``DojoError`` `.invalidData` for a record whose field count differs from the
  ///   header's, a quoted field that never closes, or text that is not UTF-8, naming the line.
  public func next() throws -> [String]? { try next(checkWidth: true) }

  private func next(checkWidth: Bool) throws -> [String]? {
    while true {
      guard let (fields, recordLine) = try scanRecord() else { return nil }
      if fields.count == 1 && fields[0].isEmpty { continue }  // a blank line
      line = recordLine
      var strings: [String] = []
      strings.reserveCapacity(fields.count)
      for field in fields {
        guard let text = String(validating: field, as: UTF8.self) else {
          throw DojoError(
            .invalidData,
            "\(name):\(recordLine): is not UTF-8 text; set table.encoding (utf-8 or latin-1)")
        }
        strings.append(text)
      }
      if !started {
        started = true
        if dialect.encoding == .utf8, var first = strings.first, first.hasPrefix("\u{FEFF}") {
          first.removeFirst()
          strings[0] = first
        }
      }
      if checkWidth && strings.count != header.count {
        throw DojoError(
          .invalidData,
          "\(name):\(recordLine): has \(strings.count) fields but the header has \(header.count); check table.delimiter, table.quoting and table.escape"
        )
      }
      return strings
    }
  }

  private func byte() throws -> UInt8? {
    if pos >= chunk.count {
      if eof { return nil }
      let data = try handle.read(upToCount: 1 << 20) ?? Data()
      if data.isEmpty {
        eof = true
        return nil
      }
      chunk = [UInt8](data)
      pos = 0
    }
    defer { pos += 1 }
    return chunk[pos]
  }

  private func peek() throws -> UInt8? {
    guard let b = try byte() else { return nil }
    pos -= 1
    return b
  }

  /// One record's raw fields (decoded to UTF-8 bytes) and the line it starts on.
  private func scanRecord() throws -> ([[UInt8]], Int)? {
    let startLine = nextLine
    guard try peek() != nil else { return nil }
    var fields: [[UInt8]] = []
    var field: [UInt8] = []
    var inQuotes = false
    var atFieldStart = true
    func append(_ b: UInt8) {
      if dialect.encoding == .latin1 && b >= 0x80 {
        field.append(0xC0 | (b >> 6))
        field.append(0x80 | (b & 0x3F))
      } else {
        field.append(b)
      }
    }
    while true {
      guard let b = try byte() else {
        if inQuotes {
          throw DojoError(
            .invalidData,
            "\(name):\(startLine): a quoted field opened on this line is never closed; check table.quoting and table.escape"
          )
        }
        fields.append(field)
        return (fields, startLine)
      }
      if let escape = dialect.escape, b == escape {
        guard let literal = try byte() else {
          throw DojoError(
            .invalidData, "\(name):\(nextLine): ends with the escape character alone")
        }
        if literal == 0x0A { nextLine += 1 }
        append(literal)
        atFieldStart = false
        continue
      }
      if inQuotes {
        if b == 0x22 {
          if try peek() == 0x22 {
            _ = try byte()
            field.append(0x22)
          } else {
            inQuotes = false
          }
        } else {
          if b == 0x0A { nextLine += 1 }
          append(b)
        }
        continue
      }
      switch b {
      case dialect.delimiter:
        fields.append(field)
        field = []
        atFieldStart = true
      case 0x0A, 0x0D:
        if b == 0x0D, try peek() == 0x0A { _ = try byte() }
        nextLine += 1
        fields.append(field)
        return (fields, startLine)
      case 0x22 where dialect.quoting && atFieldStart:
        inQuotes = true
        atFieldStart = false
      default:
        append(b)
        atFieldStart = false
      }
    }
  }
}
