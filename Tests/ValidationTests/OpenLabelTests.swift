import Curation
import DojoCore
import Foundation
import Grading
import Testing

/// Open-ended targets (`answers.open_labels`) take any label: a prediction nobody has seen
/// is a wrong answer, not an invalid submission, and the task keeps no class list (which for
/// them would be the answers). A fixed class list still refuses an unseen label.
@Suite("Open label sets")
struct OpenLabelTests {
  /// The repository's text-normalization manifest prepared over a miniature of its archive:
  /// 30 sentences of two tokens each, as `en_train.csv` lays them out.
  @Test func textNormalizationGradesAnUnseenNormalizationAsWrong() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent(
      "dojo-open-\(UUID())")
    defer { try? FileManager.default.removeItem(at: root) }
    let id = "text-normalization-challenge-english-language"
    let real = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("manifests/\(id)")
    let manifestDir = root.appendingPathComponent("manifest")
    try FileManager.default.createDirectory(at: manifestDir, withIntermediateDirectories: true)
    for name in ["manifest.yaml", "public.csv", "private.csv"] {
      try FileManager.default.copyItem(
        at: real.appendingPathComponent(name), to: manifestDir.appendingPathComponent(name))
    }
    let raw = root.appendingPathComponent("raw")
    var train = "\"sentence_id\",\"token_id\",\"class\",\"before\",\"after\"\n"
    for s in 0..<30 {
      train += "\(s),0,\"PLAIN\",\"word\(s)\",\"word\(s)\"\n"
      train += "\(s),1,\"CARDINAL\",\"\(s + 10)\",\"number \(s + 10)\"\n"
    }
    try AtomicFiles.write(train, to: raw.appendingPathComponent("en_train.csv"))
    try AtomicFiles.write(
      "\"sentence_id\",\"token_id\",\"before\"\n0,0,\"a\"\n",
      to: raw.appendingPathComponent("en_test_2.csv"))
    try AtomicFiles.write(
      "\"id\",\"after\"\n\"0_0\",\"a\"\n",
      to: raw.appendingPathComponent("en_sample_submission_2.csv"))
    let loaded = try ManifestLoader.load(manifestDir)
    #expect(loaded.manifest.answers.openLabels)
    let result = try Preparer(loaded).prepare(
      raw: raw, curated: root.appendingPathComponent("curated"), pageMarkdown: "# Page")
    let task = result.layout.root
    let grader = try Grader(taskDirectory: task)
    #expect(grader.task.classes == nil)

    let answers = try String(
      contentsOf: task.appendingPathComponent("private/answers.csv"), encoding: .utf8)
    let rows = answers.split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
    #expect(rows.count >= 2)
    // Every row right but the first, which predicts a text found nowhere in the data.
    var submission = "id,after\n"
    for (i, row) in rows.enumerated() {
      submission += "\(row[0]),\(i == 0 ? "never seen anywhere" : String(row[1]))\n"
    }
    let url = root.appendingPathComponent("submission.csv")
    try AtomicFiles.write(submission, to: url)
    let score = try grader.score(submission: url)
    #expect(abs(score - Double(rows.count - 1) / Double(rows.count)) < 1e-12)
  }

  /// Every open-ended target the catalogue has says so; a class list and open labels together
  /// are refused when the manifest is read.
  @Test(arguments: [
    "text-normalization-challenge-english-language",
    "text-normalization-challenge-russian-language", "integer-sequence-learning",
    "allstate-purchase-prediction-challenge",
  ])
  func openEndedTargetsAreMarkedOpen(_ id: String) throws {
    let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("manifests/\(id)")
    let manifest = try ManifestLoader.load(dir).manifest
    #expect(manifest.answers.openLabels)
    #expect(manifest.answers.classes == nil)
  }

  @Test func openLabelsWithAClassListAreRefused() {
    let text = """
      id: x
      title: X
      source:
        url: x.zip
      files:
        train: train.csv
      split:
        strategy: random
        test_fraction: 0.2
      answers:
        id: id
        targets: [y]
        classes: [a, b]
        open_labels: true
      metric:
        name: accuracy
      """
    let error = #expect(throws: DojoError.self) { try ManifestLoader.parse(text) }
    #expect(error?.message.contains("open_labels") == true)
  }
}
