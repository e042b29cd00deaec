import Curation
import DojoCore
import Foundation
import Testing

/// A small competition built in a temporary folder: raw files plus a manifest folder.
struct FixtureCompetition {
  let root: URL
  var raw: URL { root.appendingPathComponent("raw") }
  var manifestDir: URL { root.appendingPathComponent("manifest") }
  var curated: URL { root.appendingPathComponent("curated") }

  /// A competition whose split is `script` (`split.py` beside the manifest), with `train` as
  /// the archive's `train.csv`.
  static func scriptSplit(
    _ script: String, train: String = "id,label\n1,a\n", manifest: String? = nil
  ) throws -> FixtureCompetition {
    try FixtureCompetition(
      manifest: manifest ?? Self.manifest(split: "  strategy: script\n  script: split.py"),
      files: ["train.csv": train], local: ["lb.csv": Self.leaderboard, "split.py": script])
  }

  init(manifest: String, files: [String: String], local: [String: String] = [:]) throws {
    root = FileManager.default.temporaryDirectory.appendingPathComponent("dojo-prep-\(UUID())")
    for (path, text) in files { try AtomicFiles.write(text, to: raw.appendingPathComponent(path)) }
    for (path, text) in local {
      try AtomicFiles.write(text, to: manifestDir.appendingPathComponent(path))
    }
    try AtomicFiles.write(manifest, to: manifestDir.appendingPathComponent("manifest.yaml"))
  }

  func prepare(into curated: URL? = nil, page: String? = "# Page\n\nText.") throws -> PrepareResult
  {
    let loaded = try ManifestLoader.load(manifestDir)
    return try Preparer(loaded).prepare(
      raw: raw, curated: curated ?? self.curated, pageMarkdown: page)
  }

  func remove() { try? FileManager.default.removeItem(at: root) }

  /// A labelled table with an id, two features (one quoted text with commas) and a label.
  static func table(rows: Int, classes: [String] = ["no", "yes"]) -> String {
    var text = "id,x,note,label\r\n"
    for i in 0..<rows {
      text +=
        "\(1000 + i),\(Double(i) * 0.5),\"a, \"\"b\"\" \(i % 3)\",\(classes[i % classes.count])\r\n"
    }
    return text
  }

  static func manifest(split: String, metric: String = "name: accuracy", extra: String = "")
    -> String
  {
    """
    id: fixture
    title: Fixture
    source:
      url: fixture.zip
    files:
      train: train.csv
    \(extra)
    split:
    \(split)
    answers:
      id: id
      targets: [label]
    metric:
      \(metric)
    leaderboard:
      public: lb.csv
    """
  }

  static let leaderboard =
    "TeamId,TeamName,SubmissionDate,Score\n1,a,2024-01-01,0.9\n2,b,2024-01-01,0.5\n"
}

@Suite("dojo prepare")
struct PreparerTests {
  @Test func writesPublicPrivateAndChecksums() throws {
    let f = try FixtureCompetition(
      manifest: FixtureCompetition.manifest(
        split: "  strategy: stratified\n  test_fraction: 0.25\n  seed: 1\n  stratify: label"),
      files: ["train.csv": FixtureCompetition.table(rows: 40)],
      local: ["lb.csv": FixtureCompetition.leaderboard])
    defer { f.remove() }
    let result = try f.prepare()
    #expect(result.trainRows == 30)
    #expect(result.testRows == 10)
    let layout = result.layout
    let test = try String(contentsOf: layout.test, encoding: .utf8)
    #expect(test.hasPrefix("id,x,note\n"))
    #expect(test.contains("\"a, \"\"b\"\""))
    let answers = try String(contentsOf: layout.answers, encoding: .utf8)
    #expect(answers.hasPrefix("id,label\n"))
    #expect(answers.split(separator: "\n").count == 11)
    let sample = try String(contentsOf: layout.sampleSubmission, encoding: .utf8)
    #expect(sample.hasPrefix("id,label\n"))
    #expect(sample.split(separator: "\n").count == 11)
    let description = try String(contentsOf: layout.description, encoding: .utf8)
    #expect(description.hasPrefix("# Page"))
    #expect(description.contains("Metric: `accuracy`, higher is better."))
    let spec = try JSONDecoder().decode(TaskSpec.self, from: Data(contentsOf: layout.taskFile))
    #expect(spec.submissionColumns == ["label"])
    #expect(spec.classes == ["no", "yes"])
    #expect(spec.leaderboards == ["leaderboard_public.csv"])
    #expect(try Checksums.verify(layout.root).isEmpty)
    // No temporary folder is left next to the task.
    let siblings = try FileManager.default.contentsOfDirectory(
      atPath: layout.root.deletingLastPathComponent().path)
    #expect(siblings == [result.version])
  }

  @Test func preparingTwiceIsByteIdentical() throws {
    let f = try FixtureCompetition(
      manifest: FixtureCompetition.manifest(
        split: "  strategy: random\n  test_fraction: 0.2\n  seed: 5"),
      files: ["train.csv": FixtureCompetition.table(rows: 200)],
      local: ["lb.csv": FixtureCompetition.leaderboard])
    defer { f.remove() }
    let a = try f.prepare(into: f.root.appendingPathComponent("a"))
    let b = try f.prepare(into: f.root.appendingPathComponent("b"))
    #expect(a.version == b.version)
    #expect(try FileTree.entries(under: a.layout.root) == FileTree.entries(under: b.layout.root))
    let again = try f.prepare(into: f.root.appendingPathComponent("a"))
    #expect(again.skipped)
    // With another version already there, the version is hashed before the split instead
    // of alongside it; the task is the same, byte for byte.
    let c = f.root.appendingPathComponent("c")
    try AtomicFiles.createDirectory(c.appendingPathComponent("fixture/0123456789ab"))
    let sequential = try f.prepare(into: c)
    #expect(!sequential.skipped && sequential.version == a.version)
    #expect(
      try FileTree.entries(under: a.layout.root) == FileTree.entries(under: sequential.layout.root))
  }

  @Test func aChangedSeedIsANewVersion() throws {
    let f = try FixtureCompetition(
      manifest: FixtureCompetition.manifest(split: "  strategy: random\n  test_rows: 5\n  seed: 1"),
      files: ["train.csv": FixtureCompetition.table(rows: 50)],
      local: ["lb.csv": FixtureCompetition.leaderboard])
    defer { f.remove() }
    let first = try f.prepare()
    try AtomicFiles.write(
      FixtureCompetition.manifest(split: "  strategy: random\n  test_rows: 5\n  seed: 2"),
      to: f.manifestDir.appendingPathComponent("manifest.yaml"))
    let second = try f.prepare()
    #expect(first.version != second.version)
  }

  struct RefusalCase: CustomTestStringConvertible, Sendable {
    var name: String
    var table: String
    var split: String
    var expected: String
    var testDescription: String { name }
  }

  static let refusals: [RefusalCase] = [
    RefusalCase(
      name: "missing id column", table: "key,label\n1,a\n2,b\n3,a\n",
      split: "  strategy: random\n  test_rows: 1", expected: "answers.id: column \"id\" is not in"),
    RefusalCase(
      name: "missing target", table: "id,y\n1,a\n2,b\n3,a\n",
      split: "  strategy: random\n  test_rows: 1",
      expected: "answers.targets: column \"label\" is not in"),
    RefusalCase(
      name: "duplicate id", table: "id,label\n1,a\n2,b\n1,a\n",
      split: "  strategy: random\n  test_rows: 1",
      expected: "answers.id: \"1\" appears on lines 2 and 4 of train.csv"),
    RefusalCase(
      name: "duplicate integer id, unsorted and far apart",
      table: "id,label\n50,a\n7,b\n900,a\n12,b\n7,a\n31,b\n",
      split: "  strategy: random\n  test_rows: 1",
      expected: "answers.id: \"7\" appears on lines 3 and 6 of train.csv"),
    RefusalCase(
      name: "stratify names no column", table: "id,label\n1,a\n2,b\n3,a\n",
      split: "  strategy: stratified\n  test_rows: 1\n  stratify: colour",
      expected: "split names column \"colour\""),
    RefusalCase(
      name: "empty train side", table: "id,label\n1,a\n2,b\n3,a\n",
      split: "  strategy: random\n  test_rows: 3",
      expected: "split asks for"),
    RefusalCase(
      name: "ragged row", table: "id,label\n1,a\n2,b,extra\n3,a\n",
      split: "  strategy: random\n  test_rows: 1",
      expected: "train.csv:3: has 3 fields but the header has 2"),
  ]

  @Test(arguments: refusals)
  func refusesABadInputAndLeavesNothing(_ c: RefusalCase) throws {
    let f = try FixtureCompetition(
      manifest: FixtureCompetition.manifest(split: c.split), files: ["train.csv": c.table],
      local: ["lb.csv": FixtureCompetition.leaderboard])
    defer { f.remove() }
    do {
      _ = try f.prepare()
      Issue.record("prepared although \(c.name)")
    } catch let e as DojoError {
      #expect(e.message.contains(c.expected), "\(e.message)")
    }
    let left =
      (try? FileManager.default.contentsOfDirectory(
        atPath: f.curated.appendingPathComponent("fixture").path)) ?? []
    #expect(left.isEmpty, "left behind: \(left)")
  }

  /// Ids are text: `01` and `1` are two ids, though integer ids are checked as numbers.
  @Test(arguments: [
    "id,label\n01,a\n1,b\n2,a\n3,b\n", "id,label\n4,a\n3,b\n2,a\n1,b\n",
    "id,label\n1,a\n+1,b\n 1,a\n1.0,b\n",
  ])
  func distinctIdsPrepare(_ table: String) throws {
    let f = try FixtureCompetition(
      manifest: FixtureCompetition.manifest(split: "  strategy: random\n  test_rows: 1"),
      files: ["train.csv": table], local: ["lb.csv": FixtureCompetition.leaderboard])
    defer { f.remove() }
    let result = try f.prepare()
    #expect(result.trainRows == 3)
    #expect(result.testRows == 1)
  }

  /// A competition whose archive has labelled test rows (`split.strategy: provided`).
  static func provided(labelledTest: String) throws -> FixtureCompetition {
    try FixtureCompetition(
      manifest: FixtureCompetition.manifest(
        split: "  strategy: provided", extra: "  test_answers: labelled_test.csv"),
      files: ["train.csv": "id,x,label\n1,0.1,a\n2,0.2,b\n", "labelled_test.csv": labelledTest],
      local: ["lb.csv": FixtureCompetition.leaderboard])
  }

  @Test func providedAnswersAreUsedAsTheTest() throws {
    let f = try Self.provided(labelledTest: "id,x,label\n3,0.3,a\n4,0.4,b\n5,0.5,a\n")
    defer { f.remove() }
    let r = try f.prepare()
    #expect(r.trainRows == 2)
    #expect(r.testRows == 3)
    #expect(try String(contentsOf: r.layout.test, encoding: .utf8) == "id,x\n3,0.3\n4,0.4\n5,0.5\n")
    #expect(
      try String(contentsOf: r.layout.answers, encoding: .utf8) == "id,label\n3,a\n4,b\n5,a\n")
  }

  /// Only a split of one file proves its sides disjoint; provided test rows are checked
  /// against train, and a shared id is refused with nothing left behind.
  @Test func providedTestRowsSharingAnIdWithTrainAreALeak() throws {
    let f = try Self.provided(labelledTest: "id,x,label\n3,0.3,a\n2,0.2,b\n")
    defer { f.remove() }
    let error = #expect(throws: DojoError.self) { try f.prepare() }
    #expect(error?.message.contains("leak: test id \"2\" is in public/train.csv") == true)
    let left = (try? FileManager.default.contentsOfDirectory(atPath: f.curated.path)) ?? []
    #expect(
      left.allSatisfy { name in
        ((try? FileManager.default.contentsOfDirectory(
          atPath: f.curated.appendingPathComponent(name).path)) ?? []).isEmpty
      })
  }

  @Test func scriptSplitOutputIsCheckedAndChecksummed() throws {
    let script = """
      import os, sys
      raw, out = sys.argv[1], sys.argv[2]
      os.makedirs(os.path.join(out, "public"), exist_ok=True)
      os.makedirs(os.path.join(out, "private"), exist_ok=True)
      open(os.path.join(out, "public", "train.csv"), "w").write("id,label\\n1,a\\n2,b\\n")
      open(os.path.join(out, "public", "test.csv"), "w").write("id\\n3\\n")
      open(os.path.join(out, "private", "answers.csv"), "w").write("id,label\\n3,a\\n")
      """
    let f = try FixtureCompetition.scriptSplit(script, train: "id,label\n1,a\n2,b\n3,a\n")
    defer { f.remove() }
    let r = try f.prepare()
    #expect(r.testRows == 1)
    #expect(try Checksums.verify(r.layout.root).isEmpty)
    #expect(FileManager.default.fileExists(atPath: r.layout.sampleSubmission.path))
  }

  @Test func aFailingScriptIsReportedWithItsError() throws {
    let f = try FixtureCompetition(
      manifest: FixtureCompetition.manifest(split: "  strategy: script\n  script: split.py"),
      files: ["train.csv": "id,label\n1,a\n"],
      local: [
        "lb.csv": FixtureCompetition.leaderboard, "split.py": "raise SystemExit('no data here')\n",
      ])
    defer { f.remove() }
    #expect {
      try f.prepare()
    } throws: { error in
      (error as? DojoError)?.message.contains("no data here") == true
    }
  }

  @Test func aScriptThatLeaksIsRefused() throws {
    let script = """
      import os, sys
      out = sys.argv[2]
      os.makedirs(os.path.join(out, "public"), exist_ok=True)
      os.makedirs(os.path.join(out, "private"), exist_ok=True)
      open(os.path.join(out, "public", "train.csv"), "w").write("id,label\\n1,a\\n3,a\\n")
      open(os.path.join(out, "public", "test.csv"), "w").write("id,label\\n3,a\\n")
      open(os.path.join(out, "private", "answers.csv"), "w").write("id,label\\n3,a\\n")
      """
    let f = try FixtureCompetition.scriptSplit(script)
    defer { f.remove() }
    #expect {
      try f.prepare()
    } throws: { error in
      (error as? DojoError)?.message.contains("leak") == true
    }
  }
}

extension PreparerTests {
  /// A recommender's test users keep their earlier rows in train: with `answers.ids_in_train`
  /// that is the design, the task prepares, task.json says so, and the other leak checks
  /// still run (a target column in test is refused).
  @Test func idsInTrainByDesignPrepareWhileOtherLeaksStillFail() throws {
    func script(test: String) -> String {
      """
      import os, sys
      out = sys.argv[2]
      open(os.path.join(out, "public", "train.csv"), "w").write("id,label\\n1,a\\n3,a\\n")
      open(os.path.join(out, "public", "test.csv"), "w").write("\(test)")
      open(os.path.join(out, "private", "answers.csv"), "w").write("id,label\\n3,b\\n")
      """
    }
    let manifest = FixtureCompetition.manifest(split: "  strategy: script\n  script: split.py")
      .replacingOccurrences(of: "answers:\n", with: "answers:\n  ids_in_train: true\n")
    let f = try FixtureCompetition.scriptSplit(script(test: "id\\n3\\n"), manifest: manifest)
    defer { f.remove() }
    let result = try f.prepare()
    let spec = try JSONDecoder().decode(
      TaskSpec.self, from: Data(contentsOf: result.layout.taskFile))
    #expect(spec.idsInTrain == true)

    let leaking = try FixtureCompetition.scriptSplit(
      script(test: "id,label\\n3,b\\n"), manifest: manifest)
    defer { leaking.remove() }
    #expect {
      try leaking.prepare()
    } throws: { error in
      (error as? DojoError)?.message.contains("holds the target") == true
    }
  }
}

@Suite("Media-keyed splits")
struct MediaSplitTests {
  /// A labels table `labels.csv` (image_id, label) with files in `images/` named by `pattern`.
  static func manifest(split: String, pattern: String) -> String {
    """
    id: fixture
    title: Fixture
    source:
      url: fixture.zip
    files:
      train: labels.csv
    split:
    \(split)
    answers:
      id: image_id
      targets: [label]
    metric:
      name: accuracy
    media:
      folder: images
      pattern: "\(pattern)"
    """
  }

  @Test func eachImageFollowsItsRow() throws {
    var files = [
      "labels.csv": "image_id,label\n"
        + (0..<20).map { "img\($0),\($0 % 2)" }.joined(separator: "\n") + "\n"
    ]
    for i in 0..<20 { files["images/img\(i).jpg"] = "JPEG-\(i)" }
    files["images/unrelated.txt"] = "not an image of a row"
    let manifest = Self.manifest(
      split: "  strategy: random\n  test_fraction: 0.25\n  seed: 3", pattern: "{id}.jpg")
    let f = try FixtureCompetition(manifest: manifest, files: files)
    defer { f.remove() }
    let r = try f.prepare()
    let pub = r.layout.publicDir
    let trainImages = try FileManager.default.contentsOfDirectory(
      atPath: pub.appendingPathComponent("train").path
    ).sorted()
    let testImages = try FileManager.default.contentsOfDirectory(
      atPath: pub.appendingPathComponent("test").path
    ).sorted()
    #expect(trainImages.count == 15)
    #expect(testImages.count == 5)
    #expect(Set(trainImages).isDisjoint(with: testImages))
    let answers = try String(contentsOf: r.layout.answers, encoding: .utf8)
    for name in testImages {
      let id = String(name.dropLast(4))
      #expect(answers.contains("\n\(id),"))
      let bytes = try String(
        contentsOf: pub.appendingPathComponent("test/\(name)"), encoding: .utf8)
      #expect(bytes == "JPEG-\(id.dropFirst(3))")
    }
    #expect(
      try Checksums.read(r.layout.root).contains { $0.path == "public/test/\(testImages[0])" })
  }

  /// Labels often sit in folder names (`train/<class>/<id>.jpg`): a glob pattern finds the
  /// file, and it is placed flat so the class folder never reaches public/.
  @Test func aGlobPatternFindsFilesInClassFoldersAndPlacesThemFlat() throws {
    var files = [
      "labels.csv": "image_id,label\n"
        + (0..<12).map { "img\($0),\($0 % 2 == 0 ? "cat" : "dog")" }.joined(separator: "\n") + "\n"
    ]
    for i in 0..<12 { files["images/\(i % 2 == 0 ? "cat" : "dog")/img\(i).jpg"] = "JPEG-\(i)" }
    let manifest = Self.manifest(split: "  strategy: random\n  test_rows: 4", pattern: "*/{id}.jpg")
    let f = try FixtureCompetition(manifest: manifest, files: files)
    defer { f.remove() }
    let r = try f.prepare()
    let test = try FileManager.default.contentsOfDirectory(
      atPath: r.layout.publicDir.appendingPathComponent("test").path)
    #expect(test.count == 4)
    #expect(test.allSatisfy { $0.hasPrefix("img") && $0.hasSuffix(".jpg") })
    let all = try FileTree.relativePaths(under: r.layout.publicDir)
    #expect(!all.contains { $0.contains("cat/") || $0.contains("dog/") })
  }

  @Test func aMissingImageIsNamed() throws {
    let manifest = Self.manifest(split: "  strategy: random\n  test_rows: 1", pattern: "{id}.png")
    let f = try FixtureCompetition(
      manifest: manifest,
      files: ["labels.csv": "image_id,label\na,1\nb,0\n", "images/a.png": "x"])
    defer { f.remove() }
    #expect {
      try f.prepare()
    } throws: { error in
      (error as? DojoError)?.message.contains("no file images/b.png for id \"b\"") == true
    }
  }
}
