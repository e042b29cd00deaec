internal import ArgumentParser
internal import DojoCore
internal import Foundation
internal import Registry
internal import Runtime

/// `dojo sessions`: the runtime's sessions, listed or deleted.
struct SessionsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sessions",
    abstract: "List the runtime's sessions, or delete some (stray test runs, say).",
    discussion: """
      Example:
        dojo sessions list --agent smoke-test
        dojo sessions rm --agent smoke-test --sessions sessions
      """,
    subcommands: [List.self, Remove.self])

  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "list", abstract: "One line per session: id, task, agent, steps, opened, closed."
    )

    @OptionGroup var registry: RegistryOptions

    @Option(help: "Only sessions of this agent.")
    var agent: String?

    func run() throws {
      let opened = try registry.open()
      for session in try opened.sessions(agent: agent) {
        let steps = try opened.lastStepNumber(session: session.id)
        // Agent names come from clients: printed escaped, never raw.
        print(
          [
            session.id, session.task, TerminalText.escape(session.agent ?? "-"), "\(steps) steps",
            session.createdAt, session.closedAt.map { "closed " + $0 } ?? "open",
          ].joined(separator: "  "))
      }
    }
  }

  struct Remove: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "rm",
      abstract: "Delete sessions: their records, steps and files under --sessions.",
      discussion: """
        What DELETE /v1/sessions/ID does, for a server that is not running (or one that is: \
        the registry takes one writer at a time). A deleted session no longer counts in \
        `dojo rank`, `dojo report` or `dojo trajectories`.

        Example:
          dojo sessions rm 6f1c0d2e-... --sessions sessions
          dojo sessions rm --agent smoke-test
        """)

    @OptionGroup var registry: RegistryOptions

    @Option(help: "The sessions folder `dojo serve` was given.")
    var sessions: String = "sessions"

    @Option(help: "Delete every session of this agent.")
    var agent: String?

    @Argument(help: "Session ids.")
    var ids: [String] = []

    func validate() throws {
      if ids.isEmpty && agent == nil {
        throw ValidationError("name session ids, or --agent NAME to delete all of an agent's")
      }
    }

    func run() throws {
      let opened = try registry.open()
      var targets = ids
      if let agent { targets += try opened.sessions(agent: agent).map(\.id) }
      let folder = URL(fileURLWithPath: sessions, isDirectory: true)
      var missing: [String] = []
      for id in targets {
        if try SessionManager.removeSession(id, registry: opened, sessionsDirectory: folder) {
          print("deleted session \(id)")
        } else {
          missing.append(id)
        }
      }
      if !missing.isEmpty {
        throw DojoError(
          .notFound,
          "no session \(missing.map(TerminalText.escape).joined(separator: ", ")) in \(registry.shown); `dojo sessions list` shows them"
        )
      }
    }
  }
}
