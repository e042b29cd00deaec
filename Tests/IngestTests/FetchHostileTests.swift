import DojoCore
import DojoTestSupport
import Foundation
import Synchronization
import Testing

@testable import Ingest

/// An address policy that calls some ports of 127.0.0.1 by another scope, so that loopback
/// servers can stand for a public origin or a private service. Every other address gets the
/// real classification; the fetcher runs the same open-socket check either way.
func policy(_ scopes: [Int: NetworkScope]) -> AddressPolicy {
  AddressPolicy { peer in scopes[peer.port] ?? NetworkScope(ip: peer.ip) }
}

/// The `Range` header of each request, in order.
func ranges(_ server: LoopbackHTTPServer) -> [String?] {
  server.requests.map { $0.headers["range"] }
}

@Suite("dojo fetch against a hostile server: resume")
struct FetchHostileResumeTests {
  /// `f.bin` fetched from `server` into a fresh folder: what was saved, and the folder's
  /// listing afterwards.
  func fetchOnce(_ server: LoopbackHTTPServer) throws -> (
    file: URL, bytes: Data, sha256: String, listing: [String]
  ) {
    let dir = try TempDir()
    defer { dir.cleanUp() }
    let result = try Fetcher(environment: [:], options: testOptions)
      .fetch(.http(server.baseURL.appendingPathComponent("f.bin")), into: dir.url)
    return (result.file, try Data(contentsOf: result.file), result.sha256, dir.listing())
  }

  /// Two versions of one file, as a server that changes it between requests holds them.
  static let old = payload(100_000, seed: 1)
  static let new = payload(100_000, seed: 2)

  @Test func aResumeWhoseETagChangedRestartsFromZero() throws {
    // The server ignores If-Range and answers the range of its new version: a 206 that would
    // splice new bytes onto the old prefix. Only the ETag check can refuse it.
    let server = try LoopbackHTTPServer { request in
      request.hit == 1
        ? .init(headers: ["ETag": "\"v1\""], body: Self.old, cutAfterBytes: 30_000)
        : .init(headers: ["ETag": "\"v2\""], body: Self.new, ignoresIfRange: true)
    }
    defer { server.stop() }
    let result = try fetchOnce(server)

    #expect(ranges(server) == [nil, "bytes=30000-", nil])
    #expect(server.requests[1].headers["if-range"] == "\"v1\"")
    #expect(result.bytes == Self.new)
    #expect(result.listing == [".fetch.json", "f.bin"])
  }

  @Test func aResumeWhoseLastModifiedChangedRestartsFromZero() throws {
    let first = "Mon, 02 Jan 2023 10:00:00 GMT"
    let later = "Tue, 03 Jan 2023 10:00:00 GMT"
    let server = try LoopbackHTTPServer { request in
      request.hit == 1
        ? .init(headers: ["Last-Modified": first], body: Self.old, cutAfterBytes: 30_000)
        : .init(headers: ["Last-Modified": later], body: Self.new, ignoresIfRange: true)
    }
    defer { server.stop() }
    let result = try fetchOnce(server)

    #expect(ranges(server) == [nil, "bytes=30000-", nil])
    #expect(server.requests[1].headers["if-range"] == first)
    #expect(result.bytes == Self.new)
  }

  @Test func aWeakETagDoesNotVouchForAResume() throws {
    // W/ ETags say "equivalent", not "byte-identical": with nothing else, restart whole.
    let server = try LoopbackHTTPServer { request in
      .init(
        headers: ["ETag": "W/\"same\""], body: request.hit == 1 ? Self.old : Self.new,
        cutAfterBytes: request.hit == 1 ? 30_000 : nil, ignoresIfRange: true)
    }
    defer { server.stop() }
    let result = try fetchOnce(server)

    #expect(ranges(server) == [nil, nil])
    #expect(result.bytes == Self.new)
  }

  @Test func aResumeWithoutAValidatorRestartsFromZero() throws {
    let server = try LoopbackHTTPServer { request in
      .init(
        body: request.hit == 1 ? Self.old : Self.new,
        cutAfterBytes: request.hit == 1 ? 30_000 : nil, sendsValidator: false)
    }
    defer { server.stop() }
    let result = try fetchOnce(server)

    #expect(ranges(server) == [nil, nil])
    #expect(result.bytes == Self.new)
  }

  @Test func a206StartingElsewhereThanAskedRestartsFromZero() throws {
    let body = Self.old
    let server = try LoopbackHTTPServer { request in
      switch request.hit {
      case 1: return .init(body: body, cutAfterBytes: 30_000)
      case 2:
        // Asked for bytes=30000-, answers from byte 0 with 206: appending would duplicate.
        return .init(
          status: 206, headers: ["Content-Range": "bytes 0-99999/100000"], body: body)
      default: return .init(body: body)
      }
    }
    defer { server.stop() }
    let result = try fetchOnce(server)

    #expect(ranges(server) == [nil, "bytes=30000-", nil])
    #expect(result.bytes == body)
  }

  @Test func a206ThatStopsBeforeTheEndIsContinuedNotSavedShort() throws {
    let body = Self.old
    let server = try LoopbackHTTPServer { request in
      switch request.hit {
      case 1: return .init(body: body, cutAfterBytes: 30_000)
      case 2:
        // A well-formed 206 for only part of what was asked: it ends cleanly at 60 000.
        return .init(
          status: 206, headers: ["Content-Range": "bytes 30000-59999/100000"],
          body: body.subdata(in: 30_000..<60_000))
      default: return .init(body: body)
      }
    }
    defer { server.stop() }
    let result = try fetchOnce(server)

    #expect(ranges(server) == [nil, "bytes=30000-", "bytes=60000-"])
    #expect(result.bytes == body)
  }

  @Test func a206AnsweringARequestForTheWholeFileIsRefused() throws {
    // Half a file labelled 206 to a plain GET: saving it would present a truncated file as
    // complete.
    let server = try LoopbackHTTPServer { _ in
      .init(
        status: 206, headers: ["Content-Range": "bytes 0-49999/100000"],
        body: Self.old.prefix(50_000))
    }
    defer { server.stop() }
    let dir = try TempDir()
    defer { dir.cleanUp() }

    expectDojoError(.network, containing: ["206 Partial Content", "/f.bin"]) {
      _ = try Fetcher(environment: [:], options: testOptions)
        .fetch(.http(server.baseURL.appendingPathComponent("f.bin")), into: dir.url)
    }
    #expect(dir.listing() == [])
  }

  @Test func theValidatorIsRecordedBesideThePartBeforeAnyByteIsSaved() throws {
    let server = try LoopbackHTTPServer { request in
      .init(
        headers: ["ETag": "\"v1\""], body: Self.old,
        cutAfterBytes: request.hit == 1 ? 30_000 : nil)
    }
    defer { server.stop() }
    let dir = try TempDir()
    defer { dir.cleanUp() }
    let url = server.baseURL.appendingPathComponent("f.bin")
    let record = dir.url.appendingPathComponent(".f.bin.part.json")
    let observed = RecordObserver(record: record)

    _ = try Fetcher(environment: [:], progress: observed, options: testOptions)
      .fetch(.http(url), into: dir.url)

    // Whenever bytes were on disk, the record said which version they belong to.
    let seen = observed.seen
    #expect(!seen.isEmpty)
    for entry in seen {
      #expect(entry?.source == url.absoluteString)
      #expect(entry?.validator == ResourceValidator(etag: "\"v1\"", lastModified: nil))
      #expect(entry?.size == 100_000)
    }
    #expect(dir.listing() == [".fetch.json", "f.bin"], "the record goes with the .part")
  }

  /// Leaves what an interrupted run leaves: the first 30 000 bytes of `old` in `f.bin.part`
  /// and its record, made when the server's ETag was `"v1"`.
  static func interruptedRun(in dir: TempDir, url: URL) throws {
    let part = dir.url.appendingPathComponent("f.bin.part")
    try Self.old.prefix(30_000).write(to: part)
    try PartRecord(
      source: url.absoluteString, validator: ResourceValidator(etag: "\"v1\"", lastModified: nil),
      size: 100_000
    ).save(besidePart: part)
  }

  @Test func anInterruptedDownloadResumesWhenTheValidatorStillMatches() throws {
    let server = try LoopbackHTTPServer { _ in .init(headers: ["ETag": "\"v1\""], body: Self.old) }
    defer { server.stop() }
    let dir = try TempDir()
    defer { dir.cleanUp() }
    let url = server.baseURL.appendingPathComponent("f.bin")
    try Self.interruptedRun(in: dir, url: url)
    #expect(dir.listing() == [".f.bin.part.json", "f.bin.part"])

    let result = try Fetcher(environment: [:], options: testOptions).fetch(
      .http(url), into: dir.url)

    #expect(ranges(server) == ["bytes=30000-"])
    #expect(server.requests.first?.headers["if-range"] == "\"v1\"")
    #expect(try Data(contentsOf: result.file) == Self.old)
    #expect(result.sha256 == SHA256Hasher.hash(Self.old))
    #expect(dir.listing() == [".fetch.json", "f.bin"])
  }

  @Test func anInterruptedDownloadOfAChangedFileRestartsFromZero() throws {
    let server = try LoopbackHTTPServer { _ in
      .init(headers: ["ETag": "\"v2\""], body: Self.new, ignoresIfRange: true)
    }
    defer { server.stop() }
    let dir = try TempDir()
    defer { dir.cleanUp() }
    let url = server.baseURL.appendingPathComponent("f.bin")
    try Self.interruptedRun(in: dir, url: url)
    #expect(dir.listing() == [".f.bin.part.json", "f.bin.part"])

    let result = try Fetcher(environment: [:], options: testOptions).fetch(
      .http(url), into: dir.url)

    #expect(ranges(server) == ["bytes=30000-", nil])
    #expect(try Data(contentsOf: result.file) == Self.new)
    #expect(dir.listing() == [".fetch.json", "f.bin"])
  }

  @Test func forceIgnoresAnInterruptedDownloadAndThePresentFile() throws {
    let server = try LoopbackHTTPServer { _ in .init(headers: ["ETag": "\"v1\""], body: Self.old) }
    defer { server.stop() }
    let dir = try TempDir()
    defer { dir.cleanUp() }
    let url = server.baseURL.appendingPathComponent("f.bin")
    let fetcher = Fetcher(environment: [:], options: testOptions)
    _ = try fetcher.fetch(.http(url), into: dir.url)
    try Self.interruptedRun(in: dir, url: url)

    let again = try fetcher.fetch(.http(url), into: dir.url, force: true)

    #expect(!again.skipped)
    #expect(ranges(server) == [nil, nil])
    #expect(try Data(contentsOf: again.file) == Self.old)
    #expect(dir.listing() == [".fetch.json", "f.bin"])
  }
}

@Suite("dojo fetch against a hostile server: redirects")
struct FetchHostileRedirectTests {
  @Test func aRedirectToAFileURLIsRefused() throws {
    let server = try LoopbackHTTPServer(routes: ["/get": Route(redirect: "file:///etc/passwd")])
    defer { server.stop() }
    let dir = try TempDir()
    defer { dir.cleanUp() }

    expectDojoError(.unsupported, containing: ["/get", "non-HTTP", "only http(s)"]) {
      _ = try Fetcher(environment: [:], options: testOptions)
        .fetch(.http(server.baseURL.appendingPathComponent("get")), into: dir.url)
    }
    #expect(dir.listing() == [])
  }

  @Test func atMostFiveRedirectsAreFollowed() throws {
    var routes: [String: Route] = ["/end": Route(body: Data("ok".utf8))]
    for i in 0..<6 { routes["/r\(i)"] = Route(redirect: i == 5 ? "/end" : "/r\(i + 1)") }
    let server = try LoopbackHTTPServer(routes: routes)
    defer { server.stop() }
    let dir = try TempDir()
    defer { dir.cleanUp() }
    let fetcher = Fetcher(environment: [:], options: testOptions)

    // r1 -> ... -> r5 -> end: five redirects.
    let five = try fetcher.fetch(.http(server.baseURL.appendingPathComponent("r1")), into: dir.url)
    #expect(try Data(contentsOf: five.file) == Data("ok".utf8))
    // r0 -> ... -> end: six.
    expectDojoError(.network, containing: ["/r0", "more than 5"]) {
      _ = try fetcher.fetch(
        .http(server.baseURL.appendingPathComponent("r0")), into: dir.appendingPath("six"))
    }
    #expect(dir.listing("six") == [])
  }

  @Test(arguments: [NetworkScope.loopback, .linkLocal, .privateNetwork])
  func aPublicOriginCannotRedirectInward(_ inner: NetworkScope) throws {
    // Another service on this machine, standing for loopback, the metadata service or the
    // private network.
    let secret = try LoopbackHTTPServer(routes: ["/secret": Route(body: Data("secret".utf8))])
    defer { secret.stop() }
    let origin = try LoopbackHTTPServer(routes: [
      "/data.zip": Route(redirect: "\(secret.baseURL.absoluteString)/secret")
    ])
    defer { origin.stop() }
    let dir = try TempDir()
    defer { dir.cleanUp() }
    var options = testOptions
    options.addressPolicy = policy([origin.port: .publicNetwork, secret.port: inner])

    expectDojoError(
      .forbidden,
      containing: ["127.0.0.1", "a \(inner) address", "/secret", "/data.zip", "public address"]
    ) {
      _ = try Fetcher(environment: [:], options: options)
        .fetch(.http(origin.baseURL.appendingPathComponent("data.zip")), into: dir.url)
    }
    #expect(origin.requestCount == 1)
    #expect(secret.requestCount == 0, "the inner service was never connected to")
    #expect(dir.listing() == [])
  }

  @Test func theStandardPolicyClassifiesAddressesByRange() throws {
    // The production classification, with the origin's scope as a public server's would be.
    #expect(!AddressPolicy.allows(origin: .publicNetwork, target: .loopback))
    #expect(!AddressPolicy.allows(origin: .privateNetwork, target: .linkLocal))
    #expect(AddressPolicy.allows(origin: .loopback, target: .privateNetwork))
    #expect(AddressPolicy.allows(origin: .publicNetwork, target: .publicNetwork))
    let cases: [([UInt8], NetworkScope)] = [
      ([127, 0, 0, 1], .loopback), ([0, 0, 0, 0], .loopback), ([169, 254, 169, 254], .linkLocal),
      ([10, 1, 2, 3], .privateNetwork), ([172, 20, 0, 1], .privateNetwork),
      ([192, 168, 1, 1], .privateNetwork), ([100, 64, 0, 1], .privateNetwork),
      ([8, 8, 8, 8], .publicNetwork), ([172, 32, 0, 1], .publicNetwork),
      (Array(repeating: 0, count: 15) + [1], .loopback),
      ([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 127, 0, 0, 1], .loopback),
      ([0, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 1], .privateNetwork),
      ([0xFE, 0x80] + Array(repeating: 0, count: 13) + [1], .linkLocal),
      ([0xFD, 0x12] + Array(repeating: 0, count: 14), .privateNetwork),
      ([0x26, 0x06, 0x47, 0x00] + Array(repeating: 0, count: 11) + [1], .publicNetwork),
    ]
    for (ip, scope) in cases {
      #expect(AddressPolicy.standard.scope(PeerAddress(ip: ip, port: 80)) == scope, "\(ip)")
    }
  }

  @Test func aNameThatRebindsToLoopbackOnARetryIsRefused() throws {
    // DNS rebinding: the origin's name answers a public address for the first connection and
    // 127.0.0.1 for the next. The check is on each socket's address, so the retry is refused.
    let connections = Mutex(0)
    let rebinding = AddressPolicy { _ in
      connections.withLock {
        $0 += 1
        return $0 == 1 ? .publicNetwork : .loopback
      }
    }
    let server = try LoopbackHTTPServer(routes: [
      "/f.bin": Route(body: payload(100_000), cutAfterBytes: 10_000)
    ])
    defer { server.stop() }
    let dir = try TempDir()
    defer { dir.cleanUp() }
    var options = testOptions
    options.addressPolicy = rebinding

    expectDojoError(.forbidden, containing: ["a loopback address", "public address"]) {
      _ = try Fetcher(environment: [:], options: options)
        .fetch(.http(server.baseURL.appendingPathComponent("f.bin")), into: dir.url)
    }
    #expect(server.requestCount == 1)
    #expect(dir.listing() == [])
  }

  @Test func aLoopbackOriginMayRedirectToAnotherLoopbackPort() throws {
    let mirror = try LoopbackHTTPServer(routes: ["/a.zip": Route(body: payload(1000))])
    defer { mirror.stop() }
    let front = try LoopbackHTTPServer(routes: [
      "/a.zip": Route(redirect: "\(mirror.baseURL.absoluteString)/a.zip")
    ])
    defer { front.stop() }
    let dir = try TempDir()
    defer { dir.cleanUp() }

    let result = try Fetcher(environment: [:], options: testOptions)
      .fetch(.http(front.baseURL.appendingPathComponent("a.zip")), into: dir.url)

    #expect(try Data(contentsOf: result.file) == payload(1000))
  }

  @Test func aPublicOriginMayRedirectToAnotherPublicHost() throws {
    let storage = try LoopbackHTTPServer(routes: ["/a.zip": Route(body: payload(1000))])
    defer { storage.stop() }
    let api = try LoopbackHTTPServer(routes: [
      "/a.zip": Route(redirect: "\(storage.baseURL.absoluteString)/a.zip")
    ])
    defer { api.stop() }
    let dir = try TempDir()
    defer { dir.cleanUp() }
    var options = testOptions
    options.addressPolicy = policy([api.port: .publicNetwork, storage.port: .publicNetwork])

    let result = try Fetcher(environment: [:], options: options)
      .fetch(.http(api.baseURL.appendingPathComponent("a.zip")), into: dir.url)

    #expect(try Data(contentsOf: result.file) == payload(1000))
  }

  @Test func pageCredentialsAreNotSentToAnotherHostAfterARedirect() throws {
    let elsewhere = try LoopbackHTTPServer(routes: ["/page": Route(body: Data("<p>x</p>".utf8))])
    defer { elsewhere.stop() }
    let kaggle = try LoopbackHTTPServer(routes: [
      "/competitions/titanic": Route(redirect: "\(elsewhere.baseURL.absoluteString)/page")
    ])
    defer { kaggle.stop() }
    let dir = try TempDir()
    defer { dir.cleanUp() }

    let body = try HTTPGet.data(
      from: kaggle.baseURL.appendingPathComponent("competitions/titanic"),
      environment: kaggleEnvironment(kaggle, home: dir.url), timeout: 5)

    #expect(body == Data("<p>x</p>".utf8))
    #expect(kaggle.requests.first?.headers["authorization"] != nil)
    #expect(elsewhere.requests.count == 1)
    #expect(elsewhere.requests.first?.headers["authorization"] == nil)
  }
}

@Suite("dojo fetch against a hostile server: size cap")
struct FetchHostileSizeTests {
  @Test func anEndlessBodyIsCutAtTheCapAndNothingIsKept() throws {
    let server = try LoopbackHTTPServer { _ in .init(endless: true) }
    defer { server.stop() }
    let dir = try TempDir()
    defer { dir.cleanUp() }
    var options = testOptions
    options.maxBytes = 1 << 20
    let url = server.baseURL.appendingPathComponent("endless.zip")
    let start = Date()

    expectDojoError(
      .invalidData, containing: [url.absoluteString, "size cap of 1048576 bytes", "--max-bytes"]
    ) {
      _ = try Fetcher(environment: [:], options: options).fetch(.http(url), into: dir.url)
    }
    #expect(Date().timeIntervalSince(start) < 10)
    #expect(server.requestCount == 1, "a body over the cap is not retried")
    #expect(dir.listing() == [])
  }

  @Test func aDeclaredLengthOverTheCapIsRefusedBeforeDownloading() throws {
    let server = try LoopbackHTTPServer { _ in
      .init(body: payload(1000), declaredLength: 300 << 30)
    }
    defer { server.stop() }
    let dir = try TempDir()
    defer { dir.cleanUp() }
    let progress = RecordingProgress()
    let url = server.baseURL.appendingPathComponent("huge.zip")

    expectDojoError(
      .invalidData,
      containing: [url.absoluteString, "declares 322122547200 bytes", "\(Fetcher.defaultMaxBytes)"]
    ) {
      _ = try Fetcher(environment: [:], progress: progress, options: testOptions)
        .fetch(.http(url), into: dir.url)
    }
    #expect(progress.all.isEmpty, "nothing was started")
    #expect(dir.listing() == [])
  }

  @Test func aLocalFileOverTheCapIsRefused() throws {
    let dir = try TempDir()
    defer { dir.cleanUp() }
    let source = dir.url.appendingPathComponent("big.zip")
    try payload(5000).write(to: source)
    var options = testOptions
    options.maxBytes = 4096

    expectDojoError(.invalidData, containing: ["big.zip", "size cap of 4096 bytes"]) {
      _ = try Fetcher(environment: [:], options: options)
        .fetch(.file(source), into: dir.url.appendingPathComponent("out"))
    }
    #expect(dir.listing("out") == [])
  }
}

extension TempDir {
  /// A subfolder (not created).
  func appendingPath(_ name: String) -> URL { url.appendingPathComponent(name) }
}

/// Reads the `.part`'s record from disk each time the fetcher reports bytes saved.
final class RecordObserver: FetchProgress {
  let record: URL
  private let entries = Mutex<[PartRecord?]>([])

  init(record: URL) { self.record = record }

  var seen: [PartRecord?] { entries.withLock { $0 } }

  func started(name: String, received: Int64, total: Int64?) {}
  func advanced(received: Int64, total: Int64?) {
    let entry = (try? Data(contentsOf: record)).flatMap {
      try? JSONDecoder().decode(PartRecord.self, from: $0)
    }
    entries.withLock { $0.append(entry) }
  }
  func finished(name: String, bytes: Int64) {}
}
