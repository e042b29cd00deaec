import DojoCore
import DojoTestSupport
import Foundation
import Ingest
import Testing

typealias Route = LoopbackHTTPServer.Route

/// Kaggle-shaped routes: download-all (basic auth) redirecting to signed storage, and the
/// leaderboard.
func kaggleRoutes(
  slug: String = "titanic", archive: Data, user: String = "alice", key: String = "s3cret",
  storage: Route? = nil
) -> [String: Route] {
  var store = storage ?? Route(headers: ["Content-Type": "application/zip"])
  store.body = archive
  return [
    "/api/v1/competitions/data/download-all/\(slug)": Route(
      redirect: "/storage/\(slug)/\(slug).zip?sig=abc123", basicAuth: (user, key)),
    "/storage/\(slug)/\(slug).zip": store,
    "/api/v1/competitions/\(slug)/leaderboard/download": Route(
      headers: ["Content-Disposition": "attachment; filename=\"\(slug).zip\""],
      body: Data("leaderboard-zip-bytes".utf8), basicAuth: (user, key)),
  ]
}

func kaggleEnvironment(_ server: LoopbackHTTPServer, home: URL) -> [String: String] {
  [
    "DOJO_KAGGLE_URL": server.baseURL.absoluteString, "KAGGLE_USERNAME": "alice",
    "KAGGLE_KEY": "s3cret", "HOME": home.path,
  ]
}

@Suite("dojo fetch over HTTP")
struct FetchHTTPTests {
  @Test func savesUnderContentDispositionName() throws {
    let body = payload(50_000)
    let server = try LoopbackHTTPServer(routes: [
      "/download": Route(
        headers: ["Content-Disposition": "attachment; filename=\"data set.zip\""], body: body)
    ])
    defer { server.stop() }
    let dir = try TempDir()
    defer { dir.cleanUp() }
    let progress = RecordingProgress()
    let fetcher = Fetcher(environment: [:], progress: progress, options: testOptions)
    let url = server.baseURL.appendingPathComponent("download")

    let result = try fetcher.fetch(.http(url), into: dir.url, expectedSHA256: nil)

    #expect(result.file.lastPathComponent == "data set.zip")
    #expect(try Data(contentsOf: result.file) == body)
    #expect(result.sha256 == SHA256Hasher.hash(body))
    #expect(result.size == 50_000)
    #expect(!result.skipped)
    #expect(dir.listing() == [".fetch.json", "data set.zip"])
    #expect(progress.all.first == .started(name: "data set.zip", received: 0, total: 50_000))
    #expect(progress.all.last == .finished(name: "data set.zip", bytes: 50_000))
  }

  @Test func namesTheFileAfterTheURLWithoutContentDisposition() throws {
    let body = payload(1234)
    let server = try LoopbackHTTPServer(routes: ["/files/train.csv.zip": Route(body: body)])
    defer { server.stop() }
    let dir = try TempDir()
    defer { dir.cleanUp() }
    let url = URL(string: "\(server.baseURL.absoluteString)/files/train.csv.zip?token=x")!

    let result = try Fetcher(environment: [:], options: testOptions)
      .fetch(.http(url), into: dir.url)

    #expect(result.file.lastPathComponent == "train.csv.zip")
    #expect(try Data(contentsOf: result.file) == body)
  }

  @Test(arguments: [
    ("attachment; filename=\"../../etc/passwd\"", "passwd"),
    ("attachment; filename=..", "blob"),
    ("attachment; filename*=UTF-8''caf%C3%A9.zip", "café.zip"),
    ("attachment; filename=\".fetch.json\"", "fetch.json"),
  ])
  func sanitisesServerFileNames(header: String, expected: String) throws {
    let server = try LoopbackHTTPServer(routes: [
      "/get/blob": Route(headers: ["Content-Disposition": header], body: Data("x".utf8))
    ])
    defer { server.stop() }
    let dir = try TempDir()
    defer { dir.cleanUp() }

    let result = try Fetcher(environment: [:], options: testOptions)
      .fetch(.http(server.baseURL.appendingPathComponent("get/blob")), into: dir.url)

    #expect(result.file.lastPathComponent == expected)
    #expect(
      result.file.deletingLastPathComponent().standardizedFileURL.path
        == dir.url.standardizedFileURL.path)
  }

  @Test func kaggleDownloadAllFollowsTheRedirectWithEnvironmentCredentials() throws {
    let archive = payload(80_000, seed: 7)
    let server = try LoopbackHTTPServer(routes: kaggleRoutes(archive: archive))
    defer { server.stop() }
    let dir = try TempDir()
    defer { dir.cleanUp() }

    let result = try Fetcher(
      environment: kaggleEnvironment(server, home: dir.url), options: testOptions
    ).fetch(.kaggle(slug: "titanic"), into: dir.url.appendingPathComponent("raw"))

    #expect(result.file.lastPathComponent == "titanic.zip")
    #expect(try Data(contentsOf: result.file) == archive)
    let requests = server.requests
    #expect(
      requests.map(\.path) == [
        "/api/v1/competitions/data/download-all/titanic", "/storage/titanic/titanic.zip",
      ])
    let token = Data("alice:s3cret".utf8).base64EncodedString()
    #expect(requests[0].headers["authorization"] == "Basic \(token)")
  }

  @Test func kaggleCredentialsComeFromKaggleJSONInKaggleConfigDir() throws {
    let archive = payload(5000)
    let server = try LoopbackHTTPServer(
      routes: kaggleRoutes(archive: archive, user: "bob", key: "from-file"))
    defer { server.stop() }
    let dir = try TempDir()
    defer { dir.cleanUp() }
    let config = dir.url.appendingPathComponent("config")
    try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
    try Data(#"{"username":"bob","key":"from-file"}"#.utf8)
      .write(to: config.appendingPathComponent("kaggle.json"))
    let environment = [
      "DOJO_KAGGLE_URL": server.baseURL.absoluteString, "KAGGLE_CONFIG_DIR": config.path,
      "HOME": dir.url.path,
    ]

    let result = try Fetcher(environment: environment, options: testOptions)
      .fetch(.kaggle(slug: "titanic"), into: dir.url.appendingPathComponent("out"))

    #expect(try Data(contentsOf: result.file) == archive)
  }

  @Test func credentialsAreNotSentToAnotherHostAfterARedirect() throws {
    let archive = payload(3000)
    let storage = try LoopbackHTTPServer(routes: ["/bucket/titanic.zip": Route(body: archive)])
    defer { storage.stop() }
    let api = try LoopbackHTTPServer(routes: [
      "/api/v1/competitions/data/download-all/titanic": Route(
        redirect: "\(storage.baseURL.absoluteString)/bucket/titanic.zip?sig=1",
        basicAuth: ("alice", "s3cret"))
    ])
    defer { api.stop() }
    let dir = try TempDir()
    defer { dir.cleanUp() }

    let result = try Fetcher(
      environment: kaggleEnvironment(api, home: dir.url), options: testOptions
    )
    .fetch(.kaggle(slug: "titanic"), into: dir.url)

    #expect(try Data(contentsOf: result.file) == archive)
    #expect(api.requests.first?.headers["authorization"] != nil)
    #expect(storage.requests.count == 1)
    #expect(storage.requests.first?.headers["authorization"] == nil)
  }

  @Test func leaderboardDownloadUsesTheLeaderboardPathAndItsOwnName() throws {
    let server = try LoopbackHTTPServer(routes: kaggleRoutes(archive: payload(100)))
    defer { server.stop() }
    let dir = try TempDir()
    defer { dir.cleanUp() }
    let fetcher = Fetcher(
      environment: kaggleEnvironment(server, home: dir.url), options: testOptions)

    let board = try fetcher.fetch(.kaggle(slug: "titanic"), into: dir.url, leaderboard: true)
    let data = try fetcher.fetch(.kaggle(slug: "titanic"), into: dir.url)

    #expect(server.requests.first?.path == "/api/v1/competitions/titanic/leaderboard/download")
    #expect(board.file.lastPathComponent == "titanic-publicleaderboard.zip")
    #expect(try Data(contentsOf: board.file) == Data("leaderboard-zip-bytes".utf8))
    #expect(data.file.lastPathComponent == "titanic.zip")
    #expect(dir.listing() == [".fetch.json", "titanic-publicleaderboard.zip", "titanic.zip"])
  }

  @Test(arguments: [1, 3, 5])
  func resumesACutOffTransferByteIdentically(cuts: Int) throws {
    let archive = payload(300_000, seed: UInt64(cuts))
    let storage = Route(cutAfterBytes: 40_000, cutRequests: cuts)
    let server = try LoopbackHTTPServer(routes: kaggleRoutes(archive: archive, storage: storage))
    defer { server.stop() }
    let dir = try TempDir()
    defer { dir.cleanUp() }
    let progress = RecordingProgress()

    let result = try Fetcher(
      environment: kaggleEnvironment(server, home: dir.url), progress: progress,
      options: testOptions
    ).fetch(.kaggle(slug: "titanic"), into: dir.url)

    #expect(try Data(contentsOf: result.file) == archive)
    #expect(result.sha256 == SHA256Hasher.hash(archive))
    let storageRequests = server.requests.filter { $0.path.hasPrefix("/storage/") }
    #expect(storageRequests.count == cuts + 1)
    #expect(storageRequests.first?.headers["range"] == nil)
    for (i, request) in storageRequests.dropFirst().enumerated() {
      #expect(request.headers["range"] == "bytes=\(40_000 * (i + 1))-")
    }
    #expect(progress.all.filter { if case .retrying = $0 { true } else { false } }.count == cuts)
    #expect(dir.listing() == [".fetch.json", "titanic.zip"])
  }

  @Test func givesUpAfterFiveRetriesAndLeavesNothing() throws {
    let archive = payload(300_000)
    let storage = Route(cutAfterBytes: 10_000)
    let server = try LoopbackHTTPServer(routes: kaggleRoutes(archive: archive, storage: storage))
    defer { server.stop() }
    let dir = try TempDir()
    defer { dir.cleanUp() }

    expectDojoError(.network, containing: ["dropping", "try again"]) {
      _ = try Fetcher(environment: kaggleEnvironment(server, home: dir.url), options: testOptions)
        .fetch(.kaggle(slug: "titanic"), into: dir.url)
    }
    #expect(server.requests.filter { $0.path.hasPrefix("/storage/") }.count == 6)
    #expect(dir.listing() == [])
  }

  @Test func restartsFromZeroWhenTheServerIgnoresRange() throws {
    let body = payload(100_000)
    let server = try LoopbackHTTPServer { request in
      var response = LoopbackHTTPServer.Response(body: body, supportsRanges: false)
      if request.hit == 1 { response.cutAfterBytes = 30_000 }
      return response
    }
    defer { server.stop() }
    let dir = try TempDir()
    defer { dir.cleanUp() }

    let result = try Fetcher(environment: [:], options: testOptions)
      .fetch(.http(server.baseURL.appendingPathComponent("f.bin")), into: dir.url)

    #expect(server.requests.count == 2)
    #expect(server.requests[1].headers["range"] == "bytes=30000-")
    #expect(try Data(contentsOf: result.file) == body)
  }

  @Test func aFileChangedBetweenAttemptsIsNotSpliced() throws {
    let old = payload(100_000, seed: 1)
    let new = payload(100_000, seed: 2)
    // Same size, new ETag: only If-Range can tell the copies apart.
    let server = try LoopbackHTTPServer { request in
      request.hit == 1
        ? LoopbackHTTPServer.Response(headers: ["ETag": "\"v1\""], body: old, cutAfterBytes: 30_000)
        : LoopbackHTTPServer.Response(headers: ["ETag": "\"v2\""], body: new)
    }
    defer { server.stop() }
    let dir = try TempDir()
    defer { dir.cleanUp() }

    let result = try Fetcher(environment: [:], options: testOptions)
      .fetch(.http(server.baseURL.appendingPathComponent("f.bin")), into: dir.url)

    #expect(server.requests[1].headers["if-range"] == "\"v1\"")
    #expect(try Data(contentsOf: result.file) == new)
  }

  @Test func aResumeOfAnotherSizeRestartsFromZero() throws {
    let old = payload(100_000, seed: 1)
    let new = payload(120_000, seed: 2)
    let server = try LoopbackHTTPServer { request in
      request.hit == 1
        ? LoopbackHTTPServer.Response(body: old, cutAfterBytes: 30_000)
        : LoopbackHTTPServer.Response(body: new)
    }
    defer { server.stop() }
    let dir = try TempDir()
    defer { dir.cleanUp() }

    let result = try Fetcher(environment: [:], options: testOptions)
      .fetch(.http(server.baseURL.appendingPathComponent("f.bin")), into: dir.url)

    // The 206 for bytes 30000- of a 120 000-byte file is refused; the third request is whole.
    #expect(server.requests.map { $0.headers["range"] } == [nil, "bytes=30000-", nil])
    #expect(try Data(contentsOf: result.file) == new)
  }

  @Test func anEmptyFileAfterARedirectIsSaved() throws {
    let server = try LoopbackHTTPServer(routes: [
      "/start": Route(redirect: "/files/empty.csv"), "/files/empty.csv": Route(body: Data()),
    ])
    defer { server.stop() }
    let dir = try TempDir()
    defer { dir.cleanUp() }

    let result = try Fetcher(environment: [:], options: testOptions)
      .fetch(.http(server.baseURL.appendingPathComponent("start")), into: dir.url)

    #expect(result.file.lastPathComponent == "empty.csv")
    #expect(result.size == 0)
    #expect(result.sha256 == SHA256Hasher.hash(Data()))
  }

  @Test func matchingSHA256IsAccepted() throws {
    let body = payload(9999)
    let server = try LoopbackHTTPServer(routes: ["/a.bin": Route(body: body)])
    defer { server.stop() }
    let dir = try TempDir()
    defer { dir.cleanUp() }

    let result = try Fetcher(environment: [:], options: testOptions).fetch(
      .http(server.baseURL.appendingPathComponent("a.bin")), into: dir.url,
      expectedSHA256: SHA256Hasher.hash(body).uppercased())

    #expect(result.sha256 == SHA256Hasher.hash(body))
  }

  @Test func mismatchedSHA256LeavesNoFile() throws {
    let server = try LoopbackHTTPServer(routes: ["/a.bin": Route(body: payload(9999))])
    defer { server.stop() }
    let dir = try TempDir()
    defer { dir.cleanUp() }
    let wrong = SHA256Hasher.hash(Data("something else".utf8))

    expectDojoError(.checksumMismatch, containing: ["a.bin", wrong]) {
      _ = try Fetcher(environment: [:], options: testOptions).fetch(
        .http(server.baseURL.appendingPathComponent("a.bin")), into: dir.url,
        expectedSHA256: wrong)
    }
    #expect(dir.listing() == [])
  }

  @Test func malformedSHA256IsRefusedBeforeAnyRequest() throws {
    let server = try LoopbackHTTPServer(routes: ["/a.bin": Route(body: payload(10))])
    defer { server.stop() }
    let dir = try TempDir()
    defer { dir.cleanUp() }

    expectDojoError(.invalidArgument, containing: ["64 hex digits"]) {
      _ = try Fetcher(environment: [:], options: testOptions).fetch(
        .http(server.baseURL.appendingPathComponent("a.bin")), into: dir.url,
        expectedSHA256: "abc")
    }
    #expect(server.requestCount == 0)
  }

  @Test func secondFetchDownloadsNothing() throws {
    let archive = payload(60_000)
    let server = try LoopbackHTTPServer(routes: kaggleRoutes(archive: archive))
    defer { server.stop() }
    let dir = try TempDir()
    defer { dir.cleanUp() }
    let fetcher = Fetcher(
      environment: kaggleEnvironment(server, home: dir.url), options: testOptions)

    let first = try fetcher.fetch(.kaggle(slug: "titanic"), into: dir.url)
    let before = server.requestCount
    let second = try fetcher.fetch(
      .kaggle(slug: "titanic"), into: dir.url, expectedSHA256: first.sha256)

    #expect(before == 2)
    #expect(server.requestCount == before)
    #expect(second.skipped)
    #expect(second.sha256 == first.sha256)
    #expect(second.file == first.file)
  }

  @Test func aChangedFileIsDownloadedAgain() throws {
    let archive = payload(60_000)
    let server = try LoopbackHTTPServer(routes: kaggleRoutes(archive: archive))
    defer { server.stop() }
    let dir = try TempDir()
    defer { dir.cleanUp() }
    let fetcher = Fetcher(
      environment: kaggleEnvironment(server, home: dir.url), options: testOptions)

    let first = try fetcher.fetch(.kaggle(slug: "titanic"), into: dir.url)
    var tampered = archive
    tampered[100] ^= 0xFF
    try tampered.write(to: first.file)
    let second = try fetcher.fetch(.kaggle(slug: "titanic"), into: dir.url)

    #expect(server.requestCount == 4)
    #expect(!second.skipped)
    #expect(try Data(contentsOf: second.file) == archive)
  }
}

/// One refusal: a server answer, and what the error must say.
struct RefusalCase: Sendable, CustomTestStringConvertible {
  var name: String
  var route: Route
  var code: DojoError.Code
  var fragments: [String]
  var testDescription: String { name }
}

@Suite("dojo fetch refusals")
struct FetchRefusalTests {
  static let apiPath = "/api/v1/competitions/data/download-all/titanic"

  static let cases: [RefusalCase] = [
    RefusalCase(
      name: "401 bad credentials",
      route: Route(body: Data("x".utf8), basicAuth: ("alice", "other-key")),
      code: .authentication,
      fragments: [
        "HTTP 401", "KAGGLE_USERNAME/KAGGLE_KEY", "kaggle:titanic", "kaggle.com/settings",
      ]
    ),
    RefusalCase(
      name: "403 rules not accepted",
      route: Route(
        status: 403,
        body: Data(
          #"{"code":403,"message":"You must accept this competition's rules before you'll be able to download files."}"#
            .utf8)),
      code: .forbidden,
      fragments: ["https://www.kaggle.com/c/titanic/rules", "accept"]),
    RefusalCase(
      name: "403 other",
      route: Route(status: 403, body: Data(#"{"code":403,"message":"Forbidden"}"#.utf8)),
      code: .forbidden, fragments: ["HTTP 403", "kaggle:titanic"]),
    RefusalCase(
      name: "404 no such competition",
      route: Route(status: 404, body: Data(#"{"code":404,"message":"Not found"}"#.utf8)),
      code: .notFound, fragments: ["HTTP 404", "kaggle:titanic", "kaggle.com/c/titanic"]),
  ]

  @Test(arguments: cases)
  func kaggleRefusal(_ refusal: RefusalCase) throws {
    let server = try LoopbackHTTPServer(routes: [Self.apiPath: refusal.route])
    defer { server.stop() }
    let dir = try TempDir()
    defer { dir.cleanUp() }
    let error = expectDojoError(refusal.code, containing: refusal.fragments) {
      _ = try Fetcher(environment: kaggleEnvironment(server, home: dir.url), options: testOptions)
        .fetch(.kaggle(slug: "titanic"), into: dir.url)
    }
    #expect(error?.message.contains("rules") == (refusal.name == "403 rules not accepted"))
    #expect(server.requestCount == 1, "refusals are not retried")
    #expect(dir.listing() == [])
  }

  @Test func plainURLNotFound() throws {
    let server = try LoopbackHTTPServer(routes: [:])
    defer { server.stop() }
    let dir = try TempDir()
    defer { dir.cleanUp() }
    expectDojoError(.notFound, containing: ["HTTP 404", "/missing.zip"]) {
      _ = try Fetcher(environment: [:], options: testOptions)
        .fetch(.http(server.baseURL.appendingPathComponent("missing.zip")), into: dir.url)
    }
  }

  @Test func noCredentialsListsEveryPlaceLooked() throws {
    let server = try LoopbackHTTPServer(routes: [:])
    defer { server.stop() }
    let dir = try TempDir()
    defer { dir.cleanUp() }
    let config = dir.url.appendingPathComponent("cfg")
    let environment = [
      "DOJO_KAGGLE_URL": server.baseURL.absoluteString, "HOME": dir.url.path,
      "KAGGLE_CONFIG_DIR": config.path,
    ]
    expectDojoError(
      .authentication,
      containing: [
        "KAGGLE_USERNAME", "KAGGLE_KEY", config.path + "/kaggle.json",
        dir.url.path + "/.kaggle/kaggle.json", "kaggle.com/settings", "Create New Token",
      ]
    ) {
      _ = try Fetcher(environment: environment, options: testOptions)
        .fetch(.kaggle(slug: "titanic"), into: dir.url.appendingPathComponent("out"))
    }
    #expect(server.requestCount == 0)
  }

  @Test func malformedKaggleJSONNamesTheFile() throws {
    let dir = try TempDir()
    defer { dir.cleanUp() }
    let file = dir.url.appendingPathComponent(".kaggle/kaggle.json")
    try FileManager.default.createDirectory(
      at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data("{\"username\": \"x\"}".utf8).write(to: file)
    expectDojoError(.authentication, containing: [file.path, "\"key\""]) {
      _ = try KaggleCredentials.find(environment: ["HOME": dir.url.path])
    }
  }

  @Test func stalledServerFailsWithinBoundedTime() throws {
    let server = try LoopbackHTTPServer(routes: ["/slow.zip": Route(stall: true)])
    defer { server.stop() }
    let dir = try TempDir()
    defer { dir.cleanUp() }
    let start = Date()
    expectDojoError(.timeout, containing: ["stopped answering", "--timeout"]) {
      _ = try Fetcher(environment: [:], options: testOptions)
        .fetch(.http(server.baseURL.appendingPathComponent("slow.zip")), into: dir.url)
    }
    let elapsed = Date().timeIntervalSince(start)
    #expect(elapsed >= 1.5 && elapsed < 6, "took \(elapsed) s")
    #expect(dir.listing() == [])
  }

  @Test func stallMidBodyIsResumed() throws {
    let body = payload(50_000)
    let server = try LoopbackHTTPServer { request in
      var response = LoopbackHTTPServer.Response(body: body)
      // The first answer goes silent after 10 000 bytes without closing the connection.
      if request.hit == 1 { response.stallAfterBytes = 10_000 }
      return response
    }
    defer { server.stop() }
    let dir = try TempDir()
    defer { dir.cleanUp() }

    let result = try Fetcher(environment: [:], options: testOptions)
      .fetch(.http(server.baseURL.appendingPathComponent("x.bin")), into: dir.url)

    #expect(try Data(contentsOf: result.file) == body)
    #expect(server.requests.map { $0.headers["range"] } == [nil, "bytes=10000-"])
  }

  @Test func connectionRefused() throws {
    let port = try LoopbackHTTPServer.closedPort()
    let dir = try TempDir()
    defer { dir.cleanUp() }
    let environment = [
      "DOJO_KAGGLE_URL": "http://127.0.0.1:\(port)", "KAGGLE_USERNAME": "a", "KAGGLE_KEY": "b",
    ]
    expectDojoError(
      .network, containing: ["127.0.0.1:\(port)", "connection refused", "DOJO_KAGGLE_URL"]
    ) {
      _ = try Fetcher(environment: environment, options: testOptions)
        .fetch(.kaggle(slug: "titanic"), into: dir.url)
    }
    #expect(dir.listing() == [])
  }

  #if os(Linux)
    @Test func fullDiskIsReportedAndLeavesNothing() throws {
      let server = try LoopbackHTTPServer(routes: ["/big.bin": Route(body: payload(200_000))])
      defer { server.stop() }
      let dir = try TempDir()
      defer { dir.cleanUp() }
      // /dev/full fails every write with ENOSPC: the .part path points there.
      try FileManager.default.createSymbolicLink(
        atPath: dir.url.appendingPathComponent("big.bin.part").path,
        withDestinationPath: "/dev/full")
      expectDojoError(.diskFull, containing: ["big.bin.part", "disk is full"]) {
        _ = try Fetcher(environment: [:], options: testOptions)
          .fetch(.http(server.baseURL.appendingPathComponent("big.bin")), into: dir.url)
      }
      #expect(server.requestCount == 1, "a full disk is not retried")
      #expect(dir.listing() == [])
    }
  #endif
}

@Suite("dojo fetch from files")
struct FetchFileTests {
  @Test(arguments: ["file-url", "plain-path", "relative-file"])
  func copiesALocalFile(form: String) throws {
    let dir = try TempDir()
    defer { dir.cleanUp() }
    let source = dir.url.appendingPathComponent("in/comp.zip")
    try FileManager.default.createDirectory(
      at: source.deletingLastPathComponent(), withIntermediateDirectories: true)
    let body = payload(3_000_000)
    try body.write(to: source)
    let text =
      switch form {
      case "file-url": source.absoluteString
      case "plain-path": source.path
      default: "file:in/comp.zip"
      }

    let parsed = try FetchSource(parsing: text, currentDirectory: dir.url)
    #expect(parsed == .file(source.standardizedFileURL))
    let fetcher = Fetcher(environment: [:], options: testOptions)
    let out = dir.url.appendingPathComponent("out")
    let result = try fetcher.fetch(parsed, into: out, expectedSHA256: SHA256Hasher.hash(body))
    let again = try fetcher.fetch(parsed, into: out)

    #expect(result.file == out.appendingPathComponent("comp.zip"))
    #expect(try Data(contentsOf: result.file) == body)
    #expect(!result.skipped)
    #expect(again.skipped)
    #expect(dir.listing("out") == [".fetch.json", "comp.zip"])
  }

  @Test func missingLocalFile() throws {
    let dir = try TempDir()
    defer { dir.cleanUp() }
    expectDojoError(.notFound, containing: ["nope.zip"]) {
      _ = try Fetcher(environment: [:]).fetch(
        .file(dir.url.appendingPathComponent("nope.zip")), into: dir.url.appendingPathComponent("o")
      )
    }
  }

  @Test func localCopyWithWrongHashLeavesNothing() throws {
    let dir = try TempDir()
    defer { dir.cleanUp() }
    let source = dir.url.appendingPathComponent("a.zip")
    try payload(100).write(to: source)
    let out = dir.url.appendingPathComponent("out")
    expectDojoError(.checksumMismatch) {
      _ = try Fetcher(environment: [:]).fetch(
        .file(source), into: out, expectedSHA256: String(repeating: "0", count: 64))
    }
    #expect(dir.listing("out") == [])
  }
}
