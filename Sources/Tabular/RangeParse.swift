internal import DojoCore
internal import Foundation
internal import Glibc

/// Indexes a whole file's data records on every core: the bytes are cut into ranges at line
/// feeds, four per core; helper threads scan ranges from the back as if a record started at
/// their cut while the caller scans from the front (``RangeClaims``), and the ranges are
/// joined in order.
///
/// A line feed may sit inside a quoted field, so a cut is only a guess. It is checked
/// rather than found by a first pass: the ranges are joined only when the range before a cut
/// ended exactly on it, which makes the cut a record boundary of the sequential scan, and
/// from a record boundary a range scans exactly as the sequential scan does. At the first
/// cut that fails (or a range that met an error), the rest is scanned again sequentially from
/// the last boundary known good, so the result, errors and their line numbers included, is
/// always the sequential one. Extra memory: each range's field offsets, copied once into the
/// table's.
enum RangeParse {
  /// Inputs smaller than this are scanned on the calling thread alone.
  static let minimumBytes = 8 << 20

  /// Scans the data records of `base[from..<count]` into `storage` and `lines`.
  ///
  /// - Parameters:
  ///   - line: the file line of the record at `from`.
  ///   - recordBytes: a guess of a record's length, to reserve room for a range's records.
  ///   - ranges: how many ranges to cut, every one after the first scanned by a helper (nil:
  ///     four per core when the input is large, the caller taking those it reaches first).
  /// - Returns: the number of data records.
  static func rows(
    _ base: UnsafePointer<UInt8>, count: Int, from: Int, line: Int, width: Int,
    recordBytes: Int, storage: TableStorage, lines: inout LineMap, name: String, ranges: Int?
  ) throws -> Int {
    let plan = RangeClaims<Segment>.Plan(bytes: count - from, ranges: ranges)
    let wanted = plan.ranges
    var cuts: [Int] = []
    if wanted > 1 {
      for k in 1..<wanted {
        let target = max(from + (count - from) * k / wanted, cuts.last ?? from)
        guard target < count,
          let lf = memchr(base + target, Int32(asciiLF), count - target)
        else { break }
        let cut = UnsafePointer<UInt8>(lf.assumingMemoryBound(to: UInt8.self)) - base + 1
        if cut < count && cut > (cuts.last ?? from) { cuts.append(cut) }
      }
    }
    let shared = SharedBytes(base: base)
    let found = cuts
    // Range k (from 1) runs from cuts[k - 1] to the next cut or the end.
    let claims = RangeClaims<Segment>(
      ranges: cuts.count + 1, helpers: plan.helpers, name: "dojo-csv-range",
      callerTakes: plan.callerTakes
    ) { k in
      let (cut, stop) = (found[k - 1], k < found.count ? found[k] : count)
      let segmentStorage = TableStorage(
        bytes: UnsafeMutablePointer(mutating: shared.base), capacity: count, count: count,
        ownsBytes: false)
      segmentStorage.reserve(rows: (stop - cut) / max(recordBytes, 1) + 16, width: width)
      return Segment.scan(
        shared, count: count, from: cut, stop: stop, width: width, storage: segmentStorage)
    }
    // The ranges read the table's bytes: every helper must stop before this returns or throws.
    defer { claims.finish() }
    var state = Cursor(pos: from, line: line, rows: 0)
    try scan(
      base, count: count, stop: cuts.first ?? count, width: width, storage: storage,
      lines: &lines, name: name, state: &state)
    for k in cuts.indices {
      guard state.pos == cuts[k] else { break }
      let stop = k + 1 < cuts.count ? cuts[k + 1] : count
      switch claims.reach(k + 1) {
      case .mine:
        try scan(
          base, count: count, stop: stop, width: width, storage: storage, lines: &lines,
          name: name, state: &state)
        continue
      case .scanned(nil):
        break
      case .scanned(let segment?):
        storage.append(contentsOf: segment.storage)
        if segment.end.rows > 0 {
          lines.append(segment.lines, fromRow: state.rows, offset: state.line - state.rows - 2)
        }
        state.line += segment.end.line - 2
        state.rows += segment.end.rows
        state.pos = segment.end.pos
        continue
      }
      break
    }
    // A cut inside a record, or a range that met an error: sequentially from the last good
    // boundary, which reports the error with the sequential scan's line numbers.
    if state.pos < count {
      claims.close()
      try scan(
        base, count: count, stop: count, width: width, storage: storage, lines: &lines,
        name: name, state: &state)
    }
    return state.rows
  }

  /// Where a scan is: the next record's offset and file line, and the data records so far.
  struct Cursor {
    var pos: Int
    var line: Int
    var rows: Int
  }

  /// Scans records from `state.pos` until one starts at or after `stop` (records may run
  /// past `stop`: the scanner's limit is the end of the input).
  static func scan(
    _ base: UnsafePointer<UInt8>, count: Int, stop: Int, width: Int, storage: TableStorage,
    lines: inout LineMap, name: String, state: inout Cursor
  ) throws {
    var scanner = RecordScanner()
    defer { scanner.deallocate() }
    var pos = state.pos
    var line = state.line
    var rows = state.rows
    defer { state = Cursor(pos: pos, line: line, rows: rows) }
    while try scanner.nextRecord(
      base, count: count, stop: stop, pos: &pos, line: &line, name: name)
    {
      if scanner.count != width {
        throw raggedRow(name: name, line: line, count: scanner.count, width: width)
      }
      lines.note(row: rows, line: line)
      storage.append(scanner)
      rows += 1
      line += 1 + scanner.innerNewlines
      pos = scanner.next
    }
  }

  /// One range scanned on its own thread, lines counted from 2 (as if its first record were
  /// a file's first data row), or nil when it met an error.
  struct Segment: @unchecked Sendable {
    let storage: TableStorage
    let lines: LineMap
    let end: Cursor

    static func scan(
      _ bytes: SharedBytes, count: Int, from: Int, stop: Int, width: Int, storage: TableStorage
    ) -> Segment? {
      var lines = LineMap()
      var state = Cursor(pos: from, line: 2, rows: 0)
      do {
        try RangeParse.scan(
          bytes.base, count: count, stop: stop, width: width, storage: storage, lines: &lines,
          name: "", state: &state)
      } catch {
        return nil
      }
      return Segment(storage: storage, lines: lines, end: state)
    }
  }

  /// A table's bytes, read (never written) by the range threads while the table waits.
  struct SharedBytes: @unchecked Sendable {
    let base: UnsafePointer<UInt8>
  }
}

extension RecordScanner {
  /// Scans a whole file in memory from `pos` to its next record, past blank lines (which
  /// move `pos` and `line`), and checks the record is terminated and UTF-8. False when no
  /// record starts before `stop`. The record's fields are then the scanner's.
  ///
  /// - Throws: ``DojoError`` for an unterminated quote or bytes that are not UTF-8, naming
  ///   `name` and the line.
  mutating func nextRecord(
    _ base: UnsafePointer<UInt8>, count: Int, stop: Int, pos: inout Int, line: inout Int,
    name: String
  ) throws -> Bool {
    while pos < stop {
      switch scan(base, from: pos, limit: count, atEOF: true) {
      case .blank:
        line += 1
        pos = next
        continue
      case .unterminatedQuote:
        throw RecordScanner.unterminatedQuote(name, line: line)
      case .needMore:
        preconditionFailure("the scanner asked for more input at the end of the file")
      case .record:
        break
      }
      if highBit, let bad = UTF8Check.firstInvalid(base + recordStart, recordEnd - recordStart) {
        throw notUTF8(name: name, line: line, byte: base[recordStart + bad])
      }
      return true
    }
    return false
  }
}
