/// A seeded pseudo-random generator whose sequence is fixed by its algorithm alone, so a
/// split made from the same seed is the same on every machine and every Swift version.
///
/// SplitMix64 (Steele, Lea and Flood, 2014): a 64-bit state advanced by a Weyl constant and
/// mixed by two multiply-xorshift rounds. `SystemRandomNumberGenerator` and hashing order are
/// never used for splits.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
  private var state: UInt64

  public init(seed: UInt64) { state = seed }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A uniform integer in `0..<bound`, by Lemire's multiply-and-reject method, spelled out
  /// here rather than taken from the standard library so the draw is pinned by this file.
  public mutating func below(_ bound: Int) -> Int {
    precondition(bound > 0)
    let b = UInt64(bound)
    var product = next().multipliedFullWidth(by: b)
    if product.low < b {
      let threshold = (0 &- b) % b
      while product.low < threshold { product = next().multipliedFullWidth(by: b) }
    }
    return Int(product.high)
  }

  /// Shuffles in place with Fisher-Yates using ``below(_:)``.
  public mutating func shuffle<T>(_ items: inout [T]) {
    guard items.count > 1 else { return }
    for i in stride(from: items.count - 1, to: 0, by: -1) {
      items.swapAt(i, below(i + 1))
    }
  }
}
