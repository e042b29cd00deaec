/// `private/task.json`: everything the grader and the runtime need to know about a prepared
/// task, written by `dojo prepare` and read by `dojo grade`, `dojo validate` and the runtime.
public struct TaskSpec: Codable, Sendable, Equatable {
  /// The competition id (the manifest's `id`).
  public var id: String
  /// The task version: a hash of the manifest and the inputs it was prepared from.
  public var version: String
  /// The human title.
  public var title: String
  /// The manifest's `category`, if it has one (absent from task.json otherwise).
  public var category: String?
  /// The metric spec, as the manifest gives it.
  public var metric: Manifest.MetricSpec
  /// Whether a lower score is better (the catalogue's direction unless the manifest overrides).
  public var lowerIsBetter: Bool
  /// The id column shared by test, answers and submissions.
  public var idColumn: String
  /// The answers' target columns.
  public var targets: [String]
  /// The target's classes, sorted, when it is categorical.
  public var classes: [String]?
  /// The columns a submission must hold besides the id, in the sample submission's order.
  public var submissionColumns: [String]
  /// The answers file, relative to `private/`.
  public var answers: String
  /// Leaderboard files, relative to `private/` (public first, then private, when both exist).
  public var leaderboards: [String]
  /// Row counts of the new train and test.
  public var trainRows: Int
  public var testRows: Int
  /// SHA-256 of every file under `public/` and of the answers, by path relative to the task.
  public var files: [String: String]
  /// True when test ids appear in public train by design (`answers.ids_in_train`); absent
  /// otherwise.
  public var idsInTrain: Bool?
  /// Columns a submission may hold besides ``submissionColumns`` that are never scored
  /// (`submission.unscored_columns`); absent when there are none.
  public var unscoredColumns: [String]?
  /// How many rows a test id may have, each one item of its ranked list in file order
  /// (`submission.rows_per_id`); absent means one.
  public var rowsPerId: Int?

  enum CodingKeys: String, CodingKey {
    case id, version, title, category, metric, targets, classes, answers, leaderboards, files
    case lowerIsBetter = "lower_is_better"
    case idColumn = "id_column"
    case submissionColumns = "submission_columns"
    case trainRows = "train_rows"
    case testRows = "test_rows"
    case idsInTrain = "ids_in_train"
    case unscoredColumns = "unscored_columns"
    case rowsPerId = "rows_per_id"
  }

  public init(
    id: String, version: String, title: String, metric: Manifest.MetricSpec, lowerIsBetter: Bool,
    idColumn: String, targets: [String], classes: [String]?, submissionColumns: [String],
    answers: String = "answers.csv", leaderboards: [String] = [], trainRows: Int = 0,
    testRows: Int = 0, files: [String: String] = [:], category: String? = nil,
    idsInTrain: Bool? = nil, unscoredColumns: [String]? = nil, rowsPerId: Int? = nil
  ) {
    self.idsInTrain = idsInTrain
    self.unscoredColumns = unscoredColumns
    self.rowsPerId = rowsPerId
    self.category = category
    self.id = id
    self.version = version
    self.title = title
    self.metric = metric
    self.lowerIsBetter = lowerIsBetter
    self.idColumn = idColumn
    self.targets = targets
    self.classes = classes
    self.submissionColumns = submissionColumns
    self.answers = answers
    self.leaderboards = leaderboards
    self.trainRows = trainRows
    self.testRows = testRows
    self.files = files
  }
}
