import Curation
import DojoCore
import Foundation
import Pipeline
import Testing

/// Every competition `scripts/catalogue-fixtures` has a miniature of imports end to end with
/// the repository's own manifest: fetched from a `file:` source (the miniature of the real
/// archive, same nesting, names, columns, delimiters and encodings), unpacked, prepared,
/// validated (integrity, sample, gold, refusals, leaks, determinism) and published. A
/// manifest that does not fit its real layout fails here.
@Suite("Catalogue manifests import from miniatures of their real archives")
struct CatalogueLayoutTests {
  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
  static let generator = repository.appendingPathComponent("scripts/catalogue-fixtures")

  /// A manifest imported from its miniature, in a temporary folder of its own.
  struct Imported {
    let root: URL
    let outcome: ImportOutcome
    var curated: URL { root.appendingPathComponent("curated") }

    /// The prepared task's folder (`curated/<id>/<version>`).
    func task(_ id: String) throws -> URL {
      let parent = curated.appendingPathComponent(id)
      let versions = try FileManager.default.contentsOfDirectory(atPath: parent.path)
        .filter { !$0.hasPrefix(".") }
      return parent.appendingPathComponent(try #require(versions.first))
    }

    func text(_ id: String, _ path: String) throws -> String {
      try String(contentsOf: task(id).appendingPathComponent(path), encoding: .utf8)
    }

    func files(_ id: String, under path: String) throws -> [String] {
      try FileManager.default.contentsOfDirectory(
        atPath: task(id).appendingPathComponent(path).path
      ).sorted()
    }
  }

  static func covered() throws -> [String] {
    let run = try ProcessRunner.run(
      "/usr/bin/env", ["python3", generator.path, "--list"],
      limits: ProcessLimits(wallSeconds: 60))
    #expect(run.succeeded, "\(run.stderrTail)")
    return run.stdoutTail.split(separator: "\n").map(String.init)
  }

  /// Builds `id`'s miniature and imports it with the repository's manifest, its source
  /// replaced by the miniature and its page by a local one.
  static func importMiniature(_ id: String) throws -> Imported {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent(
      "dojo-catalogue-\(id)-\(UUID())")
    let manifests = root.appendingPathComponent("manifests")
    try AtomicFiles.createDirectory(manifests)
    // The manifest folder (a split script imports nothing else but Dojo's dojo_split).
    try FileManager.default.copyItem(
      at: repository.appendingPathComponent("manifests/\(id)"),
      to: manifests.appendingPathComponent(id))
    let dir = manifests.appendingPathComponent(id)
    let run = try ProcessRunner.run(
      "/usr/bin/env", ["python3", generator.path, id, dir.path],
      limits: ProcessLimits(wallSeconds: 120))
    guard run.succeeded else {
      throw DojoError(.internalError, "catalogue-fixtures \(id): \(run.stderrTail)")
    }
    var loaded = try ManifestLoader.load(dir)
    loaded.manifest.source = .init(.url("\(id).zip"))
    loaded.manifest.page = .location("page.html")
    let options = ImportOptions(
      raw: root.appendingPathComponent("raw"), curated: root.appendingPathComponent("curated"),
      registry: root.appendingPathComponent("curated/registry.sqlite"), environment: [:],
      skipReference: true)
    return Imported(root: root, outcome: Importer(options).run(loaded))
  }

  /// What a competition's import must show besides passing (the manifest fixes of issue 15):
  /// nil when it does, else what is wrong. (Plain checks, not `#expect`: they run on the
  /// imports' threads.)
  static let checks: [String: @Sendable (Imported, String) throws -> String?] = [
    "home-depot-product-search-relevance": { imported, id in
      // Latin-1 train.csv: read as Latin-1, written as UTF-8.
      let train = try imported.text(id, "public/train.csv")
      return ["®", "é", "½"].contains(where: train.contains)
        ? nil : "public/train.csv lost the Latin-1 characters"
    },
    "avazu-ctr-prediction": { imported, id in
      // The lone train.gz unpacks to `train`, published as train.csv.
      let train = try imported.text(id, "public/train.csv")
      return train.hasPrefix("id,click,hour") ? nil : "public/train.csv: \(train.prefix(40))"
    },
    "iwildcam-2019-fgvc6": { imported, id in
      // The images loose in train_images.zip reach both sides.
      let train = try imported.files(id, under: "public/train")
      let test = try imported.files(id, under: "public/test")
      return !train.isEmpty && !test.isEmpty && train.count + test.count == 40
        ? nil : "images: \(train.count) in train, \(test.count) in test"
    },
    "stumbleupon": { imported, id in
      // raw_content pages reach the agent for train and test rows alike.
      let train = try imported.files(id, under: "public/train")
      let test = try imported.files(id, under: "public/test")
      return !train.isEmpty && !test.isEmpty && train.count + test.count == 30
        ? nil : "raw_content pages: \(train.count) in train, \(test.count) in test"
    },
    "llm-detect-ai-generated-text": { imported, id in
      // 3 generated essays in 1,378: the stratified test side holds one.
      let answers = try imported.text(id, "private/answers.csv")
      return answers.split(separator: "\n").contains { $0.hasSuffix(",1") }
        ? nil : "no generated essay on the test side"
    },
  ]

  @Test func everyMiniatureImportsEndToEnd() throws {
    let ids = try Self.covered()
    #expect(ids.count >= 32)
    let results = Results()
    // One process, the imports side by side (each in its own folder).
    DispatchQueue.concurrentPerform(iterations: ids.count) { i in
      let id = ids[i]
      do {
        let imported = try Self.importMiniature(id)
        defer { try? FileManager.default.removeItem(at: imported.root) }
        if let error = imported.outcome.error {
          results.add("\(id): \(error)")
          return
        }
        if let problem = try Self.checks[id]?(imported, id) { results.add("\(id): \(problem)") }
      } catch {
        results.add("\(id): \(error)")
      }
    }
    #expect(results.all.isEmpty, "\(results.all.sorted().joined(separator: "\n"))")
  }

  /// Failures gathered from the parallel imports.
  final class Results: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private let lock = NSLock()
    private var messages: [String] = []
    func add(_ message: String) { lock.withLock { messages.append(message) } }
    var all: [String] { lock.withLock { messages } }
  }
}
