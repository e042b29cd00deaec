internal import Tabular

/// Sorting a million scores is most of a rank metric's time; a comparison sort through a
/// closure spent ~0.1 s on it. Doubles map to unsigned keys that order exactly as the
/// numbers do, and an LSD radix sort on those keys takes six linear passes of 11-bit digits,
/// whose 2,048 counters stay in the first-level cache (16-bit digits' 65,536 do not); every
/// pass's counts are taken in one read before the first, and a digit every key shares moves
/// nothing.
enum RadixSort {
  static let digitBits = 11
  static let passes = (64 + digitBits - 1) / digitBits

  /// `values` ascending. Every value must be finite or infinite, not NaN; -0.0 and 0.0 come
  /// out as 0.0 (they are equal, and equal values must sort together).
  static func ascending(_ values: [Double]) -> [Double] {
    guard values.count > 2048 else { return values.map { $0 + 0.0 }.sorted() }
    var keys = HugePages.array(count: values.count) { (keys: UnsafeMutableBufferPointer<UInt64>) in
      for i in 0..<values.count { keys.initializeElement(at: i, to: key(values[i])) }
    }
    sort(&keys)
    return HugePages.array(count: keys.count) { out in
      for i in 0..<keys.count { out.initializeElement(at: i, to: value(keys[i])) }
    }
  }

  /// Sorts keys from ``key(_:)`` ascending: the order of the values they stand for.
  static func sort(_ keys: inout [UInt64]) {
    let n = keys.count
    guard n > 2048 else { return keys.sort() }
    let radix = 1 << digitBits
    let mask = UInt64(radix - 1)
    var scratch = HugePages.array(count: n) { $0.initialize(repeating: UInt64(0)) }
    var counts = [Int](repeating: 0, count: radix * passes)
    keys.withUnsafeMutableBufferPointer { keys in
      scratch.withUnsafeMutableBufferPointer { scratch in
        counts.withUnsafeMutableBufferPointer { counts in
          for k in keys {
            var rest = k
            for pass in 0..<passes {
              counts[pass * radix + Int(rest & mask)] += 1
              rest >>= UInt64(digitBits)
            }
          }
          var source = keys
          var target = scratch
          for pass in 0..<passes {
            let base = pass * radix
            let shift = UInt64(pass * digitBits)
            // A digit every key shares moves nothing: skip the pass.
            if counts[base..<(base + radix)].contains(n) { continue }
            var total = 0
            for i in base..<(base + radix) {
              let c = counts[i]
              counts[i] = total
              total += c
            }
            for k in source {
              let d = base + Int((k >> shift) & mask)
              target[counts[d]] = k
              counts[d] += 1
            }
            swap(&source, &target)
          }
          if source.baseAddress != keys.baseAddress {
            _ = keys.initialize(fromContentsOf: source)
          }
        }
      }
    }
  }

  /// The order-preserving key of a value (not NaN): flip every bit of a negative number,
  /// only the sign of a positive one. -0.0 counts as 0.0, so equal values have equal keys.
  @inline(__always)
  static func key(_ x: Double) -> UInt64 {
    let bits = (x + 0.0).bitPattern
    return bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63)
  }

  @inline(__always)
  static func value(_ key: UInt64) -> Double {
    Double(bitPattern: key & (1 << 63) != 0 ? key & ~(1 << 63) : ~key)
  }
}
