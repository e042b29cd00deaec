import DojoCore
import Foundation
import Testing

@testable import Registry

@Suite("Registry: checks published without")
struct SkippedChecksTests {
  @Test func publishRecordsTheChecksAVersionWasPublishedWithout() throws {
    let url = RegistryTests.temp()
    defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
    let registry = try Registry(at: url)
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
    #expect(try Registry(at: url).skippedChecks("titanic", version: "v1").count == 2)
  }

  /// A registry written before skipped checks were recorded gains the table on open, once,
  /// and keeps what it held.
  @Test func anOlderRegistryGainsTheSkippedChecksTableOnceAndKeepsItsTasks() throws {
    let url = RegistryTests.temp()
    defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
    try AtomicFiles.createDirectory(url.deletingLastPathComponent())
    do {
      let old = try SQLiteDatabase(path: url.path)
      for migration in Registry.migrations.prefix(3) { try old.execute(migration) }
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
}
