import Curation
import DojoCore
import Foundation
import Tabular
import Testing

/// The manifest keys that replaced the Python split helpers (`table:`, `public:`, JSON
/// records): each is pinned on generated data through a real `dojo prepare`.
@Suite("Declarative split features")
struct DeclarativeFeaturesTests {
  /// A manifest whose split, table and public keys vary; id `id`, target `label` unless set.
  static func manifest(
    train: String = "train.csv", test: String? = nil,
    split: String = "  strategy: random\n  test_fraction: 0.25\n  seed: 3",
    keys: String = "", id: String = "id", metric: String = "accuracy"
  ) -> String {
    """
    id: fixture
    title: Fixture
    source:
      url: fixture.zip
    files:
      train: \(train)
    \(test.map { "  test: \($0)" } ?? "")
    split:
    \(split)
    answers:
      id: \(id)
      targets: [label]
    metric:
      name: \(metric)
    leaderboard:
      public: lb.csv
    \(keys)
    """
  }

  static func competition(_ manifest: String, _ files: [String: String]) throws
    -> FixtureCompetition
  {
    try FixtureCompetition(
      manifest: manifest, files: files, local: ["lb.csv": FixtureCompetition.leaderboard])
  }

  static func column(_ url: URL, _ name: String) throws -> [String] {
    let table = try Table.read(url)
    let c = try #require(table.index(of: name), "\(url.lastPathComponent) has no \(name)")
    return table.strings(column: c)
  }

  @Test func rowIDNumbersTheSourceRowsFromZero() throws {
    var text = "x,label\n"
    for i in 0..<40 { text += "\(i * 7),\(i % 2 == 0 ? "a" : "b")\n" }
    let f = try Self.competition(Self.manifest(keys: "table:\n  row_id: id"), ["train.csv": text])
    defer { f.remove() }
    let result = try f.prepare()
    let layout = result.layout
    #expect(try Table.read(layout.train).header == ["id", "x", "label"])
    #expect(try Table.read(layout.test).header == ["id", "x"])
    let trainIDs = try Self.column(layout.train, "id")
    let testIDs = try Self.column(layout.answers, "id")
    #expect(testIDs.count == 10)
    #expect(Set(trainIDs + testIDs) == Set((0..<40).map(String.init)))
    // Each id is the row's number: row n has x = 7n.
    for (id, x) in zip(try Self.column(layout.test, "id"), try Self.column(layout.test, "x")) {
      #expect(Int(x) == Int(id)! * 7)
    }
  }

  @Test func idPartsComposeTheIdAndGroupsStayTogether() throws {
    var text = "sentence_id,token_id,before,label,class\n"
    for s in 0..<12 { for t in 0..<3 { text += "\(s),\(t),w\(s)\(t),W\(s)\(t),PLAIN\n" } }
    let f = try Self.competition(
      Self.manifest(
        train: "en_train.csv",
        split: "  strategy: group\n  test_fraction: 0.25\n  seed: 1\n  group: sentence_id",
        keys: """
          table:
            row_id: id
            id_parts: [sentence_id, token_id]
          public:
            train: en_train.csv
            test: en_test_2.csv
            drop: [class]
          """), ["en_train.csv": text])
    defer { f.remove() }
    let layout = try f.prepare().layout
    let publicTrain = layout.publicDir.appendingPathComponent("en_train.csv")
    let publicTest = layout.publicDir.appendingPathComponent("en_test_2.csv")
    #expect(!FileManager.default.fileExists(atPath: layout.train.path))
    #expect(!FileManager.default.fileExists(atPath: layout.test.path))
    #expect(try Table.read(publicTest).header == ["id", "sentence_id", "token_id", "before"])
    #expect(try Table.read(publicTrain).header.contains("class"))
    let testIDs = try Self.column(layout.answers, "id")
    #expect(testIDs.allSatisfy { $0.wholeMatch(of: /\d+_\d/) != nil })
    let testSentences = Set(testIDs.map { $0.split(separator: "_")[0] })
    let trainSentences = Set(try Self.column(publicTrain, "sentence_id").map { Substring($0) })
    #expect(testSentences.isDisjoint(with: trainSentences))
    #expect(testIDs.count == testSentences.count * 3)
  }

  @Test func renameFirstNamesTheUnnamedIdColumn() throws {
    let text = ",x,label\n" + (1...20).map { "\($0),\($0 * 2),\($0 % 2)\n" }.joined()
    let f = try Self.competition(
      Self.manifest(
        train: "cs-training.csv",
        keys: "table:\n  rename_first: Id\npublic:\n  train: cs-training.csv\n  test: cs-test.csv",
        id: "Id"), ["cs-training.csv": text])
    defer { f.remove() }
    let layout = try f.prepare().layout
    let test = layout.publicDir.appendingPathComponent("cs-test.csv")
    let train = layout.publicDir.appendingPathComponent("cs-training.csv")
    #expect(try Table.read(test).header == ["Id", "x"])
    #expect(try Table.read(train).header == ["Id", "x", "label"])
    #expect(try Self.column(layout.answers, "Id").count == 5)
  }

  @Test func publicDropHidesColumnsFromTestOnly() throws {
    let text = "id,x,leaky,label\n" + (0..<20).map { "\($0),\($0),\($0 % 2),\($0 % 2)\n" }.joined()
    let f = try Self.competition(
      Self.manifest(keys: "public:\n  drop: [leaky]"), ["train.csv": text])
    defer { f.remove() }
    let layout = try f.prepare().layout
    #expect(try Table.read(layout.test).header == ["id", "x"])
    #expect(try Table.read(layout.train).header == ["id", "x", "leaky", "label"])
  }

  @Test func publicDropOfAMissingColumnNamesTheKey() throws {
    let text = "id,x,label\n" + (0..<20).map { "\($0),\($0),\($0 % 2)\n" }.joined()
    let f = try Self.competition(
      Self.manifest(keys: "public:\n  drop: [nothere]"), ["train.csv": text])
    defer { f.remove() }
    let error = try #require(throws: DojoError.self) { try f.prepare() }
    #expect(error.message.hasPrefix("public.drop: column \"nothere\" is not in train.csv"))
    let leftovers =
      (try? FileManager.default.contentsOfDirectory(
        atPath: f.curated.appendingPathComponent("fixture").path)) ?? []
    #expect(leftovers.isEmpty)
  }

  @Test func dropUnlabelledLeavesEmptyTargetsOnNeitherSide() throws {
    var text = "shot_id,x,label\n"
    for i in 0..<50 { text += "\(100 + i),\(i),\(i % 5 == 0 ? "" : String(i % 2))\n" }
    let f = try Self.competition(
      Self.manifest(keys: "table:\n  drop_unlabelled: true", id: "shot_id"), ["train.csv": text])
    defer { f.remove() }
    let result = try f.prepare()
    #expect(result.trainRows + result.testRows == 40)
    #expect(result.testRows == 10)  // ceil(0.25 x 40 labelled rows)
    let ids =
      try Self.column(result.layout.train, "shot_id")
      + Self.column(result.layout.answers, "shot_id")
    #expect(Set(ids) == Set((0..<50).filter { $0 % 5 != 0 }.map { String(100 + $0) }))
    #expect(try !Self.column(result.layout.answers, "label").contains(""))
  }

  @Test func scoredWhereKeepsTestRowsButScoresOnlyTheSubset() throws {
    var text = "id,breath_id,u_out,label\n"
    for i in 0..<60 { text += "\(i),\(i / 6),\(i % 6 < 3 ? 0 : 1),\(Double(i) / 2)\n" }
    let f = try Self.competition(
      Self.manifest(
        split: "  strategy: group\n  test_fraction: 0.2\n  seed: 2\n  group: breath_id",
        keys: "table:\n  scored_where: { column: u_out, value: \"0\" }", metric: "mae"),
      ["train.csv": text])
    defer { f.remove() }
    let result = try f.prepare()
    let testIDs = try Self.column(result.layout.test, "id")
    let scored = try Self.column(result.layout.answers, "id")
    #expect(result.testRows == testIDs.count)
    #expect(testIDs.count == 12)  // two whole breaths
    #expect(Set(scored) == Set(testIDs.filter { Int($0)! % 6 < 3 }))
    #expect(
      try Self.column(result.layout.sampleSubmission, "id") == scored)
  }

  @Test func tabSeparatedWithQuotesAsDataIsWrittenAsCSV() throws {
    var text = "PhraseId\tPhrase\tlabel\n"
    for i in 0..<20 { text += "\(i)\tA \"quoted\", phrase \(i)\t\(i % 3)\n" }
    let f = try Self.competition(
      Self.manifest(
        train: "train.tsv", keys: "table:\n  delimiter: \"\\t\"\n  quoting: none", id: "PhraseId"),
      ["train.tsv": text])
    defer { f.remove() }
    let layout = try f.prepare().layout
    let phrases = try Self.column(layout.test, "Phrase") + Self.column(layout.train, "Phrase")
    #expect(phrases.count == 20)
    #expect(phrases.allSatisfy { $0.hasPrefix("A \"quoted\", phrase ") })
  }

  @Test func escapeCharacterKeepsEscapedQuotesInsideFields() throws {
    var text = "id\tlabel\treview\n"
    for i in 0..<20 { text += "\"\(i)\"\t\(i % 2)\t\"He said \\\"no\\\"\tthen\\\\left \(i)\"\n" }
    let f = try Self.competition(
      Self.manifest(
        train: "labeledTrainData.tsv",
        split: "  strategy: stratified\n  test_fraction: 0.5\n  seed: 42\n  stratify: label",
        keys: "table:\n  delimiter: \"\\t\"\n  escape: \"\\\\\""), ["labeledTrainData.tsv": text])
    defer { f.remove() }
    let result = try f.prepare()
    #expect(result.testRows == 10)
    let reviews = try Self.column(result.layout.test, "review")
    #expect(reviews.allSatisfy { $0.hasPrefix("He said \"no\"\tthen\\left ") })
  }

  @Test func raggedTabSeparatedRowNamesItsLine() throws {
    let text = "id\tx\tlabel\n1\ta\t0\n2\tb\n3\tc\t1\n"
    let f = try Self.competition(
      Self.manifest(train: "train.tsv", keys: "table:\n  delimiter: \"\\t\""), ["train.tsv": text])
    defer { f.remove() }
    let error = try #require(throws: DojoError.self) { try f.prepare() }
    #expect(error.message.hasPrefix("train.tsv:3: has 2 fields but the header has 3"))
  }

  @Test func latin1TableIsTranscodedToUTF8() throws {
    var bytes = [UInt8]("id,name,label\n".utf8)
    for i in 0..<20 { bytes += [UInt8]("\(i),caf".utf8) + [0xE9] + [UInt8](",\(i % 2)\n".utf8) }
    let f = try Self.competition(
      Self.manifest(keys: "table:\n  encoding: latin-1"), ["train.csv": ""])
    defer { f.remove() }
    try Data(bytes).write(to: f.raw.appendingPathComponent("train.csv"))
    let layout = try f.prepare().layout
    let names = try Self.column(layout.train, "name") + Self.column(layout.test, "name")
    #expect(names == [String](repeating: "café", count: 20))
  }

  @Test func latin1BytesReadAsUTF8AreRefusedWithTheLine() throws {
    var bytes = [UInt8]("name,label\na,1\nb,0\n".utf8)
    bytes += [UInt8]("caf".utf8) + [0xE9] + [UInt8](",1\n".utf8)
    let f = try Self.competition(Self.manifest(keys: "table:\n  row_id: id"), ["train.csv": ""])
    defer { f.remove() }
    try Data(bytes).write(to: f.raw.appendingPathComponent("train.csv"))
    let error = try #require(throws: DojoError.self) { try f.prepare() }
    #expect(error.message.contains("train.csv:4"), "\(error.message)")
  }

  @Test func rowIDThatCollidesWithAColumnIsRefused() throws {
    let text = "id,x,label\n" + (0..<10).map { "\($0),\($0),\($0 % 2)\n" }.joined()
    let f = try Self.competition(Self.manifest(keys: "table:\n  row_id: id"), ["train.csv": text])
    defer { f.remove() }
    let error = try #require(throws: DojoError.self) { try f.prepare() }
    #expect(error.message.hasPrefix("table.row_id: train.csv already has a column \"id\""))
  }

  @Test func mediaOfATabSeparatedTableReachesItsSide() throws {
    var text = "url\turlid\tboilerplate\tlabel\n"
    var files: [String: String] = [:]
    for i in 0..<20 {
      text += "\"http://x/\(i)\"\t\(5000 + i)\t\"{\"\"title\"\":\"\"t\(i)\"\"}\"\t\(i % 2)\n"
      files["raw_content/\(5000 + i)"] = "<html>\(i)</html>"
    }
    files["train.tsv"] = text
    let f = try Self.competition(
      Self.manifest(
        train: "train.tsv",
        split: "  strategy: stratified\n  test_fraction: 0.3\n  seed: 42\n  stratify: label",
        keys: "table:\n  delimiter: \"\\t\"\nmedia:\n  folder: raw_content", id: "urlid",
        metric: "roc_auc"), files)
    defer { f.remove() }
    let layout = try f.prepare().layout
    let testIDs = try Self.column(layout.test, "urlid")
    #expect(testIDs.count == 6)
    for id in testIDs {
      #expect(FileManager.default.fileExists(atPath: layout.publicDir.path + "/test/" + id))
      #expect(!FileManager.default.fileExists(atPath: layout.publicDir.path + "/train/" + id))
    }
    let boilerplate = try Self.column(layout.train, "boilerplate")
    #expect(boilerplate.allSatisfy { $0.hasPrefix("{\"title\":\"t") })
  }

  @Test func mediaPatternShardsByTheIdsCharacters() throws {
    var files: [String: String] = [:]
    var text = "image_id,label\n"
    for i in 0..<20 {
      let id = String(format: "%02x9z%03d", i * 13, i)
      text += "\(id),InChI=\(i % 3)\n"
      let c = Array(id)
      files["train/\(c[0])/\(c[1])/\(c[2])/\(id).png"] = "png \(i)"
    }
    files["train_labels.csv"] = text
    let f = try Self.competition(
      Self.manifest(
        train: "train_labels.csv",
        split: "  strategy: random\n  test_fraction: 0.2\n  seed: 0",
        keys: """
          public:
            train: train_labels.csv
          media:
            folder: train
            pattern: "{id[0]}/{id[1]}/{id[2]}/{id}.png"
          """, id: "image_id", metric: "levenshtein"), files)
    defer { f.remove() }
    let layout = try f.prepare().layout
    let testIDs = try Self.column(layout.answers, "image_id")
    let trainIDs = try Self.column(
      layout.publicDir.appendingPathComponent("train_labels.csv"), "image_id")
    #expect(testIDs.count == 4)
    for (side, ids) in [("test", testIDs), ("train", trainIDs)] {
      for id in ids {
        let c = Array(id)
        let path = "\(layout.publicDir.path)/\(side)/\(c[0])/\(c[1])/\(c[2])/\(id).png"
        #expect(FileManager.default.fileExists(atPath: path), "\(path)")
      }
    }
  }

  /// hms-harmful-brain-activity-classification's layout: rows name an EEG and a spectrogram,
  /// several rows share one recording, and each kind goes to its own folders per side.
  @Test func severalMediaFoldersEachReachTheirSideOnceWhenRowsShareAFile() throws {
    var text = "label_id,eeg_id,spectrogram_id,expert_consensus,label\n"
    var files: [String: String] = [:]
    for i in 0..<30 {
      let spectrogram = 700 + i / 3  // three rows per spectrogram, one EEG per spectrogram
      text += "\(i),\(900 + i / 3),\(spectrogram),c\(i % 2),\(i % 2 == 0 ? "a" : "b")\n"
      files["train_eegs/\(900 + i / 3).parquet"] = "eeg \(i / 3)"
      files["train_spectrograms/\(spectrogram).parquet"] = "spectrogram \(i / 3)"
    }
    files["train.csv"] = text
    let f = try Self.competition(
      Self.manifest(
        split: "  strategy: group\n  test_fraction: 0.2\n  seed: 0\n  group: spectrogram_id",
        keys: """
          public:
            drop: [expert_consensus]
          media:
            - { folder: train_eegs, column: eeg_id, pattern: "{id}.parquet", train_folder: train_eegs, test_folder: test_eegs }
            - { folder: train_spectrograms, column: spectrogram_id, pattern: "{id}.parquet", train_folder: train_spectrograms, test_folder: test_spectrograms }
          """, id: "label_id"), files)
    defer { f.remove() }
    let layout = try f.prepare().layout
    #expect(try !Table.read(layout.test).header.contains("expert_consensus"))
    let fm = FileManager.default
    for (side, table) in [("train", layout.train), ("test", layout.test)] {
      let other = side == "train" ? "test" : "train"
      for (kind, column) in [("eegs", "eeg_id"), ("spectrograms", "spectrogram_id")] {
        let ids = Set(try Self.column(table, column))
        #expect(!ids.isEmpty)
        let folder = layout.publicDir.appendingPathComponent("\(side)_\(kind)")
        #expect(
          Set(try fm.contentsOfDirectory(atPath: folder.path)) == Set(ids.map { $0 + ".parquet" }))
        for id in ids {
          #expect(!fm.fileExists(atPath: "\(layout.publicDir.path)/\(other)_\(kind)/\(id).parquet"))
        }
      }
    }
    #expect(!fm.fileExists(atPath: layout.publicDir.path + "/train"))
  }

  @Test(arguments: [
    (
      "train_folder: ../up",
      "media.train_folder \"../up\" must be one plain folder name inside public/"
    ),
    ("test_folder: train", "media.test_folder is \"train\" like train_folder"),
    ("test_folder: .hidden", "media.test_folder \".hidden\" must be one plain folder name"),
  ])
  func mediaFoldersThatLeavePublicOrCollideAreRefusedAtLoad(key: String, message: String) throws {
    let text = Self.manifest(keys: "media:\n  folder: images\n  \(key)")
    let error = try #require(throws: DojoError.self) { try ManifestLoader.parse(text) }
    #expect(error.message.contains(message), "\(error.message)")
  }

  @Test func anEmptyMediaListIsRefusedAtLoad() throws {
    let error = try #require(throws: DojoError.self) {
      try ManifestLoader.parse(Self.manifest(keys: "media: []"))
    }
    #expect(error.message.contains("media is an empty list"), "\(error.message)")
  }

  /// shopee-product-matching's layout: each answer is the test postings of its group.
  @Test func groupMatchesDerivesEachAnswerFromTheTestRowsOfItsGroup() throws {
    var text = "posting_id,image,title,label_group\n"
    var files: [String: String] = [:]
    for i in 0..<40 {
      // Groups of four postings; two postings of a group share an image.
      text += "p\(i),img\(i / 2).jpg,title \(i),\(1000 + i / 4)\n"
      files["train_images/img\(i / 2).jpg"] = "jpeg \(i / 2)"
    }
    files["train.csv"] = text
    let f = try Self.competition(
      Self.manifest(
        split: "  strategy: random\n  test_fraction: 0.5\n  seed: 42",
        keys: """
          media:
            folder: train_images
            column: image
            train_folder: train_images
            test_folder: test_images
          """, id: "posting_id", metric: "multilabel_f1_samples"
      ).replacingOccurrences(
        of: "targets: [label]", with: "targets: [matches]\n  group_matches: label_group"),
      files)
    defer { f.remove() }
    let layout = try f.prepare().layout
    // The group column stays in train and leaves the test table.
    #expect(try Table.read(layout.train).header.contains("label_group"))
    #expect(try Table.read(layout.test).header == ["posting_id", "image", "title"])
    let testIDs = try Self.column(layout.test, "posting_id")
    #expect(testIDs.count == 20)
    let group = { (id: String) in 1000 + Int(id.dropFirst())! / 4 }
    let answers = try Table.read(layout.answers)
    #expect(answers.header == ["posting_id", "matches"])
    for row in 0..<answers.rowCount {
      let id = answers.string(row: row, column: 0)
      let expected = testIDs.filter { group($0) == group(id) }.sorted()
      #expect(answers.string(row: row, column: 1) == expected.joined(separator: " "))
    }
    for image in try Self.column(layout.test, "image") {
      #expect(
        FileManager.default.fileExists(atPath: layout.publicDir.path + "/test_images/" + image))
    }
    let sample = try Table.read(layout.sampleSubmission)
    #expect(sample.header == ["posting_id", "matches"])
    #expect(
      (0..<sample.rowCount).allSatisfy {
        sample.string(row: $0, column: 0) == sample.string(row: $0, column: 1)
      })
    #expect(
      try Self.column(layout.sampleSubmission, "posting_id")
        == Self.column(layout.answers, "posting_id"))
  }

  @Test(arguments: [
    (
      "  targets: [a, b]\n  group_matches: g",
      "answers.targets must name one column with group_matches"
    ),
    ("  targets: [m]\n  group_matches: id", "answers.group_matches names \"id\""),
  ])
  func groupMatchesWithoutOneDerivedTargetIsRefusedAtLoad(answers: String, message: String) throws {
    let text = Self.manifest().replacingOccurrences(of: "  targets: [label]", with: answers)
    let error = try #require(throws: DojoError.self) { try ManifestLoader.parse(text) }
    #expect(error.message.contains(message), "\(error.message)")
  }

  @Test func groupMatchesUnderAScriptSplitIsRefusedAtLoad() throws {
    let text = Self.manifest(split: "  strategy: script\n  script: prepare.py")
      .replacingOccurrences(of: "targets: [label]", with: "targets: [m]\n  group_matches: g")
    let error = try #require(throws: DojoError.self) { try ManifestLoader.parse(text) }
    #expect(
      error.message.contains("answers.group_matches applies to the engine's own splits"),
      "\(error.message)")
  }

  @Test func mediaPatternWithATwoDigitIndexIsRefusedAtLoad() throws {
    let text = Self.manifest(keys: "media:\n  folder: train\n  pattern: \"{id[12]}/{id}.png\"")
    let error = try #require(throws: DojoError.self) { try ManifestLoader.parse(text) }
    #expect(error.message.contains("media.pattern may use {id[N]} only with one digit N"))
  }

  @Test func deriveAddsOneHotAndMappedColumnsAsTargets() throws {
    var text = "Id,x,Class\n"
    for i in 0..<40 { text += "id\(i),\(i),\(i % 4 == 0 ? 1 : 0)\n" }
    let f = try Self.competition(
      Self.manifest(
        split: "  strategy: stratified\n  test_fraction: 0.25\n  seed: 42\n  stratify: Class",
        keys: """
          table:
            derive:
              - { column: class_0, from: Class, when: ["0"], then: "1", else: "0" }
              - { column: class_1, from: Class, when: ["1"], then: "1", else: "0" }
          public:
            drop: [Class]
          """, id: "Id", metric: "balanced_log_loss"
      ).replacingOccurrences(of: "targets: [label]", with: "targets: [class_0, class_1]"),
      ["train.csv": text])
    defer { f.remove() }
    let result = try f.prepare()
    #expect(result.testRows == 10)
    let answers = try Table.read(result.layout.answers)
    #expect(answers.header == ["Id", "class_0", "class_1"])
    #expect(try Table.read(result.layout.test).header == ["Id", "x"])
    for row in 0..<answers.rowCount {
      let n = Int(answers.string(row: row, column: 0).dropFirst(2))!
      #expect(answers.string(row: row, column: 2) == (n % 4 == 0 ? "1" : "0"))
      #expect(answers.string(row: row, column: 1) == (n % 4 == 0 ? "0" : "1"))
    }
    #expect(try Table.read(result.layout.sampleSubmission).header == ["Id", "class_0", "class_1"])
  }

  @Test func deriveMapsAWeightAndCopiesAColumn() throws {
    var text = "id,IsHoliday,type,label\n"
    for i in 0..<20 { text += "\(i),\(i % 3 == 0 ? "TRUE" : "FALSE"),T\(i % 2),\(i)\n" }
    let f = try Self.competition(
      Self.manifest(
        keys: """
          table:
            derive:
              - { column: Weight, from: IsHoliday, when: ["TRUE", "True"], then: "5", else: "1" }
              - { column: coupling_type, from: type }
          """, metric: "mae"
      ).replacingOccurrences(of: "targets: [label]", with: "targets: [label, Weight]")
        .replacingOccurrences(of: "name: mae", with: "name: mae\n  weight_column: Weight"),
      ["train.csv": text])
    defer { f.remove() }
    let result = try f.prepare()
    let answers = try Table.read(result.layout.answers)
    #expect(answers.header == ["id", "label", "Weight"])
    for row in 0..<answers.rowCount {
      let i = Int(answers.string(row: row, column: 0))!
      #expect(answers.string(row: row, column: 2) == (i % 3 == 0 ? "5" : "1"))
    }
    // The source column stays public; a derived target is in the answers only, a derived
    // non-target (the copy) is public like any column.
    let test = try Table.read(result.layout.test)
    #expect(test.header == ["id", "IsHoliday", "type", "coupling_type"])
    #expect(test.strings(column: 2) == test.strings(column: 3))
  }

  @Test func trainOnlyTablesKeepJustTheTrainingKeys() throws {
    var text = "id,molecule_name,type,label\n"
    var contributions = "molecule_name,atom,fc\n"
    for m in 0..<10 {
      for k in 0..<3 { text += "\(m * 3 + k),m\(m),1J,\(m * 3 + k)\n" }
      contributions += "m\(m),0,\(m).5\nm\(m),1,\(m).25\n"
    }
    let f = try Self.competition(
      Self.manifest(
        split: "  strategy: group\n  test_fraction: 0.2\n  seed: 0\n  group: molecule_name",
        keys: """
          public:
            train_only: { column: molecule_name, files: [contributions.csv] }
          """, metric: "mae"
      ).replacingOccurrences(
        of: "  train: train.csv", with: "  train: train.csv\n  extra: [contributions.csv]"),
      ["train.csv": text, "contributions.csv": contributions])
    defer { f.remove() }
    let layout = try f.prepare().layout
    let trainMolecules = Set(try Self.column(layout.train, "molecule_name"))
    let testMolecules = Set(try Self.column(layout.test, "molecule_name"))
    #expect(!testMolecules.isEmpty)
    let kept = try Self.column(
      layout.publicDir.appendingPathComponent("contributions.csv"), "molecule_name")
    #expect(Set(kept) == trainMolecules)
    #expect(kept.count == trainMolecules.count * 2)
  }

  @Test func trainOnlyTableNotInExtraIsRefusedAtLoad() throws {
    let text = Self.manifest(
      split: "  strategy: group\n  test_fraction: 0.2\n  group: g",
      keys: "public:\n  train_only: { column: g, files: [a.csv] }")
    let error = try #require(throws: DojoError.self) { try ManifestLoader.parse(text) }
    #expect(
      error.message.contains(
        "public.train_only.files[0] \"a.csv\" must also be listed in files.extra"))
  }

  // MARK: - JSON records

  static func records(_ n: Int) -> String {
    let items = (0..<n).map { i in
      """
      {"request_id": "t3_\(i)", "text": "please \(i)", "votes_at_retrieval": \(i * 3), "requester_received_pizza": \(i % 3 == 0 ? "true" : "false"), "band": [\(i).5, -1e-3]}
      """
    }
    return "[" + items.joined(separator: ",\n") + "]"
  }

  @Test func jsonRecordsSplitKeepsKaggleTestFieldsOnly() throws {
    let kaggleTest = #"[{"request_id": "t3_x", "text": "hi", "band": [1]}]"#
    let f = try Self.competition(
      Self.manifest(
        train: "train.json", test: "test.json",
        keys: "table:\n  format: json_records\npublic:\n  test_fields: kaggle",
        id: "request_id", metric: "roc_auc"
      ).replacingOccurrences(of: "targets: [label]", with: "targets: [requester_received_pizza]"),
      ["train.json": Self.records(40), "test.json": kaggleTest])
    defer { f.remove() }
    let result = try f.prepare()
    #expect(result.trainRows == 30)
    #expect(result.testRows == 10)
    let pub = result.layout.publicDir
    let train =
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: pub.appendingPathComponent("train.json"))) as? [[String: Any]]
    let test =
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: pub.appendingPathComponent("test.json"))) as? [[String: Any]]
    let trainRecords = try #require(train)
    let testRecords = try #require(test)
    #expect(trainRecords.count == 30)
    #expect(trainRecords.allSatisfy { $0["votes_at_retrieval"] != nil })
    #expect(testRecords.allSatisfy { Set($0.keys) == ["request_id", "text", "band"] })
    let answers = try Table.read(result.layout.answers)
    #expect(answers.header == ["request_id", "requester_received_pizza"])
    let answerIDs = try Self.column(result.layout.answers, "request_id")
    #expect(answerIDs == testRecords.compactMap { $0["request_id"] as? String })
    #expect(
      Set(try Self.column(result.layout.answers, "requester_received_pizza")).isSubset(of: [
        "0", "1",
      ]))
    let ids = Set(trainRecords.compactMap { $0["request_id"] as? String })
    #expect(ids.isDisjoint(with: answerIDs))
    #expect(ids.union(answerIDs) == Set((0..<40).map { "t3_\($0)" }))
    #expect(FileManager.default.fileExists(atPath: result.layout.sampleSubmission.path))
  }

  @Test func jsonRecordsThatAreNotAListAreRefusedNamingTheFile() throws {
    let f = try Self.competition(
      Self.manifest(train: "train.json", keys: "table:\n  format: json_records"),
      ["train.json": #"{"id": 1, "label": 0}"#])
    defer { f.remove() }
    let error = try #require(throws: DojoError.self) { try f.prepare() }
    #expect(error.message.hasPrefix("train.json: is not a JSON list of objects"))
  }

  @Test func jsonRecordsWithARepeatedIdAreRefused() throws {
    let text =
      "["
      + (0..<10).map { #"{"id": \#($0 % 9), "label": \#($0 % 2)}"# }.joined(
        separator: ",") + "]"
    let f = try Self.competition(
      Self.manifest(train: "train.json", keys: "table:\n  format: json_records"),
      ["train.json": text])
    defer { f.remove() }
    let error = try #require(throws: DojoError.self) { try f.prepare() }
    #expect(error.message.contains("is the id of records 0 and 9 of train.json"))
  }

  // MARK: - COCO

  /// COCO metadata: `categories` of `perCategory` images each plus one lone image of
  /// category 99; image files hold their category so a test can check the answers.
  static func coco(categories: Int, perCategory: Int, fileName: ((Int) -> String)? = nil)
    -> [String: String]
  {
    var images: [String] = []
    var annotations: [String] = []
    var files: [String: String] = [:]
    var id = 0
    for c in Array(0..<categories) + [99] {
      for _ in 0..<(c == 99 ? 1 : perCategory) {
        let name = fileName?(id) ?? "images/\(c)/\(id).jpg"
        images.append(#"{"id": \#(id), "file_name": "\#(name)", "width": 10, "license": 1}"#)
        annotations.append(#"{"id": \#(id + 5000), "image_id": \#(id), "category_id": \#(c)}"#)
        files["nybg2020/train/" + name] = "category \(c)"
        id += 1
      }
    }
    let meta = """
      {"info": {"year": 2020}, "licenses": [{"id": 1}], "categories": [{"id": 0}],
       "images": [\(images.joined(separator: ","))],
       "annotations": [\(annotations.joined(separator: ","))]}
      """
    files["nybg2020/train/metadata.json"] = meta
    return files
  }

  static let cocoKeys = """
    table:
      format: coco
      images: nybg2020/train
    public:
      train: nybg2020/train/metadata.json
      test: nybg2020/test/metadata.json
      train_images: nybg2020/train
      test_images: nybg2020/test
      test_name: "images/{k:03d}/{n}.jpg"
    """

  static func cocoManifest(_ keys: String = cocoKeys) -> String {
    manifest(
      train: "nybg2020/train/metadata.json",
      split: "  strategy: stratified\n  test_fraction: 0.2\n  seed: 0\n  stratify: category_id",
      keys: keys, id: "Id", metric: "f1_macro"
    ).replacingOccurrences(of: "targets: [label]", with: "targets: [Predicted]")
  }

  @Test func cocoSplitsByImageAndRenamesTestImagesByNumber() throws {
    let f = try Self.competition(Self.cocoManifest(), Self.coco(categories: 5, perCategory: 10))
    defer { f.remove() }
    let result = try f.prepare()
    #expect(result.trainRows == 41)
    #expect(result.testRows == 10)
    let pub = result.layout.publicDir
    let train = try #require(
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: pub.appendingPathComponent("nybg2020/train/metadata.json")))
        as? [String: Any])
    let trainImages = try #require(train["images"] as? [[String: Any]])
    let trainAnnotations = try #require(train["annotations"] as? [[String: Any]])
    #expect(trainImages.count == 41)
    #expect(trainAnnotations.count == 41)
    #expect(train["categories"] != nil && train["info"] != nil)
    // Every category keeps images on both sides; the lone image stays in train.
    let trainCategories = trainAnnotations.compactMap { $0["category_id"] as? Int }
    #expect(Set(trainCategories) == [0, 1, 2, 3, 4, 99])
    for image in trainImages {
      let name = try #require(image["file_name"] as? String)
      #expect(FileManager.default.fileExists(atPath: pub.path + "/nybg2020/train/" + name))
    }
    let test = try #require(
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: pub.appendingPathComponent("nybg2020/test/metadata.json")))
        as? [String: Any])
    #expect(test["annotations"] == nil)
    #expect(test["licenses"] != nil)
    let testImages = try #require(test["images"] as? [[String: Any]])
    #expect(testImages.map { $0["id"] as? String } == (0..<10).map { String($0) })
    #expect(testImages.allSatisfy { $0["width"] as? Int == 10 && $0["category_id"] == nil })
    // Each answer names the category of the image behind its number.
    let answers = try Table.read(result.layout.answers)
    #expect(answers.header == ["Id", "Predicted"])
    var testCategories: [String] = []
    for row in 0..<answers.rowCount {
      let n = answers.string(row: row, column: 0)
      let name = "images/000/\(n).jpg"
      #expect(testImages[row]["file_name"] as? String == name)
      let content = try String(
        contentsOf: pub.appendingPathComponent("nybg2020/test/" + name), encoding: .utf8)
      #expect(content == "category " + answers.string(row: row, column: 1))
      testCategories.append(answers.string(row: row, column: 1))
    }
    #expect(Set(testCategories) == ["0", "1", "2", "3", "4"])
  }

  @Test func cocoFileNameThatLeavesItsFolderIsRefused() throws {
    var files = Self.coco(categories: 3, perCategory: 4) {
      $0 == 5 ? "../../../outside.jpg" : "i\($0).jpg"
    }
    files = files.filter { !$0.key.contains("outside") }
    let f = try Self.competition(Self.cocoManifest(), files)
    defer { f.remove() }
    let error = try #require(throws: DojoError.self) { try f.prepare() }
    #expect(
      error.message.contains("images[5].file_name \"../../../outside.jpg\" leaves its folder"))
    #expect(
      !FileManager.default.fileExists(atPath: f.root.appendingPathComponent("outside.jpg").path))
  }

  @Test func cocoImageWithoutAnnotationIsRefused() throws {
    var files = Self.coco(categories: 2, perCategory: 4)
    files["nybg2020/train/metadata.json"] = files["nybg2020/train/metadata.json"]!
      .replacingOccurrences(of: #""image_id": 3,"#, with: #""image_id": 300,"#)
    let f = try Self.competition(Self.cocoManifest(), files)
    defer { f.remove() }
    let error = try #require(throws: DojoError.self) { try f.prepare() }
    #expect(error.message.contains("image \"3\" (images[3]) has no annotation"))
  }

  @Test func cocoLatin1MetadataIsRead() throws {
    var files = Self.coco(categories: 2, perCategory: 5)
    let f = try Self.competition(
      Self.cocoManifest(
        Self.cocoKeys.replacingOccurrences(
          of: "  images: nybg2020/train", with: "  images: nybg2020/train\n  encoding: latin-1")),
      files)
    defer { f.remove() }
    let meta = files.removeValue(forKey: "nybg2020/train/metadata.json")!
      .replacingOccurrences(of: #""year": 2020"#, with: #""name": "NYBG \#u{E9}""#)
    var bytes = [UInt8]()
    for scalar in meta.unicodeScalars { bytes.append(UInt8(scalar.value)) }
    try Data(bytes).write(to: f.raw.appendingPathComponent("nybg2020/train/metadata.json"))
    let result = try f.prepare()
    let text = try String(
      contentsOf: result.layout.publicDir.appendingPathComponent("nybg2020/train/metadata.json"),
      encoding: .utf8)
    #expect(text.contains("NYBG é"))
  }
}
