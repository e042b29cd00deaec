internal import Foundation
internal import Grading

/// Inline SVG plots for the report: no script, no external resource, every label escaped.
enum SVGPlots {
  static let width = 560.0
  static let height = 170.0
  static let left = 46.0
  static let right = 14.0
  static let top = 22.0
  static let bottom = 30.0

  /// The leaderboard's score distribution as a histogram, its medal thresholds and median as
  /// vertical lines, the reference solution as a diamond and each runtime submission as a
  /// dot on the axis.
  static func leaderboard(_ task: TaskRow) -> String {
    var values = task.leaderboard + task.submissions.map(\.score)
    if let reference = task.referenceScore { values.append(reference) }
    let finite = values.filter(\.isFinite)
    guard !task.leaderboard.isEmpty, let low = finite.min(), let high = finite.max() else {
      return "<p class=\"muted\">No leaderboard to plot.</p>"
    }
    let span = high > low ? high - low : max(abs(high), 1)
    let lo = high > low ? low : low - span / 2
    let x = { (v: Double) -> Double in left + (v - lo) / span * (width - left - right) }
    let bins = 30
    var counts = [Int](repeating: 0, count: bins)
    for s in task.leaderboard where s.isFinite {
      counts[min(bins - 1, max(0, Int((s - lo) / span * Double(bins))))] += 1
    }
    let tallest = Double(max(counts.max() ?? 1, 1))
    let plotHeight = height - top - bottom
    var svg = open(label: "Leaderboard of \(task.id): distribution of scores")
    let barWidth = (width - left - right) / Double(bins)
    for (i, c) in counts.enumerated() where c > 0 {
      let h = Double(c) / tallest * plotHeight
      svg += rect(
        x: left + Double(i) * barWidth + 0.5, y: top + plotHeight - h, w: barWidth - 1, h: h,
        fill: "#9db4d0", title: "\(c) entries")
    }
    if let t = task.thresholds {
      for (name, value, color) in [
        ("gold", t.gold, "#c9a227"), ("silver", t.silver, "#8e9aa6"),
        ("bronze", t.bronze, "#b06d2c"), ("median", t.median, "#444"),
      ] {
        svg += line(
          x: x(value), color: color, dashed: name == "median",
          title: "\(name) threshold \(format(value))")
      }
      // A legend, not labels at the lines: thresholds often sit within a pixel or two.
      var legendX = width - right
      for (name, value, color) in [
        ("median", t.median, "#444"), ("bronze", t.bronze, "#b06d2c"),
        ("silver", t.silver, "#8e9aa6"), ("gold", t.gold, "#c9a227"),
      ] {
        let text = "\(name) \(format(value))"
        svg += label(x: legendX, y: top - 8, text: text, color: color, anchor: "end")
        legendX -= Double(text.count) * 5.6 + 10
      }
    }
    for (agent, score) in task.submissions {
      svg +=
        "<circle cx=\"\(f(x(score)))\" cy=\"\(f(top + plotHeight + 4))\" r=\"3\" fill=\"#2a7ab0\" opacity=\"0.7\"><title>\(HTML.escape(agent)): \(format(score))</title></circle>"
    }
    if let r = task.referenceScore {
      let cx = x(r)
      let cy = top + plotHeight / 2
      svg +=
        "<path class=\"reference\" d=\"M\(f(cx)) \(f(cy - 7)) L\(f(cx + 7)) \(f(cy)) L\(f(cx)) \(f(cy + 7)) L\(f(cx - 7)) \(f(cy)) Z\" fill=\"#d1495b\"><title>reference solution: \(format(r))</title></path>"
    }
    svg += axis(y: top + plotHeight, lowLabel: format(lo), highLabel: format(lo + span))
    svg += label(
      x: width / 2, y: height - 4,
      text: "score (\(task.lowerIsBetter ? "lower" : "higher") is better)", color: "#555")
    return svg + "</svg>"
  }

  /// A session's valid scores by step, with the best so far as a step line.
  static func session(_ s: SessionSeries) -> String {
    guard !s.points.isEmpty else { return "<p class=\"muted\">No valid submission.</p>" }
    let scores = s.points.map(\.score)
    let low = scores.min()!
    let high = scores.max()!
    let span = high > low ? high - low : max(abs(high) * 0.2, 1e-9)
    let lo = high > low ? low : low - span / 2
    let steps = Double(max(s.steps, 1))
    let plotHeight = height - top - bottom
    let x = { (step: Int) -> Double in
      left + Double(step - 1) / max(steps - 1, 1) * (width - left - right)
    }
    let y = { (v: Double) -> Double in top + plotHeight - (v - lo) / span * plotHeight }
    var svg = open(label: "Session \(s.id) on \(s.task): score over steps")
    var best: Double?
    var path = ""
    for p in s.points {
      best = best.map { s.lowerIsBetter ? min($0, p.score) : max($0, p.score) } ?? p.score
      path += (path.isEmpty ? "M" : " L") + "\(f(x(p.step))) \(f(y(best!)))"
    }
    svg += "<path d=\"\(path)\" fill=\"none\" stroke=\"#2a7ab0\" stroke-width=\"1.5\"/>"
    for p in s.points {
      svg +=
        "<circle cx=\"\(f(x(p.step)))\" cy=\"\(f(y(p.score)))\" r=\"3.5\" fill=\"#d1495b\"><title>step \(p.step): \(format(p.score))</title></circle>"
    }
    if let last = s.points.last, let best {
      svg += label(
        x: x(last.step) - 6, y: y(best) - 8, text: "best \(format(best))", color: "#2a7ab0",
        anchor: "end")
    }
    svg += axis(y: top + plotHeight, lowLabel: "step 1", highLabel: "step \(s.steps)")
    svg += label(x: left - 4, y: top + 4, text: format(lo + span), color: "#555", anchor: "end")
    svg += label(x: left - 4, y: top + plotHeight, text: format(lo), color: "#555", anchor: "end")
    return svg + "</svg>"
  }

  private static func open(label: String) -> String {
    "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" viewBox=\"0 0 \(f(width)) \(f(height))\" width=\"\(f(width))\" height=\"\(f(height))\" role=\"img\" aria-label=\"\(HTML.escape(label))\">"
  }

  private static func rect(x: Double, y: Double, w: Double, h: Double, fill: String, title: String)
    -> String
  {
    "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(max(w, 0.5)))\" height=\"\(f(h))\" fill=\"\(fill)\"><title>\(HTML.escape(title))</title></rect>"
  }

  private static func line(x: Double, color: String, dashed: Bool, title: String) -> String {
    "<line x1=\"\(f(x))\" y1=\"\(f(top))\" x2=\"\(f(x))\" y2=\"\(f(height - bottom))\" stroke=\"\(color)\" stroke-width=\"1.5\"\(dashed ? " stroke-dasharray=\"4 3\"" : "")><title>\(HTML.escape(title))</title></line>"
  }

  private static func label(
    x: Double, y: Double, text: String, color: String, anchor: String = "middle"
  ) -> String {
    "<text x=\"\(f(x))\" y=\"\(f(y))\" fill=\"\(color)\" font-size=\"10\" text-anchor=\"\(anchor)\">\(HTML.escape(text))</text>"
  }

  private static func axis(y: Double, lowLabel: String, highLabel: String) -> String {
    "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(width - right))\" y2=\"\(f(y))\" stroke=\"#888\"/>"
      + label(x: left, y: y + 14, text: lowLabel, color: "#555", anchor: "start")
      + label(x: width - right, y: y + 14, text: highLabel, color: "#555", anchor: "end")
  }

  static func f(_ v: Double) -> String { String(format: "%.1f", v) }

  /// A score as people read it: up to 5 significant digits.
  static func format(_ v: Double) -> String {
    if !v.isFinite { return "\(v)" }
    return String(format: "%.5g", v)
  }
}
