internal import ArgumentParser
internal import DojoCore
internal import Foundation
internal import Pipeline
internal import Validation

/// `dojo check [ID...|--all]`: static manifest checks, and the data checks of `prepare`
/// where the data is unpacked.
struct CheckCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract:
      "Check manifests: metric, parameters, columns, leaderboards, and the data if unpacked.",
    discussion: """
      For each manifest: it parses and is complete; its metric exists and its parameters \
      fit the answers; its leaderboards parse, are ordered in the metric's direction and \
      hold plausible scores (and, with --catalog, have the catalogue's number of rows); its \
      id and target columns agree across answers, split, media and metric. One line per \
      competition, a summary, exit 1 on any failure.

      Where the data is already unpacked (raw/<id>/files, after `dojo import`, `dojo new` or \
      `dojo fetch`), also the checks `prepare` makes on reading the labelled table, each \
      naming the manifest line: the columns it names exist, the ids are unique, \
      metric.positive and answers.classes match the labels, split.time holds numbers or \
      ISO dates; a time cut inside a run of equal times is a warning. Manifests without \
      their data get the static checks only.

      Example:
        dojo check --all
        dojo check titanic-survival spaceship-titanic --json
      """)

  @Argument(help: "Competition ids (folders under manifests/).") var ids: [String] = []
  @Flag(help: "Every manifest under manifests/.") var all = false
  @Flag(help: "Print JSON.") var json = false
  @Option(help: "The manifests folder.") var manifests = "manifests"
  @Option(
    help:
      "A folder of reference leaderboards (<slug>/{public,private}.csv) to compare row counts with."
  )
  var catalog: String?
  @Option(help: "The downloads folder, holding <id>/files for the data checks.")
  var raw = "raw"

  func run() throws {
    // Checked here, not in validate(): ArgumentParser validates before it reports an unknown
    // option, so a mistyped --all would otherwise hide behind this message.
    if ids.isEmpty && !all {
      throw DojoError(.invalidArgument, "name competition ids, or pass --all")
    }
    let root = URL(fileURLWithPath: manifests)
    var names = ids
    if all {
      names = RawLayout.manifestIDs(in: root)
    }
    let checker = ManifestChecker(
      catalogLeaderboards: catalog.map { URL(fileURLWithPath: $0) },
      raw: URL(fileURLWithPath: raw))
    let results = names.map { checker.check(root.appendingPathComponent($0)) }
    if json {
      FileHandle.standardOutput.write(try StableJSON.encode(results))
    } else {
      for r in results {
        print(
          r.passed ? "ok      \(r.id)" : "FAILED  \(r.id): \(r.problems.joined(separator: "; "))")
        for warning in r.warnings { print("warning \(r.id): \(warning)") }
      }
      let failed = results.filter { !$0.passed }.count
      print("\(results.count - failed) of \(results.count) manifests pass")
    }
    if results.contains(where: { !$0.passed }) { throw CommandFailed() }
  }
}
