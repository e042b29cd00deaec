import DojoCore
import DojoTestSupport
import Foundation
import Synchronization
import Testing

@testable import Ingest

@Suite("fetch sources, names and credentials")
struct FetchSourceTests {
  static let cwd = URL(fileURLWithPath: "/work/here")

  @Test(arguments: [
    ("kaggle:titanic", FetchSource.kaggle(slug: "titanic")),
    ("  kaggle:house-prices_2.v1 ", .kaggle(slug: "house-prices_2.v1")),
    ("https://example.org/a/b.zip?x=1", .http(URL(string: "https://example.org/a/b.zip?x=1")!)),
    ("HTTP://example.org/c.zip", .http(URL(string: "HTTP://example.org/c.zip")!)),
    ("file:///data/x.zip", .file(URL(fileURLWithPath: "/data/x.zip"))),
    ("file:rel/x.zip", .file(URL(fileURLWithPath: "/work/here/rel/x.zip"))),
    ("file:/abs/my%20x.zip", .file(URL(fileURLWithPath: "/abs/my x.zip"))),
    ("/abs/y.tar.gz", .file(URL(fileURLWithPath: "/abs/y.tar.gz"))),
    ("raw/../z.zip", .file(URL(fileURLWithPath: "/work/here/z.zip"))),
  ])
  func parses(text: String, expected: FetchSource) throws {
    #expect(try FetchSource(parsing: text, currentDirectory: Self.cwd) == expected)
  }

  @Test(arguments: [
    ("", DojoError.Code.invalidArgument, "empty"),
    ("kaggle:", .invalidArgument, "kaggle:<slug>"),
    ("kaggle:a/b", .invalidArgument, "kaggle:<slug>"),
    ("kaggle:..", .invalidArgument, "kaggle:<slug>"),
    ("https://", .invalidArgument, "not a valid URL"),
    ("ftp://host/x.zip", .unsupported, "ftp://"),
    ("s3://bucket/x.zip", .unsupported, "s3://"),
  ])
  func refuses(text: String, code: DojoError.Code, fragment: String) {
    expectDojoError(code, containing: [fragment]) {
      _ = try FetchSource(parsing: text, currentDirectory: Self.cwd)
    }
  }

  @Test(
    arguments: [
      ("attachment; filename=\"a.zip\"", "a.zip"),
      ("attachment; filename=b.zip", "b.zip"),
      ("attachment;filename=\"with \\\"quote\\\".zip\"", "with \"quote\".zip"),
      ("attachment; filename=\"x.zip\"; filename*=UTF-8''%E2%82%AC.zip", "€.zip"),
      ("attachment; filename=\"C:\\\\evil\\\\x.zip\"", "x.zip"),
      ("attachment; filename=\"/etc/passwd\"", "passwd"),
      ("attachment; filename=\"..\"", nil),
      ("attachment; filename=\"../\"", nil),
      ("inline", nil),
    ] as [(String, String?)])
  func contentDispositionNames(header: String, expected: String?) {
    #expect(FileNames.fromContentDisposition(header) == expected)
  }

  @Test func credentialsPreferTheEnvironmentThenConfigDirThenHome() throws {
    let dir = try TempDir()
    defer { dir.cleanUp() }
    let config = dir.url.appendingPathComponent("cfg")
    let home = dir.url.appendingPathComponent("home")
    for (folder, user) in [
      (config, "config-user"), (home.appendingPathComponent(".kaggle"), "home-user"),
    ] {
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      try Data(#"{"username":"\#(user)","key":"k-\#(user)"}"#.utf8)
        .write(to: folder.appendingPathComponent("kaggle.json"))
    }
    let all = [
      "KAGGLE_USERNAME": "env-user", "KAGGLE_KEY": "env-key", "KAGGLE_CONFIG_DIR": config.path,
      "HOME": home.path,
    ]
    #expect(try KaggleCredentials.find(environment: all)?.username == "env-user")
    var noEnv = all
    noEnv["KAGGLE_KEY"] = nil
    let fromConfig = try KaggleCredentials.find(environment: noEnv)
    #expect(fromConfig?.username == "config-user")
    #expect(fromConfig?.key == "k-config-user")
    #expect(fromConfig?.origin == config.appendingPathComponent("kaggle.json").path)
    noEnv["KAGGLE_CONFIG_DIR"] = nil
    #expect(try KaggleCredentials.find(environment: noEnv)?.username == "home-user")
    #expect(try KaggleCredentials.find(environment: ["HOME": dir.url.path]) == nil)
  }

  @Test func baseURLComesFromDojoKaggleURL() throws {
    #expect(
      try KaggleCredentials.baseURL(environment: [:]).absoluteString == "https://www.kaggle.com")
    #expect(
      try KaggleCredentials.baseURL(environment: ["DOJO_KAGGLE_URL": "http://127.0.0.1:8911/"])
        .absoluteString == "http://127.0.0.1:8911")
    expectDojoError(.invalidArgument, containing: ["DOJO_KAGGLE_URL"]) {
      _ = try KaggleCredentials.baseURL(environment: ["DOJO_KAGGLE_URL": "ftp://x"])
    }
  }

  @Test func leaderboardNeedsAKaggleSource() throws {
    let dir = try TempDir()
    defer { dir.cleanUp() }
    expectDojoError(.invalidArgument, containing: ["--leaderboard"]) {
      _ = try Fetcher(environment: [:]).fetch(
        .http(URL(string: "http://127.0.0.1:1/x")!), into: dir.url, leaderboard: true)
    }
  }
}

@Suite("fetch progress output")
struct FetchProgressTests {
  /// A fake clock and an output sink shared with the progress object.
  final class Console: Sendable {
    let time = Mutex(0.0)
    let text = Mutex("")
    func progress(interactive: Bool) -> ConsoleFetchProgress {
      ConsoleFetchProgress(
        interactive: interactive, output: { s in self.text.withLock { $0 += s } },
        clock: { self.time.withLock { $0 } })
    }
  }

  @Test func plainLinesAreRareWhenNotATerminal() {
    let console = Console()
    let progress = console.progress(interactive: false)
    let total: Int64 = 10_000_000
    progress.started(name: "big.zip", received: 0, total: total)
    // 1000 updates over 10 s: at most one line per 10 % (or per 5 s).
    for i in 1...1000 {
      console.time.withLock { $0 = Double(i) / 100 }
      progress.advanced(received: Int64(i) * 10_000, total: total)
    }
    progress.finished(name: "big.zip", bytes: total)
    let lines = console.text.withLock { $0 }.split(separator: "\n")
    #expect(lines.count >= 11 && lines.count <= 13, "\(lines.count) lines")
    #expect(!console.text.withLock { $0 }.contains("\r"))
    #expect(lines.first == "fetch: big.zip (9.5 MiB)")
    #expect(lines.contains { $0.contains("50%") && $0.contains("ETA 0:05") })
    #expect(lines.last?.hasPrefix("fetch: big.zip done, 9.5 MiB") == true)
  }

  @Test func terminalBarRedrawsOneLine() {
    let console = Console()
    let progress = console.progress(interactive: true)
    progress.started(name: "a.zip", received: 0, total: 2048)
    console.time.withLock { $0 = 1 }
    progress.advanced(received: 1024, total: 2048)
    console.time.withLock { $0 = 2 }
    progress.advanced(received: 2048, total: 2048)
    progress.finished(name: "a.zip", bytes: 2048)
    let text = console.text.withLock { $0 }
    #expect(text.components(separatedBy: "\r\u{1B}[K").count == 3)
    #expect(
      text.contains("[############............] 1.0 KiB / 2.0 KiB   50%  1.0 KiB/s  ETA 0:01"))
    #expect(text.split(separator: "\n").count == 2)
  }
}

@Suite("HTTPGet")
struct HTTPGetTests {
  @Test func sendsKaggleCredentialsOnlyToTheKaggleBase() throws {
    let page = Data("<html><h1>Titanic</h1></html>".utf8)
    let server = try LoopbackHTTPServer(routes: [
      "/competitions/titanic/overview": Route(body: page, basicAuth: ("alice", "s3cret"))
    ])
    defer { server.stop() }
    let other = try LoopbackHTTPServer(routes: ["/page.html": Route(body: page)])
    defer { other.stop() }
    let dir = try TempDir()
    defer { dir.cleanUp() }
    let environment = kaggleEnvironment(server, home: dir.url)

    let got = try HTTPGet.data(
      from: server.baseURL.appendingPathComponent("competitions/titanic/overview"),
      environment: environment)
    let elsewhere = try HTTPGet.data(
      from: other.baseURL.appendingPathComponent("page.html"), environment: environment)

    #expect(got == page)
    #expect(elsewhere == page)
    #expect(other.requests.first?.headers["authorization"] == nil)
  }

  @Test func mapsErrorsLikeTheFetcher() throws {
    let server = try LoopbackHTTPServer(routes: [:])
    defer { server.stop() }
    let environment = ["DOJO_KAGGLE_URL": server.baseURL.absoluteString]
    expectDojoError(.notFound, containing: ["kaggle:nope", "HTTP 404"]) {
      _ = try HTTPGet.data(
        from: server.baseURL.appendingPathComponent("competitions/nope/overview"),
        environment: environment)
    }
    let port = try LoopbackHTTPServer.closedPort()
    expectDojoError(.network, containing: ["connection refused"]) {
      _ = try HTTPGet.data(from: URL(string: "http://127.0.0.1:\(port)/x")!, environment: [:])
    }
  }
}
