internal import ArgumentParser
internal import DojoCore
internal import Foundation
internal import Ingest
internal import Pipeline
internal import Synchronization

/// `dojo import ID... | --all | --bundled`: fetch, unpack, page, prepare, validate, publish.
struct ImportCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "import",
    abstract: "Fetch, unpack, prepare, validate and publish competitions, N at a time.",
    discussion: """
      Each competition runs its stages in order and is reported with a live line on a \
      terminal; a failure in one is reported with its stage and never stops the others. \
      Stages whose inputs are unchanged are skipped, so importing again takes seconds. \
      --bundled imports the competitions whose archive ships in manifests/ (offline). \
      Each competition's work runs on a thread of its own: --jobs N means N at once.

      --executor slurm submits one Slurm job array instead, one element per competition, \
      each running `dojo import <id>` on its node with raw/, curated/ and manifests/ on the \
      shared filesystem and the registry on PostgreSQL (a SQLite file is refused: it corrupts \
      over a network filesystem). The registry URL reaches the nodes through sbatch's \
      environment as DOJO_REGISTRY, never in a file. Live counts show while the array runs, \
      then the summary, read from the registry's import records; --detach prints the job id \
      and returns, --status JOB shows the summary later, --retry-failed JOB submits the \
      failed elements again. Each element's log is curated/logs/<id>.log.

      Example:
        dojo import --bundled
        DOJO_KAGGLE_URL=http://127.0.0.1:8911 dojo import --all --jobs 2
        dojo import titanic-survival diamond-prices --skip-reference
        eval "$(scripts/cluster-up)"
        dojo import --bundled --executor slurm --registry "$DOJO_REGISTRY" --max-parallel 8
        dojo import --status 42 --registry "$DOJO_REGISTRY"
      """)

  @Argument(help: "Competition ids (folders under manifests/).")
  var ids: [String] = []

  @Flag(help: "Every manifest under manifests/.") var all = false
  @Flag(help: "The competitions whose archive is bundled in manifests/ (offline).")
  var bundled = false
  @Option(help: "Competitions imported at once.") var jobs = 1
  @Flag(help: "Do not run reference solutions during validation.") var skipReference = false
  @Option(help: "The manifests folder.") var manifests = "manifests"
  @Option(help: "The raw folder.") var raw = "raw"
  @Option(help: "The curated folder.") var curated = "curated"
  @OptionGroup var registry: RegistryOptions
  @OptionGroup(title: "Slurm") var slurm: SlurmOptions
  @Option(help: .hidden) var run: String?

  func validate() throws {
    if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
  }

  func run() async throws {
    // Checked here, not in validate(): ArgumentParser validates before it reports an unknown
    // option, so a mistyped --bundled would otherwise hide behind this message.
    if ids.isEmpty && !all && !bundled && slurm.status == nil && slurm.retryFailed == nil {
      throw DojoError(.invalidArgument, "name competition ids, or pass --all or --bundled")
    }
    if slurm.usesSlurm {
      let failed = try await BackgroundJob<Int>.value("slurm") { try runOnSlurm() }
      if failed > 0 { throw CommandFailed() }
      return
    }
    let loaded = try selectManifests()
    let options = ImportOptions(
      raw: URL(fileURLWithPath: raw), curated: URL(fileURLWithPath: curated),
      registry: try registry.url(), skipReference: skipReference,
      python: TaskLocator.python, run: run ?? "local-\(UUID().uuidString.lowercased())")
    let board = StatusBoard(ids: loaded.map(\.manifest.id))
    let importer = Importer(options)
    var outcomes: [ImportOutcome] = []
    await withTaskGroup(of: ImportOutcome.self) { group in
      var next = 0
      func launch() {
        let item = loaded[next]
        next += 1
        group.addTask {
          // The import blocks (curl, libarchive, SQLite, processes): on a thread of its own,
          // so --jobs N runs N at once instead of as many as the cooperative pool has cores.
          let outcome = await Self.offPool(item.manifest.id) {
            importer.run(item) { stage in
              board.update(item.manifest.id, "\(stage.rawValue)...")
            }
          }
          board.update(
            item.manifest.id,
            outcome.succeeded
              ? "done \(outcome.version ?? "") (\(String(format: "%.1f", outcome.seconds)) s)"
              : "FAILED at \(outcome.stage.rawValue): \(outcome.error ?? "")")
          return outcome
        }
      }
      for _ in 0..<min(jobs, loaded.count) { launch() }
      for await outcome in group {
        outcomes.append(outcome)
        if next < loaded.count { launch() }
      }
    }
    board.finish()
    let order = Dictionary(uniqueKeysWithValues: loaded.enumerated().map { ($1.manifest.id, $0) })
    outcomes.sort { order[$0.id, default: 0] < order[$1.id, default: 0] }
    print(Self.summaryTable(outcomes.map(Self.summaryRow)))
    let failed = outcomes.filter { !$0.succeeded }.count
    print(
      "\(outcomes.count - failed) of \(outcomes.count) imported; curated tasks under \(curated)/, registry \(registry.shown)"
    )
    if failed > 0 { throw CommandFailed() }
  }

  /// One competition's row of the summary table, local or from a Slurm element's record.
  static func summaryRow(_ o: ImportOutcome) -> [String] {
    [
      o.id, o.succeeded ? "ok" : "failed", o.stage.rawValue, o.version ?? "-",
      o.skipped.isEmpty ? "-" : o.skipped.map(\.rawValue).joined(separator: ","),
      String(format: "%.1f", o.seconds), o.error ?? "",
    ]
  }

  /// The summary table every import ends with.
  static func summaryTable(_ rows: [[String]]) -> String {
    TextTable.render(
      header: ["task", "result", "stage", "version", "skipped", "seconds", "error"], rows: rows)
  }

  /// `body` on a thread of its own; the importer never throws, it reports.
  static func offPool(_ id: String, _ body: @escaping @Sendable () -> ImportOutcome) async
    -> ImportOutcome
  {
    do {
      return try await BackgroundJob<ImportOutcome>.value("import \(id)", body)
    } catch {
      return ImportOutcome(
        id: id, stage: .fetch, error: "\(error)", version: nil, skipped: [], seconds: 0)
    }
  }

  /// `--executor slurm`, `--status`, `--retry-failed`; returns the number of failed
  /// competitions.
  func runOnSlurm() throws -> Int {
    try SlurmOptions.requireSharedRegistry(registry.value)
    let curatedURL = URL(fileURLWithPath: curated).standardizedFileURL
    let options = registry
    let runner = SlurmImport(
      logs: curatedURL.appendingPathComponent("logs"), registryURL: registry.value,
      openRegistry: { try options.open() })
    if let job = slurm.status { return try runner.status(job: job) }
    if let job = slurm.retryFailed { return try runner.retry(job: job, detach: slurm.detach) }
    let ids = try selectManifests().map(\.manifest.id)
    if ids.isEmpty { throw DojoError(.notFound, "no competition to import") }
    return try runner.submit(
      ids: ids,
      command: Self.elementCommand(
        executable: Self.executablePath, manifests: manifests, raw: raw, curated: curated,
        skipReference: skipReference),
      resources: slurm.resources, detach: slurm.detach)
  }

  /// What each array element runs: this import of its one competition, every folder absolute
  /// (the node starts elsewhere), the registry and run from the element's environment.
  static func elementCommand(
    executable: String, manifests: String, raw: String, curated: String, skipReference: Bool
  ) -> [String] {
    func absolute(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }
    var command = [
      executable, "import", "{id}", "--manifests", absolute(manifests), "--raw", absolute(raw),
      "--curated", absolute(curated), "--registry", "{registry}", "--run", "{run}",
    ]
    if skipReference { command.append("--skip-reference") }
    return command
  }

  /// This dojo's own path, which each node runs (it must be on the shared filesystem).
  static var executablePath: String {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
      ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
  }

  func selectManifests() throws -> [LoadedManifest] {
    let root = URL(fileURLWithPath: manifests)
    var names = ids
    if all || bundled {
      names = RawLayout.manifestIDs(in: root)
    }
    var loaded = try names.map { try ManifestLoader.load(root.appendingPathComponent($0)) }
    if bundled {
      loaded = loaded.filter { m in
        guard case .url(let text) = m.manifest.source.location, !text.contains("://") else {
          return false
        }
        let path = text.hasPrefix("file:") ? String(text.dropFirst(5)) : text
        return FileManager.default.fileExists(atPath: m.resolve(path).path)
      }
      if loaded.isEmpty {
        throw DojoError(.notFound, "no manifest under \(manifests)/ bundles its archive")
      }
    }
    return loaded
  }
}

/// One line per competition: redrawn in place on a terminal, printed as events otherwise.
final class StatusBoard: Sendable {
  private struct State {
    var lines: [String: String] = [:]
    var drawn = 0
  }
  private let ids: [String]
  private let state = Mutex(State())
  private let live = isatty(STDOUT_FILENO) == 1
  private let width: Int

  init(ids: [String]) {
    self.ids = ids
    width = (ids.map(\.count).max() ?? 0) + 2
  }

  func update(_ id: String, _ text: String) {
    state.withLock { s in
      s.lines[id] = text
      if live {
        var out = s.drawn > 0 ? "\u{1B}[\(s.drawn)A" : ""
        for id in ids {
          let line =
            id.padding(toLength: width, withPad: " ", startingAt: 0) + (s.lines[id] ?? "waiting")
          out += "\u{1B}[2K" + String(line.prefix(160)) + "\n"
        }
        s.drawn = ids.count
        FileHandle.standardOutput.write(Data(out.utf8))
      } else {
        FileHandle.standardOutput.write(Data("\(id): \(text)\n".utf8))
      }
    }
  }

  func finish() {}
}
