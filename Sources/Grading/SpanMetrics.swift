internal import DojoCore
internal import Foundation

/// Character spans as NBME - Score Clinical Patient Notes writes them.
///
/// A cell holds `start end` pairs separated by `;` (`"696 724;730 742"`), or a Python list of
/// such strings as the training table writes it (`"['696 724', '730 742;750 760']"`); empty
/// (or `[]`) is no span. A pair covers the characters `start..<end`.
public enum CharacterSpans {
  /// The largest offset accepted: far beyond any note, small enough that no sum overflows.
  public static let maximumOffset = 1_000_000_000

  /// The spans of a cell, sorted and merged (overlapping or touching spans become one).
  ///
  /// - Throws: a message saying what is wrong with the cell (never quoting anything but the
  ///   offending part of the cell itself).
  public static func parse(_ text: String) throws(SpanError) -> [Range<Int>] {
    var body = Substring(text).trimmingCharacters(in: .whitespaces)[...]
    var segments: [Substring] = []
    if body.hasPrefix("[") {
      guard body.hasSuffix("]") else {
        throw SpanError("opens a list with [ but does not close it")
      }
      body = body.dropFirst().dropLast()
      var rest = body.drop(while: \.isWhitespace)
      while let quote = rest.first {
        guard quote == "'" || quote == "\"" else {
          throw SpanError("is a list whose items are not quoted strings such as '696 724'")
        }
        rest = rest.dropFirst()
        guard let close = rest.firstIndex(of: quote) else {
          throw SpanError("has a list item whose quote is not closed")
        }
        segments.append(rest[..<close])
        rest = rest[rest.index(after: close)...].drop(while: \.isWhitespace)
        if rest.first == "," {
          rest = rest.dropFirst().drop(while: \.isWhitespace)
        } else if !rest.isEmpty {
          throw SpanError("has list items that are not separated by commas")
        }
      }
    } else {
      segments = [body]
    }
    var spans: [Range<Int>] = []
    for segment in segments {
      for pair in segment.split(separator: ";") {
        let parts = pair.split(whereSeparator: \.isWhitespace)
        if parts.isEmpty { continue }
        guard parts.count == 2, let start = Int(parts[0]), let end = Int(parts[1]) else {
          throw SpanError(
            "holds \"\(pair.trimmingCharacters(in: .whitespaces))\", which is not a span \"start end\" of two whole numbers"
          )
        }
        guard start >= 0, start <= end, end <= maximumOffset else {
          throw SpanError(
            "holds the span \"\(start) \(end)\"; a span needs 0 <= start <= end <= \(maximumOffset)"
          )
        }
        if start < end { spans.append(start..<end) }
      }
    }
    return merge(spans)
  }

  /// Sorted, disjoint, non-touching spans covering the same characters.
  static func merge(_ spans: [Range<Int>]) -> [Range<Int>] {
    var out: [Range<Int>] = []
    for span in spans.sorted(by: { $0.lowerBound < $1.lowerBound }) {
      if let last = out.last, span.lowerBound <= last.upperBound {
        out[out.count - 1] = last.lowerBound..<max(last.upperBound, span.upperBound)
      } else {
        out.append(span)
      }
    }
    return out
  }

  /// The number of characters two merged span lists share.
  static func overlap(_ a: [Range<Int>], _ b: [Range<Int>]) -> Int {
    var i = 0
    var j = 0
    var shared = 0
    while i < a.count && j < b.count {
      let lo = max(a[i].lowerBound, b[j].lowerBound)
      let hi = min(a[i].upperBound, b[j].upperBound)
      if hi > lo { shared += hi - lo }
      if a[i].upperBound < b[j].upperBound { i += 1 } else { j += 1 }
    }
    return shared
  }

  /// Why a cell is not a list of spans.
  public struct SpanError: Error, Sendable {
    public let message: String
    init(_ message: String) { self.message = message }
  }
}

extension Metrics {
  /// Micro-averaged F1 over characters (NBME - Score Clinical Patient Notes): every
  /// character of every row is a true positive when both sides' spans cover it, a false
  /// positive or negative when only one does; `2TP / (2TP + FP + FN)` over all rows. 1 when
  /// neither side covers any character (nothing to find, nothing found), as MLE-Dojo grades.
  public static func spanMicroF1(truth: [[Range<Int>]], predicted: [[Range<Int>]]) throws
    -> Double
  {
    try requireRows(truth.count, "span_micro_f1")
    var tp = 0
    var fp = 0
    var fn = 0
    for (t, p) in zip(truth, predicted) {
      let shared = CharacterSpans.overlap(t, p)
      tp += shared
      fp += p.reduce(0) { $0 + $1.count } - shared
      fn += t.reduce(0) { $0 + $1.count } - shared
    }
    let denominator = 2 * tp + fp + fn
    return denominator == 0 ? 1 : Double(2 * tp) / Double(denominator)
  }
}
