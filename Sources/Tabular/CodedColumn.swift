internal import Glibc

/// The values of one column, one per row, kept as small codes into the column's distinct
/// values: a label, class or group column of a million rows costs a byte or two a row rather
/// than a string a row.
///
/// Codes number the distinct spellings (exact bytes) in the order they first appear, so every
/// row reads back as it was and code order is first-appearance order (what stratified and
/// grouped splits iterate classes in, through ``classes()``). A column with more than
/// ``maximumDistinct`` distinct spellings (ids, free text, most numbers) is kept as its text
/// instead, where coding would only add a table beside it.
///
/// Reads as a collection of the rows' values, so code written for `[String]` reads it as is.
public struct CodedColumn: RandomAccessCollection, ExpressibleByArrayLiteral, Sendable, Equatable {
  /// Past this many distinct spellings a column is kept as text.
  public static let maximumDistinct = 1 << 16

  enum Storage: Sendable, Equatable {
    case narrow([UInt8])
    case wide([UInt16])
    case text([String])
  }

  /// The distinct spellings in first-appearance order (two may be equal as `String`s, an é
  /// composed and decomposed); empty for a text column.
  public let distinct: [String]
  let storage: Storage

  init(distinct: [String], storage: Storage) {
    self.distinct = distinct
    self.storage = storage
  }

  /// The column of `values`, coded when they repeat enough.
  public init<S: Sequence<String>>(_ values: S) {
    var builder = CodedColumnBuilder()
    for value in values { builder.append(value) }
    self = builder.finish()
  }

  public init(arrayLiteral values: String...) { self.init(values) }

  /// The column of `values`, its table probing at most `maximumProbes` slots; for tests of
  /// the crowded path that values made to collide take.
  package init(_ values: some Sequence<String>, maximumProbes: Int) {
    var builder = CodedColumnBuilder(maximumProbes: maximumProbes)
    for value in values { builder.append(value) }
    self = builder.finish()
  }

  /// Whether rows are kept as codes (``code(_:)`` and ``distinct`` apply).
  public var isCoded: Bool {
    if case .text = storage { return false }
    return true
  }

  public var startIndex: Int { 0 }
  public var endIndex: Int {
    switch storage {
    case .narrow(let codes): codes.count
    case .wide(let codes): codes.count
    case .text(let text): text.count
    }
  }

  public subscript(row: Int) -> String {
    switch storage {
    case .narrow(let codes): distinct[Int(codes[row])]
    case .wide(let codes): distinct[Int(codes[row])]
    case .text(let text): text[row]
    }
  }

  /// The row's code, an index into ``distinct``; only for a coded column.
  @inline(__always)
  public func code(_ row: Int) -> Int {
    switch storage {
    case .narrow(let codes): Int(codes[row])
    case .wide(let codes): Int(codes[row])
    case .text: preconditionFailure("code(_:) of a text column")
    }
  }

  /// Every row's class: an index into the returned classes, numbered in first-appearance
  /// order. A coded column answers from its codes; a text column is coded here (a table of
  /// its distinct values and 4 bytes a row for as long as the caller keeps the result).
  public func classes() -> (names: [String], of: (Int) -> Int) {
    var index: [String: Int] = [:]
    if isCoded {
      // Codes are exact spellings; classes merge spellings `String` calls equal (an é
      // composed and decomposed), as a class keyed by the text would.
      var names: [String] = []
      var classOf = [Int](repeating: 0, count: distinct.count)
      for (code, value) in distinct.enumerated() {
        if let known = index[value] {
          classOf[code] = known
        } else {
          index[value] = names.count
          classOf[code] = names.count
          names.append(value)
        }
      }
      if names.count == distinct.count { return (distinct, code) }
      return (names, { classOf[code($0)] })
    }
    var names: [String] = []
    var codes = [UInt32](repeating: 0, count: count)
    for row in indices {
      let value = self[row]
      if let known = index[value] {
        codes[row] = UInt32(known)
      } else {
        index[value] = names.count
        codes[row] = UInt32(names.count)
        names.append(value)
      }
    }
    return (names, { Int(codes[$0]) })
  }

  /// How many rows hold each distinct value (``distinct``'s order) for a coded column; nil
  /// for a text column.
  public func counts() -> [Int]? {
    guard isCoded else { return nil }
    var counts = [Int](repeating: 0, count: distinct.count)
    for row in indices { counts[code(row)] += 1 }
    return counts
  }

  /// How many rows hold each value: from the codes for a coded column (canonically equal
  /// spellings merged, as `String` keys merge them), from the rows for a text column.
  public func histogram() -> [String: Int] {
    var out: [String: Int] = [:]
    if let counts = counts() {
      for (value, n) in zip(distinct, counts) where n > 0 { out[value, default: 0] += n }
    } else {
      for value in self { out[value, default: 0] += 1 }
    }
    return out
  }

  /// The column's distinct values that some row holds: the codes' table (every entry is
  /// held by a row) or, for a text column, the rows' set.
  public func valueSet() -> Set<String> {
    isCoded ? Set(distinct) : Set(self)
  }

  /// The rows `keep` admits, in order, coded against a table of the values they hold.
  public func filter(rows keep: (Int) -> Bool) -> CodedColumn {
    switch storage {
    case .narrow(let codes):
      var out = Self.kept(codes, keep)
      let table = Self.compact(distinct, &out)
      return CodedColumn(distinct: table, storage: .narrow(out))
    case .wide(let codes):
      var out = Self.kept(codes, keep)
      let table = Self.compact(distinct, &out)
      return CodedColumn(distinct: table, storage: .wide(out))
    case .text(let text):
      return CodedColumn(distinct: [], storage: .text(Self.kept(text, keep)))
    }
  }

  private static func kept<T>(_ rows: [T], _ keep: (Int) -> Bool) -> [T] {
    var out: [T] = []
    out.reserveCapacity(rows.count)
    for i in rows.indices where keep(i) { out.append(rows[i]) }
    return out
  }

  /// Renumbers `codes` in place against a table of only the values some row holds, so
  /// ``distinct`` is always the set of values held; returns that table.
  private static func compact<Code: FixedWidthInteger>(_ distinct: [String], _ codes: inout [Code])
    -> [String]
  {
    var renumber = [Int](repeating: -1, count: distinct.count)
    var kept: [String] = []
    for i in codes.indices {
      let old = Int(codes[i])
      if renumber[old] < 0 {
        renumber[old] = kept.count
        kept.append(distinct[old])
      }
      codes[i] = Code(renumber[old])
    }
    return kept
  }
}

/// Builds a ``CodedColumn`` row by row: a code a row while the distinct spellings are few,
/// the text once they are many. Two builders of consecutive ranges join in file order.
struct CodedColumnBuilder: Sendable {
  private var distinct: [String] = []
  /// The spellings seen, by their bytes: `slots` is an open-addressing table hashed by a
  /// fast unseeded hash, each slot a 47-bit tag with the code + 1 below it (0 where empty).
  /// The tag of a spelling of at most 5 bytes is the spelling itself (``exactTag(_:)``);
  /// a longer one's is the hash's top bits, and only a matching tag reads the bytes: packed
  /// (`packedSpellings`) up to 7 bytes, else kept in `arena` at
  /// `starts[code]..<starts[code + 1]`. Probes are bounded: a spelling that finds no place
  /// within ``maximumProbes`` (values made to collide) is kept in `crowded` instead, a
  /// dictionary hashed by the per-process seeded `Hasher`, so such values cost a bounded
  /// number of probes each and never slow the table for the rest.
  private var slots: [UInt64] = []
  private static let codeBits: UInt64 = 17
  private var crowded: [[UInt8]: Int] = [:]
  private let maximumProbes: Int

  init(maximumProbes: Int = 32) { self.maximumProbes = max(maximumProbes, 1) }
  private var starts: [Int] = [0]
  private var arena: [UInt8] = []
  /// Per code, a spelling of at most 7 bytes packed into one word with its length
  /// (``packed(_:)``), or `UInt64.max` for a longer one: most labels and numbers are short,
  /// and a match is then one compare of words rather than a call to `memcmp`.
  private var packedSpellings: [UInt64] = []
  private var narrow: [UInt8] = []
  private var wide: [UInt16]?
  private var text: [String]?

  var count: Int { text?.count ?? wide?.count ?? narrow.count }

  mutating func reserveCapacity(_ n: Int) {
    if text != nil {
      text?.reserveCapacity(n)
    } else if wide != nil {
      wide?.reserveCapacity(n)
    } else {
      narrow.reserveCapacity(n)
    }
  }

  mutating func append(_ value: String) {
    var value = value
    value.withUTF8 { append(bytes: $0) }
  }

  /// Appends a row by its field's bytes (UTF-8, quotes removed).
  mutating func append(bytes: UnsafeBufferPointer<UInt8>) {
    if text != nil {
      text?.append(String(decoding: bytes, as: UTF8.self))
      return
    }
    guard let code = code(of: bytes) else {
      text?.append(String(decoding: bytes, as: UTF8.self))
      return
    }
    if wide != nil {
      wide?.append(UInt16(code))
    } else if code <= Int(UInt8.max) {
      narrow.append(UInt8(code))
    } else {
      wide = narrow.map(UInt16.init) + [UInt16(code)]
      narrow = []
    }
  }

  /// The code of a spelling, a new one if it is new; nil when it is one spelling too many
  /// (the builder is text from then on, and the caller appends the value as text).
  private mutating func code(of bytes: UnsafeBufferPointer<UInt8>) -> Int? {
    let packed = ShortSpelling.packed(bytes)
    let hash = Self.hash(bytes, packed: packed)
    // A spelling of at most 5 bytes is its own tag: a matching slot is the same spelling,
    // and the lookup reads no second array (most numbers and codes are this short).
    let exact = bytes.count <= 5
    let tag = exact ? Self.exactTag(packed) : (hash & ~Self.codeMask) | Self.hashedTag
    if slots.isEmpty { slots = [UInt64](repeating: 0, count: 1024) }
    let mask = slots.count - 1
    // Slots at distances 0..<maximumProbes from home are compared; a new spelling goes to
    // the first empty one among them, so every lookup finds what the table holds.
    var i = Int(truncatingIfNeeded: hash) & mask
    var full = false
    for probe in 0..<maximumProbes {
      let slot = slots[(i + probe) & mask]
      if slot == 0 {
        i = (i + probe) & mask
        break
      }
      if slot & ~Self.codeMask == tag {
        let known = Int(slot & Self.codeMask) - 1
        if exact || (packed != .max ? packedSpellings[known] == packed : same(known, bytes)) {
          return known
        }
      }
      if probe == maximumProbes - 1 { full = true }
    }
    if full || !crowded.isEmpty, let known = crowded[Array(bytes)] { return known }
    guard distinct.count < CodedColumn.maximumDistinct else {
      becomeText()
      return nil
    }
    let code = distinct.count
    distinct.append(String(decoding: bytes, as: UTF8.self))
    arena.append(contentsOf: bytes)
    starts.append(arena.count)
    packedSpellings.append(packed)
    if full {
      crowded[Array(bytes)] = code
    } else {
      slots[i] = tag | UInt64(code + 1)
      if distinct.count * 2 > slots.count { rehash() }
    }
    return code
  }

  /// The table's hash of a spelling: a short one's word mixed (SplitMix64's finaliser), a
  /// longer one by ``KeyIndex/hash(_:)``. Unseeded: values made to collide are bounded by
  /// the probe limit, not by the hash.
  @inline(__always)
  static func hash(_ bytes: UnsafeBufferPointer<UInt8>, packed: UInt64) -> UInt64 {
    guard packed != .max else { return KeyIndex.hash(bytes) }
    var z = packed &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  private func same(_ code: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    let start = starts[code]
    guard starts[code + 1] - start == bytes.count else { return false }
    guard let p = bytes.baseAddress else { return true }
    return arena.withUnsafeBufferPointer { memcmp($0.baseAddress! + start, p, bytes.count) == 0 }
  }

  /// Doubles the table and places again every spelling it held; one that finds no place
  /// within the probe bound joins the crowded ones (a spelling is in exactly one of the two,
  /// and every one in the table is within the bound of its home slot).
  private mutating func rehash() {
    let old = slots
    slots = [UInt64](repeating: 0, count: slots.count * 2)
    let mask = slots.count - 1
    for entry in old where entry != 0 {
      let c = Int(entry & Self.codeMask) - 1
      // The home slot takes the hash's low bits, which the tag does not keep: hashed again.
      let hash = arena.withUnsafeBufferPointer {
        let bytes = UnsafeBufferPointer(rebasing: $0[starts[c]..<starts[c + 1]])
        return Self.hash(bytes, packed: packedSpellings[c])
      }
      let home = Int(truncatingIfNeeded: hash) & mask
      if let free = (0..<maximumProbes).lazy.map({ (home + $0) & mask }).first(where: {
        slots[$0] == 0
      }) {
        slots[free] = entry
      } else {
        crowded[Array(arena[starts[c]..<starts[c + 1]])] = c
      }
    }
  }

  private static var codeMask: UInt64 { (1 << codeBits) - 1 }
  /// The top bit, set in a hashed tag and never in an exact one (at most 60 bits wide).
  private static var hashedTag: UInt64 { 1 << 63 }

  /// The tag of a spelling of at most 5 bytes, from its ``packed(_:)`` word: its 40 bits of
  /// bytes and 3 of length, above the code's bits.
  @inline(__always)
  private static func exactTag(_ packed: UInt64) -> UInt64 {
    ((packed & 0xFF_FFFF_FFFF) | (packed >> 56) << 40) << codeBits
  }

  /// Appends a builder of the rows that follow, emptying it: its spellings that are new here
  /// take the next codes in its own first-appearance order.
  mutating func join(_ other: inout CodedColumnBuilder) {
    defer { other = CodedColumnBuilder() }
    if text == nil && other.text == nil {
      var renumber: [Int] = []
      renumber.reserveCapacity(other.distinct.count)
      for k in other.distinct.indices {
        let code = other.arena.withUnsafeBufferPointer {
          self.code(of: UnsafeBufferPointer(rebasing: $0[other.starts[k]..<other.starts[k + 1]]))
        }
        guard let code else { break }
        renumber.append(code)
      }
      if text == nil {
        if distinct.count > Int(UInt8.max) + 1 && wide == nil {
          wide = narrow.map(UInt16.init)
          narrow = []
        }
        // Appended through locals: the closures may not reach into `self`.
        if var codes = wide {
          wide = nil
          codes.reserveCapacity(codes.count + other.count)
          other.forEachCode { codes.append(UInt16(renumber[$0])) }
          wide = codes
        } else {
          var codes = narrow
          narrow = []
          codes.reserveCapacity(codes.count + other.count)
          other.forEachCode { codes.append(UInt8(renumber[$0])) }
          narrow = codes
        }
        return
      }
      // Too many spellings together: this builder turned to text on the way.
    }
    becomeText()
    var rows = text ?? []
    text = nil
    rows.reserveCapacity(rows.count + other.count)
    if let more = other.text {
      rows.append(contentsOf: more)
    } else {
      let table = other.distinct
      other.forEachCode { rows.append(table[$0]) }
    }
    text = rows
  }

  private func forEachCode(_ body: (Int) -> Void) {
    if let wide {
      for c in wide { body(Int(c)) }
    } else {
      for c in narrow { body(Int(c)) }
    }
  }

  private mutating func becomeText() {
    guard text == nil else { return }
    var rows: [String] = []
    rows.reserveCapacity(count)
    let table = distinct
    forEachCode { rows.append(table[$0]) }
    text = rows
    narrow = []
    wide = nil
    distinct = []
    slots = []
    crowded = [:]
    starts = [0]
    arena = []
    packedSpellings = []
  }

  func finish() -> CodedColumn {
    if let text { return CodedColumn(distinct: [], storage: .text(text)) }
    if let wide { return CodedColumn(distinct: distinct, storage: .wide(wide)) }
    return CodedColumn(distinct: distinct, storage: .narrow(narrow))
  }
}
