import DojoCore
import DojoTestSupport
import Foundation
import Testing

@testable import Registry

@Suite("Registry: checks published without")
struct SkippedChecksTests {
  @Test(arguments: Backend.allCases)
  func publishRecordsTheChecksAVersionWasPublishedWithout(_ backend: Backend) throws {
    let place = try RegistryPlace(backend)
    defer { place.remove() }
    let registry = try place.open()
    var request = RegistryTests.request(version: "v1")
    request.skippedChecks = [
      SkippedCheck(
        name: "determinism", reason: "no unpacked archive: raw/titanic/files does not exist"),
      SkippedCheck(name: "reference", reason: "skipped (--skip-reference)"),
    ]
    #expect(try registry.publish(request))
    #expect(try registry.publish(RegistryTests.request(version: "v2")))
    #expect(try registry.skippedChecks("titanic", version: "v1") == request.skippedChecks)
    #expect(try registry.skippedChecks("titanic", version: "v2").isEmpty)
    // Reopened, the record is still there.
    #expect(try place.open().skippedChecks("titanic", version: "v1").count == 2)
  }

  /// A registry written before skipped checks were recorded gains the table on open, once,
  /// and keeps what it held.
  @Test func anOlderRegistryGainsTheSkippedChecksTableOnceAndKeepsItsTasks() throws {
    let url = RegistryTests.temp()
    defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
    try AtomicFiles.createDirectory(url.deletingLastPathComponent())
    do {
      let old = try SQLiteDatabase(path: url.path)
      for migration in Registry.migrations.prefix(3) { try old.execute(migration.sqlite) }
      try old.execute("PRAGMA user_version = 3")
    }
    let registry = try Registry(at: url)
    #expect(
      try registry.db.query("PRAGMA user_version").first?["user_version"].integer
        == Int64(Registry.schemaVersion))
    #expect(try registry.publish(RegistryTests.request(version: "v1")))
    // Opening again applies nothing twice (a second CREATE TABLE would throw).
    let again = try Registry(at: url)
    #expect(try again.list().map(\.version) == ["v1"])
    #expect(try again.skippedChecks("titanic", version: "v1").isEmpty)
  }

  /// The same on PostgreSQL: the migrations a database had are the rows of
  /// dojo_schema_migrations; opening applies the rest, once, and records them.
  @Test func anOlderPostgresRegistryIsMigratedOnceAndRecordsEachMigration() throws {
    let place = try RegistryPlace(.postgres)
    let server = try TestPostgres.shared()
    let database = try #require(place.text.split(separator: "/").last?.split(separator: "?").first)
    let old = Registry.migrations.prefix(3).map(\.postgres).joined(separator: "\n")
    try server.psql(
      old
        + "CREATE TABLE dojo_schema_migrations (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL);"
        + "INSERT INTO dojo_schema_migrations VALUES (1, 'x'), (2, 'x'), (3, 'x');",
      database: String(database))
    let registry = try place.open()
    #expect(try registry.publish(RegistryTests.request(version: "v1")))
    _ = try place.open()
    let versions = try server.psql(
      "SELECT version FROM dojo_schema_migrations ORDER BY version", database: String(database))
    #expect(
      versions.split(separator: "\n").map(String.init)
        == (1...Registry.schemaVersion).map(String.init))
  }
}
