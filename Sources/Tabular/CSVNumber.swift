/// Number parsing straight from field bytes, without creating a `String` on the common path.
public enum CSVNumber {
  /// The value of a canonical decimal integer (digits only, no sign, no leading zero, at
  /// most 18 digits), else nil. Ids spelled so can be compared as numbers: two such
  /// spellings are equal exactly when their values are ("01" and "1" are not canonical
  /// both, so they never collide).
  public static func canonicalInteger(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
    guard bytes.count >= 1 && bytes.count <= 18, bytes[0] != 0x30 || bytes.count == 1 else {
      return nil
    }
    var value = 0
    for b in bytes {
      guard b >= 0x30 && b <= 0x39 else { return nil }
      value = value &* 10 &+ Int(b &- 0x30)
    }
    return value
  }

  /// Exact powers of ten: every one up to 1e22 is representable as a `Double`.
  static let powersOfTen: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
  ]

  /// Parses a field as a `Double`, agreeing with `Double(String)` on the text once
  /// surrounding ASCII spaces and tabs are trimmed.
  ///
  /// Plain decimals are parsed here and correctly rounded (Clinger's exact path, then
  /// Eisel–Lemire); only what those cannot decide (`nan`, `inf`, a mantissa of more than 19
  /// digits whose truncation is ambiguous, a product too close to a rounding boundary) is
  /// handed to `Double(String)` itself, so the two never disagree. Only what pandas'
  /// `read_csv` reads as a float is a number: hex floats (`0x22`), which `Double(String)`
  /// would take, are not.
  ///
  /// - Returns: nil when the field is empty, blank or not a number.
  public static func double(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
    guard let p = bytes.baseAddress else { return nil }
    var s = 0
    var e = bytes.count
    while s < e && (p[s] == 0x20 || p[s] == 0x09) { s += 1 }
    while e > s && (p[e - 1] == 0x20 || p[e - 1] == 0x09) { e -= 1 }
    if s == e { return nil }
    if let value = shortDecimal(p, s, e) ?? fastDouble(p, s, e) { return value }
    // Double(String) also takes hex floats ("0x22" is 34), "nan(...)" payloads and other
    // spellings no pandas-based grader reads as a number: only the grammar pandas' read_csv
    // accepts reaches it.
    guard hasNumberSyntax(p, s, e) else { return nil }
    return Double(String(decoding: UnsafeBufferPointer(start: p + s, count: e - s), as: UTF8.self))
  }

  /// Whether `p[start..<end]` is spelled as pandas' `read_csv` reads a float: an optional sign,
  /// then digits with an optional fraction (`1`, `1.`, `.5`, `1.5`) and an optional exponent
  /// (`e-7`), or `inf`, `infinity` or `nan` in any case (values the metrics then refuse as not
  /// finite). Hex floats, digit separators and NaN payloads are not numbers.
  static func hasNumberSyntax(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
    var i = start
    if i < end && (p[i] == 0x2B || p[i] == 0x2D) { i += 1 }
    guard i < end else { return false }
    if p[i] == 0x69 || p[i] == 0x49 || p[i] == 0x6E || p[i] == 0x4E {
      var word = ""
      while i < end, p[i] < 0x80 {
        word.unicodeScalars.append(Unicode.Scalar(p[i] | 0x20))
        i += 1
      }
      return i == end && (word == "inf" || word == "infinity" || word == "nan")
    }
    var digits = 0
    while i < end && p[i] &- 0x30 < 10 {
      digits += 1
      i += 1
    }
    if i < end && p[i] == 0x2E {
      i += 1
      while i < end && p[i] &- 0x30 < 10 {
        digits += 1
        i += 1
      }
    }
    guard digits > 0 else { return false }
    if i < end && (p[i] == 0x65 || p[i] == 0x45) {
      i += 1
      if i < end && (p[i] == 0x2B || p[i] == 0x2D) { i += 1 }
      var exponentDigits = 0
      while i < end && p[i] &- 0x30 < 10 {
        exponentDigits += 1
        i += 1
      }
      guard exponentDigits > 0 else { return false }
    }
    return i == end
  }

  /// The commonest cell of a submission, a plain decimal of at most 15 digits
  /// (`0.123456`, `-12.5`, `42`), in one loop: its digits (leading zeros included) form an
  /// integer below 2^53 and its fraction length is at most 15, so the one division of
  /// Clinger's exact path gives the very Double ``fastDouble(_:_:_:)`` would. Nil for
  /// anything else (an exponent, more digits, no digit), which the general path then takes.
  @inline(__always)
  private static func shortDecimal(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int)
    -> Double?
  {
    var i = start
    let negative = p[i] == 0x2D
    if negative || p[i] == 0x2B { i += 1 }
    guard end - i <= 16 else { return nil }
    var mantissa: UInt64 = 0
    var digits = 0
    var dot = -1
    while i < end {
      let c = p[i]
      let d = c &- 0x30
      if d < 10 {
        mantissa = mantissa &* 10 &+ UInt64(d)
        digits += 1
      } else if c == 0x2E && dot < 0 {
        dot = digits
      } else {
        return nil
      }
      i += 1
    }
    guard digits > 0, digits <= 15 else { return nil }
    let fraction = dot < 0 ? 0 : digits - dot
    let value = Double(mantissa) / powersOfTen[fraction]
    return negative ? -value : value
  }

  /// The fast paths; nil means "not decided here", not "not a number".
  ///
  /// Up to 19 significant digits are kept in a 64-bit mantissa; later digits only move the
  /// decimal exponent (integer part) and, when not all zero, mark the mantissa truncated.
  /// Then: Clinger's exact path when the mantissa and the power of ten are both exact
  /// Doubles (one rounding), else Eisel–Lemire; a truncated mantissa is decided only when
  /// rounding it and its successor give the same Double, as the exact value lies between.
  @inline(__always)
  private static func fastDouble(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
    var i = start
    var negative = false
    if p[i] == 0x2D {
      negative = true
      i += 1
    } else if p[i] == 0x2B {
      i += 1
    }
    var mantissa: UInt64 = 0
    var digits = 0
    var sawDigit = false
    var truncated = false
    var exponent = 0
    while i < end {
      let d = p[i] &- 0x30
      if d >= 10 { break }
      sawDigit = true
      if digits < 19 {
        if mantissa != 0 || d != 0 {
          mantissa = mantissa &* 10 &+ UInt64(d)
          digits += 1
        }
      } else {
        exponent += 1
        truncated = truncated || d != 0
      }
      i += 1
    }
    if i < end && p[i] == 0x2E {
      i += 1
      while i < end {
        let d = p[i] &- 0x30
        if d >= 10 { break }
        sawDigit = true
        if digits < 19 {
          if mantissa != 0 || d != 0 {
            mantissa = mantissa &* 10 &+ UInt64(d)
            digits += 1
          }
          exponent -= 1
        } else {
          truncated = truncated || d != 0
        }
        i += 1
      }
    }
    guard sawDigit else { return nil }
    if i < end && (p[i] == 0x65 || p[i] == 0x45) {
      i += 1
      var negativeExponent = false
      if i < end && (p[i] == 0x2D || p[i] == 0x2B) {
        negativeExponent = p[i] == 0x2D
        i += 1
      }
      var value = 0
      var sawExponentDigit = false
      while i < end {
        let d = p[i] &- 0x30
        if d >= 10 { break }
        value = value * 10 + Int(d)
        if value > 100_000 { return nil }
        sawExponentDigit = true
        i += 1
      }
      guard sawExponentDigit else { return nil }
      exponent += negativeExponent ? -value : value
    }
    guard i == end else { return nil }
    if mantissa == 0 { return negative ? -0.0 : 0.0 }
    if !truncated && mantissa <= 1 << 53 && exponent >= -22 && exponent <= 22 {
      var value = Double(mantissa)
      value = exponent < 0 ? value / powersOfTen[-exponent] : value * powersOfTen[exponent]
      return negative ? -value : value
    }
    guard var value = EiselLemire.double(mantissa: mantissa, exponent: exponent) else {
      return nil
    }
    if truncated {
      // 19 nines plus one is 10^19, still below 2^64.
      guard let above = EiselLemire.double(mantissa: mantissa + 1, exponent: exponent),
        above.bitPattern == value.bitPattern
      else { return nil }
    }
    if negative { value = -value }
    return value
  }
}
