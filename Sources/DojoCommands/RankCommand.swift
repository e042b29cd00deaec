internal import ArgumentParser
internal import DojoCore
internal import Foundation
internal import Registry
internal import Report

/// `dojo rank`: the agents' standings, as `dojo report` shows them, in the terminal.
struct RankCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "rank",
    abstract: "Rank the agents that ran sessions: medals, HumanRank and Elo.",
    discussion: """
      Per agent (the sessions' `agent` label): tasks attempted, valid submissions, mean \
      HumanRank of its best submission per task, gold, silver, bronze, any-medal and \
      above-median counts (as MLE-bench aggregates them), and an Elo rating from \
      head-to-head comparisons of best scores on shared tasks (as MLE-Dojo ranks models).

      Example:
        dojo rank
        dojo rank --registry /srv/dojo/registry.sqlite --json
      """)

  @OptionGroup var registry: RegistryOptions

  @Flag(help: "Print the standings as JSON.")
  var json = false

  func run() throws {
    var report = try CuratorReport.build(registry: try registry.openExisting())
    if json {
      FileHandle.standardOutput.write(try StableJSON.encode(report.agents))
      return
    }
    guard !report.agents.isEmpty else {
      print("no agent has run a session in \(TerminalText.escape(registry.shown)) yet")
      return
    }
    // Agent names come from clients: escape sequences in them must not reach the terminal.
    for i in report.agents.indices {
      report.agents[i].agent = TerminalText.escape(report.agents[i].agent)
    }
    print(report.rankTable())
    print(report.eloMethod)
  }
}
