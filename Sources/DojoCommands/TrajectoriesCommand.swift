internal import ArgumentParser
internal import DojoCore
internal import Foundation
internal import Runtime

/// `dojo trajectories`: every step of every session as JSON lines, for SFT or RL.
struct TrajectoriesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "trajectories",
    abstract: "Export every step of every session as one JSON line, for training.",
    discussion: """
      Each line holds task, version, agent, session, step, action (with its code), \
      observation, reward, score and timestamps. The file is written whole or not at all.

      Example:
        dojo trajectories --task titanic-survival --agent my-agent --out trajectories.jsonl
      """)

  @OptionGroup var registry: RegistryOptions

  @Option(help: "Only sessions on this task.")
  var task: String?

  @Option(help: "Only sessions of this agent.")
  var agent: String?

  @Option(help: "The JSON Lines file to write.")
  var out: String

  func run() throws {
    let written = try Trajectories.export(
      registry: try registry.open(), task: task, agent: agent, to: URL(fileURLWithPath: out))
    print("wrote \(written.steps) steps of \(written.sessions) sessions to \(out)")
  }
}
