public import DojoCore
public import Foundation
public import Sandbox
internal import Tabular

/// What `dojo prepare` produced.
public struct PrepareResult: Sendable {
  /// The task's folders.
  public var layout: TaskLayout
  /// The version (content hash of the manifest and its inputs).
  public var version: String
  public var trainRows: Int
  public var testRows: Int
  /// True when an identical version already existed and nothing was written.
  public var skipped: Bool
  /// What the curator should know, each with its manifest line (a time cut inside a run
  /// of equal times); empty when the version was skipped.
  public var warnings: [String] = []
}

/// Turns an unpacked competition into a task, by the manifest alone: split the labelled rows,
/// write `public/` (what an agent may read) and `private/` (answers, task.json, leaderboards),
/// and checksum everything. The task is built in a temporary folder and renamed into place,
/// so an interrupted or refused prepare leaves nothing behind.
public struct Preparer: Sendable {
  /// Bumped whenever the engine's output for the same inputs changes, so versions change too
  /// (prepare-2: task.json lists every file with its role and format; prepare-3: description.md
  /// annotates the page's row counts and example ids with the task's own).
  public static let engineVersion = "prepare-3"

  public let loaded: LoadedManifest
  /// The Python interpreter that runs `split.strategy: script` (inside the sandbox).
  public var python: String
  /// Limits for a script split, generous enough for the largest competitions' copies.
  public var scriptLimits: SandboxLimits

  /// A script split's defaults: an hour, 16 GiB, files up to 100 GiB.
  public static let defaultScriptLimits = SandboxLimits(
    wallSeconds: 3600, memoryMB: 16_384, fileSizeMB: 102_400)

  public init(
    _ loaded: LoadedManifest, python: String = "python3",
    scriptLimits: SandboxLimits = Preparer.defaultScriptLimits
  ) {
    self.loaded = loaded
    self.python = python
    self.scriptLimits = scriptLimits
  }

  var manifest: Manifest { loaded.manifest }

  /// Prepares the task.
  ///
  /// - Parameters:
  ///   - raw: the unpacked archive (default `raw/<id>/files`).
  ///   - curated: the curated root; the task goes to `curated/<id>/<version>`.
  ///   - pageMarkdown: the competition page as Markdown, if there is one.
  ///   - force: rebuild even if this version exists.
  ///   - kaggleLeaderboard: the leaderboard CSV downloaded from Kaggle, for manifests with
  ///     `leaderboard: kaggle` (`dojo import` fetches it).
  public func prepare(
    raw: URL, curated: URL, pageMarkdown: String?, force: Bool = false,
    kaggleLeaderboard: URL? = nil
  ) throws -> PrepareResult {
    let files = try RawFiles(root: raw)
    var inputs = try inputFiles(files)
    if manifest.leaderboard?.fromKaggle == true {
      guard let kaggleLeaderboard else {
        throw DojoError(
          .invalidManifest,
          "leaderboard: kaggle needs the downloaded leaderboard; run `dojo import \(manifest.id)` (or `dojo fetch kaggle:<slug> --leaderboard`, unzip it, and pass it)"
        )
      }
      inputs.append(("leaderboard", kaggleLeaderboard))
    }
    // The version is a hash of the inputs, which reads the whole source. When an earlier
    // version exists it comes first, as it usually means there is nothing to do. Otherwise
    // nothing can be skipped and the version is needed only to name the finished task: it
    // is hashed beside the whole prepare at the lowest priority, in the time the split
    // leaves a core idle (the row shuffle, the copy, the small files at the end), so the
    // scan has both cores to itself.
    let taskParent = curated.appendingPathComponent(manifest.id)
    // One labelled file split by planSplit/writeSplit (not a script, not provided test rows).
    // JSON records and COCO metadata are split by their own writers, with the same planner.
    let jsonSplit = [.jsonRecords, .coco].contains(manifest.table?.format ?? .csv)
    let tableSplit =
      manifest.split.strategy != .script && manifest.split.strategy != .provided && !jsonSplit
    // The normalised copy of a table that is not plain CSV (``SourceTable``), outside the task.
    let scratch = AtomicFiles.temporarySibling(of: taskParent.appendingPathComponent("source"))
    defer { try? FileManager.default.removeItem(at: scratch) }
    var knownVersion: String?
    var hashing: BackgroundJob<String>?
    defer { _ = try? hashing?.wait() }
    var plan: SplitPlan?
    var warnings: [String] = []
    if tableSplit && !Self.hasVersions(taskParent) {
      hashing = BackgroundJob("dojo-version-hash", yielding: true) { [self, inputs] in
        try versionHash(inputs: inputs, pageMarkdown: pageMarkdown, raw: raw)
      }
      plan = try planSplit(files: files, scratch: scratch)
      warnings = plan?.warnings ?? []
    } else {
      let version = try versionHash(inputs: inputs, pageMarkdown: pageMarkdown, raw: raw)
      let layout = TaskLayout(root: taskParent.appendingPathComponent(version))
      if !force, let spec = try? readSpec(layout),
        FileManager.default.fileExists(atPath: layout.checksums.path)
      {
        return PrepareResult(
          layout: layout, version: version, trainRows: spec.trainRows, testRows: spec.testRows,
          skipped: true)
      }
      knownVersion = version
    }
    try AtomicFiles.createDirectory(taskParent)
    // Named before the version is known: a dot folder, which no reader takes for a version.
    let temp = AtomicFiles.temporarySibling(
      of: taskParent.appendingPathComponent(knownVersion ?? "version"))
    defer { try? FileManager.default.removeItem(at: temp) }
    let work = TaskLayout(root: temp)
    try AtomicFiles.createDirectory(work.publicDir)
    try AtomicFiles.createDirectory(work.privateDir)

    var counts: (train: Int, test: Int)
    var trainTargets: [CodedColumn] = []
    // The split's tables, hashed as they were written.
    var hashedTables: [FileTree.Entry] = []
    switch manifest.split.strategy {
    case .script:
      let (c, t) = try runScript(files: files, work: work)
      (counts, trainTargets) = (c, t.map { CodedColumn($0) })
    case .provided:
      (counts, trainTargets) = try writeProvided(files: files, work: work)
    default:
      switch manifest.table?.format ?? .csv {
      case .jsonRecords:
        let (c, t) = try writeJSONRecordsSplit(files: files, work: work)
        (counts, trainTargets) = (c, t.map { CodedColumn($0) })
      case .coco:
        let (c, t) = try writeCocoSplit(files: files, work: work)
        (counts, trainTargets) = (c, t.map { CodedColumn($0) })
      case .csv, .parquet:
        // Taken out of `plan`, so the copy can free what it is done with (its row spans).
        let planned = try plan.take() ?? planSplit(files: files, scratch: scratch)
        warnings = planned.warnings
        (counts, trainTargets, hashedTables) = try writeSplit(
          consume planned, files: files, work: work)
      }
    }
    plan = nil
    // The split's outputs are the task's largest files: those not hashed as they were
    // written are hashed on the second core while the rest of the task is written.
    let splitOutputs = [
      "public/" + manifest.publicTrainName, "public/" + manifest.publicTestName,
      "private/answers.csv",
    ]
    .filter { FileManager.default.fileExists(atPath: temp.appendingPathComponent($0).path) }
    let unhashed = splitOutputs.filter { path in !hashedTables.contains { $0.path == path } }
    let hashingOutputs = BackgroundJob("dojo-output-hash") { [temp, hashedTables] in
      try hashedTables + unhashed.map { try FileTree.entry($0, under: temp) }
    }
    defer { _ = try? hashingOutputs.wait() }
    try copyExtras(files: files, work: work)
    try copyLeaderboards(work: work, kaggle: kaggleLeaderboard)
    let answers = try Table.read(work.answers)
    let format = try SubmissionFormat(
      manifest: manifest, answers: answers, trainTargets: trainTargets)
    if !FileManager.default.fileExists(atPath: work.sampleSubmission.path) {
      try format.writeSample(
        answers: answers, idColumn: manifest.answers.id, to: work.sampleSubmission)
    }
    // Every file with its role, so the leak checks (here and in validate) find each train
    // and test table whatever the split named it.
    let listed = try TaskFileList.scan(
      work, train: manifest.publicFiles?.train ?? manifest.files.train,
      test: manifest.publicFiles?.test ?? manifest.files.test)
    if manifest.split.strategy == .script {
      // A script names its tables as it likes: count the rows of what it wrote, in any
      // listed format, and refuse a table that cannot be read.
      counts.train = try listed.filter { $0.role == .trainTable }
        .reduce(0) { $0 + (try TableRecords($1, in: work).rowCount()) }
    }
    // A split of one file with unique ids cannot put an id on both sides; scripted and
    // provided splits can, so their train is read again.
    try LeakCheck.afterSplit(
      work: work, files: listed, manifest: manifest, idsDisjointBySplit: tableSplit || jsonSplit,
      cocoTestMetadata: manifest.table?.format == .coco ? publicTable(.test, work) : nil)
    // The test ids only check the page's example ids: none to check without a page.
    let idIndex = pageMarkdown == nil ? nil : answers.index(of: manifest.answers.id)
    let testIDs = idIndex.map { Set(answers.strings(column: $0)) } ?? []
    let description = DescriptionWriter(manifest: manifest, format: format)
      .markdown(
        page: pageMarkdown, work: work, trainRows: counts.train, testRows: counts.test,
        testIDs: testIDs)
    try AtomicFiles.write(description, to: work.description)

    let leaderboards =
      (try? FileManager.default.contentsOfDirectory(atPath: work.privateDir.path))?
      .filter { $0.hasPrefix("leaderboard") }.sorted() ?? []
    let hashedOutputs = try hashingOutputs.wait()
    guard let version = try knownVersion ?? hashing?.wait() else {
      preconditionFailure("the version is either known or being hashed")
    }
    let taskRoot = taskParent.appendingPathComponent(version)
    let layout = TaskLayout(root: taskRoot)
    let everything = try
      (FileTree.entries(under: temp) { splitOutputs.contains($0) }
      + hashedOutputs).sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
    let hashed = everything.filter {
      $0.path.hasPrefix("public/") || $0.path == "private/answers.csv"
    }
    let spec = TaskSpec(
      id: manifest.id, version: version, title: manifest.title, metric: manifest.metric,
      lowerIsBetter: format.lowerIsBetter, idColumn: manifest.answers.id,
      targets: manifest.answers.targets, classes: format.classes,
      submissionColumns: format.columns, leaderboards: leaderboards, trainRows: counts.train,
      testRows: counts.test,
      files: Dictionary(uniqueKeysWithValues: hashed.map { ($0.path, $0.sha256) }),
      category: manifest.category, idsInTrain: manifest.answers.idsInTrain ? true : nil,
      unscoredColumns: manifest.submission.flatMap {
        $0.unscoredColumns.isEmpty ? nil : $0.unscoredColumns
      },
      rowsPerId: manifest.submission?.rowsPerId.flatMap { $0 > 1 ? $0 : nil })
    try AtomicFiles.write(
      try TaskFileList.encode(
        spec,
        files: try TaskFileList.scan(
          work, train: manifest.publicFiles?.train ?? manifest.files.train,
          test: manifest.publicFiles?.test ?? manifest.files.test)),
      to: work.taskFile)
    // Only task.json was written since `everything` was hashed: hash just that again.
    try Checksums.write(for: temp, reusing: everything)
    try AtomicFiles.rename(temp, to: taskRoot)
    return PrepareResult(
      layout: layout, version: version, trainRows: counts.train, testRows: counts.test,
      skipped: false, warnings: warnings)
  }

  /// The checks `prepare` makes as soon as it has read the labelled table, without writing
  /// a task: the columns the manifest names exist, the ids are unique, a `positive` label
  /// or a `classes` list matches the labels, `split.time` holds times, and the time cut
  /// does not fall inside a run of equal times. `dojo check` runs them when the data is
  /// there.
  ///
  /// - Parameter raw: the unpacked archive (`raw/<id>/files`).
  /// - Returns: what the curator should know (a tie at the time cut), each with its
  ///   manifest line; nil when the split does not read one table (`script`, `provided`,
  ///   JSON records, COCO), so these checks wait for `prepare`.
  /// - Throws: ``DojoError`` naming the manifest line for what `prepare` would refuse.
  public func checkData(raw: URL) throws -> [String]? {
    let jsonSplit = [.jsonRecords, .coco].contains(manifest.table?.format ?? .csv)
    guard manifest.split.strategy != .script, manifest.split.strategy != .provided, !jsonSplit
    else { return nil }
    let files = try RawFiles(root: raw)
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
      "dojo-check-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: scratch) }
    return try planSplit(files: files, scratch: scratch).warnings
  }

  /// Whether `taskParent` (`curated/<id>`) holds any version of the task.
  static func hasVersions(_ taskParent: URL) -> Bool {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: taskParent.path)) ?? []
    return names.contains { !$0.hasPrefix(".") }
  }

  func readSpec(_ layout: TaskLayout) throws -> TaskSpec {
    let data = try Data(contentsOf: layout.taskFile)
    return try JSONDecoder().decode(TaskSpec.self, from: data)
  }

  /// The raw files this manifest reads, by manifest key.
  func inputFiles(_ files: RawFiles) throws -> [(key: String, url: URL)] {
    // A script reads the archive itself: every raw file is its input (below), and its
    // files.train, when it names one, is the public table's name.
    var list: [(String, URL)] =
      manifest.split.strategy == .script
      ? [] : [("files.train", try files.one(manifest.files.train, key: "files.train"))]
    if let answers = manifest.files.testAnswers {
      list.append(("files.test_answers", try files.one(answers, key: "files.test_answers")))
    }
    if manifest.publicFiles?.testFields != nil, let test = manifest.files.test {
      // Kaggle's test records decide which fields a public test record keeps.
      list.append(("files.test", try files.one(test, key: "files.test")))
    }
    for pattern in manifest.files.extra {
      let found = files.all(pattern)
      if found.isEmpty {
        throw DojoError(
          .invalidManifest, "files.extra: \"\(pattern)\" matches no file in \(files.root.path)")
      }
      list += try found.map { ("files.extra", try files.contained($0, key: "files.extra")) }
    }
    if manifest.split.strategy == .script {
      // A script may read anything in the archive: every file is an input.
      list += try files.paths.map { ("raw", try files.contained($0, key: "split.script input")) }
    } else {
      // Media and COCO images move into public/: new images behind an unchanged table
      // must give a new version. Their hashes come from unpack's records (`RawRecords`).
      for folder in manifest.media.map(\.folder) + [manifest.table?.images].compactMap({ $0 }) {
        let prefix = folder.isEmpty ? "" : folder + "/"
        list += files.paths.filter { $0.hasPrefix(prefix) && $0 != RawRecords.fileName }
          .map { ("media " + $0, files.root.appendingPathComponent($0)) }
      }
    }
    return list
  }

  /// The version: the first 12 hex digits of a SHA-256 over the engine version, the
  /// manifest's bytes, the page and every input file's hash (and the files the manifest
  /// folder contributes: leaderboards, script).
  ///
  /// Raw files' hashes are read from unpack's `.manifest.json` records where they match
  /// (``RawRecords``), so nothing unpack already hashed is hashed again.
  func versionHash(inputs: [(key: String, url: URL)], pageMarkdown: String?, raw: URL? = nil)
    throws -> String
  {
    var lines = ["engine \(Self.engineVersion)", "manifest \(loaded.sha256)"]
    if let page = pageMarkdown { lines.append("page \(SHA256Hasher.hash(page))") }
    let records = raw.map(RawRecords.init(root:))
    for (key, url) in inputs {
      let sha = try records?.sha256(of: url) ?? SHA256Hasher.hash(fileAt: url)
      // A media file's key already names its path.
      lines.append(
        key.hasPrefix("media ") ? "\(key) \(sha)" : "\(key) \(url.lastPathComponent) \(sha)")
    }
    for (path, url) in try localFiles() {
      lines.append("local \(path) \(try SHA256Hasher.hash(fileAt: url))")
    }
    return String(SHA256Hasher.hash(lines.joined(separator: "\n")).prefix(12))
  }

  /// Files next to the manifest that shape the task: the path as the version line names it,
  /// and the real file (checked to stay inside the manifest's folder).
  func localFiles() throws -> [(path: String, url: URL)] {
    var files: [(String, URL)] = []
    if let lb = manifest.leaderboard, !lb.fromKaggle {
      for (name, path) in [("public", lb.publicBoard), ("private", lb.privateBoard)] {
        guard let path else { continue }
        files.append((path, try loaded.localFile(path, key: "leaderboard.\(name)")))
      }
    }
    if let script = manifest.split.script {
      files.append((script, try loaded.localFile(script, key: "split.script")))
      // The library Dojo gives scripts shapes their output too.
      files.append(("dojo_split.py", try ScriptSupport.moduleURL()))
    }
    return files
  }

  func copyExtras(files: RawFiles, work: TaskLayout) throws {
    for pattern in manifest.files.extra {
      for rel in files.all(pattern) {
        let target = work.publicDir.appendingPathComponent((rel as NSString).lastPathComponent)
        if FileManager.default.fileExists(atPath: target.path) { continue }
        try copyFile(try files.contained(rel, key: "files.extra"), to: target)
      }
    }
  }

  func copyLeaderboards(work: TaskLayout, kaggle: URL?) throws {
    guard let lb = manifest.leaderboard else { return }
    if lb.fromKaggle {
      if let kaggle {
        try copyFile(kaggle, to: work.privateDir.appendingPathComponent("leaderboard_public.csv"))
      }
      return
    }
    for (name, path) in [("public", lb.publicBoard), ("private", lb.privateBoard)] {
      guard let path else { continue }
      let source = try loaded.localFile(path, key: "leaderboard.\(name)")
      guard FileManager.default.fileExists(atPath: source.path) else {
        throw DojoError(
          .invalidManifest,
          "leaderboard.\(name): \(source.path) does not exist; put the CSV next to the manifest")
      }
      try copyFile(source, to: work.privateDir.appendingPathComponent("leaderboard_\(name).csv"))
    }
  }

  func copyFile(_ from: URL, to: URL) throws {
    do {
      try FileManager.default.copyItem(at: from, to: to)
    } catch {
      throw AtomicFiles.ioError("cannot copy \(from.path) to \(to.path)", error)
    }
  }
}
