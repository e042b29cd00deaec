import DojoCore
import DojoTestSupport
import Foundation
import Testing

@Suite("dojo fetch command")
struct FetchCommandTests {
  static let archive = Data((0..<120_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) })

  /// A Kaggle stand-in: download-all redirects to storage, whose first answer is cut short.
  static func kaggle(rules: Bool = false) throws -> LoopbackHTTPServer {
    typealias Route = LoopbackHTTPServer.Route
    var download = Route(
      redirect: "/storage/titanic/titanic.zip?sig=1", basicAuth: ("alice", "s3cret"))
    if rules {
      download = Route(
        status: 403,
        body: Data(#"{"message":"You must accept this competition's rules first."}"#.utf8),
        basicAuth: ("alice", "s3cret"))
    }
    return try LoopbackHTTPServer(routes: [
      "/api/v1/competitions/data/download-all/titanic": download,
      "/storage/titanic/titanic.zip": Route(body: archive, cutAfterBytes: 50_000, cutRequests: 1),
    ])
  }

  static func environment(_ server: LoopbackHTTPServer, home: URL) -> [String: String] {
    [
      "DOJO_KAGGLE_URL": server.baseURL.absoluteString, "KAGGLE_USERNAME": "alice",
      "KAGGLE_KEY": "s3cret", "HOME": home.path,
    ]
  }

  static func tempDir() throws -> URL {
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("dojo-fetch-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  @Test func fetchesResumesAndSkipsTheSecondTime() throws {
    let server = try Self.kaggle()
    defer { server.stop() }
    let dir = try Self.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("raw/titanic")
    let sha = SHA256Hasher.hash(Self.archive)

    let first = try CLI.run(
      ["fetch", "kaggle:titanic", "--out", out.path, "--sha256", sha],
      environment: Self.environment(server, home: dir))
    #expect(first.status == 0, "\(first.stderr)")
    #expect(first.stdout == "\(sha)  \(out.appendingPathComponent("titanic.zip").path)\n")
    #expect(try Data(contentsOf: out.appendingPathComponent("titanic.zip")) == Self.archive)
    #expect(first.stderr.contains("retry 1"))
    let requests = server.requestCount

    let second = try CLI.run(
      ["fetch", "kaggle:titanic", "--out", out.path],
      environment: Self.environment(server, home: dir))
    #expect(second.status == 0)
    #expect(second.stdout == first.stdout)
    #expect(second.stderr.contains("already present"))
    #expect(server.requestCount == requests)
  }

  @Test func rulesNotAcceptedIsOneLineWithTheRulesURL() throws {
    let server = try Self.kaggle(rules: true)
    defer { server.stop() }
    let dir = try Self.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }

    let r = try CLI.run(
      ["fetch", "kaggle:titanic", "--out", dir.appendingPathComponent("o").path],
      environment: Self.environment(server, home: dir))

    #expect(r.status == 1)
    #expect(r.stdout.isEmpty)
    #expect(r.stderr.hasPrefix("error: "))
    #expect(r.stderr.contains("https://www.kaggle.com/c/titanic/rules"))
    #expect(r.stderr.split(separator: "\n").count == 1)
  }

  @Test func missingCredentialsSayWhereTheyWereLookedFor() throws {
    let dir = try Self.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }

    let r = try CLI.run(
      ["fetch", "kaggle:titanic", "--out", dir.appendingPathComponent("o").path],
      environment: ["HOME": dir.path, "DOJO_KAGGLE_URL": "http://127.0.0.1:9"])

    #expect(r.status == 1)
    #expect(r.stderr.contains("no Kaggle credentials"))
    #expect(r.stderr.contains(dir.appendingPathComponent(".kaggle/kaggle.json").path))
  }

  @Test func badArgumentsAreRefused() throws {
    let bad = try CLI.run(["fetch", "kaggle:x", "--out", "/tmp/x", "--sha256", "nothex"])
    #expect(bad.status == 1)
    #expect(bad.stderr.contains("64 hex digits"))
    let timeout = try CLI.run(["fetch", "kaggle:x", "--out", "/tmp/x", "--timeout", "0"])
    #expect(timeout.status == 1)
    #expect(timeout.stderr.contains("--timeout"))
  }

  @Test func forceDownloadsAgainWhenTheFileIsPresent() throws {
    let server = try LoopbackHTTPServer(routes: [
      "/a.zip": LoopbackHTTPServer.Route(body: Self.archive)
    ])
    defer { server.stop() }
    let dir = try Self.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let arguments = ["fetch", "\(server.baseURL.absoluteString)/a.zip", "--out", dir.path]

    let first = try CLI.run(arguments, environment: ["HOME": dir.path])
    let forced = try CLI.run(arguments + ["--force"], environment: ["HOME": dir.path])

    #expect(first.status == 0 && forced.status == 0, "\(forced.stderr)")
    #expect(server.requestCount == 2)
    #expect(!forced.stderr.contains("already present"))
    #expect(forced.stdout == first.stdout)
  }

  @Test func maxBytesEndsAnEndlessBodyWithAClearError() throws {
    let server = try LoopbackHTTPServer { _ in .init(endless: true) }
    defer { server.stop() }
    let dir = try Self.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let url = "\(server.baseURL.absoluteString)/endless.zip"

    let r = try CLI.run(
      ["fetch", url, "--out", dir.path, "--max-bytes", "100000"], environment: ["HOME": dir.path])

    #expect(r.status == 1)
    // Progress lines come first; the error is the last line.
    let error = r.stderr.split(separator: "\n").last.map(String.init) ?? ""
    #expect(error.hasPrefix("error: "), "\(r.stderr)")
    #expect(error.contains(url) && error.contains("size cap of 100000 bytes"))
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    let bad = try CLI.run(["fetch", url, "--out", dir.path, "--max-bytes", "0"])
    #expect(bad.status != 0 && bad.stderr.contains("--max-bytes"))
  }
}
