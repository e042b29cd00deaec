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
  /// The project's Python environment (scripts/install-deps): the generator writes Parquet
  /// and MAT members with pyarrow and scipy, and split scripts read them with the same.
  static let python = repository.appendingPathComponent(".venv/bin/python3").path

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
      python, [generator.path, "--list"],
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
      python, [generator.path, id, dir.path],
      limits: ProcessLimits(wallSeconds: 120))
    guard run.succeeded else {
      throw DojoError(.internalError, "catalogue-fixtures \(id): \(run.stderrTail)")
    }
    // The generator prints the archive's name (a zip, or the real archive's format).
    let archive = run.stdoutTail.split(separator: "\n").last.map(String.init) ?? "\(id).zip"
    var loaded = try ManifestLoader.load(dir)
    loaded.manifest.source = .init(.url(archive))
    loaded.manifest.page = .location("page.html")
    if loaded.manifest.split.testRows != nil {
      // A count split holds out as many rows as Kaggle's test file (up to two million); a
      // miniature of a few dozen rows holds out a quarter of them instead.
      loaded.manifest.split.testRows = 10
    }
    let options = ImportOptions(
      raw: root.appendingPathComponent("raw"), curated: root.appendingPathComponent("curated"),
      registry: root.appendingPathComponent("curated/registry.sqlite"), environment: [:],
      skipReference: true, python: python)
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
    "icecube-neutrinos-in-deep-ice": { imported, id in
      // Whole batch files reach one side each, with every event of the batch.
      let train = try imported.files(id, under: "public/train")
      let test = try imported.files(id, under: "public/test")
      let answers = try imported.text(id, "private/answers.csv").split(separator: "\n")
      return !train.isEmpty && !test.isEmpty && train.count + test.count == 10
        && Set(train).isDisjoint(with: test) && answers.count == 1 + 6 * test.count
        ? nil : "batches: \(train.count) in train, \(test.count) in test, \(answers.count) lines"
    },
    "bengaliai-cv19": { imported, id in
      // 36 images held out (test.csv's rows), three answer rows each, their pixels in
      // test_image_data_<n>.parquet.
      let answers = try imported.text(id, "private/answers.csv").split(separator: "\n")
      let shards = try imported.files(id, under: "public").filter { $0.hasSuffix(".parquet") }
      return answers.count == 1 + 3 * 36 && shards.contains("test_image_data_0.parquet")
        && shards.contains("train_image_data_3.parquet")
        ? nil : "\(answers.count) answer lines, shards \(shards)"
    },
    "freesound-audio-tagging-2019": { imported, id in
      // 12 of the 60 curated clips held out; the noisy set stays whole.
      let test = try imported.files(id, under: "public/test")
      let noisy = try imported.files(id, under: "public/train_noisy")
      return test.count == 12 && noisy.count == 5
        ? nil : "\(test.count) test clips, \(noisy.count) noisy clips"
    },
    "multi-modal-gesture-recognition": { imported, id in
      // training4's samples are the test side.
      let test = try imported.files(id, under: "public/test")
      return test == ["Sample00010", "Sample00011", "Sample00012"] ? nil : "test samples: \(test)"
    },
    "smartphone-decimeter-2022": { imported, id in
      // The held-out drives reach public/test/ without their ground truth.
      let test = try imported.task(id).appendingPathComponent("public/test")
      let files = FileManager.default.enumerator(atPath: test.path)?.allObjects as? [String] ?? []
      return !files.isEmpty && !files.contains { $0.hasSuffix("ground_truth.csv") }
        ? nil : "public/test: \(files)"
    },
    "rsna-miccai-brain-tumor-radiogenomic-classification": { imported, id in
      // Each id is a folder of DICOM series: the whole folder moves with its row.
      let train = try imported.files(id, under: "public/train")
      let series = try imported.files(id, under: "public/train/\(train.first ?? "")")
      return train.count >= 30 && series == ["FLAIR", "T1w"]
        ? nil : "public/train: \(train.count) folders, the first holding \(series)"
    },
    "herbarium-2022-fgvc9": { imported, id in
      // Images keyed by image_id: the test metadata numbers them under that key.
      let test = try imported.text(id, "public/test_metadata.json")
      return test.contains("\"image_id\"") ? nil : "public/test_metadata.json: \(test.prefix(80))"
    },
    "llm-detect-ai-generated-text": { imported, id in
      // 3 generated essays in 1,378: the stratified test side holds one.
      let answers = try imported.text(id, "private/answers.csv")
      return answers.split(separator: "\n").contains { $0.hasSuffix(",1") }
        ? nil : "no generated essay on the test side"
    },
  ]

  /// Imports run this many at a time: each spends much of its time waiting on the disk
  /// (fsync) and on the split and grader processes it starts. Four at once starved the
  /// runtime's timing-bound suites beside this one on CI's two cores (a `dojo serve` that
  /// printed its port only after 30 s), so two, one a core.
  static let importsAtOnce = 2

  /// The manifests imported end to end from a fixture of their real layout by another test
  /// (by the test's name), not by `scripts/catalogue-fixtures`.
  static let importedElsewhere: [String: String] = [
    "AI4Code": "CatalogueFixtureImportTests/ai4codeNotebooksMoveWithTheirRows",
    "airbus-ship-detection":
      "ImageCompetitionImportTests/airbusGradesOneRowPerShipAndRefusesOverlapsAndJoinedCells",
    "alaska2-image-steganalysis":
      "ImageCompetitionImportTests/alaska2DrawsEachTestImageFromOneFolderAndLabelsItByThatFolder",
    "draper-satellite-image-chronology":
      "ImageCompetitionImportTests/draperRenamesEachTestSetSoItsNamesHideTheDaysAndGradesByDay",
    "uw-madison-gi-tract-image-segmentation":
      "ImageCompetitionImportTests/uwMadisonKeysRowsByIdAndClassAndGradesVolumes",
    "flavours-of-physics-kernels-only":
      "CatalogueFixtureImportTests/flavoursWeightedAUCImportsAndGrades",
    "global-wheat-detection":
      "ImageCompetitionImportTests/globalWheatImportsThroughItsScriptAndGradesBoxes",
    "hubmap-kidney-segmentation":
      "ImageCompetitionImportTests/hubmapImportsThroughItsScriptAndGradesWithPerSlideSizes",
    "jigsaw-unintended-bias-in-toxicity-classification":
      "CatalogueFixtureImportTests/jigsawBiasAUCImportsAndGrades",
    "kuzushiji-recognition": "ImageCompetitionImportTests/kuzushijiImportsAndGradesPoints",
    "nbme-score-clinical-patient-notes": "CatalogueFixtureImportTests/nbmeSpansImportAndGrade",
    "siim-covid19-detection":
      "ImageCompetitionImportTests/siimImportsStudiesAndImagesAndGradesBothLevels",
    "tgs-salt-identification-challenge": "ImageCompetitionImportTests/tgsSaltImportsAndGradesMasks",
    "vesuvius-challenge-ink-detection":
      "ImageCompetitionImportTests/vesuviusImportsItsTestFragmentAndGradesInkMasks",
    "vinbigdata-chest-xray-abnormalities-detection":
      "ImageCompetitionImportTests/vinbigdataImportsThroughItsScriptAndGradesBoxes",
    "wsdm-cup-multilingual-chatbot-arena":
      "CatalogueFixtureImportTests/wsdmParquetTableIsConvertedAndSplit",
  ]

  /// Every folder of `manifests/` has a miniature of its real archive here or is imported
  /// from one by the test `importedElsewhere` names: a new manifest without one fails.
  @Test func everyManifestHasAMiniatureOfItsRealLayout() throws {
    let folders = try FileManager.default.contentsOfDirectory(
      atPath: Self.repository.appendingPathComponent("manifests").path
    ).filter {
      FileManager.default.fileExists(
        atPath: Self.repository.appendingPathComponent("manifests/\($0)/manifest.yaml").path)
    }
    let covered = Set(try Self.covered())
    let missing = Set(folders).subtracting(covered).subtracting(Self.importedElsewhere.keys)
    #expect(missing.isEmpty, "no miniature: \(missing.sorted().joined(separator: ", "))")
    let both = covered.intersection(Self.importedElsewhere.keys)
    #expect(both.isEmpty, "listed twice: \(both.sorted().joined(separator: ", "))")
    let gone = Set(Self.importedElsewhere.keys).subtracting(folders)
    #expect(gone.isEmpty, "no such manifest: \(gone.sorted().joined(separator: ", "))")
  }

  @Test func everyMiniatureImportsEndToEnd() async throws {
    let ids = try Self.covered()
    #expect(ids.count >= 204)
    let results = Results()
    let next = Results.Counter()
    // One process, the imports side by side (each in its own folder), pulled from one queue
    // by threads of their own (Dispatch's concurrentPerform would run only one per core).
    let done = DispatchGroup()
    for _ in 0..<Self.importsAtOnce {
      done.enter()
      Thread {
        defer { done.leave() }
        while let i = next.take(below: ids.count) {
          let id = ids[i]
          do {
            let imported = try Self.importMiniature(id)
            defer { try? FileManager.default.removeItem(at: imported.root) }
            if let error = imported.outcome.error {
              results.add("\(id): \(error)")
              continue
            }
            if let problem = try Self.checks[id]?(imported, id) { results.add("\(id): \(problem)") }
          } catch {
            results.add("\(id): \(error)")
          }
        }
      }.start()
    }
    // Awaited, not waited for: a blocked wait would hold one of the cooperative pool's threads
    // (one a core) for the whole catalogue, and the runtime's timing-bound suites need them.
    await withCheckedContinuation { continuation in
      done.notify(queue: .global()) { continuation.resume() }
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

    /// The next index to import, handed out once each.
    final class Counter: @unchecked Sendable {
      // @unchecked: every access goes through `lock`.
      private let lock = NSLock()
      private var value = 0
      func take(below limit: Int) -> Int? {
        lock.withLock {
          guard value < limit else { return nil }
          defer { value += 1 }
          return value
        }
      }
    }
  }
}
