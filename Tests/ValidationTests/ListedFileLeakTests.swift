import Curation
import DojoCore
import Foundation
import Testing
import Validation

/// A competition whose split script copies ready-made `public/` and `private/` files from
/// the archive, so a test chooses the task's exact file names and formats (as the script
/// splits of GiveMeSomeCredit, statoil or the TSV tasks do) and can plant a leak in them.
struct ScriptedTask {
  let root: URL
  var raw: URL { root.appendingPathComponent("raw") }
  var manifestDir: URL { root.appendingPathComponent("manifest") }
  var curated: URL { root.appendingPathComponent("curated") }

  static let script = """
    import os, shutil, sys
    raw, out = sys.argv[1], sys.argv[2]
    for side in ("public", "private"):
        for name in sorted(os.listdir(os.path.join(raw, side))):
            shutil.copy(os.path.join(raw, side, name), os.path.join(out, side, name))
    """

  /// Train rows 1000..<1040 with x = 2i, test rows 2000..<2010 with x = 2i + 1 (no feature
  /// duplicates), label alternating yes/no.
  static func rows(_ ids: Range<Int>, label: Bool) -> [[String]] {
    ids.map { id in
      [String(id), String(id * 2 + (id >= 2000 ? 1 : 0))]
        + (label ? [id % 2 == 0 ? "yes" : "no"] : [])
    }
  }

  static func table(_ header: [String], _ rows: [[String]], separator: String = ",") -> String {
    ([header] + rows).map { $0.joined(separator: separator) }.joined(separator: "\n") + "\n"
  }

  static func jsonRecords(_ header: [String], _ rows: [[String]]) -> String {
    let objects = rows.map { row in
      "{" + zip(header, row).map { "\"\($0)\": \"\($1)\"" }.joined(separator: ", ") + "}"
    }
    return "[\n" + objects.joined(separator: ",\n") + "\n]\n"
  }

  static let answers = table(
    ["Id", "label"], rows(2000..<2010, label: true).map { [$0[0], $0[2]] })
  static let trainCSV = table(["Id", "x", "label"], rows(1000..<1040, label: true))
  static let testCSV = table(["Id", "x"], rows(2000..<2010, label: false))

  /// - Parameters:
  ///   - train: the public train table's name; the manifest's `files.train` points at it.
  ///   - publicFiles: the public files the script writes, by name.
  init(train: String, publicFiles: [String: String]) throws {
    root = FileManager.default.temporaryDirectory.appendingPathComponent("dojo-listed-\(UUID())")
    // JSON train tables give no defaults for a sample submission: the script writes one.
    let sample = Self.table(
      ["Id", "label"], Self.rows(2000..<2010, label: false).map { [$0[0], "no"] })
    for (name, text) in publicFiles.merging(
      ["sample_submission.csv": sample], uniquingKeysWith: { a, _ in a })
    {
      try AtomicFiles.write(text, to: raw.appendingPathComponent("public/\(name)"))
    }
    try AtomicFiles.write(Self.answers, to: raw.appendingPathComponent("private/answers.csv"))
    let manifest = """
      id: listed
      title: Listed
      source:
        url: listed.zip
      files:
        train: public/\(train)
      split:
        strategy: script
        script: split.py
      answers:
        id: Id
        targets: [label]
      metric:
        name: accuracy
      leaderboard:
        public: lb.csv
      """
    try AtomicFiles.write(manifest, to: manifestDir.appendingPathComponent("manifest.yaml"))
    try AtomicFiles.write(
      PreparedFixture.leaderboard, to: manifestDir.appendingPathComponent("lb.csv"))
    try AtomicFiles.write(Self.script, to: manifestDir.appendingPathComponent("split.py"))
  }

  static func csvPair() throws -> ScriptedTask {
    try ScriptedTask(
      train: "cs-training.csv",
      publicFiles: ["cs-training.csv": trainCSV, "cs-test.csv": testCSV])
  }

  func prepare() throws -> (LoadedManifest, PrepareResult) {
    let loaded = try ManifestLoader.load(manifestDir)
    return (loaded, try Preparer(loaded).prepare(raw: raw, curated: curated, pageMarkdown: nil))
  }

  /// Validates the prepared task (without the reference solution, which it has none of).
  func validate(_ result: PrepareResult, _ loaded: LoadedManifest) throws -> ValidationReport {
    try Validator(layout: result.layout, manifest: loaded, raw: raw).validate()
  }

  /// Replaces a prepared public file, as a buggy script or a hand edit would, and checksums
  /// the task again so that integrity still passes and only the leak check can object.
  func plant(_ text: String, at path: String, in result: PrepareResult) throws {
    try AtomicFiles.write(text, to: result.layout.root.appendingPathComponent(path))
    try Checksums.write(for: result.layout.root)
  }

  func remove() { try? FileManager.default.removeItem(at: root) }
}

@Suite("leak checks over task.json's file list")
struct ListedFileLeakTests {
  @Test func tablesNamedOtherwiseAreListedWithTheirRolesAndChecked() throws {
    let t = try ScriptedTask.csvPair()
    defer { t.remove() }
    let (loaded, result) = try t.prepare()
    let files = try TaskFileList.read(result.layout)
    #expect(
      files.contains(TaskFile(path: "public/cs-training.csv", role: .trainTable, format: .csv)))
    #expect(files.contains(TaskFile(path: "public/cs-test.csv", role: .testTable, format: .csv)))
    #expect(files.contains(TaskFile(path: "private/answers.csv", role: .answers, format: .csv)))
    #expect(files.contains { $0.role == .sampleSubmission })
    #expect(files.contains { $0.role == .leaderboard })
    // Rows are counted from the listed train table, not from a file called train.csv.
    #expect(result.trainRows == 40)
    let report = try t.validate(result, loaded)
    #expect(report.status("leaks") == .passed, "\(report.detail("leaks"))")
    #expect(report.detail("leaks").contains("public/cs-test.csv, public/cs-training.csv"))
    // Exact duplicates are measured on the renamed pair and reported, even when few.
    #expect(
      report.detail("leaks").contains(
        "0.0% of public/cs-test.csv rows have an exact feature duplicate in public/cs-training.csv"
      ))
    #expect(report.status("determinism") == .passed, "\(report.detail("determinism"))")
  }

  @Test func aTestIDPlantedInARenamedTrainTableFailsLeaks() throws {
    let t = try ScriptedTask.csvPair()
    defer { t.remove() }
    let (loaded, result) = try t.prepare()
    try t.plant(ScriptedTask.trainCSV + "2003,77,no\n", at: "public/cs-training.csv", in: result)
    let report = try t.validate(result, loaded)
    #expect(report.status("leaks") == .failed)
    #expect(
      report.detail("leaks").contains("test id \"2003\" is in public/cs-training.csv (line 42)"))
    #expect(!report.passed)
  }

  @Test func aScriptWritingATestIDIntoARenamedTrainTableIsRefusedByPrepare() throws {
    let t = try ScriptedTask(
      train: "cs-training.csv",
      publicFiles: [
        "cs-training.csv": ScriptedTask.trainCSV + "2005,1,no\n",
        "cs-test.csv": ScriptedTask.testCSV,
      ])
    defer { t.remove() }
    #expect {
      try t.prepare()
    } throws: {
      ($0 as? DojoError)?.message.contains("test id \"2005\" is in public/cs-training.csv") == true
    }
    // Refused before anything was renamed into place.
    let versions =
      (try? FileManager.default.contentsOfDirectory(
        atPath: t.curated.appendingPathComponent("listed").path)) ?? []
    #expect(versions.filter { !$0.hasPrefix(".") }.isEmpty)
  }

  @Test func aTSVTestTableWithTheTargetColumnIsRefusedByPrepare() throws {
    let t = try ScriptedTask(
      train: "train.tsv",
      publicFiles: [
        "train.tsv": ScriptedTask.table(
          ["Id", "x", "label"], ScriptedTask.rows(1000..<1040, label: true), separator: "\t"),
        "test.tsv": ScriptedTask.table(
          ["Id", "x", "label"], ScriptedTask.rows(2000..<2010, label: true), separator: "\t"),
      ])
    defer { t.remove() }
    #expect {
      try t.prepare()
    } throws: {
      ($0 as? DojoError)?.message.contains("public/test.tsv holds the target column \"label\"")
        == true
    }
  }

  @Test func aTestIDPlantedInATSVTrainTableFailsLeaks() throws {
    let train = ScriptedTask.table(
      ["Id", "x", "label"], ScriptedTask.rows(1000..<1040, label: true), separator: "\t")
    let t = try ScriptedTask(
      train: "train.tsv",
      publicFiles: [
        "train.tsv": train,
        "test.tsv": ScriptedTask.table(
          ["Id", "x"], ScriptedTask.rows(2000..<2010, label: false), separator: "\t"),
      ])
    defer { t.remove() }
    let (loaded, result) = try t.prepare()
    let files = try TaskFileList.read(result.layout)
    #expect(files.contains(TaskFile(path: "public/train.tsv", role: .trainTable, format: .tsv)))
    #expect(result.trainRows == 40)
    #expect(try t.validate(result, loaded).status("leaks") == .passed)
    try t.plant(train + "2007\t5\tno\n", at: "public/train.tsv", in: result)
    let report = try t.validate(result, loaded)
    #expect(report.status("leaks") == .failed)
    #expect(report.detail("leaks").contains("test id \"2007\" is in public/train.tsv (line 42)"))
  }

  @Test func aJSONTestFileCarryingTheTargetFieldIsRefusedByPrepare() throws {
    let header = ["Id", "x"]
    // One record of ten carries the target: still a leak.
    let records = ScriptedTask.rows(2000..<2010, label: false).map { row in
      "{" + zip(header, row).map { "\"\($0)\": \"\($1)\"" }.joined(separator: ", ")
        + (row[0] == "2004" ? ", \"label\": \"yes\"" : "") + "}"
    }
    let t = try ScriptedTask(
      train: "train.json",
      publicFiles: [
        "train.json": ScriptedTask.jsonRecords(
          ["Id", "x", "label"], ScriptedTask.rows(1000..<1040, label: true)),
        "test.json": "[" + records.joined(separator: ",") + "]",
      ])
    defer { t.remove() }
    #expect {
      try t.prepare()
    } throws: {
      ($0 as? DojoError)?.message.contains("public/test.json holds the target field \"label\"")
        == true
    }
  }

  @Test func aTargetFieldPlantedInJSONLinesTestRecordsFailsLeaks() throws {
    let t = try ScriptedTask(
      train: "train.json",
      publicFiles: [
        "train.json": ScriptedTask.jsonRecords(
          ["Id", "x", "label"], ScriptedTask.rows(1000..<1040, label: true)),
        "test.json": ScriptedTask.jsonRecords(
          ["Id", "x"], ScriptedTask.rows(2000..<2010, label: false)),
      ])
    defer { t.remove() }
    let (loaded, result) = try t.prepare()
    #expect(
      try TaskFileList.read(result.layout).contains(
        TaskFile(path: "public/test.json", role: .testTable, format: .json)))
    #expect(result.trainRows == 40)
    let clean = try t.validate(result, loaded)
    #expect(clean.status("leaks") == .passed, "\(clean.detail("leaks"))")
    let lines =
      "{\"Id\": \"2000\", \"x\": \"4001\"}\n{\"Id\": \"2001\", \"x\": \"4003\", \"is\": 1, \"label\": \"no\"}\n"
    try t.plant(lines, at: "public/test.json", in: result)
    let report = try t.validate(result, loaded)
    #expect(report.status("leaks") == .failed)
    #expect(report.detail("leaks").contains("public/test.json holds the target field \"label\""))
  }

  @Test(arguments: [
    (
      "public/cs-test.csv", "Id,x\n2000,\"4001\n2001,4003\n",
      "public/cs-test.csv cannot be read as CSV"
    ),
    (
      "public/cs-training.csv", "Id,x,label\n1000,1\n",
      "public/cs-training.csv cannot be read as CSV"
    ),
  ])
  func anUnreadablePublicTableFailsLeaksNamingIt(path: String, text: String, expected: String)
    throws
  {
    let t = try ScriptedTask.csvPair()
    defer { t.remove() }
    let (loaded, result) = try t.prepare()
    try t.plant(text, at: path, in: result)
    let report = try t.validate(result, loaded)
    #expect(report.status("leaks") == .failed)
    #expect(report.detail("leaks").contains(expected), "\(report.detail("leaks"))")
  }

  @Test func aCorruptJSONTestFileFailsLeaksNamingIt() throws {
    let t = try ScriptedTask(
      train: "train.json",
      publicFiles: [
        "train.json": ScriptedTask.jsonRecords(
          ["Id", "x", "label"], ScriptedTask.rows(1000..<1040, label: true)),
        "test.json": ScriptedTask.jsonRecords(
          ["Id", "x"], ScriptedTask.rows(2000..<2010, label: false)),
      ])
    defer { t.remove() }
    let (loaded, result) = try t.prepare()
    try t.plant("[{\"Id\": \"2000\", ", at: "public/test.json", in: result)
    let report = try t.validate(result, loaded)
    #expect(report.status("leaks") == .failed)
    #expect(report.detail("leaks").contains("public/test.json cannot be read as JSON"))
  }

  @Test func exactDuplicatesOfTestRowsInARenamedTrainTableFailLeaks() throws {
    // Every test row's features (x) equal a train row's: the answers can be looked up.
    let test = ScriptedTask.table(
      ["Id", "x"], (2000..<2010).map { [String($0), String(($0 - 1000) * 2)] })
    let t = try ScriptedTask(
      train: "cs-training.csv",
      publicFiles: ["cs-training.csv": ScriptedTask.trainCSV, "cs-test.csv": test])
    defer { t.remove() }
    let (loaded, result) = try t.prepare()
    let report = try t.validate(result, loaded)
    #expect(report.status("leaks") == .failed)
    #expect(
      report.detail("leaks").contains(
        "100.0% of public/cs-test.csv rows have an exact feature duplicate in public/cs-training.csv"
      ))
  }

  @Test func aTaskJSONWithoutTheFileListFailsIntegrityAskingToReprepare() throws {
    let t = try ScriptedTask.csvPair()
    defer { t.remove() }
    let (loaded, result) = try t.prepare()
    // As an older Dojo wrote it: the spec alone.
    let spec = try JSONDecoder().decode(
      TaskSpec.self, from: Data(contentsOf: result.layout.taskFile))
    try AtomicFiles.write(try StableJSON.encode(spec), to: result.layout.taskFile)
    try Checksums.write(for: result.layout.root)
    let report = try t.validate(result, loaded)
    #expect(report.status("integrity") == .failed)
    #expect(report.detail("integrity").contains("lists no files with their roles"))
    #expect(report.detail("integrity").contains("re-prepare"))
    #expect(report.status("leaks") == .failed)
  }

  @Test func aPublicTableMissingFromTheListFailsIntegrity() throws {
    let t = try ScriptedTask.csvPair()
    defer { t.remove() }
    let (loaded, result) = try t.prepare()
    try t.plant(ScriptedTask.answers, at: "public/holdout.csv", in: result)
    let report = try t.validate(result, loaded)
    #expect(report.status("integrity") == .failed)
    #expect(
      report.detail("integrity").contains("public/holdout.csv is not in task.json's file list"))
  }

  @Test func aHardLinkFromPublicToPrivateFailsLeaks() throws {
    let t = try ScriptedTask.csvPair()
    defer { t.remove() }
    let (loaded, result) = try t.prepare()
    let link = result.layout.publicDir.appendingPathComponent("notes.txt")
    let target = result.layout.privateDir.appendingPathComponent("leaderboard_public.csv")
    try FileManager.default.linkItem(at: target, to: link)
    try Checksums.write(for: result.layout.root)
    // Listing the new file keeps integrity out of the way: only the leak check objects.
    let files =
      try TaskFileList.read(result.layout) + [
        TaskFile(path: "public/notes.txt", role: .extra, format: .other)
      ]
    let spec = try JSONDecoder().decode(
      TaskSpec.self, from: Data(contentsOf: result.layout.taskFile))
    try AtomicFiles.write(try TaskFileList.encode(spec, files: files), to: result.layout.taskFile)
    try Checksums.write(for: result.layout.root)
    let report = try t.validate(result, loaded)
    #expect(report.status("leaks") == .failed)
    #expect(report.detail("leaks").contains("is a hard link to a private file"))
    // The private file is untouched.
    #expect(try String(contentsOf: target, encoding: .utf8) == PreparedFixture.leaderboard)
  }
}

@Suite("skipped is never passed")
struct SkippedCheckTests {
  @Test func withoutAManifestDeterminismAndReferenceAreSkippedWithTheReason() throws {
    let f = try PreparedFixture()
    defer { f.remove() }
    let (_, result) = try f.prepare()
    let reason = "no folder above /somewhere holds manifests/fixture/manifest.yaml"
    let report = try Validator(
      layout: result.layout, manifest: nil, raw: nil, manifestMissing: reason, rawMissing: reason
    ).validate()
    #expect(report.status("determinism") == .skipped)
    #expect(report.detail("determinism").contains(reason))
    #expect(report.status("reference") == .skipped)
    #expect(report.detail("reference").contains(reason))
    #expect(report.passed)  // nothing failed ...
    #expect(report.skipped.map(\.name) == ["determinism", "reference"])  // ... but not all ran
    #expect(!report.summary.contains("every check passed"))
    #expect(report.summary.contains("skipped: determinism (no manifest: \(reason)"))
    #expect(report.summary.contains("--allow-skipped determinism --allow-skipped reference"))
    // The report on disk says the same.
    let read = try ValidationReport.read(result.layout.report)
    #expect(read.skipped.map(\.name) == ["determinism", "reference"])
  }

  @Test func withoutTheRawFolderDeterminismIsSkippedNotPassed() throws {
    let f = try PreparedFixture()
    defer { f.remove() }
    let (loaded, result) = try f.prepare()
    let report = try Validator(
      layout: result.layout, manifest: loaded, raw: nil, skipReference: true,
      rawMissing: "/x/raw/fixture/files does not exist"
    ).validate()
    #expect(report.status("determinism") == .skipped)
    #expect(report.detail("determinism").contains("/x/raw/fixture/files does not exist"))
    #expect(report.status("reference") == .skipped)
  }

  @Test func aCleanReportSaysEveryCheckPassed() throws {
    let f = try PreparedFixture()
    defer { f.remove() }
    let report = try f.validate()
    #expect(report.skipped.isEmpty)
    #expect(report.summary == "fixture \(report.version): every check passed")
  }
}
