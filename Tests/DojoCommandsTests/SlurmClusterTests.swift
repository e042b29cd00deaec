import DojoCore
import DojoTestSupport
import Foundation
import Pipeline
import Registry
import Synchronization
import Testing

@testable import DojoCommands

/// The real single-node Slurm cluster of `scripts/cluster-up` (munged, slurmctld, slurmd from
/// Debian's packages, and PostgreSQL through postgres-up), in a folder and on ports of the
/// tests' own so a developer's cluster is left alone; started once for the suite and stopped
/// by `scripts/cluster-down` when the test process exits. Its PostgreSQL is the test process's
/// one (``TestPostgres``): cluster-up is given that server's folder and port, finds it up and
/// prints its lines.
enum TestCluster {
  static let repository = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  static let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
    "dojo-test-cluster-\(getpid())")
  static var environment: [String: String] {
    var environment = ["DOJO_CLUSTER_DIR": folder.path, "DOJO_SLURM_PORT": "16917"]
    if let server = try? TestPostgres.shared() {
      environment["DOJO_PG_DIR"] = server.folder
      environment["DOJO_PG_PORT"] = String(server.port)
    }
    return environment
  }

  /// Starts the cluster (once), points this process's Slurm commands at it and returns the
  /// `DOJO_REGISTRY` cluster-up printed. That one is kept out of this process's environment:
  /// other tests run `dojo` beside these ones and must not find a registry there.
  @discardableResult
  static func up() throws -> String {
    try started.withLock { started in
      if let started { return started }
      _ = try TestPostgres.shared()
      let outcome = try script("cluster-up")
      #expect(outcome.status == 0, "scripts/cluster-up: \(outcome.stderr)")
      guard outcome.status == 0 else {
        throw TestClusterError(message: "scripts/cluster-up failed: \(outcome.stderr)")
      }
      var registry: String?
      for line in outcome.stdout.split(separator: "\n") where line.hasPrefix("export ") {
        let pair = line.dropFirst("export ".count).split(separator: "=", maxSplits: 1)
        guard pair.count == 2 else { continue }
        if pair[0] == "DOJO_REGISTRY" {
          registry = String(pair[1])
        } else {
          setenv(String(pair[0]), String(pair[1]), 1)
        }
      }
      guard let registry, registry.hasPrefix("postgres://") else {
        throw TestClusterError(
          message: "scripts/cluster-up printed no PostgreSQL DOJO_REGISTRY: \(outcome.stdout)")
      }
      atexit {
        _ = try? TestCluster.script("cluster-down")
        try? FileManager.default.removeItem(at: TestCluster.folder)
      }
      started = registry
      return registry
    }
  }

  static let started = Mutex<String?>(nil)

  /// Runs one of the scripts. ProcessRunner, not Foundation's Process: the script's daemons
  /// outlive it (each in a session of its own, so the runner's clean-up of the script's
  /// process group leaves them be).
  static func script(_ name: String) throws -> CLIResult {
    let outcome = try ProcessRunner.run(
      repository.appendingPathComponent("scripts/\(name)").path, [],
      environment: ProcessInfo.processInfo.environment.merging(environment) { $1 },
      limits: ProcessLimits(wallSeconds: 180))
    return CLIResult(
      status: outcome.exitCode ?? -1, stdout: outcome.stdoutTail, stderr: outcome.stderrTail)
  }
}

struct TestClusterError: Error, CustomStringConvertible {
  var message: String
  var description: String { message }
}

/// A scratch tree as the shared filesystem holds it (manifests/, raw/, curated/), and the
/// Slurm executor over it. The elements write `registry`, a database of its own on the
/// cluster's PostgreSQL (its password reaches them in PGPASSFILE, which cluster-up exported).
struct SlurmTree {
  let root = FileManager.default.temporaryDirectory.appendingPathComponent(
    "dojo-slurm-tree-\(UUID())")
  let registry: String
  var manifests: URL { root.appendingPathComponent("manifests") }
  var curated: URL { root.appendingPathComponent("curated") }
  var logs: URL { curated.appendingPathComponent("logs") }

  init() throws {
    try TestCluster.up()
    registry = try TestPostgres.shared().createDatabase()
  }

  func open() throws -> Registry { try Registry(RegistryLocation(parsing: registry)) }

  var executor: SlurmImport {
    let url = registry
    var runner = SlurmImport(
      logs: logs, registryURL: url,
      openRegistry: { try Registry(RegistryLocation(parsing: url)) })
    runner.pollSeconds = 0.5
    return runner
  }

  var command: [String] {
    ImportCommand.elementCommand(
      executable: CLI.executable.path, manifests: manifests.path,
      raw: root.appendingPathComponent("raw").path, curated: curated.path, skipReference: true)
  }

  func remove() { try? FileManager.default.removeItem(at: root) }
}

@Suite("dojo import --executor slurm on a real cluster", .serialized)
struct SlurmClusterTests {
  /// The bundled competitions and generated ones, one array element each, at most 4 at
  /// once: every one imported on the cluster, the summary read from the registry's records,
  /// each element's log under curated/logs/.
  @Test func bundledAndGeneratedCompetitionsImportThroughOneJobArray() throws {
    let tree = try SlurmTree()
    defer { tree.remove() }
    try FileManager.default.createDirectory(at: tree.manifests, withIntermediateDirectories: true)
    let bundled = ["concrete-strength", "olive-oil-regions", "titanic-survival"]
    for id in bundled {
      try FileManager.default.copyItem(
        at: TestCluster.repository.appendingPathComponent("manifests/\(id)"),
        to: tree.manifests.appendingPathComponent(id))
    }
    let generated = (0..<3).map { "generated-\($0)" }
    for id in generated { try writeGeneratedCompetition(id: id, manifests: tree.manifests) }
    let ids = bundled + generated
    let failed = try tree.executor.submit(
      ids: ids, command: tree.command, resources: SlurmResources(maxParallel: 4), detach: false)
    #expect(failed == 0, "\(logs(tree, ids))")

    let registry = try tree.open()
    #expect(Set(try registry.latest().map(\.id)) == Set(ids))
    let jobs = try FileManager.default.contentsOfDirectory(atPath: tree.logs.path)
      .filter { $0.hasPrefix("slurm-") && $0.hasSuffix(".json") }
    #expect(jobs.count == 1)
    let job = String(jobs[0].dropFirst("slurm-".count).dropLast(".json".count))
    let records = try registry.importRecords(run: "slurm-\(job)")
    #expect(records.map(\.task) == ids.sorted())
    #expect(records.allSatisfy { $0.succeeded && $0.stage == "publish" })
    for id in ids {
      let log = try String(
        contentsOf: tree.logs.appendingPathComponent("\(id).log"), encoding: .utf8)
      #expect(log.contains("== dojo-import \(id): job \(job)_"), "\(log)")
    }
    // The same summary later, from another process, through the command line.
    let file = try SlurmJobFile.read(job: job, logs: tree.logs)
    let summary = try tree.executor.summary(file, try tree.executor.look(file))
    #expect(summary.counts == "job \(job): 0 pending, 0 running, 6 done, 0 failed")
    #expect(summary.table.hasPrefix("task"))
    #expect(summary.table.contains("titanic-survival"))
  }

  /// An element whose fetch 404s fails and says where; `--retry-failed` submits only that one
  /// again (as a new array recording under the first job's run), and once the server has the
  /// archive the job's summary is whole.
  @Test func aFailedElementIsRetriedAloneAndTheSummaryEndsWhole() throws {
    let archive = try generatedArchive(id: "flaky")
    let serving = Mutex(false)
    let server = try LoopbackHTTPServer { _ in
      serving.withLock { $0 }
        ? .init(body: archive) : .init(status: 404, body: Data("not yet".utf8))
    }
    defer { server.stop() }
    let tree = try SlurmTree()
    defer { tree.remove() }
    try writeGeneratedCompetition(id: "steady", manifests: tree.manifests)
    try writeGeneratedCompetition(
      id: "flaky", manifests: tree.manifests,
      source: "\(server.baseURL.absoluteString)/flaky.tar.gz")
    let failed = try tree.executor.submit(
      ids: ["flaky", "steady"], command: tree.command, resources: SlurmResources(), detach: false)
    #expect(failed == 1)
    let job = try onlyJob(tree)
    var file = try SlurmJobFile.read(job: job, logs: tree.logs)
    var summary = try tree.executor.summary(file, try tree.executor.look(file))
    #expect(summary.counts == "job \(job): 0 pending, 0 running, 1 done, 1 failed")
    #expect(
      summary.table.split(separator: "\n").contains {
        $0.hasPrefix("flaky ") && $0.contains(" failed  fetch ") && $0.contains("HTTP 404")
      }, "\(summary.table)")
    let log = try String(contentsOf: tree.logs.appendingPathComponent("flaky.log"), encoding: .utf8)
    #expect(log.contains("404"), "\(log)")

    serving.withLock { $0 = true }
    #expect(try tree.executor.retry(job: job, detach: false) == 0)
    file = try SlurmJobFile.read(job: job, logs: tree.logs)
    #expect(file.attempts.count == 2)
    #expect(file.attempts[1].ids == ["flaky"])
    summary = try tree.executor.summary(file, try tree.executor.look(file))
    #expect(summary.counts == "job \(job): 0 pending, 0 running, 2 done, 0 failed")
    // Nothing left to retry: no job is submitted.
    #expect(try tree.executor.retry(job: job, detach: false) == 0)
    #expect(try SlurmJobFile.read(job: job, logs: tree.logs).attempts.count == 2)
  }

  /// Through the command line, with the registry in `DOJO_REGISTRY` (a PostgreSQL URL, as
  /// cluster-up prints it): `--detach` returns with the job id while the array is still queued
  /// or running; `--status` shows where it is then, and the whole summary once it has ended.
  @Test func detachReturnsAtOnceAndStatusShowsTheSummaryLater() throws {
    let tree = try SlurmTree()
    defer { tree.remove() }
    let ids = ["later-0", "later-1"]
    for id in ids { try writeGeneratedCompetition(id: id, manifests: tree.manifests) }
    var environment = ProcessInfo.processInfo.environment
    environment["DOJO_REGISTRY"] = tree.registry
    let paths = [
      "--manifests", tree.manifests.path, "--raw", tree.root.appendingPathComponent("raw").path,
      "--curated", tree.curated.path,
    ]
    let submitted = try CLI.run(
      ["import"] + ids + paths + [
        "--skip-reference", "--executor", "slurm", "--max-parallel", "1", "--detach",
      ], environment: environment, cwd: tree.root)
    #expect(submitted.status == 0, "\(submitted.stderr)")
    let job = submitted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(!job.isEmpty && job.allSatisfy(\.isNumber), "\(submitted.stdout)")
    #expect(submitted.stderr.contains("dojo import --status \(job)"))
    let early = try CLI.run(
      ["import", "--status", job] + paths, environment: environment, cwd: tree.root)
    #expect(
      !early.stdout.contains("0 pending, 0 running, 2 done"),
      "a detached submit returns before its elements end: \(early.stdout)")
    let deadline = Date().addingTimeInterval(240)
    var status = early
    while !status.stdout.contains("0 pending, 0 running") && Date() < deadline {
      Thread.sleep(forTimeInterval: 0.5)
      status = try CLI.run(
        ["import", "--status", job] + paths, environment: environment, cwd: tree.root)
    }
    #expect(status.stdout.hasPrefix("job \(job): 0 pending, 0 running, 2 done, 0 failed"))
    #expect(status.status == 0, "\(status.stdout)\(status.stderr)")
    #expect(
      status.stdout.split(separator: "\n").filter { $0.hasPrefix("later-") && $0.contains(" ok ") }
        .count == 2, "\(status.stdout)")
    // Both were published into the PostgreSQL registry.
    #expect(Set(try tree.open().latest().map(\.id)) == Set(ids))
  }

  /// `dojo validate --executor slurm`: the imported tasks validated again, one element each,
  /// the summary read from the validations the elements recorded since the job was submitted.
  @Test func validateRunsOneElementPerTaskAndSumsUpTheirRecords() throws {
    let tree = try SlurmTree()
    defer { tree.remove() }
    let ids = ["checked-0", "checked-1"]
    for id in ids { try writeGeneratedCompetition(id: id, manifests: tree.manifests) }
    #expect(
      try tree.executor.submit(
        ids: ids, command: tree.command, resources: SlurmResources(), detach: false) == 0)
    var validator = tree.executor
    validator.kind = .validate
    validator.directory = tree.root
    let failed = try validator.submit(
      ids: ids,
      command: [
        CLI.executable.path, "validate", "{id}", "--registry", "{registry}", "--skip-reference",
      ],
      resources: SlurmResources(gres: nil), detach: false)
    #expect(failed == 0, "\(logs(tree, ids))")
    let files = try FileManager.default.contentsOfDirectory(atPath: tree.logs.path)
      .filter { $0.hasPrefix("slurm-") && $0.hasSuffix(".json") }.sorted()
    let jobs = try files.map {
      try SlurmJobFile.read(
        job: String($0.dropFirst("slurm-".count).dropLast(".json".count)), logs: tree.logs)
    }
    let validation = try #require(jobs.first { $0.command == "validate" })
    let summary = try validator.summary(validation, try validator.look(validation))
    #expect(summary.counts == "job \(validation.job): 0 pending, 0 running, 2 done, 0 failed")
    #expect(summary.table.hasPrefix("task       result  failed check  version"), "\(summary.table)")
    for id in ids {
      let log = try String(
        contentsOf: tree.logs.appendingPathComponent("\(id).log"), encoding: .utf8)
      #expect(log.contains("== dojo-validate \(id): job \(validation.job)_"), "\(log)")
    }
  }

  func onlyJob(_ tree: SlurmTree) throws -> String {
    let jobs = try FileManager.default.contentsOfDirectory(atPath: tree.logs.path)
      .filter { $0.hasPrefix("slurm-") && $0.hasSuffix(".json") }
    #expect(jobs.count == 1)
    return String(jobs.first?.dropFirst("slurm-".count).dropLast(".json".count) ?? "")
  }

  func logs(_ tree: SlurmTree, _ ids: [String]) -> String {
    ids.map {
      (try? String(contentsOf: tree.logs.appendingPathComponent("\($0).log"), encoding: .utf8))
        ?? "\($0): no log"
    }.joined(separator: "\n")
  }
}
