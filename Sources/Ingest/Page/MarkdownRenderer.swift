internal import Foundation

/// Renders an ``HTMLElement`` tree as GitHub-flavoured Markdown, block by block.
struct MarkdownRenderer {
  let baseURL: URL?

  /// One rendered block (paragraph, heading, list, code block, table, ...).
  struct Block {
    var text: String
    var isList = false
  }

  struct Context {
    /// Inside the chosen `main`/`article`, where `header` holds content.
    var insideContent: Bool
    /// In a heading or table cell: one line only, so `br` becomes a space.
    var singleLine = false
  }

  static let blockTags: Set<String> = [
    "address", "article", "blockquote", "body", "caption", "center", "dd", "details", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hgroup", "hr", "html", "li", "main", "ol", "p", "pre", "section", "summary",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
  ]

  // MARK: - Blocks

  func blocks(of nodes: [HTMLNode], _ ctx: Context) -> [Block] {
    var out: [Block] = []
    var paragraph = InlineBuffer()
    func flush() {
      let text = paragraph.finish()
      if !text.isEmpty { out.append(Block(text: text)) }
      paragraph = InlineBuffer()
    }
    for node in nodes {
      switch node {
      case .text(let text):
        paragraph.appendText(text)
      case .element(let element):
        if Chrome.isDropped(element, insideContent: ctx.insideContent) { continue }
        if Self.blockTags.contains(element.name) {
          flush()
          out += block(element, ctx)
        } else {
          inline(element, ctx, into: &paragraph)
        }
      }
    }
    flush()
    return out
  }

  private func block(_ element: HTMLElement, _ ctx: Context) -> [Block] {
    switch element.name {
    case "h1", "h2", "h3", "h4", "h5", "h6":
      let level = Int(element.name.dropFirst()) ?? 1
      var single = ctx
      single.singleLine = true
      let text = inlineString(element.children, single)
      return text.isEmpty ? [] : [Block(text: String(repeating: "#", count: level) + " " + text)]
    case "ul", "ol":
      return list(element, ctx).map { [Block(text: $0, isList: true)] } ?? []
    case "pre":
      return codeBlock(element).map { [Block(text: $0)] } ?? []
    case "blockquote":
      let inner = blocks(of: element.children, ctx).map(\.text).joined(separator: "\n\n")
      if inner.isEmpty { return [] }
      let quoted = inner.split(separator: "\n", omittingEmptySubsequences: false)
        .map { $0.isEmpty ? ">" : "> " + $0 }
      return [Block(text: quoted.joined(separator: "\n"))]
    case "hr":
      return [Block(text: "---")]
    case "table":
      return table(element, ctx).map { [Block(text: $0)] } ?? []
    default:
      return blocks(of: element.children, ctx)
    }
  }

  /// A list, items one per line, their further blocks indented under the marker.
  private func list(_ element: HTMLElement, _ ctx: Context) -> String? {
    let ordered = element.name == "ol"
    var number = ordered ? Int(element["start"] ?? "") ?? 1 : 1
    var items: [String] = []
    var lastWidth = 2
    for case .element(let child) in element.children {
      if Chrome.isDropped(child, insideContent: ctx.insideContent) { continue }
      if (child.name == "ul" || child.name == "ol"), !items.isEmpty {
        // A list directly inside a list (invalid, but common): it belongs to the last item.
        if let nested = list(child, ctx) {
          items[items.count - 1] += "\n" + Self.indent(nested, by: lastWidth)
        }
        continue
      }
      let parts = blocks(of: child.name == "li" ? child.children : [.element(child)], ctx)
      if parts.isEmpty { continue }
      var body = ""
      for (i, part) in parts.enumerated() {
        if i > 0 { body += part.isList ? "\n" : "\n\n" }
        body += part.text
      }
      let marker = ordered ? "\(number). " : "- "
      number += 1
      lastWidth = marker.count
      items.append(marker + Self.indent(body, by: marker.count, skipFirst: true))
    }
    return items.isEmpty ? nil : items.joined(separator: "\n")
  }

  private static func indent(_ text: String, by width: Int, skipFirst: Bool = false) -> String {
    let pad = String(repeating: " ", count: width)
    return text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
      .map { i, line in (line.isEmpty || (skipFirst && i == 0)) ? String(line) : pad + line }
      .joined(separator: "\n")
  }

  /// A `pre` as a fenced code block, whitespace kept exactly.
  private func codeBlock(_ element: HTMLElement) -> String? {
    var text = Self.textContent(element, insideContent: true)
    // HTML drops a newline right after `<pre>`.
    if text.hasPrefix("\r\n") {
      text.removeFirst(2)
    } else if text.hasPrefix("\n") {
      text.removeFirst()
    }
    while let last = text.last, last == "\n" || last == "\r" { text.removeLast() }
    if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return nil }
    let fence = String(repeating: "`", count: max(3, Self.longestRun(of: "`", in: text) + 1))
    var language = ""
    let code = element.children.lazy.compactMap { node -> HTMLElement? in
      if case .element(let e) = node, e.name == "code" { return e }
      return nil
    }.first
    for classes in [element["class"], code?["class"]] {
      for token in (classes ?? "").split(separator: " ") {
        for prefix in ["language-", "lang-"] where token.hasPrefix(prefix) && language.isEmpty {
          language = String(token.dropFirst(prefix.count))
        }
      }
    }
    return fence + language + "\n" + text + "\n" + fence
  }

  /// A GFM pipe table; the first row is the header (GFM needs one).
  private func table(_ element: HTMLElement, _ ctx: Context) -> String? {
    var rows: [[String]] = []
    var cellContext = ctx
    cellContext.singleLine = true
    func collect(_ element: HTMLElement) {
      for case .element(let child) in element.children {
        if Chrome.isDropped(child, insideContent: ctx.insideContent) { continue }
        switch child.name {
        case "thead", "tbody", "tfoot": collect(child)
        case "tr":
          var cells: [String] = []
          for case .element(let cell) in child.children where cell.name == "td" || cell.name == "th"
          {
            let text = inlineString(cell.children, cellContext)
              .replacingOccurrences(of: "\n", with: " ")
              .replacingOccurrences(of: "|", with: "\\|")
            cells.append(text)
            let span = min(Int(cell["colspan"] ?? "") ?? 1, 100)
            if span > 1 { cells += Array(repeating: "", count: span - 1) }
          }
          if !cells.isEmpty { rows.append(cells) }
        default: continue
        }
      }
    }
    collect(element)
    guard let first = rows.first else { return nil }
    let width = rows.map(\.count).max() ?? first.count
    func line(_ cells: [String]) -> String {
      let padded = cells + Array(repeating: "", count: width - cells.count)
      return "| " + padded.joined(separator: " | ") + " |"
    }
    var lines = [line(first), line(Array(repeating: "---", count: width))]
    lines += rows.dropFirst().map(line)
    return lines.joined(separator: "\n")
  }

  // MARK: - Inline

  func inlineString(_ nodes: [HTMLNode], _ ctx: Context) -> String {
    var buffer = InlineBuffer()
    for node in nodes { append(node, ctx, into: &buffer) }
    return buffer.finish()
  }

  private func append(_ node: HTMLNode, _ ctx: Context, into buffer: inout InlineBuffer) {
    switch node {
    case .text(let text): buffer.appendText(text)
    case .element(let element):
      if Chrome.isDropped(element, insideContent: ctx.insideContent) { return }
      inline(element, ctx, into: &buffer)
    }
  }

  private func inline(_ element: HTMLElement, _ ctx: Context, into buffer: inout InlineBuffer) {
    switch element.name {
    case "br":
      if ctx.singleLine { buffer.appendText(" ") } else { buffer.lineBreak() }
    case "a":
      let text = inlineString(element.children, ctx)
      if text.isEmpty { return }
      guard let href = element["href"].flatMap(resolve), !href.hasPrefix("#") else {
        buffer.appendMarkup(text, spaces: element.children)
        return
      }
      buffer.appendMarkup("[" + text + "](" + href + ")", spaces: element.children)
    case "img":
      let alt = Self.collapse(element["alt"] ?? "").trimmingCharacters(in: .whitespaces)
      guard let src = element["src"].flatMap(resolve), !src.hasPrefix("data:") else {
        buffer.appendText(alt)
        return
      }
      let escapedAlt = alt.replacingOccurrences(of: "[", with: "\\[")
        .replacingOccurrences(of: "]", with: "\\]")
      buffer.appendMarkup("![" + escapedAlt + "](" + src + ")", spaces: [])
    case "code", "kbd", "samp", "tt":
      let text = Self.collapse(Self.textContent(element, insideContent: ctx.insideContent))
        .trimmingCharacters(in: .whitespaces)
      if text.isEmpty { return }
      let fence = String(repeating: "`", count: Self.longestRun(of: "`", in: text) + 1)
      let pad = text.hasPrefix("`") || text.hasSuffix("`") ? " " : ""
      buffer.appendMarkup(fence + pad + text + pad + fence, spaces: element.children)
    case "em", "i", "cite", "var", "dfn":
      wrap(element, "*", ctx, into: &buffer)
    case "strong", "b":
      wrap(element, "**", ctx, into: &buffer)
    case "del", "s", "strike":
      wrap(element, "~~", ctx, into: &buffer)
    default:
      // Spans and the like; a block nested in an inline element (or in a table cell or a
      // heading) is kept apart from its neighbours by a space.
      let isBlock = Self.blockTags.contains(element.name)
      if isBlock { buffer.appendText(" ") }
      for child in element.children { append(child, ctx, into: &buffer) }
      if isBlock { buffer.appendText(" ") }
    }
  }

  private func wrap(
    _ element: HTMLElement, _ marker: String, _ ctx: Context, into buffer: inout InlineBuffer
  ) {
    let text = inlineString(element.children, ctx)
    if text.isEmpty {
      buffer.appendText(Self.textContent(element, insideContent: ctx.insideContent))
      return
    }
    buffer.appendMarkup(marker + text + marker, spaces: element.children)
  }

  /// An `href` or `src` made absolute against the base URL; `javascript:` links are dropped.
  private func resolve(_ raw: String) -> String? {
    let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
    if trimmed.isEmpty || trimmed.lowercased().hasPrefix("javascript:") { return nil }
    if trimmed.hasPrefix("#") { return trimmed }
    var resolved = trimmed
    if let baseURL, let url = URL(string: trimmed, relativeTo: baseURL) {
      resolved = url.absoluteString
    }
    // Characters that would end or break a Markdown link destination.
    return resolved.replacingOccurrences(of: " ", with: "%20")
      .replacingOccurrences(of: "(", with: "%28").replacingOccurrences(of: ")", with: "%29")
      .replacingOccurrences(of: "<", with: "%3C").replacingOccurrences(of: ">", with: "%3E")
  }

  // MARK: - Text helpers

  /// All text below an element, unescaped, with `br` as a newline and chrome left out.
  static func textContent(_ element: HTMLElement, insideContent: Bool) -> String {
    var out = ""
    func visit(_ nodes: [HTMLNode]) {
      for node in nodes {
        switch node {
        case .text(let t): out += t
        case .element(let e):
          if e.name == "br" {
            out += "\n"
          } else if !Chrome.isDropped(e, insideContent: insideContent) {
            visit(e.children)
          }
        }
      }
    }
    visit(element.children)
    return out
  }

  /// Runs of HTML whitespace as one space (a no-break space counts as a space).
  static func collapse(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    var inSpace = false
    for scalar in text.unicodeScalars {
      switch scalar {
      case " ", "\t", "\n", "\r", "\u{0C}", "\u{A0}":
        if !inSpace { out.append(" ") }
        inSpace = true
      default:
        out.unicodeScalars.append(scalar)
        inSpace = false
      }
    }
    return out
  }

  static func longestRun(of character: Character, in text: String) -> Int {
    var longest = 0
    var current = 0
    for c in text {
      current = c == character ? current + 1 : 0
      longest = max(longest, current)
    }
    return longest
  }
}

/// Inline Markdown being built for one paragraph, heading or cell: collapses whitespace
/// across text nodes and escapes text where Markdown would read it as syntax.
struct InlineBuffer {
  private(set) var text = ""

  private var atLineStart: Bool { text.isEmpty || text.hasSuffix("\n") }
  private var afterSpace: Bool { atLineStart || text.hasSuffix(" ") }

  mutating func appendText(_ raw: String) {
    var collapsed = MarkdownRenderer.collapse(raw)
    if afterSpace { collapsed = String(collapsed.drop { $0 == " " }) }
    if collapsed.isEmpty { return }
    var escaped = Self.escape(collapsed)
    if atLineStart { escaped = Self.escapeLineStart(escaped) }
    text += escaped
  }

  /// Adds already-rendered Markdown; `spaces` are the nodes it came from, whose leading and
  /// trailing whitespace (`<em> x </em>`) is kept outside the markup.
  mutating func appendMarkup(_ markdown: String, spaces nodes: [HTMLNode]) {
    if case .text(let first)? = nodes.first, first.first.map(Self.isSpace) == true {
      appendText(" ")
    }
    text += markdown
    if case .text(let last)? = nodes.last, last.last.map(Self.isSpace) == true {
      appendText(" ")
    }
  }

  /// A hard line break (`br`): a backslash at the end of the line.
  mutating func lineBreak() {
    while text.hasSuffix(" ") { text.removeLast() }
    if !atLineStart { text += "\\\n" }
  }

  /// The finished text, without leading or trailing spaces or a dangling line break.
  func finish() -> String {
    var out = Substring(text)
    while true {
      let before = out.count
      out = out.drop { $0 == " " || $0 == "\n" }
      while let last = out.last, last == " " || last == "\n" { out = out.dropLast() }
      if out.hasSuffix("\\") && !out.hasSuffix("\\\\") { out = out.dropLast() }
      if out.count == before { break }
    }
    return String(out)
  }

  private static func isSpace(_ c: Character) -> Bool {
    c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\u{A0}"
  }

  /// Escapes the characters that would start emphasis, code or HTML anywhere in a line.
  static func escape(_ text: String) -> String {
    let chars = Array(text)
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for (i, c) in chars.enumerated() {
      let previous = i > 0 ? chars[i - 1] : " "
      let next = i + 1 < chars.count ? chars[i + 1] : " "
      switch c {
      case "*", "`":
        out.append("\\")
      case "_" where !(previous.isLetter || previous.isNumber) || !(next.isLetter || next.isNumber):
        out.append("\\")
      case "\\" where next.isASCII && next.isPunctuation || next.isSymbol && next.isASCII:
        out.append("\\")
      case "<" where next.isLetter || next == "/" || next == "!":
        out.append("\\")
      default: break
      }
      out.append(c)
    }
    return out
  }

  /// Escapes what would make a line a heading, list item, quote or rule.
  static func escapeLineStart(_ text: String) -> String {
    guard let first = text.first else { return text }
    if "#>-+=".contains(first) { return "\\" + text }
    let digits = text.prefix { $0.isASCII && $0.isNumber }
    if !digits.isEmpty && digits.count <= 9 {
      let rest = text.dropFirst(digits.count)
      if let mark = rest.first, mark == "." || mark == ")",
        rest.dropFirst().first.map({ $0 == " " }) ?? true
      {
        return digits + "\\" + rest
      }
    }
    return text
  }
}
