import Curation
import DojoCore
import Foundation
import Pipeline
import Registry
import Runtime
import Sandbox
import Testing

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// Every runtime suite runs under this one, one test at a time: the timing tests (health
/// under load, the step overhead) measure the server, not the other suites' sandboxed runs.
@Suite("Runtime", .serialized) struct RuntimeSuites {}

/// A small published task: a bundled archive imported (prepare, validate, publish) into a
/// temporary registry, as the runtime finds tasks in production. Made once per test run.
struct PublishedFixture: Sendable {
  let root: URL
  let registry: URL
  let taskPath: URL
  let id: String

  static let shared: PublishedFixture? = {
    let fixture = try? PublishedFixture(id: "rt-demo", rows: 80)
    // Swift Testing has no suite-wide teardown: the temporary folder goes at exit.
    if fixture != nil {
      atexit {
        if let root = PublishedFixture.shared?.root {
          try? FileManager.default.removeItem(at: root)
        }
      }
    }
    return fixture
  }()

  /// A task of `rows` training rows, a quarter of which become the test set.
  init(id: String, rows: Int) throws {
    self.id = id
    root = FileManager.default.temporaryDirectory.appendingPathComponent("dojo-runtime-\(UUID())")
    let manifests = root.appendingPathComponent("manifests")
    let dir = manifests.appendingPathComponent(id)
    let staging = root.appendingPathComponent("staging/\(id)")
    var table = "id,x,label\r\n"
    for i in 0..<rows { table += "\(i),\(Double(i) / 3),\(i % 4 == 0 ? "a" : "b")\r\n" }
    try AtomicFiles.write(table, to: staging.appendingPathComponent("train.csv"))
    try AtomicFiles.createDirectory(dir)
    let tar = try ProcessRunner.run(
      "/bin/tar",
      ["czf", dir.appendingPathComponent("\(id).tar.gz").path, "-C", staging.path, "."],
      limits: ProcessLimits(wallSeconds: 30))
    guard tar.succeeded else { throw DojoError(.io, "tar failed: \(tar.stderrTail)") }
    try AtomicFiles.write(
      "<html><body><main><h1>Runtime demo</h1><p>Predict label.</p></main></body></html>",
      to: dir.appendingPathComponent("overview.html"))
    try AtomicFiles.write(
      "TeamId,TeamName,SubmissionDate,Score\n1,a,2024-01-01,0.95\n2,b,2024-01-01,0.8\n3,c,2024-01-01,0.7\n4,d,2024-01-01,0.5\n",
      to: dir.appendingPathComponent("lb.csv"))
    try AtomicFiles.write(
      """
      id: \(id)
      title: Runtime demo
      source:
        url: \(id).tar.gz
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
      """, to: dir.appendingPathComponent("manifest.yaml"))
    registry = root.appendingPathComponent("curated/registry.sqlite")
    let options = ImportOptions(
      raw: root.appendingPathComponent("raw"), curated: root.appendingPathComponent("curated"),
      registry: registry, environment: [:], skipReference: true)
    let outcome = Importer(options).run(try ManifestLoader.load(dir))
    guard outcome.succeeded else {
      throw DojoError(.internalError, "the fixture did not import: \(outcome.error ?? "")")
    }
    taskPath = URL(fileURLWithPath: try Registry(at: registry).task(id).path)
  }

  /// A fresh sessions folder.
  func sessionsDirectory() -> URL {
    root.appendingPathComponent("sessions-\(UUID().uuidString.prefix(8))", isDirectory: true)
  }

  func configuration(sessions: URL) -> RuntimeConfiguration {
    RuntimeConfiguration(
      registry: registry, sessionsDirectory: sessions,
      defaultLimits: SessionLimits(executionTimeoutS: 20, memoryMB: 512),
      maxProcesses: 256, fileSizeMB: 256)
  }
}

/// Whether the runtime's tests can run: bubblewrap works and the fixture was published.
let runtimeAvailable = Sandbox.isAvailable().available && PublishedFixture.shared != nil

/// The runtime suites are skipped where the sandbox or the fixture cannot be made; as root
/// (CI and this project's machines, after `scripts/install-deps`) that is a failure, so the
/// suites never go quiet there.
@Test(.enabled(if: geteuid() == 0, "not root: the sandbox's dedicated user needs root"))
func theRuntimeSuitesCanRunAsRoot() {
  #expect(Sandbox.isAvailable().available, "\(Sandbox.isAvailable().reason)")
  #expect(PublishedFixture.shared != nil, "the published fixture task could not be made")
}

/// The built `dojo` executable, next to the test bundle in the build folder.
let dojoExecutable: URL = {
  var dir = Bundle.main.bundleURL
  for _ in 0..<4 {
    let candidate = dir.appendingPathComponent("dojo")
    if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    dir = dir.deletingLastPathComponent()
  }
  return dir.appendingPathComponent("dojo")
}()

/// A `Process` handed between threads: it is only started on one and waited on another.
private final class ProcessBox: @unchecked Sendable {
  let process: Process
  init(_ process: Process) { self.process = process }
}

/// Kills a server still running when the last copy of its ``LiveServer`` is dropped: a test
/// that throws before `stop()` must not leave `dojo serve` behind. A server already stopped
/// is left alone (its pid may have been reused once it was reaped).
private final class ServerReaper: @unchecked Sendable {
  let process: Process
  init(_ process: Process) { self.process = process }
  deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

/// A real server: `dojo serve --port 0` on 127.0.0.1 in a process of its own, as users run
/// it. Its own process keeps its sandboxed runs (and their cgroups, named by its pid) apart
/// from the test process, and lets the restart test kill it outright.
struct LiveServer: Sendable {
  let port: Int
  let pid: Int32
  let log: URL
  /// The server token: the one the test gave in DOJO_TOKEN, or the one the server printed.
  let token: String
  private let exited: Task<Int32, Never>
  private let reaper: ServerReaper

  /// A fresh random token for a server's DOJO_TOKEN.
  static func randomToken() -> String {
    (0..<4).map { _ in String(UInt64.random(in: 0...UInt64.max), radix: 16) }.joined(
      separator: "x")
  }

  /// Starts `dojo serve` with `configuration`'s limits, `token` as DOJO_TOKEN (none: the
  /// server generates one) and any `extraArguments`.
  static func start(
    _ configuration: RuntimeConfiguration, token: String? = LiveServer.randomToken(),
    extraArguments: [String] = []
  ) async throws -> LiveServer {
    let (process, log, exited) = try launch(
      configuration, token: token, extraArguments: extraArguments)
    // Watched from a thread of its own, so that a cooperative pool held by other suites'
    // synchronous tests cannot make the deadline pass unseen. Generous: on CI's two shared
    // cores a start was once seen to take over 30 s.
    let box = ProcessBox(process)
    let started = try await onOwnThread { () -> (port: Int, token: String)? in
      let deadline = Date().addingTimeInterval(90)
      repeat {
        let running = box.process.isRunning
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        if let match = text.firstMatch(of: /listening on http:\/\/127\.0\.0\.1:(\d+)/),
          let port = Int(match.1),
          let printed = token
            ?? text.firstMatch(of: /Authorization: Bearer ([0-9a-f]+)/).map({ String($0.1) })
        {
          return (port, printed)
        }
        // Read once more after it ended: what it printed last is in the log by now.
        if !running { return nil }
        usleep(20_000)
      } while Date() < deadline
      return nil
    }
    if let started {
      return LiveServer(
        port: started.port, pid: process.processIdentifier, log: log, token: started.token,
        exited: exited, reaper: ServerReaper(process))
    }
    kill(process.processIdentifier, SIGKILL)
    _ = await exited.value
    let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
    throw DojoError(.internalError, "dojo serve did not start within 90 s: \(text)")
  }

  /// Runs `dojo serve` expecting it to refuse to start; returns its exit status and output.
  static func refusal(
    _ configuration: RuntimeConfiguration, token: String? = LiveServer.randomToken(),
    extraArguments: [String]
  ) async throws -> (status: Int32, output: String) {
    let (process, log, exited) = try launch(
      configuration, token: token, extraArguments: extraArguments)
    let watchdog = Task {
      try await Task.sleep(for: .seconds(30))
      kill(process.processIdentifier, SIGKILL)
    }
    let status = await exited.value
    watchdog.cancel()
    return (status, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
  }

  private static func launch(
    _ configuration: RuntimeConfiguration, token: String?, extraArguments: [String]
  ) throws -> (Process, URL, Task<Int32, Never>) {
    let home = configuration.sessionsDirectory.deletingLastPathComponent()
    let log = home.appendingPathComponent("serve-\(UUID().uuidString.prefix(8)).log")
    try AtomicFiles.createDirectory(home)
    _ = FileManager.default.createFile(atPath: log.path, contents: nil)
    let process = Process()
    process.executableURL = dojoExecutable
    process.arguments =
      [
        "serve", "--registry",
        configuration.registry.isFileURL
          ? configuration.registry.path : configuration.registry.absoluteString,
        "--host", "127.0.0.1", "--port", "0",
        "--sessions", configuration.sessionsDirectory.path,
        "--timeout", "\(configuration.defaultLimits.executionTimeoutS)",
        "--memory", "\(configuration.defaultLimits.memoryMB ?? 4096)",
        "--max-processes", "\(configuration.maxProcesses)", "--max-file-mb",
        "\(configuration.fileSizeMB)",
      ] + extraArguments
    var environment = ProcessInfo.processInfo.environment
    environment["DOJO_TOKEN"] = token
    process.environment = environment
    process.currentDirectoryURL = home
    let output = try FileHandle(forWritingTo: log)
    process.standardOutput = output
    process.standardError = output
    process.standardInput = FileHandle.nullDevice
    try process.run()
    try? output.close()
    let box = ProcessBox(process)
    let exited = Task<Int32, Never> {
      await withCheckedContinuation { continuation in
        Thread {
          box.process.waitUntilExit()
          continuation.resume(returning: box.process.terminationStatus)
        }.start()
      }
    }
    return (process, log, exited)
  }

  var client: APIClient { APIClient(port: port, token: token) }

  /// Stops the server as Ctrl-C does, and waits until it has exited.
  @discardableResult
  func stop() async -> Int32 {
    kill(pid, SIGINT)
    let watchdog = Task {
      try await Task.sleep(for: .seconds(20))
      kill(pid, SIGKILL)
    }
    let status = await exited.value
    watchdog.cancel()
    return status
  }

  /// Kills the server outright (SIGKILL), as a crash or an OOM kill would.
  func kill9() async {
    kill(pid, SIGKILL)
    _ = await exited.value
  }
}

/// An HTTP response as the tests read it.
struct APIResponse: Sendable {
  let status: Int
  let body: JSONValue
  let text: String
  let seconds: Double

  subscript(_ key: String) -> JSONValue? { body[key] }
  var observation: JSONValue { body["observation"] ?? .null }
  var reward: Double? { body["reward"]?.number }
}

/// A plain HTTP client against the live server, sending its bearer token; each request is a
/// connection of its own on a thread of its own (see ``BlockingHTTP``).
struct APIClient: Sendable {
  let port: Int
  /// Sent as `Authorization: Bearer`; nil sends none.
  var token: String?

  func call(
    _ method: String, _ path: String, _ body: JSONValue? = nil, headers: [String: String] = [:]
  ) async throws -> APIResponse {
    var head: [(String, String)] = []
    if body != nil { head.append(("Content-Type", "application/json")) }
    if let token { head.append(("Authorization", "Bearer \(token)")) }
    head += headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    let (port, method, path, fields) = (port, method, path, head)
    let bytes = body.map { Array($0.jsonText().utf8) }
    let answer = try await onOwnThread {
      try BlockingHTTP.exchange(
        port: port, method: method, path: path, headers: fields, body: bytes)
    }
    let json = (try? JSONDecoder().decode(JSONValue.self, from: Data(answer.body))) ?? .null
    return APIResponse(
      status: answer.status, body: json, text: String(decoding: answer.body, as: UTF8.self),
      seconds: answer.seconds)
  }

  func open(
    task: String = "rt-demo", agent: String? = nil, limits: [String: JSONValue] = [:],
    scoreMode: String? = nil
  ) async throws -> String {
    var body: [String: JSONValue] = ["task": .string(task), "limits": .object(limits)]
    if let agent { body["agent"] = .string(agent) }
    if let scoreMode { body["score_mode"] = .string(scoreMode) }
    let response = try await call("POST", "/v1/sessions", .object(body))
    guard response.status == 201, let id = response["session"]?.string else {
      throw DojoError(
        .internalError, "opening a session failed: \(response.status) \(response.text)")
    }
    return id
  }

  func step(_ session: String, _ action: String, code: String? = nil, infoType: String? = nil)
    async throws -> APIResponse
  {
    var body: [String: JSONValue] = ["action": .string(action)]
    if let code { body["code"] = .string(code) }
    if let infoType { body["info_type"] = .string(infoType) }
    return try await call("POST", "/v1/sessions/\(session)/step", .object(body))
  }
}

/// Python that writes a submission predicting `label` for every test id.
func constantSubmission(_ label: String) -> String {
  """
  import csv, os
  rows = list(csv.DictReader(open(os.path.join(os.environ["DOJO_DATA"], "test.csv"))))
  os.makedirs(os.environ["DOJO_OUTPUT"], exist_ok=True)
  with open(os.path.join(os.environ["DOJO_OUTPUT"], "submission.csv"), "w", newline="") as f:
      w = csv.writer(f)
      w.writerow(["id", "label"])
      for r in rows:
          w.writerow([r["id"], "\(label)"])
  print("wrote", len(rows), "rows")
  """
}

func median(_ values: [Double]) -> Double {
  let sorted = values.sorted()
  guard !sorted.isEmpty else { return 0 }
  return sorted.count % 2 == 1
    ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}
