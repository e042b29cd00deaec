import DojoTestSupport
import Foundation
import Pipeline
import Synchronization
import Testing

@testable import DojoCommands

/// A small competition whose archive is served from `source` (a URL, or a file next to the
/// manifest when nil): 80 rows, a random split, accuracy, a three-team leaderboard.
func writeGeneratedCompetition(id: String, manifests: URL, source: String? = nil) throws {
  let dir = manifests.appendingPathComponent(id)
  try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  try generatedArchive(id: id).write(to: dir.appendingPathComponent("\(id).tar.gz"))
  try "<html><body><main><h1>\(id)</h1><p>Predict label.</p></main></body></html>".write(
    to: dir.appendingPathComponent("overview.html"), atomically: true, encoding: .utf8)
  try
    "TeamId,TeamName,SubmissionDate,Score\n1,a,2024-01-01,0.9\n2,b,2024-01-01,0.7\n3,c,2024-01-01,0.6\n"
    .write(to: dir.appendingPathComponent("lb.csv"), atomically: true, encoding: .utf8)
  try """
  id: \(id)
  title: Generated \(id)
  source:
    url: \(source ?? "\(id).tar.gz")
  page: overview.html
  files:
    train: train.csv
  split:
    strategy: random
    test_fraction: 0.25
    seed: 1
  answers:
    id: id
    targets: [label]
  metric:
    name: accuracy
  leaderboard:
    public: lb.csv
  """.write(to: dir.appendingPathComponent("manifest.yaml"), atomically: true, encoding: .utf8)
}

/// The tar.gz of a generated competition's train.csv.
func generatedArchive(id: String) throws -> Data {
  let staging = FileManager.default.temporaryDirectory.appendingPathComponent("dojo-gen-\(UUID())")
  defer { try? FileManager.default.removeItem(at: staging) }
  try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
  var table = "id,x,label\r\n"
  for i in 0..<80 { table += "\(i),\(Double(i) / 3),\(i % 4 == 0 ? "a" : "b")\r\n" }
  try table.write(
    to: staging.appendingPathComponent("train.csv"), atomically: true, encoding: .utf8)
  let tar = Process()
  tar.executableURL = URL(fileURLWithPath: "/bin/tar")
  tar.arguments = ["czf", "archive.tar.gz", "train.csv"]
  tar.currentDirectoryURL = staging
  try tar.run()
  tar.waitUntilExit()
  #expect(tar.terminationStatus == 0)
  return try Data(contentsOf: staging.appendingPathComponent("archive.tar.gz"))
}

@Suite("dojo import executors")
struct ImportExecutorTests {
  /// Each competition's blocking work has a thread of its own: 4 jobs whose fetches each wait
  /// on a slow server are all in flight at once, even where the cooperative pool has 2
  /// threads (it has as many as cores; this machine and CI have 2).
  @Test func localJobsRunNAtOnceWhateverTheCoreCount() throws {
    struct Flight {
      var now = 0
      var most = 0
    }
    let flight = Mutex(Flight())
    let server = try LoopbackHTTPServer { _ in
      flight.withLock {
        $0.now += 1
        $0.most = max($0.most, $0.now)
      }
      Thread.sleep(forTimeInterval: 2)
      flight.withLock { $0.now -= 1 }
      return .init(status: 404, body: Data("gone".utf8))
    }
    defer { server.stop() }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "dojo-local-jobs-\(UUID())")
    defer { try? FileManager.default.removeItem(at: dir) }
    let ids = (0..<4).map { "slow-\($0)" }
    for id in ids {
      try writeGeneratedCompetition(
        id: id, manifests: dir.appendingPathComponent("manifests"),
        source: "\(server.baseURL.absoluteString)/\(id).tar.gz")
    }
    let r = try CLI.run(["import"] + ids + ["--jobs", "4", "--skip-reference"], cwd: dir)
    #expect(r.status == 1, "every fetch 404s: \(r.stdout)\(r.stderr)")
    #expect(r.stdout.contains("0 of 4 imported"))
    #expect(
      flight.withLock { $0.most } == 4, "fetches in flight at once: \(flight.withLock { $0.most })")
  }

  /// `--executor slurm` writes the registry from many nodes: a SQLite file is refused before
  /// anything is submitted, naming what to pass instead.
  @Test func slurmRefusesASQLiteRegistry() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "dojo-slurm-sqlite-\(UUID())")
    defer { try? FileManager.default.removeItem(at: dir) }
    try writeGeneratedCompetition(id: "gen", manifests: dir.appendingPathComponent("manifests"))
    let r = try CLI.run(["import", "gen", "--executor", "slurm"], cwd: dir)
    #expect(r.status == 1)
    #expect(r.stderr.hasPrefix("error: --executor slurm needs a PostgreSQL registry"))
    #expect(r.stderr.contains("--registry postgres://"))
    #expect(
      !FileManager.default.fileExists(atPath: dir.appendingPathComponent("curated/logs").path))
    // validate too, whether the file is named or taken from DOJO_REGISTRY.
    var environment = ProcessInfo.processInfo.environment
    environment["DOJO_REGISTRY"] = "curated/registry.sqlite"
    let v = try CLI.run(
      ["validate", "gen", "--executor", "slurm"], environment: environment, cwd: dir)
    #expect(v.status == 1)
    #expect(
      v.stderr.hasPrefix("error: --executor slurm needs a PostgreSQL registry"), "\(v.stderr)")
    #expect(v.stderr.contains("curated/registry.sqlite"))
  }

  @Test func slurmOptionsAreCheckedBeforeAnythingIsSubmitted() throws {
    let cwd = FileManager.default.temporaryDirectory
    for (args, message) in [
      (
        ["import", "x", "--executor", "slurm", "--max-parallel", "0"],
        "--max-parallel must be at least 1"
      ),
      (["import", "--status", "12;rm"], "is not a Slurm job id"),
      (["import", "x", "--partition", "gpu"], "need --executor slurm"),
      (["import", "x", "--executor", "slurm", "--sbatch-arg", "account=ml"], "one sbatch option"),
    ] {
      let r = try CLI.run(args, cwd: cwd)
      #expect(r.status == 1, "\(args)")
      #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
    }
  }

  /// The batch script: one array over the ids with the throttle, the resources as #SBATCH
  /// lines, each element's output appended to its competition's log, and the registry taken
  /// from the environment (no password in a file on the shared filesystem).
  @Test func batchScriptIsOneArrayWithTheResourcesAndPerCompetitionLogs() {
    let script = Slurm.batchScript(
      name: "dojo-import", ids: ["a", "it's"],
      resources: SlurmResources(
        partition: "gpu", maxParallel: 3, time: "01:00:00", mem: "8G", cpusPerTask: 4,
        gres: "gpu:1", extra: ["--account=ml"]),
      logs: URL(fileURLWithPath: "/shared/curated/logs"),
      directory: URL(fileURLWithPath: "/shared"),
      command: ["/opt/dojo", "import", "{id}", "--registry", "{registry}", "--run", "{run}"])
    let lines = script.split(separator: "\n").map(String.init)
    for line in [
      "#SBATCH --array=0-1%3", "#SBATCH --partition=gpu", "#SBATCH --time=01:00:00",
      "#SBATCH --mem=8G", "#SBATCH --cpus-per-task=4", "#SBATCH --gres=gpu:1",
      "#SBATCH --account=ml", "ids=('a' 'it'\\''s')",
      "exec >>'/shared/curated/logs'/\"$id.log\" 2>&1",
      "exec '/opt/dojo' 'import' \"$id\" '--registry' \"$DOJO_REGISTRY\" '--run' \"${DOJO_IMPORT_RUN:-slurm-$SLURM_ARRAY_JOB_ID}\"",
    ] {
      #expect(lines.contains(line), "\(line) in\n\(script)")
    }
    let retry = SlurmImport.retargeted(script, ids: ["it's"])
    #expect(retry.contains("#SBATCH --array=0-0%3\n"))
    #expect(retry.contains("ids=('it'\\''s')\n"))
    #expect(retry.contains("#SBATCH --gres=gpu:1\n"))
  }
}
