public import Foundation

/// Turns a competition page into the Markdown (`description.md`) agents read: the text and
/// its structure (headings, lists, links, code, tables, emphasis) without the page's chrome
/// (scripts, styles, navigation, banners, footers, forms).
///
/// The output is deterministic: the same HTML always gives the same bytes.
public enum PageConverter {
  /// Converts HTML to GitHub-flavoured Markdown.
  ///
  /// When the page has a `main` element (or else `article` elements) only that is converted;
  /// otherwise the whole body, minus its chrome.
  ///
  /// - Parameters:
  ///   - html: The page's bytes; the charset comes from the page's `meta`, else UTF-8.
  ///   - baseURL: The page's address, to resolve relative links and image sources against.
  /// - Returns: Markdown ending in one newline, or an empty string for a page with no text.
  public static func markdown(fromHTML html: Data, baseURL: URL?) -> String {
    guard let root = HTMLParser.parse(html) else { return "" }
    let renderer = MarkdownRenderer(baseURL: baseURL)
    var blocks: [MarkdownRenderer.Block] = []
    if let content = Chrome.contentRoots(in: root) {
      for element in content {
        blocks += renderer.blocks(of: element.children, .init(insideContent: true))
      }
    } else {
      blocks = renderer.blocks(of: root.children, .init(insideContent: false))
    }
    let text = blocks.map(\.text).joined(separator: "\n\n")
    let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
    return trimmed.isEmpty ? "" : trimmed + "\n"
  }
}

/// What counts as page chrome rather than content.
enum Chrome {
  /// Elements that never hold content an agent should read.
  static let droppedTags: Set<String> = [
    "script", "style", "noscript", "nav", "footer", "aside", "form", "button", "svg", "iframe",
    "head", "template", "select", "input", "textarea", "canvas", "object", "embed", "link",
    "meta", "dialog", "menu",
  ]
  /// ARIA roles of navigation, site banners and footers, search boxes and sidebars.
  static let droppedRoles: Set<String> = [
    "navigation", "banner", "contentinfo", "search", "complementary", "menu", "menubar",
  ]
  /// Words of a class or id (split at `-` and `_`) that mark chrome wherever they appear.
  static let chromeWords: Set<String> = [
    "nav", "navbar", "navigation", "breadcrumb", "breadcrumbs", "sidebar", "cookie", "cookies",
    "consent", "gdpr", "menu", "toolbar", "masthead", "skiplink",
  ]
  /// Whole class or id tokens that mark chrome (as words they would catch too much, such as
  /// `card-footer`).
  static let chromeTokens: Set<String> = [
    "footer", "site-footer", "site-header", "header", "banner", "skip-link", "skip",
  ]

  /// Whether `element` is chrome to drop. A `header` is kept inside the chosen `main` or
  /// `article`, where it usually holds the title.
  static func isDropped(_ element: HTMLElement, insideContent: Bool) -> Bool {
    if droppedTags.contains(element.name) { return true }
    if element.name == "header" && !insideContent { return true }
    if element["hidden"] != nil || element["aria-hidden"]?.lowercased() == "true" { return true }
    if let style = element["style"]?.lowercased().filter({ !$0.isWhitespace }),
      style.contains("display:none") || style.contains("visibility:hidden")
    {
      return true
    }
    if let role = element["role"]?.lowercased(), droppedRoles.contains(role) { return true }
    let tokens = ((element["class"] ?? "") + " " + (element["id"] ?? "")).lowercased()
      .split(whereSeparator: \.isWhitespace)
    for token in tokens {
      if chromeTokens.contains(String(token)) && !(insideContent && token == "header") {
        return true
      }
      for word in token.split(whereSeparator: { $0 == "-" || $0 == "_" })
      where chromeWords.contains(String(word)) {
        return true
      }
    }
    return false
  }

  /// The page's `main` element, else its outermost `article` elements; nil when it has
  /// neither. Chrome is not searched.
  static func contentRoots(in root: HTMLElement) -> [HTMLElement]? {
    var main: HTMLElement?
    var articles: [HTMLElement] = []
    func visit(_ element: HTMLElement) {
      if main != nil || isDropped(element, insideContent: false) && element.name != "header" {
        return
      }
      if element.name == "main" || element["role"]?.lowercased() == "main" {
        main = element
        return
      }
      if element.name == "article" {
        articles.append(element)
        return
      }
      for case .element(let child) in element.children { visit(child) }
    }
    visit(root)
    if let main { return [main] }
    return articles.isEmpty ? nil : articles
  }
}
