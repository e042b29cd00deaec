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
      or <article>, only that is converted. SOURCE is an HTML file, a file: or http(s) URL, or kaggle:<slug> (the \
      competition's overview; DOJO_KAGGLE_URL points it at a mirror).

      Example:
        dojo page manifests/titanic-survival/overview.html > description.md
        dojo page kaggle:titanic
      """)

  @Argument(help: "An HTML file, a file: or http(s) URL, or kaggle:<slug>.")
  var source: String

  func run() throws {
    FileHandle.standardOutput.write(Data(try PageSource.markdown(source).utf8))
  }
}
