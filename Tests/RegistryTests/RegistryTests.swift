import DojoCore
import Foundation
import Registry
import Testing

@Suite("Registry")
struct RegistryTests {
  static func temp() -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("dojo-reg-\(UUID())")
      .appendingPathComponent("registry.sqlite")
  }

  static func request(
    id: String = "titanic", version: String, rows: Int = 100, answersHash: String = "a"
  )
    -> PublishRequest
  {
    let spec = TaskSpec(
      id: id, version: version, title: "Titanic", metric: .init(name: "accuracy"),
      lowerIsBetter: false, idColumn: "id", targets: ["y"], classes: ["0", "1"],
      submissionColumns: ["y"], trainRows: rows, testRows: rows / 4)
    return PublishRequest(
      spec: spec, manifestSHA256: "m-\(version)",
      checksums: [
        .init(path: "public/train.csv", size: 10, sha256: "t"),
        .init(path: "private/answers.csv", size: 5, sha256: answersHash),
      ], reportJSON: "{\"passed\":true}",
      leaderboard: [
        .init(board: "public", rank: 1, score: 0.9), .init(board: "public", rank: 2, score: 0.8),
      ],
      path: "/curated/\(id)/\(version)")
  }

  @Test(arguments: Backend.allCases) func publishesAndReadsBack(_ backend: Backend) throws {
    let place = try RegistryPlace(backend)
    defer { place.remove() }
    let registry = try place.open()
    #expect(try registry.publish(Self.request(version: "v1")))
    let task = try registry.task("titanic")
    #expect(task.version == "v1")
    #expect(task.metric == "accuracy")
    #expect(task.trainRows == 100)
    #expect(try registry.spec("titanic", version: "v1").submissionColumns == ["y"])
    #expect(try registry.leaderboard("titanic", version: "v1").map(\.rank) == [1, 2])
    #expect(try registry.report("titanic", version: "v1") == "{\"passed\":true}")
  }

  @Test(arguments: Backend.allCases) func publishingTheSameVersionTwiceIsANoOp(_ backend: Backend)
    throws
  {
    let place = try RegistryPlace(backend)
    defer { place.remove() }
    let registry = try place.open()
    #expect(try registry.publish(Self.request(version: "v1")))
    #expect(try !registry.publish(Self.request(version: "v1")))
    #expect(try registry.list().count == 1)
    #expect(try registry.leaderboard("titanic", version: "v1").count == 2)
  }

  @Test(arguments: Backend.allCases) func aNewVersionKeepsTheOldAndDiffs(_ backend: Backend) throws
  {
    let place = try RegistryPlace(backend)
    defer { place.remove() }
    let registry = try place.open()
    try registry.publish(Self.request(version: "v1"), now: Date(timeIntervalSince1970: 1000))
    try registry.publish(
      Self.request(version: "v2", rows: 200, answersHash: "b"),
      now: Date(timeIntervalSince1970: 2000))
    #expect(try registry.versions(of: "titanic").map(\.version) == ["v2", "v1"])
    #expect(try registry.task("titanic").version == "v2")
    #expect(try registry.task("titanic", version: "v1").trainRows == 100)
    let diff = try registry.diff("titanic", "v1", "v2")
    #expect(diff.fields.map(\.name).contains("train_rows"))
    #expect(diff.files.map(\.path) == ["private/answers.csv"])
    #expect(diff.files.map(\.change) == ["changed"])
  }

  @Test(arguments: Backend.allCases) func unknownTaskOrVersionSaysWhatExists(_ backend: Backend)
    throws
  {
    let place = try RegistryPlace(backend)
    defer { place.remove() }
    let registry = try place.open()
    try registry.publish(Self.request(version: "v1"))
    #expect(throws: DojoError.self) { try registry.task("nope") }
    do {
      _ = try registry.task("titanic", version: "v9")
    } catch let e as DojoError {
      #expect(e.message.contains("published: v1"))
    }
  }

  @Test(arguments: Backend.allCases) func aFailedPublishLeavesTheRegistryAsItWas(_ backend: Backend)
    throws
  {
    let place = try RegistryPlace(backend)
    defer { place.remove() }
    let registry = try place.open()
    try registry.publish(Self.request(version: "v1"))
    // A check named twice violates skipped_checks' primary key in both backends: the insert
    // fails midway, after the competition and task rows were written in the same transaction.
    var bad = Self.request(id: "other", version: "v1")
    bad.skippedChecks = [
      SkippedCheck(name: "reference", reason: "a"), SkippedCheck(name: "reference", reason: "b"),
    ]
    #expect(throws: DojoError.self) { try registry.publish(bad) }
    #expect(try registry.list().map(\.id) == ["titanic"])
    #expect(throws: DojoError.self) { try registry.task("other") }
  }

  @Test(arguments: Backend.allCases) func reopeningKeepsDataAndSchema(_ backend: Backend) throws {
    let place = try RegistryPlace(backend)
    defer { place.remove() }
    do {
      let registry = try place.open()
      try registry.publish(Self.request(version: "v1"))
    }
    let again = try place.open()
    #expect(try again.list().count == 1)
    #expect(Registry.schemaVersion >= 1)
  }

  @Test(arguments: Backend.allCases) func readersNeverSeeAHalfPublishedTask(_ backend: Backend)
    async throws
  {
    let place = try RegistryPlace(backend)
    defer { place.remove() }
    let writer = try place.open()
    let reader = try place.open()
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask {
        for i in 0..<40 {
          var r = Self.request(id: "t\(i)", version: "v1")
          r.leaderboard = (1...50).map { .init(board: "public", rank: $0, score: Double($0)) }
          try writer.publish(r)
        }
      }
      group.addTask {
        for _ in 0..<200 {
          for task in try reader.list() {
            // Every visible task has its whole leaderboard: the transaction is all or nothing.
            #expect(try reader.leaderboard(task.id, version: task.version).count == 50)
          }
        }
      }
      try await group.waitForAll()
    }
    #expect(try reader.list().count == 40)
  }

  /// Import records (migration 5) on both backends: each competition's newest record of a
  /// run is its outcome, whichever order the nodes wrote them in; other runs stay apart.
  @Test(arguments: Backend.allCases) func aRunsImportRecordsAreTheNewestOfEachCompetition(
    _ backend: Backend
  ) throws {
    let place = try RegistryPlace(backend)
    defer { place.remove() }
    let registry = try place.open()
    func record(_ run: String, _ task: String, _ succeeded: Bool, _ stage: String) -> ImportRecord {
      ImportRecord(
        run: run, task: task, succeeded: succeeded, stage: stage,
        version: succeeded ? "v1" : nil, skipped: succeeded ? ["fetch", "unpack"] : [],
        seconds: 1.5, error: succeeded ? nil : "HTTP 404", host: "node-\(task)",
        recordedAt: "2026-11-30T12:00:00Z")
    }
    try registry.recordImport(record("slurm-7", "b", false, "fetch"))
    try registry.recordImport(record("slurm-7", "a", true, "publish"))
    try registry.recordImport(record("slurm-8", "b", false, "fetch"))
    try registry.recordImport(record("slurm-7", "b", true, "publish"))
    let records = try place.open().importRecords(run: "slurm-7")
    #expect(
      records == [record("slurm-7", "a", true, "publish"), record("slurm-7", "b", true, "publish")])
    #expect(try registry.importRecords(run: "slurm-8").map(\.succeeded) == [false])
    #expect(try registry.importRecords(run: "slurm-9").isEmpty)
  }

  /// Sessions, their steps and validation records read back the same on both backends.
  @Test(arguments: Backend.allCases) func sessionsStepsAndValidationsReadBack(_ backend: Backend)
    throws
  {
    let place = try RegistryPlace(backend)
    defer { place.remove() }
    let registry = try place.open()
    try registry.insertSession(
      SessionRecord(
        id: "s1", task: "titanic", version: "v1", agent: "aide", optionsJSON: "{}",
        stateJSON: "{}", createdAt: "t0", updatedAt: "t0"))
    try registry.beginStep(
      StepRecord(
        session: "s1", step: 1, action: "execute_code", code: "print(1)",
        observationJSON: "{}", reward: 0, score: nil, startedAt: "t1", finishedAt: ""))
    try registry.finishStep(
      StepRecord(
        session: "s1", step: 1, action: "execute_code", code: "print(1)",
        observationJSON: "{\"status\":\"success\"}", reward: 0.25, score: 0.8, startedAt: "t1",
        finishedAt: "t2"), sessionState: "{\"steps\":1}")
    try registry.recordValidation(
      ValidationRecord(
        task: "titanic", version: "v1", title: "Titanic", metric: "accuracy", passed: false,
        failedCheck: "leak", message: "a test id is in train", recordedAt: "t3"))
    let again = try place.open()
    #expect(try again.sessions(agent: "aide").map(\.id) == ["s1"])
    #expect(try again.session("s1")?.stateJSON == "{\"steps\":1}")
    let steps = try again.steps(session: "s1")
    #expect(steps.map(\.reward) == [0.25])
    #expect(steps.map(\.score) == [0.8])
    #expect(steps.first?.code == "print(1)")
    #expect(try again.latestValidations().map(\.failedCheck) == ["leak"])
  }
}
