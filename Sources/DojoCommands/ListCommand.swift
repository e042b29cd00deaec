internal import ArgumentParser
internal import DojoCore
internal import Foundation
internal import Pipeline

/// `dojo list`: every manifest with its title, category, metric, sizes and status.
struct ListCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "list",
    abstract: "List every competition of the catalogue with its metric, sizes and status.",
    discussion: """
      One row per manifest under manifests/: title, category, metric, the archive's size \
      (once fetched), the leaderboard's rows, and where it stands: not fetched, fetched, \
      prepared, validated, published, or failing at a stage (the stage or check that failed \
      last, with its message in --json). Nothing is fetched or written.

      Kaggle competitions download only after you accept each competition's rules on its \
      Kaggle page (https://www.kaggle.com/c/<slug>/rules) with the account whose token you \
      use; until then the fetch fails with an error naming the competition.

      Example:
        dojo list --status published
        dojo list --category Tabular --metric rmse --json
      """)

  @Option(help: "Only this category (as the manifests spell it, any case).") var category: String?
  @Option(
    help: ArgumentHelp(
      "Only this status: not-fetched, fetched, prepared, validated, published or failing.",
      valueName: "status"))
  var status: String?
  @Option(help: "Only this metric (a catalogue name).") var metric: String?
  @Flag(help: "Print JSON.") var json = false
  @Option(help: "The manifests folder.") var manifests = "manifests"
  @Option(help: "The raw folder.") var raw = "raw"
  @Option(help: "The curated folder.") var curated = "curated"
  @OptionGroup var registry: RegistryOptions

  func validate() throws {
    if let status {
      let known = Catalogue.statuses.map { $0.replacingOccurrences(of: " ", with: "-") }
      guard known.contains(status.lowercased().replacingOccurrences(of: " ", with: "-")) else {
        throw ValidationError(
          "--status \(status) is not a status; use one of \(known.joined(separator: ", "))")
      }
    }
  }

  func run() throws {
    let catalogue = Catalogue(
      manifests: URL(fileURLWithPath: manifests), raw: URL(fileURLWithPath: raw),
      curated: URL(fileURLWithPath: curated), registry: try registry.url())
    let wanted = status?.lowercased().replacingOccurrences(of: "-", with: " ")
    let entries = try catalogue.entries().filter { e in
      (category == nil || e.category?.lowercased() == category?.lowercased())
        && (metric == nil || e.metric == metric)
        && (wanted == nil || e.status == wanted
          || (wanted == "failing" && e.status.hasPrefix("failing")))
    }
    if json {
      FileHandle.standardOutput.write(try StableJSON.encode(entries))
      return
    }
    let rows = entries.map { e in
      [
        e.id, e.title, e.category ?? "-", e.metric ?? "-",
        e.dataBytes.map(Self.bytes) ?? "-", e.leaderboardRows.map(String.init) ?? "-", e.status,
      ]
    }
    print(
      TextTable.render(
        header: ["id", "title", "category", "metric", "data", "leaderboard", "status"], rows: rows))
    var counts: [String: Int] = [:]
    for e in entries {
      counts[e.status.hasPrefix("failing") ? "failing" : e.status, default: 0] += 1
    }
    print(
      "\(entries.count) competitions: "
        + Catalogue.statuses.compactMap { s in counts[s].map { "\($0) \(s)" } }.joined(
          separator: ", "))
  }

  static func bytes(_ n: Int64) -> String {
    let units = ["B", "KB", "MB", "GB", "TB"]
    var value = Double(n)
    var unit = 0
    while value >= 1000 && unit < units.count - 1 {
      value /= 1000
      unit += 1
    }
    return unit == 0 ? "\(n) B" : String(format: "%.1f", value) + " " + units[unit]
  }
}
