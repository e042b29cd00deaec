internal import ArgumentParser
internal import DojoCore
internal import Foundation
internal import Ingest

/// `dojo page SOURCE`: a competition page as Markdown on stdout.
struct PageCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "page",
    abstract: "Print a competition page as Markdown (the description agents read).",
    discussion: """
      Keeps headings, paragraphs, lists, links, images, code, tables and emphasis; drops \
      scripts, styles, navigation, banners, footers and forms. When the page has a <main> \
      or <article>, only that is converted. SOURCE is an HTML file or a file: URL.

      Example:
        dojo page manifests/titanic-survival/overview.html > description.md
      """)

  @Argument(help: "An HTML file path or file: URL.")
  var source: String

  func run() throws {
    let (html, baseURL) = try Self.loadHTML(source: source)
    let markdown = PageConverter.markdown(fromHTML: html, baseURL: baseURL)
    FileHandle.standardOutput.write(Data(markdown.utf8))
  }

  /// The page's bytes and the URL its relative links resolve against.
  ///
  /// Remote sources (http(s) URLs and `kaggle:<slug>`) are refused until the shared HTTP
  /// client lands; they will be fetched here.
  static func loadHTML(source: String) throws -> (Data, URL?) {
    let lower = source.lowercased()
    if lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("kaggle:") {
      throw DojoError(
        .unsupported,
        "dojo page cannot fetch \(source) yet; save the page first (dojo fetch or a browser) "
          + "and pass the HTML file")
    }
    let url: URL
    if lower.hasPrefix("file:") {
      guard let parsed = URL(string: source), parsed.isFileURL else {
        throw DojoError(.invalidArgument, "\(source) is not a valid file: URL")
      }
      url = parsed
    } else {
      url = URL(fileURLWithPath: source)
    }
    do {
      return (try Data(contentsOf: url), url)
    } catch {
      throw DojoError(
        .notFound, "cannot read \(url.path): check that the HTML file exists and is readable")
    }
  }
}
