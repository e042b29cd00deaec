internal import DojoCore
internal import Glibc

// Byte values the scanner looks at; everything else is field content.
let asciiComma: UInt8 = 0x2C
let asciiQuote: UInt8 = 0x22
let asciiLF: UInt8 = 0x0A
let asciiCR: UInt8 = 0x0D

/// What scanning from a position found.
enum ScanOutcome {
  /// A complete record; its bounds are in the scanner.
  case record
  /// An empty line (skipped, as pandas and Python's csv do, but it still counts as a line).
  case blank
  /// The bytes end inside a record and more input exists: read more and scan again.
  case needMore
  /// The input ended inside a quoted field.
  case unterminatedQuote
}

/// Finds the fields of one RFC 4180 record in a byte buffer.
///
/// The scanner records raw field bounds only (quotes included); unquoting is left to readers
/// of a field, who check the first byte, so the hot path never copies or allocates. A quoted
/// field ends at the first lone quote; bytes after it up to the next delimiter are kept as
/// literal text (lenient like Python's csv, so `"a"b` reads as `ab`). A quote inside an
/// unquoted field is literal. Records end at LF, CRLF or a lone CR.
///
/// Field bounds live in manually managed buffers rather than arrays: the scanner runs once
/// per record on the hot path, and array appends cost a uniqueness check each and
/// retain/release traffic wherever a record is handed on. The owner calls ``deallocate()``.
struct RecordScanner {
  /// The error for a quoted field that never closes, worded the same by every reader.
  static func unterminatedQuote(_ name: String, line: Int) -> DojoError {
    DojoError(
      .invalidData,
      "\(name):\(line): a quoted field opened on this line is never closed; "
        + "check for a missing or undoubled quote")
  }

  /// Raw start offset of each field of the last record.
  private(set) var starts: UnsafeMutablePointer<Int>
  /// Raw end offset (exclusive) of each field of the last record.
  private(set) var ends: UnsafeMutablePointer<Int>
  /// The number of fields of the last record.
  private(set) var count = 0
  private var capacity: Int
  /// The last record's first byte.
  var recordStart = 0
  /// The last record's end, before its line terminator.
  var recordEnd = 0
  /// Where the next record starts.
  var next = 0
  /// Line feeds inside quoted fields of the last record, for line numbering.
  var innerNewlines = 0
  /// Whether the last record holds a byte >= 0x80, so it needs UTF-8 validation.
  var highBit = false

  init() {
    capacity = 64
    starts = .allocate(capacity: capacity)
    ends = .allocate(capacity: capacity)
  }

  /// Frees the bound buffers; the scanner must not be used afterwards.
  func deallocate() {
    starts.deallocate()
    ends.deallocate()
  }

  @inline(__always)
  private mutating func appendField(_ start: Int, _ end: Int) {
    if count == capacity { grow() }
    starts[count] = start
    ends[count] = end
    count += 1
  }

  private mutating func grow() {
    let bigger = capacity * 2
    let newStarts = UnsafeMutablePointer<Int>.allocate(capacity: bigger)
    let newEnds = UnsafeMutablePointer<Int>.allocate(capacity: bigger)
    newStarts.update(from: starts, count: count)
    newEnds.update(from: ends, count: count)
    starts.deallocate()
    ends.deallocate()
    starts = newStarts
    ends = newEnds
    capacity = bigger
  }

  /// Scans one record starting at `from` (which must be < `limit`).
  ///
  /// - Parameter atEOF: whether `limit` is the end of the input; if not, a record that
  ///   reaches `limit` is reported as ``ScanOutcome/needMore``.
  @inline(__always)
  mutating func scan(_ base: UnsafePointer<UInt8>, from: Int, limit: Int, atEOF: Bool)
    -> ScanOutcome
  {
    count = 0
    innerNewlines = 0
    recordStart = from
    var i = from
    let first = base[i]
    if first == asciiLF || first == asciiCR {
      recordEnd = i
      if first == asciiLF {
        next = i + 1
      } else if i + 1 < limit {
        next = base[i + 1] == asciiLF ? i + 2 : i + 1
      } else if atEOF {
        next = i + 1
      } else {
        return .needMore
      }
      return .blank
    }
    var acc: UInt8 = 0
    var wideAcc: UInt64 = 0
    while true {
      let fieldStart = i
      if i < limit && base[i] == asciiQuote {
        i += 1
        var newlines = 0
        while true {
          // Skip eight bytes at a time while none is a quote or a line feed.
          while i + 8 <= limit {
            let word = SWAR.load(base + i)
            let hits = SWAR.matches(word, SWAR.quotes) | SWAR.matches(word, SWAR.lineFeeds)
            wideAcc |= word
            if hits != 0 {
              i += hits.trailingZeroBitCount >> 3
              break
            }
            i += 8
          }
          if i >= limit { return atEOF ? .unterminatedQuote : .needMore }
          let c = base[i]
          if c == asciiQuote {
            if i + 1 >= limit {
              if !atEOF { return .needMore }
              i += 1
              break
            }
            if base[i + 1] == asciiQuote {
              i += 2
              continue
            }
            i += 1
            break
          }
          acc |= c
          if c == asciiLF { newlines += 1 }
          i += 1
        }
        innerNewlines += newlines
      }
      // The unquoted run (or text after a closing quote): eight bytes at a time, then byte
      // by byte near the end of the buffer, where most bytes (digits, letters) are above the
      // comma so that one comparison decides.
      var found = false
      words: while i + 8 <= limit {
        let word = SWAR.load(base + i)
        // Bytes past the delimiter may be counted too; that only costs a needless UTF-8
        // check of this record, never a wrong answer.
        wideAcc |= word
        // One test finds every byte below 0x2D: the comma, LF and CR are among them, and
        // digits, letters, '-' and '.' are not, so numbers and words pass eight bytes at a
        // time. A candidate that is not a delimiter (a space, a quote) is passed over.
        var low = SWAR.below(word, SWAR.belowDash)
        while low != 0 {
          let k = low.trailingZeroBitCount >> 3
          let c = base[i + k]
          if c == asciiComma || c == asciiLF || c == asciiCR {
            i += k
            found = true
            break words
          }
          low &= low &- 1
        }
        i += 8
      }
      if !found {
        while i < limit {
          let c = base[i]
          if c <= asciiComma && (c == asciiComma || c == asciiLF || c == asciiCR) { break }
          acc |= c
          i += 1
        }
      }
      appendField(fieldStart, i)
      if i >= limit {
        if !atEOF { return .needMore }
        recordEnd = i
        next = i
        break
      }
      let c = base[i]
      if c == asciiComma {
        i += 1
        continue
      }
      recordEnd = i
      if c == asciiLF {
        next = i + 1
      } else if i + 1 < limit {
        next = base[i + 1] == asciiLF ? i + 2 : i + 1
      } else if atEOF {
        next = i + 1
      } else {
        return .needMore
      }
      break
    }
    highBit = acc >= 0x80 || wideAcc & SWAR.highs != 0
    return .record
  }
}

/// Eight bytes at a time ("SIMD within a register") for the scanner's inner loops.
enum SWAR {
  static let ones: UInt64 = 0x0101_0101_0101_0101
  static let highs: UInt64 = 0x8080_8080_8080_8080
  static let commas = ones &* UInt64(asciiComma)
  static let quotes = ones &* UInt64(asciiQuote)
  static let lineFeeds = ones &* UInt64(asciiLF)
  static let carriageReturns = ones &* UInt64(asciiCR)

  /// 0x2D ('-') in every byte: ``below(_:_:)`` of it finds the bytes a delimiter can be.
  static let belowDash = ones &* 0x2D

  /// The high bit of each byte of `word` below the byte repeated in `bound` (bytes of
  /// 0x80 and more never count). Every such byte is marked; a byte above the lowest marked
  /// one may be marked too though it is not below (a borrow), so a caller checks each.
  @inline(__always)
  static func below(_ word: UInt64, _ bound: UInt64) -> UInt64 {
    (word &- bound) & ~word & highs
  }

  /// The high bit of each byte of `word` equal to the byte repeated in `pattern`. Bits above
  /// the lowest match may be spurious (borrows), but the lowest set bit is always exact,
  /// which is all a search needs (little-endian: the lowest byte comes first).
  @inline(__always)
  static func matches(_ word: UInt64, _ pattern: UInt64) -> UInt64 {
    let x = word ^ pattern
    return (x &- ones) & ~x & highs
  }

  /// Eight bytes from `p`, the first in the lowest byte on every platform.
  @inline(__always)
  static func load(_ p: UnsafePointer<UInt8>) -> UInt64 {
    UInt64(littleEndian: UnsafeRawPointer(p).loadUnaligned(as: UInt64.self))
  }
}

/// Field content helpers shared by ``Table`` and ``CSVRecord``.
enum FieldBytes {
  /// The content bounds of a raw field: quotes stripped when that needs no copying.
  /// `needsUnescape` is true for a quoted field with doubled quotes or text after its
  /// closing quote; such a field is decoded by ``unescape(_:_:_:)``.
  @inline(__always)
  static func content(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> (
    start: Int, end: Int, needsUnescape: Bool
  ) {
    guard end > start && base[start] == asciiQuote else { return (start, end, false) }
    if end - start >= 2 && base[end - 1] == asciiQuote
      && memchr(base + start + 1, Int32(asciiQuote), end - start - 2) == nil
    {
      return (start + 1, end - 1, false)
    }
    return (start, end, true)
  }

  /// Decodes a quoted raw field: `""` becomes `"`, and text after the closing quote is kept.
  static func unescape(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(end - start)
    var i = start + 1
    while i < end {
      let c = base[i]
      if c == asciiQuote {
        if i + 1 < end && base[i + 1] == asciiQuote {
          out.append(asciiQuote)
          i += 2
          continue
        }
        i += 1
        break
      }
      out.append(c)
      i += 1
    }
    if i < end { out.append(contentsOf: UnsafeBufferPointer(start: base + i, count: end - i)) }
    return out
  }

  /// Calls `body` with a field's decoded bytes, copying only when the field needs unescaping.
  @inline(__always)
  static func with<R>(
    _ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int,
    _ body: (UnsafeBufferPointer<UInt8>) throws -> R
  ) rethrows -> R {
    let c = content(base, start, end)
    if c.needsUnescape {
      let bytes = unescape(base, start, end)
      return try bytes.withUnsafeBufferPointer(body)
    }
    return try body(UnsafeBufferPointer(start: base + c.start, count: c.end - c.start))
  }

  /// A field's decoded text. The buffer was validated as UTF-8 when it was scanned.
  @inline(__always)
  static func string(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> String {
    with(base, start, end) { String(decoding: $0, as: UTF8.self) }
  }
}

/// UTF-8 validation, run only on records that hold a byte >= 0x80.
enum UTF8Check {
  /// The offset of the first byte that does not belong to a well-formed UTF-8 sequence
  /// (overlong forms, surrogates and code points above U+10FFFF are refused), or nil.
  static func firstInvalid(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int? {
    var i = 0
    while i < n {
      let b = p[i]
      if b < 0x80 {
        i += 1
        continue
      }
      var length = 0
      var lo: UInt8 = 0x80
      var hi: UInt8 = 0xBF
      switch b {
      case 0xC2...0xDF: length = 2
      case 0xE0:
        length = 3
        lo = 0xA0
      case 0xE1...0xEC, 0xEE...0xEF: length = 3
      case 0xED:
        length = 3
        hi = 0x9F
      case 0xF0:
        length = 4
        lo = 0x90
      case 0xF1...0xF3: length = 4
      case 0xF4:
        length = 4
        hi = 0x8F
      default: return i
      }
      if i + length > n { return i }
      let second = p[i + 1]
      if second < lo || second > hi { return i }
      var k = 2
      while k < length {
        if p[i + k] & 0xC0 != 0x80 { return i }
        k += 1
      }
      i += length
    }
    return nil
  }
}

/// Maps a data row to its 1-based line in the file (the header is line 1).
///
/// Most files have one line per row, so only the rows where the offset changes (after a
/// quoted field with newlines, or a blank line) are stored.
struct LineMap: Sendable {
  private var rows: [Int] = []
  private var offsets: [Int] = []
  private var current = 0

  /// Notes that data row `row` starts on `line`; rows must be noted in order.
  @inline(__always)
  mutating func note(row: Int, line: Int) {
    note(row: row, offset: line - row - 2)
  }

  /// Appends the rows of `other`, a map of rows scanned on their own (numbered from 0, lines
  /// from 2), as data rows from `base` on whose offsets all shift by `offset`.
  mutating func append(_ other: LineMap, fromRow base: Int, offset: Int) {
    if other.rows.first != 0 { note(row: base, offset: offset) }
    for (row, shift) in zip(other.rows, other.offsets) {
      note(row: base + row, offset: offset + shift)
    }
  }

  @inline(__always)
  private mutating func note(row: Int, offset: Int) {
    if offset != current {
      rows.append(row)
      offsets.append(offset)
      current = offset
    }
  }

  /// The line data row `row` starts on.
  func line(ofRow row: Int) -> Int {
    var lo = 0
    var hi = rows.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if rows[mid] <= row { lo = mid + 1 } else { hi = mid }
    }
    return row + 2 + (lo == 0 ? 0 : offsets[lo - 1])
  }
}
