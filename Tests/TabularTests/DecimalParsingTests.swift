import Foundation
import Tabular
import Testing

/// The Eisel–Lemire fast path must give the very Double `Double(String)` (the slow path, a
/// correctly rounding parser) gives, bit for bit, over the whole range of Doubles.
@Suite struct DecimalParsingTests {
  private static func ours(_ text: String) -> Double? {
    var copy = text
    return copy.withUTF8 { CSVNumber.double($0) }
  }

  /// Records every string on which the two parsers differ (NaN payloads aside).
  private static func disagreements(_ texts: [String]) -> [String] {
    texts.filter { text in
      let a = ours(text)
      let b = Double(text)
      return !(a?.bitPattern == b?.bitPattern || (a?.isNaN == true && b?.isNaN == true))
    }
  }

  @Test(arguments: [
    // Subnormals, the smallest ones, and the boundary to the normals (which rounding may cross).
    "4.9406564584124654e-324", "2.4703282292062327e-324", "2.4703282292062328e-324",
    "5e-324", "1e-323", "2.2250738585072011e-308", "2.2250738585072012e-308",
    "2.2250738585072014e-308", "2.225073858507201136057409796709131975934819546351645648e-308",
    "3.0540412816271615e-308", "1e-320", "0.000000000000000000000000000000000001e-300",
    // Overflow and the largest finite value.
    "1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308",
    "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497791.9999999999999999999999999999999999999999999999999999999999999999999999",
    "1e308", "1e309", "1e400", "-1e400", "123e-500", "0e999", "1e-342", "1e-343",
    "9999999999999999999e-343", "0.1e309", "99e306",
    // Mantissas of 19 digits and more, some exact after truncation, some not.
    "9999999999999999999", "10000000000000000000", "18446744073709551615",
    "18446744073709551616", "9007199254740993", "9007199254740993.0000000000000001",
    "9007199254740992.9999999999999999", "9007199254740995",
    "1.00000000000000011102230246251565404",
    "1.000000000000000111022302462515654042", "1.00000000000000011102230246251565405",
    "123456789012345678901234567890e-10",
    "0.00000000000000000000000000000000012345678901234567890123",
    "1000000000000000000000000000000000000000000000000e-48",
    // Exact ties between two Doubles at the round-to-even exponents (-4 ... 23).
    "1e23", "8.98846567431158e307", "7.3177701707893310e+15", "9007199254740993e0",
    "9223372036854776833", "9223372036854775808.5", "4503599627370496.5", "4503599627370497.5",
    "2.00000000000000011102230246251565404236316680908203125",
    "2.00000000000000011102230246251565404236316680908203124",
    "2.00000000000000011102230246251565404236316680908203126",
    // Ordinary CSV spellings.
    "0.1", "-0.0", "+.5", "5.", "1448997445238699", "0.000123", "42", "3.14159",
    // The short plain decimals of one loop (at most 15 digits), and just past them.
    "0.123456", "-12.5", "000.5", "0.000000000000001", "123456789012345", "12345678.9012345",
    "1234567890123456", "0000000000000001", "0.9999999999999999", ".", "1.2.3", "+", "-",
    "-0", "1.5e3",
  ])
  func edgeCasesMatchTheExactParser(_ text: String) {
    #expect(
      Self.disagreements([text]).isEmpty,
      "\(text): \(String(describing: Self.ours(text))) vs \(String(describing: Double(text)))")
  }

  /// Random Doubles across every exponent, spelled shortest, with fixed digit counts from 1
  /// to 25 (so many are near a rounding boundary), and as exact midpoints.
  @Test func randomSpellingsMatchTheExactParser() {
    var rng = SplitMix64(seed: 2026)
    var texts: [String] = []
    texts.reserveCapacity(120_000)
    for i in 0..<120_000 {
      let d = Double(bitPattern: rng.next() & 0x7FEF_FFFF_FFFF_FFFF)
      switch i % 4 {
      case 0: texts.append("\(d)")
      case 1: texts.append(String(format: "%.\(Int.random(in: 0...24, using: &rng))e", d))
      case 2:
        #if arch(x86_64)
          let low = Float80(d)
          let mid = low + (Float80(d.nextUp) - low) / 2
          texts.append(String(format: "%.\(Int.random(in: 15...22, using: &rng))Le", mid))
        #else
          texts.append(String(format: "%.18e", d))
        #endif
      default:
        // Subnormals.
        let tiny = Double(bitPattern: rng.next() & 0x000F_FFFF_FFFF_FFFF)
        texts.append(String(format: "%.\(Int.random(in: 0...20, using: &rng))e", tiny))
      }
    }
    let bad = Self.disagreements(texts)
    #expect(bad.isEmpty, "\(bad.count) disagree, first \(bad.prefix(5))")
  }

  /// Digit strings of 1 to 30 digits with a point anywhere and exponents across the range.
  @Test func randomDigitStringsMatchTheExactParser() {
    var rng = SplitMix64(seed: 20)
    var texts: [String] = []
    for _ in 0..<60_000 {
      let length = Int.random(in: 1...30, using: &rng)
      var s = ""
      let point = Int.random(in: 0...length, using: &rng)
      for k in 0..<length {
        if k == point { s += "." }
        s += String(Int.random(in: 0...9, using: &rng))
      }
      s += "e\(Int.random(in: -350...330, using: &rng))"
      texts.append(s)
    }
    let bad = Self.disagreements(texts)
    #expect(bad.isEmpty, "\(bad.count) disagree, first \(bad.prefix(5))")
  }
}
