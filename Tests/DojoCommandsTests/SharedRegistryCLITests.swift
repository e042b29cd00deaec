import DojoCore
import DojoTestSupport
import Foundation
import Testing

/// `dojo publish` from many processes at once into one registry, SQLite or PostgreSQL, and
/// what a PostgreSQL user sees when the server refuses or cannot be reached.
@Suite("dojo publish into a shared registry")
struct SharedRegistryCLITests {
  let dir: URL
  var repository: URL { dir.appendingPathComponent("repo") }

  init() throws {
    dir = FileManager.default.temporaryDirectory.appendingPathComponent("dojo-cli-shared-\(UUID())")
  }

  func write(_ text: String, _ path: String) throws {
    let url = dir.appendingPathComponent(path)
    try FileManager.default.createDirectory(
      at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(text.utf8).write(to: url)
  }

  /// Prepares and validates `count` small competitions; returns their task folders.
  func validatedTasks(_ count: Int) throws -> [String] {
    let board =
      "TeamId,TeamName,SubmissionDate,Score\n"
      + (1...10).map { "\($0),t\($0),2024-01-01,\(0.95 - Double($0) * 0.02)" }
      .joined(separator: "\n") + "\n"
    return try (0..<count).map { i in
      let id = "shared-\(i)"
      try write(
        """
        id: \(id)
        title: Shared \(i)
        source:
          url: fixture.zip
        files:
          train: train.csv
        split:
          strategy: random
          test_fraction: 0.25
          seed: \(i)
        answers:
          id: id
          targets: [label]
        metric:
          name: accuracy
        leaderboard:
          public: lb.csv
        """, "repo/manifests/\(id)/manifest.yaml")
      try write(board, "repo/manifests/\(id)/lb.csv")
      try write(
        "id,x,label\n"
          + (0..<40).map { "\($0),\($0 * i),\($0 % 2 == 0 ? "a" : "b")" }.joined(separator: "\n")
          + "\n", "repo/raw/\(id)/files/train.csv")
      let prepared = try CLI.run(["prepare", "manifests/\(id)"], cwd: repository)
      #expect(prepared.status == 0, "\(prepared.stdout)\(prepared.stderr)")
      let parent = repository.appendingPathComponent("curated/\(id)")
      let version = try #require(
        try FileManager.default.contentsOfDirectory(atPath: parent.path).first {
          !$0.hasPrefix(".")
        })
      let task = parent.appendingPathComponent(version).path
      let validated = try CLI.run(
        [
          "validate", task, "--skip-reference", "--registry",
          dir.appendingPathComponent("v.sqlite").path,
        ],
        cwd: repository)
      #expect(validated.status == 0, "\(validated.stdout)\(validated.stderr)")
      return task
    }
  }

  /// Runs `dojo` once per argument list, all at once.
  static func atOnce(_ runs: [[String]], environment: [String: String], cwd: URL) throws
    -> [CLIResult]
  {
    let jobs = runs.enumerated().map { i, arguments in
      BackgroundJob("dojo-\(i)") { try CLI.run(arguments, environment: environment, cwd: cwd) }
    }
    return try jobs.map { try $0.wait() }
  }

  @Test func eightProcessesPublishingAtOnceThenTwoOfOneVersionOnBothBackends() throws {
    defer { try? FileManager.default.removeItem(at: dir) }
    let tasks = try validatedTasks(8)
    let server = try TestPostgres.shared()
    let environment = ProcessInfo.processInfo.environment.merging(server.environment) { $1 }
    for registry in [dir.appendingPathComponent("r.sqlite").path, try server.createDatabase()] {
      let results = try Self.atOnce(
        tasks.map { ["publish", $0, "--allow-skipped", "reference", "--registry", registry] },
        environment: environment, cwd: repository)
      for r in results {
        #expect(r.status == 0, "\(registry): \(r.stdout)\(r.stderr)")
        #expect(r.stdout.hasPrefix("published "), "\(r.stdout)")
      }
      let list = try CLI.run(
        ["registry", "list", "--json", "--registry", registry], environment: environment,
        cwd: repository)
      let listed = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [Any]
      #expect(listed?.count == 8, "\(list.stdout)\(list.stderr)")

      // Publishing a published version again from two processes: both are told, neither
      // fails.
      let again = try Self.atOnce(
        Array(
          repeating: ["publish", tasks[0], "--allow-skipped", "reference", "--registry", registry],
          count: 2), environment: environment, cwd: repository)
      #expect(again.allSatisfy { $0.status == 0 }, "\(again.map(\.stderr))")
      #expect(again.filter { $0.stdout.contains("is already published in") }.count == 2)
    }
  }

  @Test func twoProcessesPublishingANewVersionAtOnceOneWinsTheOtherIsTold() throws {
    defer { try? FileManager.default.removeItem(at: dir) }
    let tasks = try validatedTasks(1)
    let server = try TestPostgres.shared()
    let environment = ProcessInfo.processInfo.environment.merging(server.environment) { $1 }
    for registry in [dir.appendingPathComponent("r.sqlite").path, try server.createDatabase()] {
      let results = try Self.atOnce(
        Array(
          repeating: ["publish", tasks[0], "--allow-skipped", "reference", "--registry", registry],
          count: 2), environment: environment, cwd: repository)
      #expect(results.allSatisfy { $0.status == 0 }, "\(results.map(\.stderr))")
      #expect(results.filter { $0.stdout.hasPrefix("published ") }.count == 1)
      #expect(results.filter { $0.stdout.contains("is already published in") }.count == 1)
    }
  }

  @Test func aWrongPasswordOrAnUnreachableServerIsOneErrorLineWithoutThePassword() throws {
    let server = try TestPostgres.shared()
    let free = try TestPostgres.freePort()
    let cases = [
      ("postgres://dojo:hunter2@127.0.0.1:\(server.port)/dojo?sslmode=disable", "password"),
      ("postgres://dojo:hunter2@127.0.0.1:\(free)/dojo?sslmode=disable", "cannot reach"),
    ]
    for command in [
      ["registry", "list"], ["report", "--out", "/dev/null"], ["rank"],
      ["trajectories", "--out", "/dev/null"],
    ] {
      for (url, says) in cases {
        // Also from DOJO_REGISTRY, as `eval "$(scripts/postgres-up)"` sets it.
        let r = try CLI.run(
          command,
          environment: ProcessInfo.processInfo.environment.merging(["DOJO_REGISTRY": url]) { $1 })
        #expect(r.status == 1)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(command): \(r.stderr)")
        #expect(r.stderr.hasPrefix("error: "), "\(r.stderr)")
        #expect(r.stderr.contains(says), "\(r.stderr)")
        #expect(r.stderr.contains("postgres://dojo@127.0.0.1:"), "\(r.stderr)")
        #expect(!r.stderr.contains("hunter2"), "\(r.stderr)")
      }
    }
  }
}
