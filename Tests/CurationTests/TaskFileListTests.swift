import Curation
import DojoCore
import Foundation
import Testing

@Suite("task.json's file list")
struct TaskFileListTests {
  /// Names real script splits write, and the role each must get.
  @Test(arguments: [
    ("cs-training.csv", TaskFile.Role.trainTable, TaskFile.Format.csv),
    ("cs-test.csv", .testTable, .csv),
    ("trainHistory.csv", .trainTable, .csv),
    ("testHistory.csv", .testTable, .csv),
    ("en_train.csv", .trainTable, .csv),
    ("en_test_2.csv", .testTable, .csv),
    ("labeledTrainData.tsv", .trainTable, .tsv),
    ("testData.tsv", .testTable, .tsv),
    ("train.json", .trainTable, .json),
    ("test.jsonl", .testTable, .json),
    ("sampleEntry.csv", .sampleSubmission, .csv),
    ("en_sample_submission_2.csv", .sampleSubmission, .csv),
    ("latest.csv", .extra, .csv),
    ("offers.csv", .extra, .csv),
    ("Data Dictionary.xls", .extra, .other),
    ("description.md", .description, .other),
  ])
  func publicFilesGetTheirRoleFromTheirNames(
    name: String, role: TaskFile.Role, format: TaskFile.Format
  ) throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("dojo-list-\(UUID())")
    defer { try? FileManager.default.removeItem(at: root) }
    let layout = TaskLayout(root: root)
    try AtomicFiles.write("a\n1\n", to: layout.publicDir.appendingPathComponent(name))
    try AtomicFiles.write("id,y\n1,0\n", to: layout.answers)
    let files = try TaskFileList.scan(layout)
    #expect(files.contains(TaskFile(path: "public/" + name, role: role, format: format)))
  }

  @Test func foldersAreMediaAndPrivateFilesAreListed() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("dojo-list-\(UUID())")
    defer { try? FileManager.default.removeItem(at: root) }
    let layout = TaskLayout(root: root)
    try AtomicFiles.write("x", to: layout.publicDir.appendingPathComponent("images/1.png"))
    try AtomicFiles.write("id,y\n1,0\n", to: layout.answers)
    try AtomicFiles.write(
      "a\n", to: layout.privateDir.appendingPathComponent("leaderboard_public.csv"))
    try AtomicFiles.write("{}", to: layout.taskFile)
    #expect(
      try TaskFileList.scan(layout) == [
        TaskFile(path: "public/images", role: .mediaFolder, format: .other),
        TaskFile(path: "private/answers.csv", role: .answers, format: .csv),
        TaskFile(path: "private/leaderboard_public.csv", role: .leaderboard, format: .csv),
      ])
  }

  @Test func testTablesPairWithTheTrainTableOfTheSameName() {
    func table(_ name: String, _ role: TaskFile.Role) -> TaskFile {
      TaskFile(path: "public/" + name, role: role, format: .csv)
    }
    let files = [
      table("en_train.csv", .trainTable), table("ru_train.csv", .trainTable),
      table("ru_test.csv", .testTable), table("en_test.csv", .testTable),
    ]
    let pairs = TaskFileList.pairs(files).map { "\($0.train.name)|\($0.test.name)" }
    #expect(pairs == ["ru_train.csv|ru_test.csv", "en_train.csv|en_test.csv"])
    let single = TaskFileList.pairs([
      table("cs-training.csv", .trainTable), table("x_test.csv", .testTable),
    ])
    #expect(single.map(\.train.name) == ["cs-training.csv"])
  }

  @Test func preparingWritesTheListIntoTaskJSON() throws {
    let f = try FixtureCompetition(
      manifest: FixtureCompetition.manifest(
        split: "  strategy: stratified\n  test_fraction: 0.25\n  seed: 1\n  stratify: label"),
      files: ["train.csv": FixtureCompetition.table(rows: 40)],
      local: ["lb.csv": FixtureCompetition.leaderboard])
    defer { f.remove() }
    let r = try f.prepare()
    let files = try TaskFileList.read(r.layout)
    #expect(
      files.map { "\($0.path) \($0.role.rawValue) \($0.format.rawValue)" } == [
        "public/description.md description other",
        "public/sample_submission.csv sample_submission csv",
        "public/test.csv test_table csv",
        "public/train.csv train_table csv",
        "private/answers.csv answers csv",
        "private/leaderboard_public.csv leaderboard csv",
      ])
    let json = try String(contentsOf: r.layout.taskFile, encoding: .utf8)
    #expect(json.contains("\"layout\" : ["))
    #expect(try TaskFileList.mismatches(files, in: r.layout).isEmpty)
  }

  @Test func aTaskJSONWithoutTheListIsAnErrorSayingReprepare() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("dojo-list-\(UUID())")
    defer { try? FileManager.default.removeItem(at: root) }
    let layout = TaskLayout(root: root)
    try AtomicFiles.write("{\"id\": \"old\"}", to: layout.taskFile)
    let error = #expect(throws: DojoError.self) { try TaskFileList.read(layout) }
    #expect(error?.message.contains("lists no files with their roles") == true)
    #expect(error?.message.contains("re-prepare the task") == true)
  }

  /// Before, a script's train table that could not be read became `trainRows: 0`.
  @Test func aScriptTrainTableThatCannotBeReadFailsPrepareNamingIt() throws {
    let script = """
      import os, sys
      out = sys.argv[2]
      open(os.path.join(out, "public", "train.csv"), "w").write('id,label\\n1,"a\\n')
      open(os.path.join(out, "public", "test.csv"), "w").write("id\\n3\\n")
      open(os.path.join(out, "private", "answers.csv"), "w").write("id,label\\n3,a\\n")
      """
    let f = try FixtureCompetition.scriptSplit(script)
    defer { f.remove() }
    let error = #expect(throws: DojoError.self) { try f.prepare() }
    #expect(error?.message.contains("public/train.csv") == true, "\(error?.message ?? "")")
    #expect(error?.message.contains("cannot be read") == true)
  }

  /// Rows of a JSON train table are counted, where they used to be recorded as 0.
  @Test func aScriptsJSONTrainTableRowsAreCounted() throws {
    let script = """
      import os, sys
      out = sys.argv[2]
      open(os.path.join(out, "public", "train.json"), "w").write('[{"id": 1, "label": "a"}, {"id": 2, "label": "b"}]')
      open(os.path.join(out, "public", "test.json"), "w").write('{"id": 3}\\n{"id": 4}\\n')
      open(os.path.join(out, "private", "answers.csv"), "w").write("id,label\\n3,a\\n4,b\\n")
      open(os.path.join(out, "public", "sample_submission.csv"), "w").write("id,label\\n3,a\\n4,a\\n")
      """
    let f = try FixtureCompetition.scriptSplit(script)
    defer { f.remove() }
    let r = try f.prepare()
    #expect(r.trainRows == 2)
    #expect(r.testRows == 2)
  }
}
