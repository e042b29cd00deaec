import Curation
import DojoCore
import Foundation
import Pipeline
import Registry
import Testing

/// The catalogue's own manifests (`manifests/<id>/`, unchanged but for the source and page)
/// imported end to end from a miniature of their Kaggle archive: same file names, columns and
/// value formats, a handful of rows. Import prepares, validates (gold, sample, refusals) and
/// grades, so each manifest's split, metric and layout are proven to fit together.
@Suite("Catalogue manifests imported from layout fixtures")
struct CatalogueFixtureImportTests {
  /// The repository's `manifests/` folder.
  static let catalogue = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("manifests")

  /// A deterministic stream of numbers in [0, 1), so fixtures are the same on every run.
  struct Numbers {
    var state: UInt64
    mutating func next() -> Double {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(state >> 11) / Double(1 << 53)
    }
  }

  /// Copies `manifests/<id>` to a temporary catalogue, points it at `archive` (the fixture's
  /// files zipped) and a local page, imports it, and returns the published task's folder.
  static func importFixture(
    _ id: String, files: [String: String], binary: [String: Data] = [:], python: String = "python3"
  ) throws -> (URL, URL) {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent(
      "dojo-catalogue-\(id)-\(UUID())")
    let dir = root.appendingPathComponent("manifests/\(id)")
    try AtomicFiles.createDirectory(dir)
    for name in try FileManager.default.contentsOfDirectory(
      atPath: catalogue.appendingPathComponent(id).path)
    {
      try FileManager.default.copyItem(
        at: catalogue.appendingPathComponent("\(id)/\(name)"),
        to: dir.appendingPathComponent(name))
    }
    let staging = root.appendingPathComponent("staging")
    for (path, data) in binary {
      try AtomicFiles.write(data, to: staging.appendingPathComponent(path))
    }
    try zip(
      files, binary: Array(binary.keys), in: staging,
      to: dir.appendingPathComponent("fixture.zip"))
    try AtomicFiles.write(
      "<html><body><main><h1>\(id)</h1><p>Fixture.</p></main></body></html>",
      to: dir.appendingPathComponent("overview.html"))
    let manifestURL = dir.appendingPathComponent("manifest.yaml")
    let text = try String(contentsOf: manifestURL, encoding: .utf8)
      .replacingOccurrences(of: "  kaggle: \(id)\n", with: "  url: fixture.zip\n")
      .replacingOccurrences(of: "page: kaggle\n", with: "page: overview.html\n")
    try AtomicFiles.write(text, to: manifestURL)
    let options = ImportOptions(
      raw: root.appendingPathComponent("raw"), curated: root.appendingPathComponent("curated"),
      registry: root.appendingPathComponent("registry.sqlite"), environment: [:],
      skipReference: true, python: python)
    let outcome = Importer(options).run(try ManifestLoader.load(dir))
    #expect(outcome.succeeded, "\(id) \(outcome.stage): \(outcome.error ?? "")")
    let task = try Registry(at: options.registry).task(id)
    return (root, URL(fileURLWithPath: task.path))
  }

  /// Zips `files` (paths relative to the archive's root, folders included) into `archive`.
  static func zip(
    _ files: [String: String], binary: [String] = [], in staging: URL, to archive: URL
  ) throws {
    for (path, text) in files {
      try AtomicFiles.write(text, to: staging.appendingPathComponent(path))
    }
    // Python's zipfile names each argument by its last component: give it the top-level
    // entries, and it adds folders with everything below them.
    let top = Set((Array(files.keys) + binary).map { String($0.prefix { $0 != "/" }) }).sorted()
    let r = try ProcessRunner.run(
      "/usr/bin/env", ["python3", "-m", "zipfile", "-c", archive.path] + top,
      directory: staging, limits: ProcessLimits(wallSeconds: 60))
    #expect(r.succeeded, "\(r.stderrTail)")
  }

  static func csv(_ header: [String], _ rows: [[String]]) -> String {
    ([header] + rows).map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n"
  }

  @Test func nbmeSpansImportAndGrade() throws {
    var n = Numbers(state: 1)
    var rows: [[String]] = []
    for i in 0..<40 {
      let start = Int(n.next() * 500)
      let location =
        i % 5 == 0
        ? "[]"
        : i % 3 == 0
          ? "\"['\(start) \(start + 9)', '\(start + 20) \(start + 25)']\""
          : "['\(start) \(start + 12)']"
      rows.append([
        String(format: "%05d_%03d", i / 4, i % 4), "\(i % 10)", "\(i / 4)", "\(i % 4)",
        "\"['some words']\"", location,
      ])
    }
    let (root, task) = try Self.importFixture(
      "nbme-score-clinical-patient-notes",
      files: [
        "train.csv": Self.csv(
          ["id", "case_num", "pn_num", "feature_num", "annotation", "location"], rows),
        "test.csv": Self.csv(
          ["id", "case_num", "pn_num", "feature_num"], [["00016_000", "0", "16", "0"]]),
        "sample_submission.csv": Self.csv(["id", "location"], [["00016_000", ""]]),
        "features.csv": Self.csv(
          ["feature_num", "case_num", "feature_text"], [["0", "0", "Family-history-of-MI"]]),
        "patient_notes.csv": Self.csv(
          ["pn_num", "case_num", "pn_history"], [["16", "0", "\"HPI: 17yo M\""]]),
      ])
    defer { try? FileManager.default.removeItem(at: root) }
    let test = try String(
      contentsOf: task.appendingPathComponent("public/test.csv"), encoding: .utf8)
    #expect(test.hasPrefix("id,case_num,pn_num,feature_num\n"))
  }

  @Test func jigsawBiasAUCImportsAndGrades() throws {
    let identities = [
      "male", "female", "homosexual_gay_or_lesbian", "christian", "jewish", "muslim", "black",
      "white", "psychiatric_or_mental_illness",
    ]
    let others = [
      "asian", "atheist", "bisexual", "buddhist", "heterosexual", "hindu",
      "intellectual_or_learning_disability", "latino", "other_disability", "other_gender",
      "other_race_or_ethnicity", "other_religion", "other_sexual_orientation",
      "physical_disability", "transgender",
    ]
    let header =
      [
        "id", "target", "comment_text", "severe_toxicity", "obscene", "identity_attack", "insult",
        "threat",
      ] + others + identities
      + [
        "created_date", "publication_id", "parent_id", "article_id", "rating", "funny", "wow",
        "sad", "likes", "disagree", "sexual_explicit", "identity_annotator_count",
        "toxicity_annotator_count",
      ]
    var n = Numbers(state: 7)
    var rows: [[String]] = []
    for i in 0..<1200 {
      let toxicity = (n.next() * 10).rounded(.down) / 10
      var row = [
        "\(239_000 + i)", "\(toxicity)", "\"comment \(i), kind words\"", "0.0", "0.0", "0.0",
        "\(toxicity)", "0.0",
      ]
      row += others.map { _ in "" }
      row += identities.map { _ in n.next() < 0.5 ? "1.0" : "0.0" }
      row += [
        "2015-09-29 10:50:41.987077+00", "2", "", "2006", "rejected", "0", "0", "0", "0",
        "0", "0.0", "4", "10",
      ]
      rows.append(row)
    }
    let expanded = Self.csv(["id", "comment_text", "toxicity"], [["7097320", "\"hi\"", "0.0"]])
    let (root, task) = try Self.importFixture(
      "jigsaw-unintended-bias-in-toxicity-classification",
      files: [
        "train.csv": Self.csv(header, rows),
        "test.csv": Self.csv(["id", "comment_text"], [["7000000", "\"hello\""]]),
        "sample_submission.csv": Self.csv(["id", "prediction"], [["7000000", "0.0"]]),
        "test_public_expanded.csv": expanded, "test_private_expanded.csv": expanded,
      ])
    defer { try? FileManager.default.removeItem(at: root) }
    let test = try String(
      contentsOf: task.appendingPathComponent("public/test.csv"), encoding: .utf8)
    #expect(test.hasPrefix("id,comment_text\n"))
    let sample = try String(
      contentsOf: task.appendingPathComponent("public/sample_submission.csv"), encoding: .utf8)
    #expect(sample.hasPrefix("id,prediction\n"))
  }

  @Test func flavoursWeightedAUCImportsAndGrades() throws {
    var n = Numbers(state: 3)
    var rows: [[String]] = []
    for i in 0..<120 {
      let signal = i % 2
      rows.append([
        "\(18_453_471 + i)", "\(0.001 + n.next() / 1000)", "\(0.99 + n.next() / 100)",
        "\(signal == 1 ? 1 : -1)", "\(signal)", "\(1700 + n.next() * 200)",
        "\(n.next() < 0.7 ? 0.5 + n.next() / 2 : n.next() * 0.4)",
      ])
    }
    let header = ["id", "LifeTime", "dira", "production", "signal", "mass", "min_ANNmuon"]
    let (root, task) = try Self.importFixture(
      "flavours-of-physics-kernels-only",
      files: [
        "training.csv": Self.csv(header, rows),
        "test.csv": Self.csv(["id", "LifeTime", "dira"], [["14711831", "0.001", "0.999"]]),
        "sample_submission.csv": Self.csv(["id", "prediction"], [["14711831", "0.5"]]),
        "check_agreement.csv": Self.csv(
          ["id", "LifeTime", "dira", "signal", "weight"], [["1", "0.001", "0.999", "0", "1"]]),
        "check_correlation.csv": Self.csv(
          ["id", "LifeTime", "dira", "mass"], [["1", "0.001", "0.999", "1700"]]),
      ])
    defer { try? FileManager.default.removeItem(at: root) }
    let test = try String(
      contentsOf: task.appendingPathComponent("public/test.csv"), encoding: .utf8)
    #expect(test.hasPrefix("id,LifeTime,dira\n"))
    #expect(
      FileManager.default.fileExists(
        atPath: task.appendingPathComponent("public/training.csv").path))
  }

  @Test func ai4codeNotebooksMoveWithTheirRows() throws {
    var files: [String: String] = [:]
    var orders: [[String]] = []
    var ancestors: [[String]] = []
    var n = Numbers(state: 11)
    for i in 0..<60 {
      let id = String(0x1a2b_3c4d_5e6f + i * 7919, radix: 16)
      // Kaggle's cell ids are random hex: their sorted order is not the notebook's.
      let cells = (0..<(2 + i % 5)).map { _ in
        String(0x1000_0000 + Int(n.next() * 0xefff_ffff), radix: 16)
      }
      orders.append([id, cells.joined(separator: " ")])
      ancestors.append([id, String(0x2000_0000 + i / 2, radix: 16), ""])
      let shuffled = cells.enumerated().sorted { ($0.offset * 7) % 5 < ($1.offset * 7) % 5 }
      let types = shuffled.map {
        "\"\($0.element)\":\"\($0.offset % 2 == 0 ? "code" : "markdown")\""
      }
      let sources = shuffled.map { "\"\($0.element)\":\"print(\($0.offset))\"" }
      files["train/\(id).json"] =
        "{\"cell_type\":{\(types.joined(separator: ","))},\"source\":{\(sources.joined(separator: ","))}}"
    }
    files["train_orders.csv"] = Self.csv(["id", "cell_order"], orders)
    files["train_ancestors.csv"] = Self.csv(["id", "ancestor_id", "parent_id"], ancestors)
    files["sample_submission.csv"] = Self.csv(
      ["id", "cell_order"], [["0009d135ece78d", "ddfd239c c6cd22db"]])
    let (root, task) = try Self.importFixture("AI4Code", files: files)
    defer { try? FileManager.default.removeItem(at: root) }
    // Each test notebook's JSON file went to the public test side with its row.
    let answers = try String(
      contentsOf: task.appendingPathComponent("private/answers.csv"), encoding: .utf8)
    let ids = answers.split(separator: "\n").dropFirst().map { String($0.prefix { $0 != "," }) }
    #expect(!ids.isEmpty)
    let sample = try String(
      contentsOf: task.appendingPathComponent("public/sample_submission.csv"), encoding: .utf8)
    #expect(sample.split(separator: "\n").count == ids.count + 1)
  }
  /// The repository's Python environment (scripts/install-deps), which carries pyarrow.
  static let venvPython = catalogue.deletingLastPathComponent()
    .appendingPathComponent(".venv/bin/python3").path

  /// Writes the wsdm fixture's train.parquet with pyarrow itself, with Kaggle's columns (and
  /// a prompt holding quotes, a comma and a line break, which the CSV must quote).
  static let writeWSDMParquet = """
    import sys, pyarrow as pa, pyarrow.parquet as pq
    n = 50
    pq.write_table(pa.table({
        "id": [f"{i:08x}" for i in range(n)],
        "prompt": [f'Question {i}, with "quotes"\\nand a line' for i in range(n)],
        "response_a": ["Oui." if i % 3 else "Da." for i in range(n)],
        "response_b": ["Non, merci." for i in range(n)],
        "winner": ["model_a" if i % 2 else "model_b" for i in range(n)],
        "model_a": ["gpt-4o"] * n, "model_b": ["llama-3"] * n,
        "language": ["French" if i % 2 else "Russian" for i in range(n)],
    }), sys.argv[1])
    """

  @Test func wsdmParquetTableIsConvertedAndSplit() throws {
    let staging = FileManager.default.temporaryDirectory.appendingPathComponent(
      "dojo-parquet-\(UUID())")
    defer { try? FileManager.default.removeItem(at: staging) }
    try AtomicFiles.createDirectory(staging)
    let parquet = staging.appendingPathComponent("train.parquet")
    let write = try ProcessRunner.run(
      Self.venvPython, ["-c", Self.writeWSDMParquet, parquet.path],
      limits: ProcessLimits(wallSeconds: 60))
    #expect(write.succeeded, "pyarrow is part of the project's .venv: \(write.stderrTail)")
    let (root, task) = try Self.importFixture(
      "wsdm-cup-multilingual-chatbot-arena",
      files: ["sample_submission.csv": Self.csv(["id", "winner"], [["x", "model_a"]])],
      binary: [
        "train.parquet": try Data(contentsOf: parquet),
        "test.parquet": try Data(contentsOf: parquet),
      ], python: Self.venvPython)
    defer { try? FileManager.default.removeItem(at: root) }
    let test = try String(
      contentsOf: task.appendingPathComponent("public/test.csv"), encoding: .utf8)
    #expect(test.hasPrefix("id,prompt,response_a,response_b,model_a,model_b,language\n"))
    #expect(test.contains(", with \"\"quotes\"\"\nand a line\""))
    let answers = try String(
      contentsOf: task.appendingPathComponent("private/answers.csv"), encoding: .utf8)
    #expect(answers.split(separator: "\n").count == 11)
  }

  @Test func aTableThatIsNotParquetIsRefusedByName() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent(
      "dojo-catalogue-notparquet-\(UUID())")
    defer { try? FileManager.default.removeItem(at: root) }
    let id = "wsdm-cup-multilingual-chatbot-arena"
    let dir = root.appendingPathComponent("manifests/\(id)")
    try AtomicFiles.createDirectory(dir)
    for name in ["manifest.yaml", "public.csv", "private.csv"] {
      try FileManager.default.copyItem(
        at: Self.catalogue.appendingPathComponent("\(id)/\(name)"),
        to: dir.appendingPathComponent(name))
    }
    try Self.zip(
      ["train.parquet": "id,winner\n1,model_a\n", "test.parquet": "id\n1\n"],
      in: root.appendingPathComponent("staging"), to: dir.appendingPathComponent("fixture.zip"))
    let manifestURL = dir.appendingPathComponent("manifest.yaml")
    try AtomicFiles.write(
      try String(contentsOf: manifestURL, encoding: .utf8)
        .replacingOccurrences(of: "  kaggle: \(id)\n", with: "  url: fixture.zip\n")
        .replacingOccurrences(of: "page: kaggle\n", with: ""), to: manifestURL)
    let options = ImportOptions(
      raw: root.appendingPathComponent("raw"), curated: root.appendingPathComponent("curated"),
      registry: root.appendingPathComponent("registry.sqlite"), environment: [:],
      skipReference: true, python: Self.venvPython)
    let outcome = Importer(options).run(try ManifestLoader.load(dir))
    #expect(!outcome.succeeded)
    #expect(outcome.stage == .prepare)
    #expect(
      outcome.error?.contains("train.parquet is not a readable Parquet file") == true, "\(outcome)")
  }
}
