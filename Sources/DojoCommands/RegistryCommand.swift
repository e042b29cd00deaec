internal import ArgumentParser
internal import DojoCore
internal import Foundation
internal import Registry

/// Options shared by every command that reads or writes the registry.
struct RegistryOptions: ParsableArguments {
  @Option(
    name: .long,
    help: ArgumentHelp(
      "The registry: a SQLite file, or postgres://user[:password]@host[:port]/db[?sslmode=disable|prefer|require].",
      discussion:
        "Default: $DOJO_REGISTRY, else curated/registry.sqlite. A PostgreSQL password may also come from PGPASSWORD or ~/.pgpass."
    ))
  var registry: String?

  /// What was given: `--registry`, else `DOJO_REGISTRY`, else the default file.
  var value: String { Self.resolve(registry) }

  /// `--registry`, else a non-empty `DOJO_REGISTRY`, else curated/registry.sqlite.
  static func resolve(_ option: String?) -> String {
    option ?? given(nil) ?? "curated/registry.sqlite"
  }

  /// `option`, else a non-empty `DOJO_REGISTRY`: a registry the user named.
  static func given(_ option: String?) -> String? {
    // getenv, not ProcessInfo's environment, which copies every variable into a dictionary
    // first: a millisecond and more of every command's start.
    option ?? getenv("DOJO_REGISTRY").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
  }

  func location() throws -> RegistryLocation { try RegistryLocation(parsing: value) }

  /// The registry as a URL, for the libraries that take one (a file URL or the
  /// `postgres://` URL as given).
  func url() throws -> URL {
    switch try location() {
    case .sqlite(let path): return URL(fileURLWithPath: path)
    case .postgres:
      guard let url = URL(string: value) else {
        throw DojoError(.invalidArgument, "registry \(try location()) is not a valid URL")
      }
      return url
    }
  }

  /// The registry as messages show it: never with a password.
  var shown: String { (try? location().description) ?? "(an invalid registry URL)" }

  func open() throws -> Registry { try Registry(location()) }

  /// Opens a registry that must already hold something: a SQLite path that does not exist
  /// is refused rather than created empty.
  func openExisting() throws -> Registry {
    try requireExisting()
    return try Registry(location())
  }

  /// Refuses a SQLite path where no registry is (a typo would otherwise make an empty one and
  /// serve or list nothing without a word). A PostgreSQL database is created by its owner.
  func requireExisting() throws {
    if case .sqlite(let path) = try location(), !FileManager.default.fileExists(atPath: path) {
      throw DojoError(
        .notFound,
        "no registry at \(path); run `dojo import` (or `dojo publish`) first, or pass --registry FILE|URL"
      )
    }
  }
}

/// `dojo registry list|show|diff|remove`: read the registry of published tasks, or take one out.
struct RegistryCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "registry",
    abstract: "Read the registry of published tasks, or remove a task or version.",
    discussion: """
      Example:
        dojo registry list
        dojo registry show titanic-survival --json
        dojo registry diff titanic-survival 15747d70b12e 0c1d2e3f4a5b
        dojo registry remove titanic-survival@15747d70b12e
      """,
    subcommands: [List.self, Show.self, Diff.self, Remove.self])

  struct Remove: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Remove a published task (every version) or one version from the registry.",
      discussion: """
        ID removes every version of the task; ID@VERSION one version. Its leaderboard, \
        skipped checks and validation records go with it; sessions run on it stay. The \
        files under curated/ are left as they are.

        Example:
          dojo registry remove titanic-survival@15747d70b12e
        """)
    @OptionGroup var options: RegistryOptions
    @Argument(help: "ID or ID@VERSION.") var task: String

    func run() throws {
      let parts = task.split(separator: "@", maxSplits: 1).map(String.init)
      guard let id = parts.first, !id.isEmpty, parts.count == 1 || !parts[1].isEmpty else {
        throw DojoError(.invalidArgument, "\(task) is not ID or ID@VERSION")
      }
      let removed = try options.openExisting().remove(
        id, version: parts.count == 2 ? parts[1] : nil)
      print(
        "removed \(id) version\(removed.count == 1 ? "" : "s") \(removed.joined(separator: ", "))")
    }
  }

  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "List every published task version.",
      discussion: "Example:\n  dojo registry list --json")
    @OptionGroup var options: RegistryOptions
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
      let tasks = try options.open().list()
      if json {
        FileHandle.standardOutput.write(try StableJSON.encode(tasks))
        return
      }
      let rows = tasks.map {
        [
          $0.id, $0.version, $0.metric, $0.lowerIsBetter ? "lower" : "higher", "\($0.trainRows)",
          "\($0.testRows)", $0.publishedAt,
        ]
      }
      print(
        TextTable.render(
          header: ["task", "version", "metric", "better", "train", "test", "published"], rows: rows)
      )
    }
  }

  struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Show one task's published versions and its newest task.json.",
      discussion: "Example:\n  dojo registry show titanic-survival")
    @OptionGroup var options: RegistryOptions
    @Argument(help: "The task id.") var id: String
    @Option(help: "A version (default: the newest).") var version: String?
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
      let registry = try options.open()
      let task = try registry.task(id, version: version)
      let spec = try registry.spec(id, version: task.version)
      if json {
        FileHandle.standardOutput.write(try StableJSON.encode(spec))
        return
      }
      print("\(task.id) \(task.version): \(task.title)")
      print("metric: \(task.metric) (\(task.lowerIsBetter ? "lower" : "higher") is better)")
      print("rows: \(task.trainRows) train, \(task.testRows) test")
      print("path: \(task.path)")
      print("published: \(task.publishedAt)")
      print("versions: \(try registry.versions(of: id).map(\.version).joined(separator: ", "))")
    }
  }

  struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Show what changed between two versions of a task.",
      discussion: "Example:\n  dojo registry diff titanic-survival 15747d70b12e 0c1d2e3f4a5b")
    @OptionGroup var options: RegistryOptions
    @Argument(help: "The task id.") var id: String
    @Argument(help: "The older version.") var from: String
    @Argument(help: "The newer version.") var to: String
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
      let diff = try options.open().diff(id, from, to)
      if json {
        FileHandle.standardOutput.write(try StableJSON.encode(diff))
        return
      }
      if diff.fields.isEmpty && diff.files.isEmpty { print("no differences") }
      for f in diff.fields { print("\(f.name): \(f.old) -> \(f.new)") }
      for f in diff.files { print("\(f.change): \(f.path)") }
    }
  }
}

/// Plain text tables for terminal output: columns padded to their widest cell.
enum TextTable {
  static func render(header: [String], rows: [[String]]) -> String {
    var widths = header.map(\.count)
    for row in rows {
      for (i, cell) in row.enumerated() where i < widths.count {
        widths[i] = max(widths[i], cell.count)
      }
    }
    func line(_ cells: [String]) -> String {
      cells.enumerated().map { i, c in
        i == cells.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
      }.joined(separator: "  ")
    }
    return ([line(header)] + rows.map(line)).joined(separator: "\n")
  }
}
