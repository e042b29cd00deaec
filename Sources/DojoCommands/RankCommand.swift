internal import ArgumentParser
internal import DojoCore
internal import Foundation
internal import Registry
internal import Report

/// `dojo rank`: the agents' standings, as `dojo report` shows them, in the terminal.
struct RankCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "rank",
    abstract: "Rank the agents that ran sessions: a Bradley–Terry rating, medals and HumanRank.",
    discussion: """
      Per agent (the sessions' `agent` label): a Bradley–Terry rating fitted over every task \
      any two agents both attempted (best valid scores compared; the order of sessions plays \
      no part) with a 95% bootstrap interval over the tasks, then tasks attempted, valid \
      submissions, mean HumanRank of its best submission per task, gold, silver, bronze, \
      any-medal and above-median counts (as MLE-bench aggregates them). Equal ratings share \
      a rank. --exclude-agent leaves an agent out (stray test sessions); `dojo sessions rm` \
      deletes sessions for good.

      Example:
        dojo rank
        dojo rank --registry /srv/dojo/registry.sqlite --exclude-agent smoke-test --json
      """)

  @OptionGroup var registry: RegistryOptions

  @Flag(help: "Print the standings as JSON.")
  var json = false

  @Option(name: .customLong("exclude-agent"), help: "An agent to leave out; repeatable.")
  var excludedAgents: [String] = []

  func run() throws {
    var report = try CuratorReport.build(
      registry: try registry.openExisting(), excludingAgents: Set(excludedAgents))
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
    print(report.ratingMethod)
  }
}
