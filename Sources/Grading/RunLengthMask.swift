/// A binary mask in Kaggle's run-length encoding: space-separated `start length` pairs,
/// 1-based, over the image's pixels numbered in one fixed order (column-major, top to bottom
/// then left to right, for most competitions; row-major for a few).
///
/// The mask is kept as its runs, never as pixels: a 30,000 × 40,000 kidney slide is a few
/// thousand runs, and Dice, F-beta and IoU only need the overlap of two run lists, which is
/// the same in either pixel order. Memory is bounded by one image's runs.
public struct RunLengthMask: Sendable, Equatable {
  /// Half-open 0-based pixel ranges, `runs[2k] ..< runs[2k + 1]`, sorted and disjoint.
  public private(set) var runs: [Int]
  /// How many pixels are set.
  public private(set) var area: Int

  /// The number of runs.
  public var runCount: Int { runs.count / 2 }

  /// An empty mask.
  public init() {
    runs = []
    area = 0
  }

  /// A mask from 0-based half-open ranges; they must be sorted, disjoint and non-empty.
  init(ranges: [Range<Int>]) {
    runs = []
    runs.reserveCapacity(ranges.count * 2)
    area = 0
    for r in ranges {
      runs.append(r.lowerBound)
      runs.append(r.upperBound)
      area += r.count
    }
  }

  /// Parses Kaggle's encoding of a mask over `pixels` pixels.
  ///
  /// Blank text is an empty mask. Every value must be a whole number written in ASCII digits;
  /// starts are at least 1, lengths at least 1, every run ends on or before the last pixel,
  /// and each run starts after the previous one ends (Kaggle's rule: sorted pairs, no pixel
  /// twice). Numbers of any length are read without overflow.
  ///
  /// - Returns: The mask, or the reason the text is not a valid encoding (a sentence the
  ///   caller prefixes with the row and column).
  public static func parse(_ text: String, pixels: Int) -> Result<RunLengthMask, Refusal> {
    var text = text
    return text.withUTF8 { parse(utf8: $0, pixels: pixels) }
  }

  /// Why a text is not a valid encoding.
  public struct Refusal: Error, Sendable, Equatable {
    public let message: String
  }

  static func parse(utf8 bytes: UnsafeBufferPointer<UInt8>, pixels: Int) -> Result<
    RunLengthMask, Refusal
  > {
    var mask = RunLengthMask()
    // A value above `ceiling` is refused whatever it is, so digits stop accumulating there.
    let ceiling = max(pixels, 0) + 1
    var i = 0
    var values = 0
    var start = 0
    var previousEnd = 0
    let n = bytes.count
    while true {
      while i < n, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D {
        i += 1
      }
      guard i < n else { break }
      let tokenStart = i
      var value = 0
      var tooLarge = false
      while i < n, bytes[i] != 0x20, bytes[i] != 0x09, bytes[i] != 0x0A, bytes[i] != 0x0D {
        let b = bytes[i]
        guard b >= 0x30, b <= 0x39 else {
          let token =
            String(decoding: bytes[tokenStart..<min(n, tokenStart + 24)], as: UTF8.self)
            .split(whereSeparator: \.isWhitespace).first.map(String.init) ?? ""
          return .failure(
            Refusal(
              message:
                "value \(values + 1) \"\(token)\" is not a whole number; the encoding is space-separated start length pairs of positive integers"
            ))
        }
        if !tooLarge {
          value = value * 10 + Int(b - 0x30)
          if value > ceiling { tooLarge = true }
        }
        i += 1
      }
      values += 1
      if values % 2 == 1 {
        // A start.
        guard !tooLarge, value <= pixels else {
          let shown = String(decoding: bytes[tokenStart..<min(i, tokenStart + 24)], as: UTF8.self)
          return .failure(
            Refusal(
              message:
                "run \(values / 2 + 1) starts at pixel \(shown)\(i - tokenStart > 24 ? "..." : ""), past the image's \(pixels) pixels"
            ))
        }
        guard value >= 1 else {
          return .failure(
            Refusal(message: "run \(values / 2 + 1) starts at pixel 0; pixels are numbered from 1"))
        }
        start = value - 1
        guard start >= previousEnd else {
          return .failure(
            Refusal(
              message:
                "run \(values / 2 + 1) starts at pixel \(value), inside or before the previous run (which ends at pixel \(previousEnd)); runs must be sorted and must not overlap"
            ))
        }
      } else {
        // A length.
        guard value >= 1 || tooLarge else {
          return .failure(
            Refusal(
              message: "run \(values / 2) has length 0; every run covers at least one pixel"))
        }
        guard !tooLarge, value <= pixels - start else {
          let shown = String(decoding: bytes[tokenStart..<min(i, tokenStart + 24)], as: UTF8.self)
          return .failure(
            Refusal(
              message:
                "run \(values / 2) starts at pixel \(start + 1) with length \(shown)\(i - tokenStart > 24 ? "..." : ""), past the image's \(pixels) pixels"
            ))
        }
        previousEnd = start + value
        mask.runs.append(start)
        mask.runs.append(previousEnd)
        mask.area += value
      }
    }
    guard values % 2 == 0 else {
      return .failure(
        Refusal(
          message:
            "has an odd number of values (\(values)); the encoding is start length pairs"))
    }
    return .success(mask)
  }

  /// The encoding of this mask: 1-based `start length` pairs, adjacent runs merged.
  public var encoded: String {
    var out = ""
    var k = 0
    var first = true
    while k < runs.count {
      let start = runs[k]
      var end = runs[k + 1]
      k += 2
      while k < runs.count, runs[k] == end {
        end = runs[k + 1]
        k += 2
      }
      if !first { out += " " }
      first = false
      out += "\(start + 1) \(end - start)"
    }
    return out
  }

  /// How many pixels both masks set: one merge over the two sorted run lists.
  public func overlap(_ other: RunLengthMask) -> Int {
    let a = runs
    let b = other.runs
    var i = 0
    var j = 0
    var total = 0
    while i < a.count, j < b.count {
      let lo = max(a[i], b[j])
      let hi = min(a[i + 1], b[j + 1])
      if hi > lo { total += hi - lo }
      if a[i + 1] < b[j + 1] { i += 2 } else { j += 2 }
    }
    return total
  }
}
