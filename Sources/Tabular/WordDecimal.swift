/// Plain decimals of up to 16 bytes (`0.023132`, `-12.5`, `42`) parsed a word of eight bytes
/// at a time: a few multiplications and masks instead of a loop with a branch per byte,
/// whose exit (at a length that varies from cell to cell) the processor mispredicts on
/// nearly every cell.
///
/// The value is the one ``CSVNumber``'s byte loop gives: the digits (leading zeros
/// included) form an integer below 2^53, there are at most 15 of them, and that integer
/// is divided by an exact power of ten once (Clinger's exact path). Anything else (a space,
/// a quote, an exponent, a second dot, more digits) is nil, which the general path takes.
enum WordDecimal {
  /// `p[start..<end]`'s value, reading whole words: `readable` bounds the bytes that may be
  /// loaded, which may run past `end` (they are masked off) but never past `readable`.
  @inline(__always)
  static func double(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, readable: Int)
    -> Double?
  {
    guard start < end else { return nil }
    var s = start
    let negative = p[s] == 0x2D
    if negative || p[s] == 0x2B { s += 1 }
    let length = end - s
    guard length >= 1, length <= 16, s + (length > 8 ? 16 : 8) <= readable else { return nil }
    var mantissa: UInt64
    var fraction: Int
    if length <= 8 {
      guard let a = chunk(SWAR.load(p + s), length) else { return nil }
      guard a.digits > 0 else { return nil }
      mantissa = a.value
      fraction = a.dot < 0 ? 0 : a.digits - a.dot
    } else {
      guard let a = chunk(SWAR.load(p + s), 8),
        let b = chunk(SWAR.load(p + s + 8), length - 8),
        a.dot < 0 || b.dot < 0
      else { return nil }
      let digits = a.digits + b.digits
      guard digits <= 15 else { return nil }
      mantissa = a.value &* powers[b.digits] &+ b.value
      if a.dot >= 0 {
        fraction = digits - a.dot
      } else if b.dot >= 0 {
        fraction = b.digits - b.dot
      } else {
        fraction = 0
      }
    }
    // Below 10^15, so the signed conversion (one instruction, where the unsigned one
    // takes four) is exact.
    let value = Double(Int64(bitPattern: mantissa)) / CSVNumber.powersOfTen[fraction]
    return negative ? -value : value
  }

  /// The first `length` (1...8) bytes of `word` (the first byte lowest) as digits with at
  /// most one '.': their value, how many digits, and the number of digits before the dot
  /// (-1 without one). Nil when a byte is neither.
  @inline(__always)
  static func chunk(_ word: UInt64, _ length: Int) -> (value: UInt64, digits: Int, dot: Int)? {
    let w = length == 8 ? word : word & ((1 &<< UInt64(8 &* length)) &- 1)
    var digitBytes = w
    var digits = length
    var dot = -1
    // The lowest match is exact; bytes past `length` are zero, never a dot.
    let dots = SWAR.matches(w, dotBytes)
    if dots != 0 {
      dot = dots.trailingZeroBitCount >> 3
      let below: UInt64 = (1 &<< UInt64(8 &* dot)) &- 1
      // The dot taken out: the bytes after it move down one place.
      digitBytes = (w & below) | ((w >> 8) & ~below)
      digits -= 1
    }
    if digits == 0 { return (0, 0, dot) }
    let used: UInt64 = digits == 8 ? ~0 : (1 &<< UInt64(8 &* digits)) &- 1
    // A digit byte becomes 0...9; any other byte (a second dot too) has a high nibble,
    // or a low one of 10 or more, which adding 6 carries into the high nibble.
    let v = digitBytes ^ (zeros & used)
    guard v & highNibbles == 0, (v &+ sixes) & highNibbles == 0 else { return nil }
    // Right-aligned, the leading places hold zero digits; then eight digits are combined
    // in pairs, fours and the eight (as fast_float and simdjson do).
    var x = v &<< UInt64(8 &* (8 &- digits))
    x = x &* 10 &+ (x >> 8)
    x =
      (((x & pairMask) &* 0x000F_4240_0000_0064)
        &+ (((x >> 16) & pairMask) &* 0x0000_2710_0000_0001)) >> 32
    return (x & 0xFFFF_FFFF, digits, dot)
  }

  /// 10^n for n in 0...8 (a second word's digits), as integers.
  static let powers: [UInt64] = [
    1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000,
  ]

  static let dotBytes: UInt64 = 0x2E2E_2E2E_2E2E_2E2E
  static let zeros: UInt64 = 0x3030_3030_3030_3030
  static let sixes: UInt64 = 0x0606_0606_0606_0606
  static let highNibbles: UInt64 = 0xF0F0_F0F0_F0F0_F0F0
  static let pairMask: UInt64 = 0x0000_00FF_0000_00FF
}
