import DojoTestSupport
import Foundation
import Ingest
import Testing

@Suite("Page sources")
struct PageSourceTests {
  static let html = Data(
    "<html><body><nav>menu</nav><main><h1>Overview</h1><p>Predict <b>y</b>.</p></main></body></html>"
      .utf8)

  @Test func kaggleSlugReadsTheOverviewFromTheMirror() throws {
    let server = try LoopbackHTTPServer(routes: [
      "/competitions/titanic/overview": Route(body: Self.html)
    ])
    defer { server.stop() }
    let env = ["DOJO_KAGGLE_URL": server.baseURL.absoluteString]
    let markdown = try PageSource.markdown("kaggle:titanic", environment: env)
    #expect(markdown == "# Overview\n\nPredict **y**.\n")
    #expect(server.requests.map(\.path) == ["/competitions/titanic/overview"])
  }

  @Test func httpURLAndFileAgree() throws {
    let server = try LoopbackHTTPServer(routes: ["/page.html": Route(body: Self.html)])
    defer { server.stop() }
    let fromHTTP = try PageSource.markdown(
      server.baseURL.appendingPathComponent("page.html").absoluteString, environment: [:])
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("page-\(UUID()).html")
    try Self.html.write(to: file)
    defer { try? FileManager.default.removeItem(at: file) }
    #expect(try PageSource.markdown(file.path) == fromHTTP)
  }

  @Test func aMissingPageIsANamedError() throws {
    let server = try LoopbackHTTPServer(routes: [:])
    defer { server.stop() }
    #expect(throws: (any Error).self) {
      try PageSource.markdown(
        "kaggle:nope", environment: ["DOJO_KAGGLE_URL": server.baseURL.absoluteString])
    }
  }
}
