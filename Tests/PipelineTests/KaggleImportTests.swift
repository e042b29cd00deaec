import Curation
import DojoCore
import DojoTestSupport
import Foundation
import Pipeline
import Registry
import Testing

/// `dojo import` of a `kaggle:` manifest through a loopback stand-in for Kaggle's API: the
/// archive behind a redirect with basic auth, the overview page, and `leaderboard: kaggle`.
@Suite("dojo import from Kaggle's API")
struct KaggleImportTests {
  static func zip(_ files: [String: String], in dir: URL, name: String) throws -> Data {
    let staging = dir.appendingPathComponent("zip-\(name)")
    for (path, text) in files {
      try AtomicFiles.write(text, to: staging.appendingPathComponent(path))
    }
    let out = dir.appendingPathComponent(name)
    let r = try ProcessRunner.run(
      "/usr/bin/env", ["python3", "-m", "zipfile", "-c", out.path] + files.keys.sorted(),
      directory: staging, limits: ProcessLimits(wallSeconds: 30))
    #expect(r.succeeded, "\(r.stderrTail)")
    return try Data(contentsOf: out)
  }

  @Test func importsArchivePageAndLeaderboardThroughTheAPI() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent(
      "dojo-kimport-\(UUID())")
    defer { try? FileManager.default.removeItem(at: root) }
    var table = "id,x,label\n"
    for i in 0..<60 { table += "\(i),\(i * 7 % 13),\(i % 3 == 0 ? "yes" : "no")\n" }
    let archive = try Self.zip(["train.csv": table], in: root, name: "demo.zip")
    let board = try Self.zip(
      [
        "demo-publicleaderboard.csv":
          "Rank,TeamId,TeamName,LastSubmissionDate,Score\n1,7,a,2024-01-01,0.9\n2,8,b,2024-01-01,0.6\n"
      ],
      in: root, name: "board.zip")
    let auth = (user: "dojo", password: "secret")
    let server = try LoopbackHTTPServer(routes: [
      "/api/v1/competitions/data/download-all/demo": .init(
        redirect: "/storage/demo.zip", basicAuth: auth),
      "/storage/demo.zip": .init(body: archive),
      "/api/v1/competitions/demo/leaderboard/download": .init(
        headers: ["Content-Disposition": "attachment; filename=\"demo.zip\""], body: board,
        basicAuth: auth),
      "/competitions/demo/overview": .init(
        body: Data("<html><body><main><h1>Demo</h1><p>From the API.</p></main></body></html>".utf8)),
    ])
    defer { server.stop() }
    let manifests = root.appendingPathComponent("manifests/demo")
    try AtomicFiles.write(
      """
      id: demo
      title: Demo
      source:
        kaggle: demo
      page: kaggle
      files:
        train: train.csv
      split:
        strategy: stratified
        test_fraction: 0.25
        stratify: label
      answers:
        id: id
        targets: [label]
      metric:
        name: accuracy
      leaderboard: kaggle
      """, to: manifests.appendingPathComponent("manifest.yaml"))
    let options = ImportOptions(
      raw: root.appendingPathComponent("raw"), curated: root.appendingPathComponent("curated"),
      registry: root.appendingPathComponent("registry.sqlite"),
      environment: [
        "DOJO_KAGGLE_URL": server.baseURL.absoluteString, "KAGGLE_USERNAME": "dojo",
        "KAGGLE_KEY": "secret",
      ], skipReference: true)
    let outcome = Importer(options).run(try ManifestLoader.load(manifests))
    #expect(outcome.succeeded, "\(outcome.stage): \(outcome.error ?? "")")
    let registry = try Registry(at: options.registry)
    let task = try registry.task("demo")
    #expect(try registry.leaderboard("demo", version: task.version).map(\.score) == [0.9, 0.6])
    let description = try String(
      contentsOf: URL(fileURLWithPath: task.path).appendingPathComponent("public/description.md"),
      encoding: .utf8)
    #expect(description.hasPrefix("# Demo\n\nFrom the API."))
    // Everything is skipped the second time, without a new download of the archive.
    let before = server.requests.filter { $0.path.hasPrefix("/storage") }.count
    let again = Importer(options).run(try ManifestLoader.load(manifests))
    #expect(again.succeeded)
    #expect(again.skipped.contains(.prepare))
    #expect(server.requests.filter { $0.path.hasPrefix("/storage") }.count == before)
  }
}
