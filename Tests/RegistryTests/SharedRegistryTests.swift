import DojoCore
import DojoTestSupport
import Foundation
import Registry
import Testing

/// What sharing a registry between many writers promises, on both backends, and what a
/// PostgreSQL user is told when the server cannot be used.
@Suite("Registry: shared by many writers")
struct SharedRegistryTests {
  /// Runs `body(i)` for i in 0..<count, each on a thread of its own, all started together.
  static func atOnce<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) throws -> T)
    throws -> [T]
  {
    let jobs = (0..<count).map { i in BackgroundJob("publisher-\(i)") { try body(i) } }
    return try jobs.map { try $0.wait() }
  }

  @Test(arguments: Backend.allCases)
  func eightConnectionsPublishingAtOnceLoseNothing(_ backend: Backend) throws {
    let place = try RegistryPlace(backend)
    defer { place.remove() }
    let registries = try (0..<8).map { _ in try place.open() }
    // Every writer also publishes versions of one shared competition, so their upserts of
    // its row collide.
    let wrote = try Self.atOnce(8) { i in
      try (0..<6).map { j in
        try registries[i].publish(RegistryTests.request(id: "w\(i)-\(j)", version: "v1"))
          && registries[i].publish(RegistryTests.request(id: "shared", version: "v\(i)-\(j)"))
      }
    }
    #expect(wrote.joined().allSatisfy { $0 })
    let all = try place.open().list()
    #expect(all.count == 8 * 6 * 2)
    #expect(try place.open().versions(of: "shared").count == 48)
    for task in all {
      #expect(try registries[0].leaderboard(task.id, version: task.version).count == 2)
    }
  }

  @Test(arguments: Backend.allCases)
  func twoConnectionsPublishingOneVersionAtOnceOneWins(_ backend: Backend) throws {
    let place = try RegistryPlace(backend)
    defer { place.remove() }
    for round in 0..<5 {
      let registries = try (0..<2).map { _ in try place.open() }
      let wrote = try Self.atOnce(2) { i in
        try registries[i].publish(RegistryTests.request(version: "v\(round)"))
      }
      #expect(wrote.filter { $0 }.count == 1, "round \(round): \(wrote)")
      #expect(try registries[0].leaderboard("titanic", version: "v\(round)").count == 2)
    }
  }

  /// A step's lease keeps other replicas out until it expires or is released; renewing
  /// keeps it; a holder whose lease lapsed and was taken cannot renew it.
  @Test(arguments: Backend.allCases)
  func aStepLeaseHoldsOthersOffUntilItExpires(_ backend: Backend) throws {
    let place = try RegistryPlace(backend)
    defer { place.remove() }
    let registry = try place.open()
    try registry.insertSession(
      SessionRecord(
        id: "s1", task: "titanic", version: "v1", agent: nil, optionsJSON: "{}",
        stateJSON: "{}", createdAt: "t", updatedAt: "t"))
    let far = ReplicaIdentity(host: "node-a.example", pid: 41, token: "a")
    let near = ReplicaIdentity(host: "node-b.example", pid: 42, token: "b")
    let t0 = Date(timeIntervalSince1970: 1_000_000)
    #expect(try registry.acquireLease(session: "s1", holder: far, seconds: 30, now: t0) == nil)
    let held = try #require(
      try registry.acquireLease(session: "s1", holder: near, seconds: 30, now: t0 + 10))
    #expect(held.holder == far)
    #expect(try registry.renewLease(session: "s1", holder: far, seconds: 30, now: t0 + 20))
    #expect(
      try registry.acquireLease(session: "s1", holder: near, seconds: 30, now: t0 + 45) != nil,
      "renewed at t0+20, the lease runs to t0+50")
    #expect(
      try registry.acquireLease(session: "s1", holder: near, seconds: 30, now: t0 + 51) == nil)
    #expect(!(try registry.renewLease(session: "s1", holder: far, seconds: 30, now: t0 + 52)))
    try registry.releaseLease(session: "s1", holder: near)
    #expect(try registry.lease(session: "s1") == nil)
  }

  /// The server kills the publisher's connection while its transaction waits (a lock held
  /// by another session): nothing of it is visible, and the publish, connected again, writes
  /// the whole task once the lock is gone.
  @Test func aConnectionKilledMidPublishLeavesNothingHalfWritten() throws {
    let place = try RegistryPlace(.postgres)
    let server = try TestPostgres.shared()
    let database = String(
      try #require(place.text.split(separator: "/").last?.split(separator: "?").first))
    let registry = try place.open()
    try registry.publish(RegistryTests.request(id: "before", version: "v1"))

    // A psql session holds leaderboard_entries locked, so the publish stops midway: after
    // its competition and task_versions rows, before its leaderboard.
    let locker = Process()
    locker.executableURL = URL(fileURLWithPath: try TestPostgres.binary("psql"))
    locker.arguments = [
      "-X", "-q", "-tA", "-d",
      server.url.replacingOccurrences(of: "/dojo?", with: "/\(database)?"),
    ]
    locker.environment = ProcessInfo.processInfo.environment.merging(server.environment) { $1 }
    let input = Pipe()
    let output = Pipe()
    locker.standardInput = input
    locker.standardOutput = output
    try locker.run()
    defer { if locker.isRunning { locker.terminate() } }
    input.fileHandleForWriting.write(
      Data(
        "BEGIN; LOCK TABLE leaderboard_entries IN ACCESS EXCLUSIVE MODE; SELECT 'locked';\n".utf8))
    var seen = ""
    while !seen.contains("locked") {
      let chunk = output.fileHandleForReading.availableData
      if chunk.isEmpty { break }
      seen += String(decoding: chunk, as: UTF8.self)
    }
    #expect(seen.contains("locked"))

    let publish = BackgroundJob("publisher") {
      try registry.publish(RegistryTests.request(id: "during", version: "v1"))
    }
    func waiting() throws -> [String] {
      try server.psql(
        "SELECT pid FROM pg_stat_activity WHERE datname = '\(database)' AND wait_event_type = 'Lock'",
        database: database
      ).split(separator: "\n").map(String.init)
    }
    var blocked: [String] = []
    for _ in 0..<200 where blocked.isEmpty {
      blocked = try waiting()
      if blocked.isEmpty { Thread.sleep(forTimeInterval: 0.05) }
    }
    #expect(blocked.count == 1)
    let killed = try server.psql(
      "SELECT pg_terminate_backend(\(try #require(blocked.first)))", database: database)
    #expect(killed.trimmingCharacters(in: .whitespacesAndNewlines) == "t")
    // Nothing of the killed transaction is there (and the retry, blocked again, is not
    // committed either).
    let visible = try server.psql(
      "SELECT (SELECT count(*) FROM competitions WHERE id = 'during') + (SELECT count(*) FROM task_versions WHERE competition_id = 'during')",
      database: database)
    #expect(visible.trimmingCharacters(in: .whitespacesAndNewlines) == "0")

    input.fileHandleForWriting.write(Data("ROLLBACK;\n\\q\n".utf8))
    locker.waitUntilExit()
    #expect(try publish.wait())
    #expect(try registry.leaderboard("during", version: "v1").count == 2)
    #expect(try registry.list().map(\.id) == ["before", "during"])
  }

  @Test func aWrongPasswordIsOneLineNamingTheURLWithoutThePassword() throws {
    let server = try TestPostgres.shared()
    let url = "postgres://dojo:not-the-password@127.0.0.1:\(server.port)/dojo?sslmode=disable"
    let error = try #require(
      throws: DojoError.self, performing: { try Registry(RegistryLocation(parsing: url)) })
    #expect(error.message.contains("postgres://dojo@127.0.0.1:\(server.port)/dojo"))
    #expect(error.message.contains("password"))
    #expect(!error.message.contains("not-the-password"))
    #expect(!error.message.contains("\n"))
  }

  @Test func anUnreachableServerIsOneLineNamingTheURLWithoutThePassword() throws {
    let port = try TestPostgres.freePort()
    let url = "postgres://dojo:secret@127.0.0.1:\(port)/dojo?sslmode=disable"
    let error = try #require(
      throws: DojoError.self, performing: { try Registry(RegistryLocation(parsing: url)) })
    #expect(
      error.message.hasPrefix("cannot reach the registry postgres://dojo@127.0.0.1:\(port)/dojo"))
    #expect(!error.message.contains("secret"))
    #expect(!error.message.contains("\n"))
  }

  @Test func thePasswordComesFromTheURLThenPGPASSWORDThenPgpass() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pgpass-\(UUID())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let passfile = folder.appendingPathComponent("pgpass")
    try Data(
      """
      # comment
      db.example.org:5432:other:u:wrong
      db.example.org:*:reg:u:pa\\:ss\\\\word
      *:*:*:*:fallback

      """.utf8
    ).write(to: passfile)
    func password(_ url: String, _ environment: [String: String]) throws -> String? {
      guard
        case .postgres(let location) = try RegistryLocation(parsing: url, environment: environment)
      else { return nil }
      return location.password
    }
    let file = ["PGPASSFILE": passfile.path]
    #expect(try password("postgres://u:inurl@db.example.org/reg", file) == "inurl")
    #expect(
      try password("postgres://u@db.example.org/reg", file.merging(["PGPASSWORD": "env"]) { $1 })
        == "env")
    #expect(try password("postgres://u@db.example.org/reg", file) == "pa:ss\\word")
    #expect(try password("postgres://u@elsewhere:6000/x", file) == "fallback")
    #expect(try password("postgres://u@elsewhere/x", ["HOME": folder.path]) == nil)
  }

  @Test func registryValuesAreReadAsAPathOrAPostgresURL() throws {
    #expect(
      try RegistryLocation(parsing: "curated/registry.sqlite")
        == .sqlite(path: "curated/registry.sqlite"))
    guard
      case .postgres(let location) = try RegistryLocation(
        parsing: "postgresql://me:pw@[::1]:6543/reg?sslmode=require", environment: [:])
    else {
      Issue.record("not read as PostgreSQL")
      return
    }
    #expect(location.host == "::1")
    #expect(location.port == 6543)
    #expect(location.sslMode == .require)
    #expect(location.description.hasSuffix(":6543/reg"))
    #expect(!location.description.contains("pw"))
    for bad in [
      "postgres://host/db", "postgres://me@host", "postgres://me@host/db?sslmode=bogus",
      "postgres://me@host/db?user=x", "mysql://me:pw@host/db",
    ] {
      let error = try #require(
        throws: DojoError.self,
        performing: { try RegistryLocation(parsing: bad, environment: [:]) })
      #expect(!error.message.contains(":pw@"), "\(error.message)")
    }
  }
}
