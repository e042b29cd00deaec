internal import ArgumentParser
internal import Curation
internal import DojoCore
internal import Drafting
internal import Foundation
internal import Ingest
internal import Pipeline
internal import Validation

/// `dojo new SOURCE`: drafts `manifests/<id>/manifest.yaml` from a competition's files.
struct NewCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "new",
    abstract: "Draft a manifest for a new competition from its archive, then check and prepare it.",
    discussion: """
      SOURCE is kaggle:<slug>, an archive (a path or an http(s):// URL), or an unpacked \
      folder (packed into manifests/<id>/<id>.tar.gz so the manifest can fetch it). dojo new \
      fetches and unpacks it into raw/<id>/ (as dojo import would, so import skips both), \
      finds the train, test and sample-submission tables, the id column (shared by test \
      and sample), the targets (the sample's columns but the id), the metric (the page's \
      Evaluation section matched against the catalogue, or --metric), the kind of target \
      and its classes, and a split (time where a date column orders the rows, group where \
      an entity repeats, stratified for classes, random otherwise; for a recommender's \
      interaction log, a split script, prepare.py, that hides each test entity's latest \
      interactions); for kaggle: it also \
      fetches the leaderboard. Every guess is written with a `# guessed from ...` comment.

      It then checks the manifest and prepares it into a scratch folder, and prints what to \
      review. An existing manifest is never overwritten. Kaggle sources need your API \
      token and the competition's rules accepted on its Kaggle page first.

      Example:
        dojo new kaggle:titanic-survival --id titanic-draft
        dojo new manifests/olive-oil-regions/olive-oil-regions.zip --id olive-draft --metric f1_macro
      """)

  @Argument(help: "kaggle:<slug>, an archive path or http(s):// URL, or an unpacked folder.")
  var source: String

  @Option(help: "The competition id (default: the slug, archive or folder name).")
  var id: String?

  @Option(help: "A catalogue metric, instead of reading the page (e.g. rmse, map@3).")
  var metric: String?

  @Option(help: "The competition page: an HTML file (copied next to the manifest) or a URL.")
  var page: String?

  @Option(help: "The manifests folder.") var manifests = "manifests"
  @Option(help: "The raw folder.") var raw = "raw"
  @Option(help: "Where the draft is prepared (default: a new temporary folder).")
  var scratch: String?

  func run() throws {
    let start = ContinuousClock.now
    let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    var isDir: ObjCBool = false
    let folder =
      !source.lowercased().hasPrefix("kaggle:") && !source.contains("://")
      && FileManager.default.fileExists(atPath: source, isDirectory: &isDir) && isDir.boolValue
    let parsed: FetchSource? = folder ? nil : try FetchSource(parsing: source)
    let id = try self.id ?? Self.defaultID(source: source, parsed: parsed)
    guard id.wholeMatch(of: /[A-Za-z0-9][A-Za-z0-9._-]*/) != nil else {
      throw DojoError(
        .invalidArgument,
        "\"\(id)\" is not a competition id: use letters, digits, '.', '_' and '-' (pass --id)")
    }
    let manifestDir = URL(fileURLWithPath: manifests, relativeTo: cwd).appendingPathComponent(id)
      .standardizedFileURL
    let manifestFile = manifestDir.appendingPathComponent("manifest.yaml")
    if FileManager.default.fileExists(atPath: manifestFile.path) {
      throw DojoError(
        .conflict,
        "\(manifestFile.path) already exists and dojo new never overwrites a manifest: edit it, or pass --id NEW-ID to draft beside it"
      )
    }
    let created = !FileManager.default.fileExists(atPath: manifestDir.path)
    try AtomicFiles.createDirectory(manifestDir)
    do {
      try draft(id: id, into: manifestDir, folder: folder, parsed: parsed, cwd: cwd, start: start)
    } catch {
      // A refused draft leaves no manifest folder behind for the next try to trip on
      // (raw/<id>/ stays: the download is reused).
      let file = manifestDir.appendingPathComponent("manifest.yaml")
      if created && !FileManager.default.fileExists(atPath: file.path) {
        try? FileManager.default.removeItem(at: manifestDir)
      }
      throw error
    }
  }

  func draft(
    id: String, into manifestDir: URL, folder: Bool, parsed: FetchSource?, cwd: URL,
    start: ContinuousClock.Instant
  ) throws {
    let manifestFile = manifestDir.appendingPathComponent("manifest.yaml")
    let importer = Importer(
      ImportOptions(
        raw: URL(fileURLWithPath: raw, relativeTo: cwd).standardizedFileURL,
        curated: URL(fileURLWithPath: "curated"), registry: URL(fileURLWithPath: "/dev/null"),
        progress: ConsoleFetchProgress()))
    let home = RawLayout(raw: importer.options.raw, id: id).home

    // Fetch and unpack; a folder is packed next to the manifest first.
    let fetchSource: FetchSource
    var draftSource: ManifestDraft.Source
    var review: [String] = []
    if folder {
      let archive = manifestDir.appendingPathComponent("\(id).tar.gz")
      try Self.pack(folder: URL(fileURLWithPath: source, relativeTo: cwd), into: archive)
      fetchSource = .file(archive)
      draftSource = .url(archive.lastPathComponent, sha256: nil)
    } else {
      fetchSource = parsed!
      switch parsed! {
      case .kaggle(let slug): draftSource = .kaggle(slug)
      case .http(let url): draftSource = .url(url.absoluteString, sha256: nil)
      case .file(let url):
        draftSource = .url(url.path, sha256: nil)
        review.append(
          "source.url is a path on this machine: move the archive next to the manifest (url: NAME) or give its public URL before committing."
        )
      }
    }
    FileHandle.standardError.write(
      Data("new: fetching and unpacking \(source) into \(home.path)\n".utf8))
    let (fetched, files) = try importer.stage(fetchSource, id: id)
    if case .url(let url, _) = draftSource { draftSource = .url(url, sha256: fetched.sha256) }

    // The page and the leaderboard.
    var pageKey: String?
    var markdown: String?
    let savedPage = RawLayout(raw: importer.options.raw, id: id).page
    if let page {
      if page.lowercased().hasPrefix("http://") || page.lowercased().hasPrefix("https://") {
        pageKey = page
        markdown = try PageSource.markdown(page)
      } else {
        let copy = manifestDir.appendingPathComponent("overview.html")
        let data = try Data(contentsOf: URL(fileURLWithPath: page, relativeTo: cwd))
        try AtomicFiles.write(data, to: copy)
        pageKey = copy.lastPathComponent
        markdown = try PageSource.markdown(copy.path)
      }
    } else if case .kaggle(let slug) = parsed {
      pageKey = "kaggle"
      do {
        markdown = try PageSource.markdown("kaggle:\(slug)")
      } catch let error as DojoError {
        review.append(
          "The page could not be read (\(error.message)); the metric was not read from it.")
      }
    }
    if let markdown, pageKey != nil { try AtomicFiles.write(markdown, to: savedPage) }
    var leaderboardKey: String?
    var board: URL?
    if case .kaggle(let slug) = parsed {
      do {
        board = try importer.kaggleLeaderboard(slug: slug, home: home)
        leaderboardKey = "kaggle"
      } catch let error as DojoError {
        review.append("Kaggle's leaderboard could not be fetched (\(error.message)).")
      }
    }

    // The draft, written without replacing anything.
    var draft = try ManifestDrafter(
      id: id, files: files, source: draftSource, page: pageKey, pageMarkdown: markdown,
      metric: metric, leaderboard: leaderboardKey
    ).draft()
    draft.review = review + draft.review
    let command =
      (["dojo new", source] + (self.id.map { ["--id", $0] } ?? [])
      + (metric.map { ["--metric", $0] } ?? [])).joined(separator: " ")
    if let script = draft.script {
      // Written first: the manifest names it, and check looks for it.
      let url = manifestDir.appendingPathComponent(DraftWriter.scriptName)
      try Self.writeNew(script.value, to: url)
      print("new: wrote \(url.path)")
    }
    try Self.writeNew(DraftWriter.yaml(draft, command: command), to: manifestFile)
    print("new: wrote \(manifestFile.path)")

    // Check and prepare into a scratch folder.
    let check = ManifestChecker().check(manifestDir)
    for problem in check.problems { print("check: \(problem)") }
    let scratchDir =
      scratch.map { URL(fileURLWithPath: $0, relativeTo: cwd) }
      ?? FileManager.default.temporaryDirectory.appendingPathComponent("dojo-new-\(id)-\(getpid())")
    var prepared: PrepareResult?
    var prepareError: String?
    do {
      let loaded = try ManifestLoader.load(manifestDir)
      prepared = try Preparer(loaded, python: TaskLocator.python).prepare(
        raw: files, curated: scratchDir, pageMarkdown: markdown, kaggleLeaderboard: board)
    } catch let error as DojoError {
      prepareError = error.message
    }
    let seconds = (ContinuousClock.now - start).components.seconds
    print("")
    print(
      "Draft of \(id) (\(seconds) s): \(draft.targets.value.joined(separator: ", ")) (\(draft.kind.rawValue)) by \(draft.idColumn.value), \(draft.metric.value), \(draft.strategy.value) split"
    )
    print(check.passed ? "check:   passed" : "check:   FAILED (above)")
    for warning in prepared?.warnings ?? [] { draft.review.append(warning) }
    if let prepared {
      print(
        "prepare: \(prepared.trainRows) train rows, \(prepared.testRows) test rows in \(prepared.layout.root.path)"
      )
    } else {
      print("prepare: FAILED: \(prepareError ?? "")")
    }
    print("\nReview before importing (each guess is marked in the manifest):")
    for item in draft.review { print("  - \(item)") }
    print("\nThen: dojo import \(id)\(manifests == "manifests" ? "" : " --manifests \(manifests)")")
    if !check.passed || prepared == nil { throw CommandFailed() }
  }

  /// The id a source suggests: the slug, or the archive or folder name without extensions.
  static func defaultID(source: String, parsed: FetchSource?) throws -> String {
    switch parsed {
    case .kaggle(let slug): return slug
    case .http(let url): return stripExtensions(url.lastPathComponent)
    case .file(let url): return stripExtensions(url.lastPathComponent)
    case nil:
      return URL(fileURLWithPath: source).standardizedFileURL.lastPathComponent
    }
  }

  static func stripExtensions(_ name: String) -> String {
    var n = name
    for ext in [".gz", ".bz2", ".xz", ".zst", ".tar", ".tgz", ".zip", ".7z", ".rar"]
    where n.lowercased().hasSuffix(ext) {
      n = String(n.dropLast(ext.count))
    }
    for ext in [".tar"] where n.lowercased().hasSuffix(ext) { n = String(n.dropLast(ext.count)) }
    return n
  }

  /// Writes `text` to `url` unless a file is there: through a temporary file and a hard
  /// link, which fails rather than replaces (two drafts racing cannot clobber each other).
  static func writeNew(_ text: String, to url: URL) throws {
    let temp = AtomicFiles.temporarySibling(of: url)
    try AtomicFiles.write(text, to: temp)
    defer { unlink(temp.path) }
    if link(temp.path, url.path) != 0 {
      let reason = String(cString: strerror(errno))
      throw DojoError(
        .conflict,
        "cannot create \(url.path): \(reason); dojo new never overwrites a manifest (pass --id NEW-ID)"
      )
    }
  }

  /// Packs a folder into a reproducible .tar.gz (sorted names, no owners or times).
  static func pack(folder: URL, into archive: URL) throws {
    let temp = AtomicFiles.temporarySibling(of: archive)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [
      "tar", "--sort=name", "--owner=0", "--group=0", "--numeric-owner", "--mtime=@0",
      "--use-compress-program=gzip -n",
      // A folder `dojo unpack` wrote holds its file list, a name unpack reserves.
      "--exclude=./.manifest.json", "-cf", temp.path, "-C", folder.path, ".",
    ]
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      unlink(temp.path)
      throw DojoError(
        .io,
        "could not pack \(folder.path) into \(archive.path) with tar (exit \(process.terminationStatus)); check the folder is readable"
      )
    }
    try AtomicFiles.rename(temp, to: archive)
  }
}
