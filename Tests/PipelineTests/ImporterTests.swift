import Curation
import DojoCore
import DojoTestSupport
import Foundation
import Pipeline
import Registry
import Testing

/// A competition whose archive is a tar.gz next to its manifest, as the bundled demos ship.
struct BundledFixture {
  let root: URL
  var manifests: URL { root.appendingPathComponent("manifests") }
  var options: ImportOptions {
    ImportOptions(
      raw: root.appendingPathComponent("raw"), curated: root.appendingPathComponent("curated"),
      registry: root.appendingPathComponent("curated/registry.sqlite"), environment: [:],
      skipReference: true)
  }

  init(id: String = "demo", split: String = "  strategy: random\n  test_fraction: 0.25\n  seed: 1")
    throws
  {
    root = FileManager.default.temporaryDirectory.appendingPathComponent("dojo-import-\(UUID())")
    let dir = manifests.appendingPathComponent(id)
    let staging = root.appendingPathComponent("staging/\(id)")
    var table = "id,x,label\r\n"
    for i in 0..<80 { table += "\(i),\(Double(i) / 3),\(i % 4 == 0 ? "a" : "b")\r\n" }
    try AtomicFiles.write(table, to: staging.appendingPathComponent("train.csv"))
    try AtomicFiles.createDirectory(dir)
    let tar = try ProcessRunner.run(
      "/bin/tar",
      ["czf", dir.appendingPathComponent("\(id).tar.gz").path, "-C", staging.path, "."],
      limits: ProcessLimits(wallSeconds: 30))
    #expect(tar.succeeded, "\(tar.stderrTail)")
    try AtomicFiles.write(
      "<html><body><main><h1>Demo</h1><p>Predict label.</p></main></body></html>",
      to: dir.appendingPathComponent("overview.html"))
    try AtomicFiles.write(
      "TeamId,TeamName,SubmissionDate,Score\n1,a,2024-01-01,0.9\n2,b,2024-01-01,0.7\n3,c,2024-01-01,0.6\n",
      to: dir.appendingPathComponent("lb.csv"))
    try AtomicFiles.write(
      """
      id: \(id)
      title: Demo
      source:
        url: \(id).tar.gz
      page: overview.html
      files:
        train: train.csv
      split:
      \(split)
      answers:
        id: id
        targets: [label]
      metric:
        name: accuracy
      leaderboard:
        public: lb.csv
      """, to: dir.appendingPathComponent("manifest.yaml"))
  }

  func load(_ id: String = "demo") throws -> LoadedManifest {
    try ManifestLoader.load(manifests.appendingPathComponent(id))
  }

  func remove() { try? FileManager.default.removeItem(at: root) }
}

@Suite("dojo import")
struct ImporterTests {
  @Test func importsEndToEndAndSkipsEverythingTheSecondTime() throws {
    let f = try BundledFixture()
    defer { f.remove() }
    var stages: [ImportStage] = []
    let first = Importer(f.options).run(try f.load()) { stages.append($0) }
    #expect(first.succeeded, "\(first.error ?? "")")
    #expect(stages == ImportStage.allCases)
    #expect(first.skipped.isEmpty)
    let registry = try Registry(at: f.options.registry)
    let task = try registry.task("demo")
    #expect(task.version == first.version)
    #expect(task.testRows == 20)
    let description = try String(
      contentsOf: URL(fileURLWithPath: task.path).appendingPathComponent("public/description.md"),
      encoding: .utf8)
    #expect(description.hasPrefix("# Demo\n\nPredict label."))

    let validated = try registry.latestValidations()
    #expect(validated.count == 1 && validated.first?.passed == true)
    #expect(validated.first?.version == first.version && validated.first?.reportJSON != nil)

    let second = Importer(f.options).run(try f.load())
    #expect(second.succeeded)
    #expect(second.skipped == ImportStage.allCases)
    #expect(second.version == first.version)
  }

  @Test func aFailureNamesItsStageAndPublishesNothing() throws {
    let f = try BundledFixture(
      split: "  strategy: stratified\n  test_fraction: 0.25\n  stratify: colour")
    defer { f.remove() }
    let outcome = Importer(f.options).run(try f.load())
    #expect(!outcome.succeeded)
    #expect(outcome.stage == .prepare)
    #expect(outcome.error?.contains("colour") == true)
    #expect(throws: DojoError.self) { try Registry(at: f.options.registry).task("demo") }
    // Not published, but recorded: the curator's report shows it failing at prepare.
    let recorded = try Registry(at: f.options.registry).latestValidations()
    #expect(recorded.map(\.task) == ["demo"])
    #expect(recorded.first?.passed == false && recorded.first?.failedCheck == "prepare")
    #expect(recorded.first?.message?.contains("colour") == true)
  }

  @Test func aBadChecksumStopsAtFetch() throws {
    let f = try BundledFixture()
    defer { f.remove() }
    let manifest = f.manifests.appendingPathComponent("demo/manifest.yaml")
    let text = try String(contentsOf: manifest, encoding: .utf8).replacingOccurrences(
      of: "  url: demo.tar.gz",
      with: "  url: demo.tar.gz\n  sha256: " + String(repeating: "0", count: 64))
    try AtomicFiles.write(text, to: manifest)
    let outcome = Importer(f.options).run(try f.load())
    #expect(outcome.stage == .fetch)
    #expect(outcome.error != nil)
  }

  @Test func publishRefusesAnUnvalidatedOrStaleTask() throws {
    let f = try BundledFixture()
    defer { f.remove() }
    let outcome = Importer(f.options).run(try f.load())
    #expect(outcome.succeeded)
    let layout = try #require(TaskLayout.latest(id: "demo", curated: f.options.curated))
    let registry = try Registry(at: f.root.appendingPathComponent("other.sqlite"))
    // Stale: a file changed after validation.
    try AtomicFiles.write("id,label\n1,a\n", to: layout.sampleSubmission)
    #expect {
      try Publisher.publish(layout, to: registry)
    } throws: { ($0 as? DojoError)?.message.contains("stale") == true }
    // Unvalidated: no report at all.
    try FileManager.default.removeItem(at: layout.report)
    #expect {
      try Publisher.publish(layout, to: registry)
    } throws: { ($0 as? DojoError)?.message.contains("has not been validated") == true }
  }
}

/// The fixture's archive served over HTTP, damaged on the first `damagedAnswers` requests
/// (its first half only, with a matching Content-Length, so the download itself succeeds).
struct DamagedArchiveServer {
  let server: LoopbackHTTPServer
  let good: Data

  init(_ f: BundledFixture, damagedAnswers: Int) throws {
    let archive = f.manifests.appendingPathComponent("demo/demo.tar.gz")
    let good = try Data(contentsOf: archive)
    self.good = good
    server = try LoopbackHTTPServer { request in
      let body = request.hit <= damagedAnswers ? good.prefix(good.count / 2) : good
      return .init(body: body)
    }
    let manifest = f.manifests.appendingPathComponent("demo/manifest.yaml")
    let text = try String(contentsOf: manifest, encoding: .utf8).replacingOccurrences(
      of: "  url: demo.tar.gz", with: "  url: \(server.baseURL.absoluteString)/demo.tar.gz")
    try AtomicFiles.write(text, to: manifest)
  }
}

@Suite("dojo import: a damaged archive")
struct ImporterDamagedArchiveTests {
  @Test func aDamagedArchiveIsFetchedAgainOnceAndTheImportRecovers() throws {
    let f = try BundledFixture()
    defer { f.remove() }
    let served = try DamagedArchiveServer(f, damagedAnswers: 1)
    defer { served.server.stop() }

    let outcome = Importer(f.options).run(try f.load())

    #expect(outcome.succeeded, "\(outcome.error ?? "")")
    #expect(served.server.requestCount == 2)
    let saved = f.options.raw.appendingPathComponent("demo/demo.tar.gz")
    #expect(try Data(contentsOf: saved) == served.good)
    // The next import finds the good archive and unpacks nothing.
    let again = Importer(f.options).run(try f.load())
    #expect(again.succeeded)
    #expect(again.skipped.contains(.fetch) && again.skipped.contains(.unpack))
    #expect(served.server.requestCount == 2)
  }

  @Test func anArchiveStillDamagedAfterOneRefetchFailsNamingTheFile() throws {
    let f = try BundledFixture()
    defer { f.remove() }
    let served = try DamagedArchiveServer(f, damagedAnswers: .max)
    defer { served.server.stop() }

    let outcome = Importer(f.options).run(try f.load())

    #expect(!outcome.succeeded)
    #expect(outcome.stage == .unpack)
    let file = f.options.raw.appendingPathComponent("demo/demo.tar.gz").path
    #expect(outcome.error?.contains(file) == true, "\(outcome.error ?? "")")
    #expect(outcome.error?.contains("still damaged after fetching it again") == true)
    #expect(served.server.requestCount == 2, "fetched again once, not more")
    #expect(throws: DojoError.self) { try Registry(at: f.options.registry).task("demo") }
  }
}
