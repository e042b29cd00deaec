import DojoCore
import Foundation
import Testing

@testable import Registry

/// A step's lease and its "running" row are committed without a flush on SQLite, whose
/// writers all share its machine; everything else, and everything on PostgreSQL, is flushed.
@Suite("Durable commits", .serialized)
struct DurableCommitTests {
  /// The level SQLite commits at, read on the registry's own connection.
  private func sqliteLevel(_ registry: Registry) throws -> Int64? {
    try registry.db.query("PRAGMA synchronous").first?["synchronous"].integer
  }

  @Test func aNonDurableSQLiteTransactionCommitsUnflushedAndPutsTheLevelBack() throws {
    let place = try RegistryPlace(.sqlite)
    defer { place.remove() }
    let registry = try place.open()
    let full = try #require(try sqliteLevel(registry))
    #expect(full >= 2, "FULL (2) or EXTRA (3): a commit is flushed")
    let inside = try registry.db.transaction(durable: false) { try sqliteLevel(registry) }
    #expect(inside == 1, "NORMAL: in WAL mode the commit is not flushed")
    #expect(try sqliteLevel(registry) == full)
    // A durable transaction keeps the flushing level.
    #expect(try registry.db.transaction { try sqliteLevel(registry) } == full)
    // A body that fails rolls back, and the level is put back all the same.
    struct Failure: Error {}
    #expect(throws: Failure.self) {
      try registry.db.transaction(durable: false) { throw Failure() }
    }
    #expect(try sqliteLevel(registry) == full)
  }

  @Test func aLeaseAndARunningStepCommittedWithoutAFlushAreSeenAtOnceByAnotherConnection()
    throws
  {
    let place = try RegistryPlace(.sqlite)
    defer { place.remove() }
    let first = try place.open()
    let second = try place.open()
    try first.insertSession(
      SessionRecord(
        id: "s1", task: "titanic", version: "v1", agent: nil, optionsJSON: "{}",
        stateJSON: "{}", createdAt: "t", updatedAt: "t"))
    let a = ReplicaIdentity(host: "node-a.example", pid: 41, token: "a")
    let b = ReplicaIdentity(host: "node-b.example", pid: 42, token: "b")
    #expect(try first.acquireLease(session: "s1", holder: a, seconds: 60) == nil)
    #expect(try second.acquireLease(session: "s1", holder: b, seconds: 60)?.holder.token == "a")
    try first.releaseLease(session: "s1", holder: a)
    #expect(try second.acquireLease(session: "s1", holder: b, seconds: 60) == nil)
    try second.beginStep(
      StepRecord(
        session: "s1", step: 1, action: "execute_code", code: "print(1)",
        observationJSON: "{}", reward: 0, score: nil, startedAt: "t", finishedAt: ""))
    #expect(try first.steps(session: "s1").map(\.finishedAt) == [""])
    #expect(try sqliteLevel(first) ?? 0 >= 2)
    #expect(try sqliteLevel(second) ?? 0 >= 2)
  }

  @Test func postgreSQLFlushesEveryTransaction() throws {
    let place = try RegistryPlace(.postgres)
    let registry = try place.open()
    let setting = try registry.db.transaction(durable: false) {
      try registry.db.query("SHOW synchronous_commit").first?["synchronous_commit"].text
    }
    #expect(setting == "on")
  }
}
