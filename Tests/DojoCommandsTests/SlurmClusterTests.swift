import DojoCore
import DojoTestSupport
import Foundation
import Pipeline
import Registry
import Synchronization
import Testing

@testable import DojoCommands

/// The real single-node Slurm cluster of `scripts/cluster-up` (munged, slurmctld, slurmd from
/// Debian's packages), in a folder and on ports of the tests' own so a developer's cluster is
/// left alone; started once for the suite and stopped by `scripts/cluster-down` when the test
/// process exits.
enum TestCluster {
  static let repository = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  static let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
    "dojo-test-cluster-\(getpid())")
  static let environment = [
    "DOJO_CLUSTER_DIR": folder.path, "DOJO_SLURM_PORT": "16917",
  ]

  /// Starts the cluster (once) and points this process's Slurm commands at it.
  static func up() throws {
    try started.withLock { started in
      if started { return }
      let outcome = try script("cluster-up")
      #expect(outcome.status == 0, "scripts/cluster-up: \(outcome.stderr)")
      guard outcome.status == 0 else {
        throw TestClusterError(message: "scripts/cluster-up failed: \(outcome.stderr)")
      }
      for line in outcome.stdout.split(separator: "\n") where line.hasPrefix("export ") {
        let pair = line.dropFirst("export ".count).split(separator: "=", maxSplits: 1)
        if pair.count == 2 { setenv(String(pair[0]), String(pair[1]), 1) }
      }
      atexit {
        _ = try? TestCluster.script("cluster-down")
        try? FileManager.default.removeItem(at: TestCluster.folder)
      }
      started = true
    }
  }

  static let started = Mutex(false)

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
/// Slurm executor over it. The elements write the registry named by `registry`; on this one
/// node every element runs on the machine that holds it.
struct SlurmTree {
  let root = FileManager.default.temporaryDirectory.appendingPathComponent(
    "dojo-slurm-tree-\(UUID())")
  var manifests: URL { root.appendingPathComponent("manifests") }
  var curated: URL { root.appendingPathComponent("curated") }
  var logs: URL { curated.appendingPathComponent("logs") }
  var registry: String { curated.appendingPathComponent("registry.sqlite").path }

  var executor: SlurmImport {
    let path = registry
    var runner = SlurmImport(
      logs: logs, registryURL: path,
      openRegistry: { try Registry(at: URL(fileURLWithPath: path)) })
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
    try TestCluster.up()
    let tree = SlurmTree()
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

    let registry = try Registry(at: URL(fileURLWithPath: tree.registry))
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
    try TestCluster.up()
    let archive = try generatedArchive(id: "flaky")
    let serving = Mutex(false)
    let server = try LoopbackHTTPServer { _ in
      serving.withLock { $0 }
        ? .init(body: archive) : .init(status: 404, body: Data("not yet".utf8))
    }
    defer { server.stop() }
    let tree = SlurmTree()
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

  /// `--detach` returns with the job id while the array is still queued or running; `--status`
  /// shows where it is then, and the whole summary once it has ended.
  @Test func detachReturnsAtOnceAndStatusShowsTheSummaryLater() throws {
    try TestCluster.up()
    let tree = SlurmTree()
    defer { tree.remove() }
    let ids = ["later-0", "later-1"]
    for id in ids { try writeGeneratedCompetition(id: id, manifests: tree.manifests) }
    #expect(
      try tree.executor.submit(
        ids: ids, command: tree.command, resources: SlurmResources(maxParallel: 1), detach: true)
        == 0)
    let job = try onlyJob(tree)
    let file = try SlurmJobFile.read(job: job, logs: tree.logs)
    let early = try tree.executor.summary(file, try tree.executor.look(file))
    #expect(early.unfinished > 0, "a detached submit returns before its elements end")
    let deadline = Date().addingTimeInterval(240)
    var summary = early
    while summary.unfinished > 0 && Date() < deadline {
      Thread.sleep(forTimeInterval: 0.5)
      summary = try tree.executor.summary(file, try tree.executor.look(file))
    }
    #expect(summary.counts == "job \(job): 0 pending, 0 running, 2 done, 0 failed")
    #expect(try tree.executor.status(job: job) == 0)
  }

  /// `dojo validate --executor slurm`: the imported tasks validated again, one element each,
  /// the summary read from the validations the elements recorded since the job was submitted.
  @Test func validateRunsOneElementPerTaskAndSumsUpTheirRecords() throws {
    try TestCluster.up()
    let tree = SlurmTree()
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
