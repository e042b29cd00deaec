import DojoCore
import Foundation
import Testing

@testable import Drafting

/// A competition folder written by the test: train, test and sample submission tables.
struct Competition {
  let root: URL

  init(_ tables: [String: String]) throws {
    root = FileManager.default.temporaryDirectory.appendingPathComponent(
      "dojo-draft-\(UUID().uuidString)")
    for (name, text) in tables {
      let url = root.appendingPathComponent(name)
      try FileManager.default.createDirectory(
        at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try text.write(to: url, atomically: true, encoding: .utf8)
    }
  }

  func draft(page: String? = nil, metric: String? = nil) throws -> ManifestDraft {
    try ManifestDrafter(
      id: "demo", files: root, source: .kaggle("demo"), page: "kaggle", pageMarkdown: page,
      metric: metric, leaderboard: "kaggle"
    ).draft()
  }

  /// A table of `rows` rows built by `row(i)`, under `header`.
  static func table(_ header: String, _ rows: Int, _ row: (Int) -> String) -> String {
    ([header] + (0..<rows).map(row)).joined(separator: "\n") + "\n"
  }
}

@Suite("dojo new drafts a manifest a curator would write")
struct ManifestDrafterTests {
  static let evaluation = "# Demo\n\n## Evaluation\n\nSubmissions are evaluated on %@.\n\n## Data\n"

  static func page(_ metric: String) -> String {
    evaluation.replacingOccurrences(of: "%@", with: metric)
  }

  @Test func binaryLabelsAreStratifiedWithTheirPositiveLabelAndTheMetricFromThePage() throws {
    let c = try Competition([
      "train.csv": Competition.table("id,x,churn", 100) {
        "\($0),\($0 % 7),\($0 % 4 == 0 ? "Yes" : "No")"
      },
      "test.csv": Competition.table("id,x", 20) { "\(1000 + $0),\($0)" },
      "sample_submission.csv": Competition.table("id,churn", 20) { "\(1000 + $0),0.5" },
    ])
    let d = try c.draft(page: Self.page("area under the ROC curve"))
    #expect(d.idColumn.value == "id")
    #expect(d.targets.value == ["churn"])
    #expect(d.metric.value == "roc_auc")
    #expect(d.metric.reason?.contains("Evaluation") == true)
    #expect(d.kind == .binary)
    #expect(d.strategy.value == "stratified")
    #expect(d.splitColumn == "churn")
    #expect(d.positive?.value == "Yes")
    #expect(d.classes == nil)
  }

  @Test func aDateColumnThatOrdersTheRowsGivesATimeSplit() throws {
    let c = try Competition([
      "data/train.csv": Competition.table("id,day,y", 60) {
        "\($0),2020-01-\(String(format: "%02d", 1 + $0 / 3)),\(Double($0) * 1.5)"
      },
      "data/test.csv": Competition.table("id,day", 5) { "\(100 + $0),2020-03-0\($0 + 1)" },
      "data/sample_submission.csv": Competition.table("id,y", 5) { "\(100 + $0),0" },
    ])
    let d = try c.draft(page: Self.page("mean absolute error"))
    #expect(d.train.value == "data/train.csv")
    #expect(d.strategy.value == "time")
    #expect(d.splitColumn == "day")
    #expect(d.kind == .regression)
    #expect(d.metric.value == "mae")
  }

  @Test func anEntityThatRepeatsGivesAGroupSplit() throws {
    let c = try Competition([
      "train.csv": Competition.table("id,customer_id,amount", 200) { "\($0),\($0 / 5),\($0 % 13)" },
      "test.csv": Competition.table("id,customer_id", 5) { "\(900 + $0),\($0)" },
      "sample_submission.csv": Competition.table("id,amount", 5) { "\(900 + $0),1.0" },
    ])
    let d = try c.draft(page: Self.page("root mean squared error"))
    #expect(d.strategy.value == "group")
    #expect(d.splitColumn == "customer_id")
    #expect(d.metric.value == "rmse")
  }

  @Test func oneProbabilityColumnPerClassNamesTheLabelColumnAndItsClasses() throws {
    let species = ["oak", "ash", "elm"]
    let c = try Competition([
      "train.csv": Competition.table("id,f,species", 30) { "\($0),\($0),\(species[$0 % 3])" },
      "test.csv": Competition.table("id,f", 3) { "\(50 + $0),\($0)" },
      "sample_submission.csv": Competition.table("id,oak,ash,elm", 3) { "\(50 + $0),0.3,0.3,0.4" },
    ])
    let d = try c.draft(page: Self.page("multi-class logarithmic loss"))
    #expect(d.targets.value == ["species"])
    #expect(d.kind == .classProbabilities)
    #expect(d.classes?.value == ["oak", "ash", "elm"])
    #expect(d.metric.value == "multiclass_log_loss")
    #expect(d.strategy.value == "stratified")
  }

  @Test func trainColumnsTheTestLacksAreDroppedFromThePublicTest() throws {
    let c = try Competition([
      "train.csv": Competition.table("id,x,casual,count", 40) { "\($0),\($0),\($0 % 3),\($0 * 2)" },
      "test.csv": Competition.table("id,x", 4) { "\(90 + $0),\($0)" },
      "sample_submission.csv": Competition.table("id,count", 4) { "\(90 + $0),0" },
      "notes.txt": "columns\n",
    ])
    let d = try c.draft(metric: "rmsle")
    #expect(d.dropFromTest?.value == ["casual"])
    #expect(d.metric.value == "rmsle")
    #expect(d.metric.reason == nil)
    #expect(d.extra?.value == ["notes.txt"])
  }

  @Test func answersThatAreNeitherColumnsNorListsOfTrainValuesAskForAScriptSplit() throws {
    let c = try Competition([
      "ratings_train.csv": Competition.table("userId,movieId,rating", 20) { "\($0 % 4),\($0),4" },
      "test_users.csv": Competition.table("userId", 2) { "\($0)" },
      "sample_submission.csv": Competition.table("userId,movieIds", 2) { "\($0),x y z" },
    ])
    #expect {
      try c.draft(page: Self.page("mean average precision at 10 (MAP@10)"))
    } throws: { error in
      (error as? DojoError)?.message.contains("split.strategy: script") == true
    }
  }

  /// A recommender's log: 30 users with 25 timed, rated interactions each.
  static let recommender = [
    "ratings_train.csv": Competition.table("userId,movieId,rating,timestamp", 750) {
      "\($0 / 25),\(($0 * 7) % 40),\(1 + $0 % 5),\(1000 + $0)"
    },
    "test_users.csv": Competition.table("userId", 5) { "\(100 + $0)" },
    "sample_submission.csv": Competition.table("userId,movieIds", 5) { "\(100 + $0),1 2 3" },
    "movies.csv": Competition.table("movieId,title", 40) { "\($0),m\($0)" },
  ]

  @Test func aRecommendersLogIsDraftedWithASplitScriptFromItsColumnsAndPage() throws {
    let c = try Competition(Self.recommender)
    let d = try c.draft(
      page: Self.page("mean average precision at 10 (MAP@10) of the movies rated 4 or higher"))
    #expect(d.strategy.value == "script")
    #expect(d.targets.value == ["movieIds"])
    #expect(d.kind == .rankingLists)
    #expect(d.metric.value == "map@10")
    #expect(d.idsInTrain?.value == true)
    #expect(d.dropFromTest == nil)
    let script = try #require(d.script?.value)
    for line in [
      "LOG = \"ratings_train.csv\"", "ENTITY = \"userId\"", "ITEM = \"movieId\"",
      "TIME = \"timestamp\"", "RATING = \"rating\"", "GOOD = 4.0", "K = 3",
      "TEST_NAME = \"test_users.csv\"",
    ] {
      #expect(script.contains(line + " ") || script.contains(line + "\n"), "\(line)")
    }
    let yaml = DraftWriter.yaml(d, command: "dojo new demo")
    #expect(yaml.contains("  strategy: script  # guessed from userId repeats"))
    #expect(yaml.contains("  script: prepare.py\n"))
    #expect(yaml.contains("  ids_in_train: true  # guessed from"))
    #expect(!yaml.contains("test_fraction"))
    // It loads as a manifest once the script is beside it.
    let folder = c.root.appendingPathComponent("manifest")
    try AtomicFiles.write(yaml, to: folder.appendingPathComponent("manifest.yaml"))
    try AtomicFiles.write(script, to: folder.appendingPathComponent("prepare.py"))
    let loaded = try ManifestLoader.load(folder)
    #expect(loaded.manifest.split.script == "prepare.py")
    #expect(loaded.manifest.answers.idsInTrain)
  }

  @Test func withoutAThresholdOnThePageEveryInteractionCounts() throws {
    let c = try Competition(Self.recommender)
    let d = try c.draft(page: Self.page("mean average precision at 10 (MAP@10)"))
    let script = try #require(d.script?.value)
    #expect(script.contains("RATING = None "))
    #expect(script.contains("GOOD = None\n"))
    #expect(d.strategy.reason?.contains("every interaction counts") == true)
  }

  @Test func thePagesRelevanceThresholdIsRead() {
    let page = { (text: String) in Self.page(text) }
    #expect(ManifestDrafter.relevanceThreshold(page("movies rated 4 or higher")) == 4)
    #expect(ManifestDrafter.relevanceThreshold(page("a rating of at least 3.5")) == 3.5)
    #expect(ManifestDrafter.relevanceThreshold(page("mean average precision")) == nil)
  }

  @Test func anUnknownMetricIsRefusedWithTheCatalogue() throws {
    let c = try Competition([
      "train.csv": "id,y\n1,2\n2,3\n",
      "sample_submission.csv": "id,y\n9,0\n",
    ])
    #expect {
      try c.draft(metric: "rmsee")
    } throws: { error in
      (error as? DojoError)?.message.contains("rmse, rmsle") == true
    }
  }

  @Test func theDraftReadsBackAsTheSameManifestWithYAMLWordsQuoted() throws {
    let c = try Competition([
      "train.csv": Competition.table("id,x,label", 50) {
        "\($0),\($0),\($0 % 2 == 0 ? "no" : "yes: maybe")"
      },
      "test.csv": Competition.table("id,x", 5) { "\(100 + $0),\($0)" },
      "sample_submission.csv": Competition.table("id,label", 5) { "\(100 + $0),no" },
    ])
    let d = try c.draft(page: Self.page("the F1 score"))
    let yaml = DraftWriter.yaml(d, command: "dojo new kaggle:demo")
    #expect(yaml.contains("# guessed from"))
    let folder = c.root.appendingPathComponent("manifest")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try yaml.write(
      to: folder.appendingPathComponent("manifest.yaml"), atomically: true, encoding: .utf8)
    let loaded = try ManifestLoader.load(folder).manifest
    #expect(loaded.id == "demo")
    #expect(loaded.answers.targets == ["label"])
    #expect(loaded.split.strategy == .stratified)
    #expect(loaded.split.stratify == "label")
    #expect(loaded.metric.name == "f1")
    #expect(loaded.metric.parameters["positive"] == .scalar("yes: maybe"))
    #expect(loaded.leaderboard?.fromKaggle == true)
  }

  @Test(arguments: [
    ("root mean squared logarithmic error", "rmsle"),
    ("mean column-wise root mean squared error over all target columns", "mcrmse"),
    ("mean absolute error", "mae"),
    ("quadratic weighted kappa between predicted and actual ratings", "qwk"),
    ("binary logarithmic loss; probabilities are clipped", "log_loss"),
    ("root mean squared error", "rmse"),
    ("area under the ROC curve between the predicted probability", "roc_auc"),
    ("the coefficient of determination (R squared)", "r2"),
    ("multi-class logarithmic loss; each row's probabilities", "multiclass_log_loss"),
    ("mean average precision at 3 (MAP@3) over up to three", "map@3"),
    ("balanced accuracy (mean recall over classes)", "balanced_accuracy"),
    ("macro-averaged F1 score over all classes", "f1_macro"),
    ("the Matthews correlation coefficient", "mcc"),
    ("the F1 score of the positive class", "f1"),
    ("classification accuracy (the share of rows)", "accuracy"),
  ])
  func evaluationWordsNameTheCatalogueMetric(words: String, name: String) {
    #expect(MetricGuess.match(words)?.name == name)
  }

  @Test func theEvaluationSectionIsReadNotTheWholePageNorATitleThatHasTheWord() {
    let page =
      "# Course Evaluations\n\nWe report accuracy elsewhere.\n\n## Evaluation\n\nScored on mean absolute error.\n\n### Submission File\n\nrmse\n\n## Data\n\nrmse"
    #expect(MetricGuess.match(MetricGuess.evaluationSection(of: page))?.name == "mae")
  }
}

extension ManifestDrafterTests {
  /// A table past the size where a shuffle's row numbers dominate is drafted with the
  /// sequential sampler (the threshold lowered here to 60 rows; 50 million in use), and the
  /// draft reads back with it; a smaller table keeps the default shuffle.
  @Test func aVeryLargeTableIsDraftedWithTheSequentialSampler() throws {
    let c = try Competition([
      "train.csv": Competition.table("id,x,label", 80) { "\($0),\($0 % 7),c\($0 % 3)" },
      "test.csv": Competition.table("id,x", 10) { "\(1000 + $0),\($0)" },
      "sample_submission.csv": Competition.table("id,label", 10) { "\(1000 + $0),c0" },
    ])
    for (threshold, expected) in [(60, Manifest.Split.Sampler.sequential), (81, .shuffle)] {
      var drafter = ManifestDrafter(
        id: "demo", files: c.root, source: .kaggle("demo"), page: "kaggle",
        pageMarkdown: Self.page("accuracy"), metric: nil, leaderboard: "kaggle")
      drafter.sequentialSamplerRows = threshold
      let d = try drafter.draft()
      #expect(d.strategy.value == "stratified")
      #expect((d.sampler?.value ?? "shuffle") == expected.rawValue)
      let folder = c.root.appendingPathComponent("manifest-\(threshold)")
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      try DraftWriter.yaml(d, command: "dojo new kaggle:demo").write(
        to: folder.appendingPathComponent("manifest.yaml"), atomically: true, encoding: .utf8)
      #expect(try ManifestLoader.load(folder).manifest.split.sampler == expected)
    }
  }
}
