internal import Curation
public import DojoCore
public import Foundation
public import Ingest
public import Registry
internal import Validation

/// The stages of `dojo import`, in order.
public enum ImportStage: String, Sendable, CaseIterable, Codable {
  case fetch, unpack, page, prepare, validate, publish
}

/// How one competition's import ended.
public struct ImportOutcome: Sendable, Codable {
  public var id: String
  /// The last stage reached: the one that failed, or `publish` on success.
  public var stage: ImportStage
  /// The failure, if any.
  public var error: String?
  /// The prepared version, once known.
  public var version: String?
  /// Stages skipped because their inputs were unchanged.
  public var skipped: [ImportStage]
  public var seconds: Double
  public var succeeded: Bool { error == nil }

  public init(
    id: String, stage: ImportStage, error: String?, version: String?, skipped: [ImportStage],
    seconds: Double
  ) {
    self.id = id
    self.stage = stage
    self.error = error
    self.version = version
    self.skipped = skipped
    self.seconds = seconds
  }

  /// The outcome a node recorded in the registry (an unknown stage name reads as `fetch`).
  public init(_ record: ImportRecord) {
    self.init(
      id: record.task, stage: ImportStage(rawValue: record.stage) ?? .fetch,
      error: record.succeeded ? nil : (record.error ?? "failed"), version: record.version,
      skipped: record.skipped.compactMap(ImportStage.init(rawValue:)), seconds: record.seconds)
  }
}

/// Where `dojo import` reads and writes.
public struct ImportOptions: Sendable {
  /// `raw/`: archives go to `raw/<id>/`, unpacked files to `raw/<id>/files/`.
  public var raw: URL
  /// `curated/`: tasks go to `curated/<id>/<version>/`.
  public var curated: URL
  /// The registry file.
  public var registry: URL
  /// Variables for Kaggle credentials and `DOJO_KAGGLE_URL`.
  public var environment: [String: String]
  /// Skip running reference solutions during validation.
  public var skipReference: Bool
  /// The Python that runs reference solutions.
  public var python: String
  /// Where fetch progress goes.
  public var progress: (any FetchProgress)?
  /// The run each outcome is recorded under in the registry (`local-<uuid>`,
  /// `slurm-<job id>`); nil records none.
  public var run: String?

  public init(
    raw: URL, curated: URL, registry: URL,
    environment: [String: String] = ProcessInfo.processInfo.environment,
    skipReference: Bool = false, python: String = "python3", progress: (any FetchProgress)? = nil,
    run: String? = nil
  ) {
    self.run = run
    self.raw = raw
    self.curated = curated
    self.registry = registry
    self.environment = environment
    self.skipReference = skipReference
    self.python = python
    self.progress = progress
  }
}

/// fetch, unpack, page, prepare, validate, publish for one manifest. Each stage skips work
/// whose inputs are unchanged, so a second import of an imported tree takes seconds.
public struct Importer: Sendable {
  public var options: ImportOptions

  public init(_ options: ImportOptions) { self.options = options }

  /// Imports one competition; never throws: a failure is reported with its stage.
  public func run(_ loaded: LoadedManifest, stageStarted: (ImportStage) -> Void = { _ in })
    -> ImportOutcome
  {
    let manifest = loaded.manifest
    let start = Date()
    var outcome = ImportOutcome(
      id: manifest.id, stage: .fetch, error: nil, version: nil, skipped: [], seconds: 0)
    let layout = RawLayout(raw: options.raw, id: manifest.id)
    let home = layout.home
    let files = layout.files
    var validationRecorded = false
    do {
      stageStarted(.fetch)
      let fetched = try fetch(loaded, into: home)
      if fetched.skipped { outcome.skipped.append(.fetch) }

      outcome.stage = .unpack
      stageStarted(.unpack)
      let unpackSkipped = try unpackFetchingAgainIfDamaged(
        fetched, into: files, limits: loaded.manifest.unpack
      ) {
        try fetch(loaded, into: home, force: true)
      }
      if unpackSkipped { outcome.skipped.append(.unpack) }

      outcome.stage = .page
      stageStarted(.page)
      let (page, pageSkipped) = try page(loaded, home: home)
      if pageSkipped { outcome.skipped.append(.page) }

      outcome.stage = .prepare
      stageStarted(.prepare)
      let board = try kaggleLeaderboard(loaded, home: home)
      let prepared = try Preparer(loaded, python: options.python).prepare(
        raw: files, curated: options.curated, pageMarkdown: page, kaggleLeaderboard: board)
      outcome.version = prepared.version
      if prepared.skipped { outcome.skipped.append(.prepare) }

      outcome.stage = .validate
      stageStarted(.validate)
      if try isValidated(prepared.layout, loaded) {
        outcome.skipped.append(.validate)
      } else {
        let report = try Validator(
          layout: prepared.layout, manifest: loaded, raw: files, pageMarkdown: page,
          skipReference: options.skipReference, python: options.python, kaggleLeaderboard: board
        ).validate()
        validationRecorded = true
        record(loaded, report: report)
        if !report.passed {
          let failed = report.checks.filter { $0.status == .failed }
          throw DojoError(
            .conflict,
            failed.map { "\($0.name): \($0.detail)" }.joined(separator: "; "))
        }
      }

      outcome.stage = .publish
      stageStarted(.publish)
      let registry = try Registry(at: options.registry)
      // The one check an import may publish without: the reference solution, when asked to
      // skip it or when the manifest has none. Named explicitly, so the registry records it;
      // any other skipped check refuses the publish.
      let allowed: Set<String> =
        options.skipReference || loaded.manifest.reference == nil ? ["reference"] : []
      if try !Publisher.publish(
        prepared.layout, to: registry, manifestSHA256: loaded.sha256, allowSkipped: allowed)
      {
        outcome.skipped.append(.publish)
      }
    } catch let error as DojoError {
      outcome.error = error.message
    } catch {
      outcome.error = "\(error)"
    }
    if let error = outcome.error, !validationRecorded {
      record(loaded, version: outcome.version, failedStage: outcome.stage, message: error)
    }
    outcome.seconds = Date().timeIntervalSince(start)
    if let run = options.run { record(outcome, run: run) }
    return outcome
  }

  /// Keeps the outcome under its run, for the summary of a run imported on other nodes.
  func record(_ outcome: ImportOutcome, run: String) {
    do {
      try Registry(at: options.registry).recordImport(
        ImportRecord(
          run: run, task: outcome.id, succeeded: outcome.succeeded, stage: outcome.stage.rawValue,
          version: outcome.version, skipped: outcome.skipped.map(\.rawValue),
          seconds: outcome.seconds, error: outcome.error,
          host: ProcessInfo.processInfo.hostName,
          recordedAt: ISO8601DateFormatter().string(from: Date())))
    } catch {
      FileHandle.standardError.write(
        Data("warning: cannot record \(outcome.id)'s import in the registry: \(error)\n".utf8))
    }
  }

  /// Keeps a validation's outcome in the registry, passed or not, for `dojo report`. A
  /// registry that cannot be written must not fail the import: it says so on stderr.
  func record(_ loaded: LoadedManifest, report: ValidationReport) {
    let failed = report.checks.first { $0.status == .failed }
    let json = (try? StableJSON.encode(report)).map { String(decoding: $0, as: UTF8.self) }
    save(
      ValidationRecord(
        task: loaded.manifest.id, version: report.version, title: loaded.manifest.title,
        category: loaded.manifest.category, metric: loaded.manifest.metric.name,
        passed: report.passed, failedCheck: failed?.name, message: failed?.detail,
        reportJSON: json, recordedAt: report.validatedAt))
  }

  /// Keeps an import that stopped before validation ran.
  func record(_ loaded: LoadedManifest, version: String?, failedStage: ImportStage, message: String)
  {
    save(
      ValidationRecord(
        task: loaded.manifest.id, version: version, title: loaded.manifest.title,
        category: loaded.manifest.category, metric: loaded.manifest.metric.name, passed: false,
        failedCheck: failedStage.rawValue, message: message,
        recordedAt: ISO8601DateFormatter().string(from: Date())))
  }

  private func save(_ record: ValidationRecord) {
    do {
      try Registry(at: options.registry).recordValidation(record)
    } catch {
      FileHandle.standardError.write(
        Data("warning: cannot record \(record.task)'s validation in the registry: \(error)\n".utf8))
    }
  }

  /// The manifest's source, into `raw/<id>/` (verified against the manifest's `sha256` when
  /// it has one); `force` downloads it again even when present.
  func fetch(_ loaded: LoadedManifest, into home: URL, force: Bool = false) throws -> FetchResult {
    let source: FetchSource
    switch loaded.manifest.source.location {
    case .kaggle(let slug): source = .kaggle(slug: slug)
    case .url(let text): source = try FetchSource(parsing: text, currentDirectory: loaded.directory)
    }
    return try Fetcher(environment: options.environment, progress: options.progress)
      .fetch(source, into: home, expectedSHA256: loaded.manifest.source.sha256, force: force)
  }

  /// For `leaderboard: kaggle`: the public leaderboard, downloaded and unzipped into
  /// `raw/<id>/leaderboard/` (once; the fetch skips a file already present).
  func kaggleLeaderboard(_ loaded: LoadedManifest, home: URL) throws -> URL? {
    guard loaded.manifest.leaderboard?.fromKaggle == true else { return nil }
    guard case .kaggle(let slug) = loaded.manifest.source.location else {
      throw DojoError(
        .invalidManifest,
        "leaderboard: kaggle needs source: {kaggle: <slug>}; give CSV files instead")
    }
    return try kaggleLeaderboard(slug: slug, home: home)
  }

  /// Kaggle's public leaderboard of `slug`, downloaded and unzipped into
  /// `raw/<id>/leaderboard/` (once), for an import or a draft (`dojo new`).
  public func kaggleLeaderboard(slug: String, home: URL) throws -> URL {
    let fetcher = Fetcher(environment: options.environment, progress: options.progress)
    let zip = try fetcher.fetch(.kaggle(slug: slug), into: home, leaderboard: true)
    let layout = RawLayout(raw: home.deletingLastPathComponent(), id: home.lastPathComponent)
    _ = try unpackFetchingAgainIfDamaged(zip, into: layout.leaderboardFolder) {
      try fetcher.fetch(.kaggle(slug: slug), into: home, leaderboard: true, force: true)
    }
    guard let csv = layout.leaderboard else {
      throw DojoError(.invalidData, "the leaderboard download of \(slug) holds no CSV file")
    }
    return csv
  }

  /// Fetches `source` into `raw/<id>/` and unpacks it into `raw/<id>/files/`, as an import's
  /// first two stages do (a damaged archive fetched once more, unchanged work skipped), for
  /// `dojo new`, which has no manifest yet. Returns the fetch and the unpacked folder.
  public func stage(_ source: FetchSource, id: String) throws -> (fetched: FetchResult, files: URL)
  {
    let layout = RawLayout(raw: options.raw, id: id)
    let fetcher = Fetcher(environment: options.environment, progress: options.progress)
    let fetched = try fetcher.fetch(source, into: layout.home)
    _ = try unpackFetchingAgainIfDamaged(fetched, into: layout.files) {
      try fetcher.fetch(source, into: layout.home, force: true)
    }
    return (fetched, layout.files)
  }

  /// Unpacks `fetched`; when unpack reports the archive damaged (a download that was cut or
  /// corrupted: see ``DojoError/isDamagedArchive``), deletes it, fetches it once more with
  /// `refetch` and unpacks that. A second damaged archive is an error naming the file: the
  /// source itself is broken, and fetching it a third time would not help. Returns true when
  /// unpacking was skipped.
  func unpackFetchingAgainIfDamaged(
    _ fetched: FetchResult, into files: URL, limits: Manifest.Unpack? = nil,
    refetch: () throws -> FetchResult
  ) throws -> Bool {
    do {
      return try unpack(fetched, into: files, limits: limits)
    } catch let error as DojoError where error.isDamagedArchive {
      FileHandle.standardError.write(
        Data(
          "import: \(fetched.file.lastPathComponent) is damaged (\(error.message)); fetching it again\n"
            .utf8))
      if unlink(fetched.file.path) != 0 && errno != ENOENT {
        throw DojoError(
          .io,
          "cannot delete the damaged \(fetched.file.path): \(String(cString: strerror(errno))); "
            + "delete it by hand and import again")
      }
      let again = try refetch()
      do {
        return try unpack(again, into: files, limits: limits)
      } catch let second as DojoError where second.isDamagedArchive {
        throw DojoError(
          .invalidData,
          "\(again.file.path) is still damaged after fetching it again (\(second.message)); the "
            + "source itself is broken: check the manifest's source and sha256",
          cause: second)
      }
    }
  }

  /// Unpacks unless `files/` already holds this archive's contents (its stamp names the
  /// archive's hash). Returns true when skipped. `limits` are the manifest's `unpack:`
  /// overrides of the default limits.
  func unpack(_ fetched: FetchResult, into files: URL, limits manifestLimits: Manifest.Unpack?)
    throws -> Bool
  {
    let stamp = files.deletingLastPathComponent().appendingPathComponent(
      ".\(files.lastPathComponent).unpacked")
    let expected = "\(fetched.sha256)\n"
    if (try? String(contentsOf: stamp, encoding: .utf8)) == expected,
      FileManager.default.fileExists(
        atPath: files.appendingPathComponent(UnpackManifest.fileName).path)
    {
      return true
    }
    _ = try Unpacker(limits: UnpackLimits(manifestLimits)).unpack(
      archive: fetched.file, into: files)
    try AtomicFiles.write(expected, to: stamp)
    return false
  }

  /// The page as Markdown, kept at `raw/<id>/page.md` (fetched once; delete it to refresh).
  func page(_ loaded: LoadedManifest, home: URL) throws -> (String?, Bool) {
    let saved = RawLayout(raw: home.deletingLastPathComponent(), id: home.lastPathComponent).page
    if let text = try? String(contentsOf: saved, encoding: .utf8) { return (text, true) }
    let source: String?
    switch (loaded.manifest.page, loaded.manifest.source.location) {
    case (.kaggle?, .kaggle(let slug)), (nil, .kaggle(let slug)): source = "kaggle:\(slug)"
    case (.kaggle?, _): source = nil
    case (.location(let where_)?, _):
      // A page file is read from its real path, checked again here: a link out of the
      // manifest's folder may have appeared since the manifest was loaded.
      source =
        try loaded.manifest.page?.localPath.map { try loaded.localFile($0, key: "page").path }
        ?? where_
    case (nil, _): source = nil
    }
    guard let source else { return (nil, false) }
    let markdown = try PageSource.markdown(
      source, currentDirectory: loaded.directory, environment: options.environment)
    try AtomicFiles.write(markdown, to: saved)
    return (markdown, false)
  }

  /// Whether the task's report passed and still matches its files and, when the reference
  /// solution is to run, that solution's files.
  func isValidated(_ layout: TaskLayout, _ loaded: LoadedManifest) throws -> Bool {
    guard let report = try? ValidationReport.read(layout.report), report.passed,
      !(report.checks.contains { $0.name == "reference" && $0.status == .skipped }
        && !options.skipReference)
    else { return false }
    if !options.skipReference,
      report.referenceSHA256 != ReferenceCheck.fingerprint(of: loaded)
    {
      return false
    }
    return (try? SHA256Hasher.hash(fileAt: layout.checksums)) == report.checksumsSHA256
  }
}
