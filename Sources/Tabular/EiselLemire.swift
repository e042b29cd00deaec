/// Correctly rounded decimal-to-binary conversion of `w × 10^q` (w up to 19 digits) with one or
/// two 64×64-bit multiplications, after Eisel and Lemire ("Number Parsing at a Gigabyte per
/// Second", 2021, sections 5 and 6; the algorithm `fast_float` and Rust's `core` use).
///
/// `w × 5^q` is approximated by multiplying the normalized mantissa by a 128-bit truncation of
/// 5^q (``powersOfFive``); the top 54 bits then decide the rounding unless the truncated part
/// could carry into them, which ``double(mantissa:exponent:)`` reports as nil so the caller
/// asks an exact (slow) parser. Exact ties are recognised where they can occur (10^-4 ...
/// 10^23: beyond that no 19-digit decimal is a midpoint between two Doubles).
enum EiselLemire {
  private static let mantissaBits = 52
  private static let minimumExponent = -1023
  private static let infinitePower = 0x7FF

  /// The Double nearest `mantissa × 10^exponent` (ties to even), or nil when this algorithm
  /// cannot decide and an exact parser must. `mantissa` must not be zero.
  @inline(__always)
  static func double(mantissa: UInt64, exponent q: Int) -> Double? {
    if q < smallestPowerOfTen { return 0 }
    if q > largestPowerOfTen { return .infinity }
    let lz = mantissa.leadingZeroBitCount
    let w = mantissa << UInt64(lz)
    let index = 2 * (q - smallestPowerOfTen)
    // The 128-bit product's top bits; a second multiplication refines them only when the
    // first one's bits below the 55 kept ones are all ones (so a carry could still reach them).
    var (high, low) = w.multipliedFullWidth(by: powersOfFive[index])
    let precisionMask: UInt64 = 0xFFFF_FFFF_FFFF_FFFF >> UInt64(mantissaBits + 3)
    if high & precisionMask == precisionMask {
      let second = w.multipliedFullWidth(by: powersOfFive[index + 1]).high
      let (sum, carry) = low.addingReportingOverflow(second)
      low = sum
      if carry { high &+= 1 }
    }
    // Outside this range a product whose low word is all ones may be off by one in its last
    // kept bit; Rust's std hands those to its slow path, and so does this.
    if low == 0xFFFF_FFFF_FFFF_FFFF && (q < -27 || q > 55) { return nil }
    let upperBit = Int(high >> 63)
    let shift = UInt64(upperBit + 64 - mantissaBits - 3)
    var m = high >> shift
    // floor(log2(10^q)) + 63, exact for |q| <= 1650.
    var power2 = ((((152_170 + 65_536) * q) >> 16) + 63) + upperBit - lz - minimumExponent
    if power2 <= 0 {
      // Subnormal (or zero): shift to the fixed exponent, then round half up; ties cannot
      // occur this far from 10^0 with 19 digits.
      if -power2 + 1 >= 64 { return 0 }
      m >>= UInt64(-power2 + 1)
      m += m & 1
      m >>= 1
      // Rounding up may carry into the smallest normal exponent.
      power2 = m < (1 << UInt64(mantissaBits)) ? 0 : 1
      return Double(bitPattern: UInt64(power2) << UInt64(mantissaBits) | m & mantissaMask)
    }
    // An exact tie: the bits below the kept ones are exactly 10...0; round to even.
    if low <= 1 && q >= -4 && q <= 23 && m & 3 == 1 && m << shift == high {
      m &= ~1
    }
    m += m & 1
    m >>= 1
    if m >= (2 << UInt64(mantissaBits)) {
      m = 1 << UInt64(mantissaBits)
      power2 += 1
    }
    if power2 >= infinitePower { return .infinity }
    return Double(bitPattern: UInt64(power2) << UInt64(mantissaBits) | m & mantissaMask)
  }

  private static let mantissaMask: UInt64 = (1 << 52) - 1
}
