internal import DojoCore
internal import Glibc

/// A hash index from the values of one column of a ``Table`` to their rows, keyed by the
/// fields' bytes: building and probing it creates no `String`s, which makes joining two
/// million-row files by id several times faster than a `[String: Int]`.
///
/// Keys compare by content (quotes removed, `""` decoded), so `"a1"` and `a1` are the same
/// key. Build one with ``Table/keyIndex(column:)``.
public struct KeyIndex: Sendable {
  /// The indexed table.
  public let table: Table
  /// The indexed column.
  public let column: Int
  private let storage: TableStorage
  /// Per slot: the key's hash in the high 32 bits and row + 1 in the low 32 (0: empty).
  private let slots: [UInt64]
  private let mask: Int

  /// The number of keys (the table's row count).
  public var count: Int { table.rowCount }

  init(table: Table, column: Int) throws {
    precondition(column >= 0 && column < table.header.count, "column \(column) out of range")
    guard table.rowCount < Int(Int32.max) else {
      throw DojoError(.unsupported, "\(table.name): has too many rows to index")
    }
    self.table = table
    self.column = column
    self.storage = table.storage
    var size = 16
    while size < table.rowCount * 2 { size <<= 1 }
    mask = size - 1
    var slots = [UInt64](repeating: 0, count: size)
    let storage = table.storage
    let base = UnsafePointer(storage.bytes)
    let mask = self.mask
    try slots.withUnsafeMutableBufferPointer { slots in
      for row in 0..<table.rowCount {
        let (s, e) = storage.bounds(row: row, column: column)
        let duplicate: Int? = FieldBytes.with(base, s, e) { key in
          let h = KeyIndex.hash(key)
          var i = Int(truncatingIfNeeded: h) & mask
          while slots[i] != 0 {
            let slot = slots[i]
            if slot >> 32 == h >> 32 {
              let other = Int(slot & 0xFFFF_FFFF) - 1
              if KeyIndex.equal(key, storage: storage, row: other, column: column) { return other }
            }
            i = (i + 1) & mask
          }
          slots[i] = (h & 0xFFFF_FFFF_0000_0000) | UInt64(row + 1)
          return nil
        }
        if let first = duplicate {
          let key = table.string(row: row, column: column)
          throw DojoError(
            .invalidData,
            "\(table.name):\(table.line(ofRow: row)): column \"\(table.header[column])\": "
              + "\"\(key.prefix(80))\" repeats the value of line \(table.line(ofRow: first)); "
              + "each value must appear once")
        }
      }
    }
    self.slots = slots
  }

  /// The row whose key has these bytes (UTF-8, unquoted), or nil.
  public func row(forKeyBytes key: UnsafeBufferPointer<UInt8>) -> Int? {
    let h = KeyIndex.hash(key)
    return slots.withUnsafeBufferPointer { slots in
      var i = Int(truncatingIfNeeded: h) & mask
      while slots[i] != 0 {
        let slot = slots[i]
        if slot >> 32 == h >> 32 {
          let row = Int(slot & 0xFFFF_FFFF) - 1
          if KeyIndex.equal(key, storage: storage, row: row, column: column) { return row }
        }
        i = (i + 1) & mask
      }
      return nil
    }
  }

  /// The row whose key is `key`, or nil.
  public func row(for key: String) -> Int? {
    var key = key
    return key.withUTF8 { row(forKeyBytes: $0) }
  }

  /// The row whose key equals a field of another table (the join's probe side), or nil.
  ///
  /// Files to be joined are often in the same order (a submission built from the sample),
  /// so the same row number is tried first: a sequential comparison instead of a random
  /// probe into the hash table, which is what costs most in a large join.
  public func row(matching other: Table, row: Int, column: Int) -> Int? {
    other.withFieldBytes(row: row, column: column) { key in
      if row < count && KeyIndex.equal(key, storage: storage, row: row, column: self.column) {
        return row
      }
      return self.row(forKeyBytes: key)
    }
  }

  @inline(__always)
  private static func equal(
    _ key: UnsafeBufferPointer<UInt8>, storage: TableStorage, row: Int, column: Int
  ) -> Bool {
    let (s, e) = storage.bounds(row: row, column: column)
    return FieldBytes.with(UnsafePointer(storage.bytes), s, e) { other in
      other.count == key.count
        && (key.count == 0 || memcmp(key.baseAddress!, other.baseAddress!, key.count) == 0)
    }
  }

  /// A fast 64-bit hash of a short byte string (multiply-xorshift over eight-byte words,
  /// SplitMix64's finaliser). Not meant to resist crafted collisions: the indexed side is
  /// Dojo's own answers file, and probing an index never inserts.
  @inline(__always)
  static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
    var h: UInt64 = 0x243F_6A88_85A3_08D3 ^ (UInt64(key.count) &* 0x9E37_79B9_7F4A_7C15)
    guard let p = key.baseAddress else { return finalise(h) }
    var i = 0
    let n = key.count
    while i + 8 <= n {
      h = (h ^ SWAR.load(p + i)) &* 0x9E37_79B9_7F4A_7C15
      h ^= h >> 32
      i += 8
    }
    if i < n {
      var tail: UInt64 = 0
      var shift: UInt64 = 0
      while i < n {
        tail |= UInt64(p[i]) << shift
        shift += 8
        i += 1
      }
      h = (h ^ tail) &* 0x9E37_79B9_7F4A_7C15
    }
    return finalise(h)
  }

  @inline(__always)
  private static func finalise(_ x: UInt64) -> UInt64 {
    var z = x
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

extension Table {
  /// A byte-keyed hash index of a key column, for joining by id without creating strings.
  ///
  /// - Throws: ``DojoError`` `.invalidData` naming the file, the column, the value and both
  ///   lines when a key appears twice.
  public func keyIndex(column: Int) throws -> KeyIndex { try KeyIndex(table: self, column: column) }
}
