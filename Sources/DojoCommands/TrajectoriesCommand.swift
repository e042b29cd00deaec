internal import ArgumentParser
internal import DojoCore
internal import Foundation
internal import Registry
internal import Runtime

/// `dojo trajectories`: every step of every session as JSON lines, for SFT or RL.
struct TrajectoriesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "trajectories",
    abstract: "Export every step of every session as one JSON line, for training.",
    discussion: """
      Each line holds task, version, agent, session, step, action (with its code), \
      observation, reward, score and timestamps. The file is written whole or not at all. \
      The summary names each agent exported, control characters escaped (\\u{1b}).

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
    let opened = try registry.open()
    let written = try Trajectories.export(
      registry: opened, task: task, agent: agent, to: URL(fileURLWithPath: out))
    print(
      "wrote \(written.steps) steps of \(written.sessions) sessions to \(TerminalText.escape(out))")
    // Agent names come from clients: printed escaped, never raw.
    var sessionsByAgent: [String: Int] = [:]
    for session in try opened.sessions(task: task, agent: agent) {
      sessionsByAgent[session.agent ?? "", default: 0] += 1
    }
    for (name, count) in sessionsByAgent.sorted(by: { $0.key < $1.key }) {
      let label = name.isEmpty ? "(no agent)" : "\"" + TerminalText.escape(name) + "\""
      print("  agent \(label): \(count) session\(count == 1 ? "" : "s")")
    }
  }
}
