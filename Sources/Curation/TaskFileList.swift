public import DojoCore
public import Foundation

/// One entry of task.json's file list: a file (or, for media, a folder) of the task, what it
/// is for, and how it is encoded. The leak checks run over this list, so a task's tables are
/// checked whatever their names.
public struct TaskFile: Codable, Sendable, Equatable {
  /// What a file is for.
  public enum Role: String, Codable, Sendable, CaseIterable {
    case trainTable = "train_table"
    case testTable = "test_table"
    case sampleSubmission = "sample_submission"
    case description
    /// Any other file: copied from the archive, or a private file the grader does not read.
    case extra
    /// A folder of media files (images, audio, pages) under `public/`.
    case mediaFolder = "media_folder"
    case answers
    case leaderboard
  }

  /// How a file is encoded.
  public enum Format: String, Codable, Sendable, CaseIterable {
    case csv, tsv
    /// JSON records: a list of objects, or one object per line (JSON lines).
    case json
    case other

    /// The format a file's name says it has.
    public init(fileName: String) {
      switch (fileName as NSString).pathExtension.lowercased() {
      case "csv": self = .csv
      case "tsv": self = .tsv
      case "json", "jsonl", "ndjson": self = .json
      default: self = .other
      }
    }

    /// Whether files of this format are tables the leak checks read.
    public var isTable: Bool { self != .other }
  }

  /// The path relative to the task root (`public/train.csv`, `public/images`).
  public var path: String
  public var role: Role
  public var format: Format

  public init(path: String, role: Role, format: Format) {
    self.path = path
    self.role = role
    self.format = format
  }

  /// The file's name, without its folder.
  public var name: String { (path as NSString).lastPathComponent }
  /// Whether it lives under `public/`.
  public var isPublic: Bool { path.hasPrefix("public/") }
}

/// task.json's file list: every public and private file (`task.json` itself excepted) with its
/// role and format. Written by prepare next to the ``TaskSpec`` fields, read by validate.
public enum TaskFileList {
  /// The task.json key that holds the list.
  static let key = "layout"

  /// The list as prepare sees the task: every top-level entry of `public/` (a folder is a
  /// media folder) and every file of `private/`, classified by name. `train` and `test` are
  /// the manifest's archive names for the train and test tables, which a script split may
  /// keep (`cs-training.csv`, `trainHistory.csv`).
  public static func scan(_ layout: TaskLayout, train: String? = nil, test: String? = nil) throws
    -> [TaskFile]
  {
    let fm = FileManager.default
    var files: [TaskFile] = []
    for name in try sortedNames(in: layout.publicDir) {
      let url = layout.publicDir.appendingPathComponent(name)
      var isDirectory: ObjCBool = false
      _ = fm.fileExists(atPath: url.path, isDirectory: &isDirectory)
      if isDirectory.boolValue {
        files.append(TaskFile(path: "public/" + name, role: .mediaFolder, format: .other))
        continue
      }
      let format = TaskFile.Format(fileName: name)
      files.append(
        TaskFile(
          path: "public/" + name, role: publicRole(name, format: format, train: train, test: test),
          format: format))
    }
    for path in try FileTree.relativePaths(under: layout.privateDir) where path != "task.json" {
      let name = (path as NSString).lastPathComponent
      let role: TaskFile.Role =
        path == "answers.csv"
        ? .answers : name.hasPrefix("leaderboard") && !path.contains("/") ? .leaderboard : .extra
      files.append(
        TaskFile(path: "private/" + path, role: role, format: TaskFile.Format(fileName: name)))
    }
    return files
  }

  /// A top-level public file's role, by its name: the description, a sample submission, or a
  /// table whose name holds the word train or test (`cs-training.csv`, `testHistory.csv`,
  /// `en_test_2.csv`) or is the manifest's train or test file.
  static func publicRole(_ name: String, format: TaskFile.Format, train: String?, test: String?)
    -> TaskFile.Role
  {
    if name == "description.md" { return .description }
    let words = Self.words(of: (name as NSString).deletingPathExtension)
    guard format.isTable else { return .extra }
    if words.contains("submission") || words.starts(with: ["sample", "entry"]) {
      return .sampleSubmission
    }
    if let test, name == (test as NSString).lastPathComponent { return .testTable }
    if let train, name == (train as NSString).lastPathComponent { return .trainTable }
    if words.contains(where: { $0 == "test" || $0 == "testing" }) { return .testTable }
    if words.contains(where: { $0 == "train" || $0 == "training" }) { return .trainTable }
    return .extra
  }

  /// A file name's words, lowercased: split at anything not a letter and where a lowercase
  /// letter meets an uppercase one (`testHistory` → test, history).
  static func words(of stem: String) -> [String] {
    var words: [String] = []
    var current = ""
    var previousLower = false
    for ch in stem {
      if !ch.isLetter {
        if !current.isEmpty { words.append(current) }
        current = ""
        previousLower = false
        continue
      }
      if ch.isUppercase && previousLower {
        words.append(current)
        current = ""
      }
      current += ch.lowercased()
      previousLower = ch.isLowercase
    }
    if !current.isEmpty { words.append(current) }
    return words
  }

  /// Which train table each test table is compared with: the one whose name is the test
  /// table's with train for test (`cs-training.csv` for `cs-test.csv`), else the only one.
  public static func pairs(_ files: [TaskFile]) -> [(train: TaskFile, test: TaskFile)] {
    let trains = files.filter { $0.role == .trainTable }
    func key(_ file: TaskFile, replacing words: Set<String>) -> [String] {
      Self.words(of: (file.name as NSString).deletingPathExtension).map {
        words.contains($0) ? "*" : $0
      }
    }
    return files.filter { $0.role == .testTable }.compactMap { test in
      let wanted = key(test, replacing: ["test", "testing"])
      let named = trains.first {
        key($0, replacing: ["train", "training"]) == wanted && $0.format == test.format
      }
      guard let train = named ?? (trains.count == 1 ? trains[0] : nil) else { return nil }
      return (train, test)
    }
  }

  static func sortedNames(in dir: URL) throws -> [String] {
    guard FileManager.default.fileExists(atPath: dir.path) else { return [] }
    do {
      return try FileManager.default.contentsOfDirectory(atPath: dir.path)
        .filter { !$0.hasPrefix(".") }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    } catch {
      throw AtomicFiles.ioError("cannot list \(dir.path)", error)
    }
  }

  /// task.json's content: the spec's fields plus the file list under ``key``.
  public static func encode(_ spec: TaskSpec, files: [TaskFile]) throws -> Data {
    try StableJSON.encode(Document(spec: spec, layout: files))
  }

  /// Reads the file list from a task's task.json.
  ///
  /// - Throws: ``DojoError`` `.invalidData` naming task.json when it has no list (it was
  ///   prepared by an older Dojo) or does not parse; `.notFound` when it is missing.
  public static func read(_ layout: TaskLayout) throws -> [TaskFile] {
    guard let data = FileManager.default.contents(atPath: layout.taskFile.path) else {
      throw DojoError(
        .notFound, "\(layout.taskFile.path) is missing; re-prepare the task (`dojo prepare`)")
    }
    let listed: Listed
    do {
      listed = try JSONDecoder().decode(Listed.self, from: data)
    } catch {
      throw DojoError(
        .invalidData,
        "\(layout.taskFile.path): its file list (\"\(key)\") does not parse: \(error); re-prepare the task with `dojo prepare --force`"
      )
    }
    guard let files = listed.layout else {
      throw DojoError(
        .invalidData,
        "\(layout.taskFile.path) lists no files with their roles (it was prepared by an older Dojo); re-prepare the task with `dojo prepare --force`"
      )
    }
    return files
  }

  /// The differences between a list and the task's folders: listed entries that are missing
  /// and public or private entries that are not listed (which no leak check would read).
  public static func mismatches(_ files: [TaskFile], in layout: TaskLayout) throws -> [String] {
    let actual = try scan(layout).map(\.path)
    let listed = files.map(\.path)
    return Set(listed).subtracting(actual).sorted().map { "\($0) is listed but missing" }
      + Set(actual).subtracting(listed).sorted().map { "\($0) is not in task.json's file list" }
  }

  struct Document: Encodable {
    let spec: TaskSpec
    let layout: [TaskFile]
    enum Key: String, CodingKey { case layout }
    func encode(to encoder: any Encoder) throws {
      try spec.encode(to: encoder)
      var container = encoder.container(keyedBy: Key.self)
      try container.encode(layout, forKey: .layout)
    }
  }

  struct Listed: Decodable {
    let layout: [TaskFile]?
  }
}
