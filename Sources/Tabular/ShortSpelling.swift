/// Short field spellings as single words, so that comparing two of them is one integer
/// comparison rather than a call to `memcmp` (a coded column's lookup, a label's code).
public enum ShortSpelling {
  /// A spelling of at most 7 bytes as one word: its bytes from the lowest, and its length
  /// in the top byte, so two short spellings are equal exactly when their words are;
  /// `UInt64.max` (a top byte no short spelling has) for a longer one.
  @inlinable @inline(__always)
  public static func packed(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
    let n = bytes.count
    guard n <= 7 else { return .max }
    guard let p = bytes.baseAddress else { return 0 }
    let raw = UnsafeRawPointer(p)
    var word: UInt64 = 0
    var i = 0
    if n & 4 != 0 {
      word = UInt64(UInt32(littleEndian: raw.loadUnaligned(as: UInt32.self)))
      i = 4
    }
    if n & 2 != 0 {
      let two = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt16.self))
      word |= UInt64(two) << UInt64(8 * i)
      i += 2
    }
    if n & 1 != 0 { word |= UInt64(p[i]) << UInt64(8 * i) }
    return word | UInt64(n) << 56
  }
}
