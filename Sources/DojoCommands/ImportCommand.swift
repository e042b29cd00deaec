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
      --bundled imports the competitions whose archive ships in manifests/ (offline).

      Example:
        dojo import --bundled
        DOJO_KAGGLE_URL=http://127.0.0.1:8911 dojo import --all --jobs 2
        dojo import titanic-survival diamond-prices --skip-reference
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

  func validate() throws {
    if ids.isEmpty && !all && !bundled {
      throw ValidationError("name competition ids, or pass --all or --bundled")
    }
    if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
  }

  func run() async throws {
    let loaded = try selectManifests()
    let options = ImportOptions(
      raw: URL(fileURLWithPath: raw), curated: URL(fileURLWithPath: curated),
      registry: try registry.url(), skipReference: skipReference,
      python: TaskLocator.python)
    let board = StatusBoard(ids: loaded.map(\.manifest.id))
    let importer = Importer(options)
    var outcomes: [ImportOutcome] = []
    await withTaskGroup(of: ImportOutcome.self) { group in
      var next = 0
      func launch() {
        let item = loaded[next]
        next += 1
        group.addTask {
          let outcome = importer.run(item) { stage in
            board.update(item.manifest.id, "\(stage.rawValue)...")
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
    let rows = outcomes.map { o in
      [
        o.id, o.succeeded ? "ok" : "failed", o.stage.rawValue, o.version ?? "-",
        o.skipped.isEmpty ? "-" : o.skipped.map(\.rawValue).joined(separator: ","),
        String(format: "%.1f", o.seconds), o.error ?? "",
      ]
    }
    print(
      TextTable.render(
        header: ["task", "result", "stage", "version", "skipped", "seconds", "error"], rows: rows))
    let failed = outcomes.filter { !$0.succeeded }.count
    print(
      "\(outcomes.count - failed) of \(outcomes.count) imported; curated tasks under \(curated)/, registry \(registry.shown)"
    )
    if failed > 0 { throw CommandFailed() }
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
