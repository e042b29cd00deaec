import Foundation
import Ingest
import Testing

@Suite struct PageTests {
  struct Case: CustomStringConvertible, Sendable {
    var description: String
    var html: String
    var markdown: String
  }

  static func convert(_ html: String, base: URL? = nil) -> String {
    PageConverter.markdown(fromHTML: Data(html.utf8), baseURL: base)
  }

  static let cases: [Case] = [
    Case(
      description: "headings", html: "<h1>One</h1><h2>Two</h2><h3>Three</h3><h6> Six  </h6>",
      markdown: "# One\n\n## Two\n\n### Three\n\n###### Six\n"),
    Case(
      description: "paragraphs and whitespace",
      html: "<p>  a\n   b\t c </p>\n\n<p>second</p><div>third <span>span</span></div>",
      markdown: "a b c\n\nsecond\n\nthird span\n"),
    Case(
      description: "emphasis and strong",
      html: "<p><em>em</em> <i> i </i>x <strong>strong</strong><b>b</b> <del>gone</del></p>",
      markdown: "*em* *i* x **strong****b** ~~gone~~\n"),
    Case(
      description: "inline code",
      html: "<p>Use <code>pd.read_csv(x)</code> or <code>a`b</code></p>",
      markdown: "Use `pd.read_csv(x)` or ``a`b``\n"),
    Case(
      description: "links and images",
      html: ##"<p><a href="https://x.org/a">abs</a> <a href="#top">frag</a> "##
        + #"<a href="javascript:go()">js</a> <img src="https://x.org/i.png" alt="an [image]"></p>"#,
      markdown: "[abs](https://x.org/a) frag js ![an \\[image\\]](https://x.org/i.png)\n"),
    Case(
      description: "line break and rule", html: "<p>one<br>two<br/></p><hr><p>three</p>",
      markdown: "one\\\ntwo\n\n---\n\nthree\n"),
    Case(
      description: "unordered list",
      html: "<ul><li>a</li><li>b <b>bold</b></li></ul>", markdown: "- a\n- b **bold**\n"),
    Case(
      description: "nested lists",
      html: "<ul><li>a<ul><li>a1</li><li>a2<ol><li>x</li></ol></li></ul></li><li>b</li></ul>",
      markdown: "- a\n  - a1\n  - a2\n    1. x\n- b\n"),
    Case(
      description: "ordered list with start",
      html: "<ol start=\"4\"><li>four</li><li>five</li></ol>", markdown: "4. four\n5. five\n"),
    Case(
      description: "table",
      html: """
        <table><thead><tr><th>Name</th><th>Pipe</th></tr></thead>
        <tbody><tr><td>a</td><td>x|y</td></tr><tr><td><code>c</code></td><td>line<br>break</td></tr>
        <tr><td>short</td></tr></tbody></table>
        """,
      markdown:
        "| Name | Pipe |\n| --- | --- |\n| a | x\\|y |\n| `c` | line break |\n| short |  |\n"),
    Case(
      description: "pre keeps indentation",
      html: "<pre><code class=\"language-python\">def f():\n    return 1\n\n\nf()\n</code></pre>",
      markdown: "```python\ndef f():\n    return 1\n\n\nf()\n```\n"),
    Case(
      description: "pre with backticks",
      html: "<pre>a\n```\nb</pre>", markdown: "````\na\n```\nb\n````\n"),
    Case(
      description: "blockquote", html: "<blockquote><p>q1</p><p>q2</p></blockquote>",
      markdown: "> q1\n>\n> q2\n"),
    Case(
      description: "entities",
      html: "<p>&lt;b&gt; &amp; &eacute;&#233;&#x27; &mdash; 5&nbsp;%</p>",
      markdown: "\\<b> & éé' — 5 %\n"),
    Case(
      description: "markdown-looking text is escaped",
      html: "<p># not a heading</p><p>- not an item</p><p>1. not numbered</p>"
        + "<p>2.5 stays</p><p>a *star* and `tick` and _under_ but snake_case</p>",
      markdown: "\\# not a heading\n\n\\- not an item\n\n1\\. not numbered\n\n2.5 stays\n\n"
        + "a \\*star\\* and \\`tick\\` and \\_under\\_ but snake_case\n"),
    Case(
      description: "script with markdown-looking text dropped",
      html: "<p>keep</p><script>// # Heading\nvar s = '**bold**';</script>"
        + "<style>h1 { color: red }</style><noscript>enable js</noscript>",
      markdown: "keep\n"),
    Case(
      description: "chrome dropped",
      html: """
        <body><nav><a href="/">Home</a></nav><header>Site</header>
        <div role="banner">Banner</div><div class="cookie-banner">Accept cookies</div>
        <div id="sidebar">Side</div><aside>Aside</aside><form><button>Go</button></form>
        <p>Content</p><!-- a comment --><div hidden>hidden</div><footer>Foot</footer>
        <div role="contentinfo">Info</div><svg><text>svg text</text></svg>
        <iframe src="x"></iframe></body>
        """,
      markdown: "Content\n"),
    Case(
      description: "only main is converted",
      html: "<body><div>outside</div><main><header><h1>Title</h1></header>"
        + "<div class=\"header\"><p>in</p></div><nav>toc</nav></main>"
        + "<div>after</div></body>",
      markdown: "# Title\n\nin\n"),
    Case(
      description: "articles are converted when there is no main",
      html: "<body><p>intro</p><article><h2>A</h2></article><article><h2>B</h2></article></body>",
      markdown: "## A\n\n## B\n"),
    Case(
      description: "broken HTML still converts",
      html: "<h2>Open</h2><p>para one<p>para <b>two</b><ul><li>item<li>item2</ul><div>tail <i>it",
      markdown: "## Open\n\npara one\n\npara **two**\n\n- item\n- item2\n\ntail *it*\n"),
    Case(description: "empty page", html: "<html><body> </body></html>", markdown: ""),
  ]

  @Test(arguments: cases)
  func converts(_ c: Case) {
    #expect(Self.convert(c.html) == c.markdown)
  }

  @Test func relativeLinksResolveAgainstTheBase() {
    let base = URL(string: "https://www.kaggle.com/competitions/titanic/overview")
    let html =
      #"<p><a href="/c/titanic/data">data</a> <a href="rules">rules</a> "#
      + #"<img src="../img/a b.png" alt="a"></p>"#
    #expect(
      Self.convert(html, base: base)
        == "[data](https://www.kaggle.com/c/titanic/data) "
        + "[rules](https://www.kaggle.com/competitions/titanic/rules) "
        + "![a](https://www.kaggle.com/competitions/img/a%20b.png)\n")
  }

  @Test func deterministic() throws {
    let html = try Data(contentsOf: Self.fixture)
    let first = PageConverter.markdown(fromHTML: html, baseURL: nil)
    #expect(PageConverter.markdown(fromHTML: html, baseURL: nil) == first)
  }

  @Test func latin1PageWithDeclaredCharset() {
    var html = Data("<html><head><meta charset=\"iso-8859-1\"></head><body><p>caf".utf8)
    html.append(0xE9)
    html.append(contentsOf: Array("</p></body></html>".utf8))
    #expect(PageConverter.markdown(fromHTML: html, baseURL: nil) == "café\n")
  }

  static var fixture: URL {
    Bundle.module.url(forResource: "Fixtures/titanic-overview", withExtension: "html")!
  }

  @Test func realisticCompetitionPage() throws {
    let markdown = PageConverter.markdown(
      fromHTML: try Data(contentsOf: Self.fixture),
      baseURL: URL(string: "https://www.kaggle.com/competitions/titanic-survival/overview"))
    #expect(markdown.hasPrefix("# Titanic Survival\n\n## Overview\n\n"))
    #expect(
      markdown.contains(
        "\n## Evaluation\n\nSubmissions are evaluated on classification "
          + "accuracy (the share of rows whose predicted label equals the true label).\n"))
    #expect(markdown.contains("### Submission File\n\nFor each `PassengerId` in the test set"))
    #expect(markdown.contains("```\nPassengerId,survived\n10681,no\n10695,no\n11012,no\n...\n```"))
    #expect(markdown.contains("- `train.csv` — 981 rows\n"))
    #expect(markdown.contains("*carData* table `TitanicSurvival`"))
    for chrome in ["dataLayer", "display:flex", "Home", "Competitions", "©", "example"] {
      #expect(!markdown.contains(chrome), "\(chrome) leaked into the Markdown")
    }
    #expect(markdown.hasSuffix("External data is not allowed.\n"))
    #expect(!markdown.contains("\n\n\n"))
  }
}
