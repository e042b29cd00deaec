internal import ArgumentParser
internal import DojoCore
internal import Foundation
internal import Runtime
internal import Sandbox

/// `dojo serve`: the Gym-style runtime over HTTP.
struct ServeCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve",
    abstract: "Serve published tasks to agents over HTTP/JSON, running their code in a sandbox.",
    discussion: """
      Agents open a session on a task (POST /v1/sessions) and take steps (request_info, \
      validate_code, execute_code, get_history, reset); code runs under bubblewrap with only \
      the task's public data, and submissions are graded outside the sandbox. Sessions and \
      their steps are stored in the registry, their files under --sessions, so a restarted \
      server carries on. GET /openapi.json describes the API. Stops on Ctrl-C or SIGTERM.

      Example:
        dojo serve --registry curated/registry.sqlite --port 8765 --sessions sessions
      """)

  @OptionGroup var registry: RegistryOptions

  @Option(help: "The address to listen on.")
  var host: String = "127.0.0.1"

  @Option(help: "The port to listen on (0 picks a free one).")
  var port: Int = 8765

  @Option(help: "Where sessions keep their workspaces, code files and submissions.")
  var sessions: String = "sessions"

  @Option(
    help: "The Python for agent code (default: the project's .venv when set up, else python3).")
  var python: String?

  @Option(help: "Default wall-time limit of a run, in seconds.")
  var timeout: Double = 600

  @Option(help: "Default memory limit of a run, in MiB.")
  var memory: Int = 4096

  @Option(help: "Most processes and threads alive at once in a run.")
  var maxProcesses: Int = 1024

  @Option(help: "Largest file a run may write, in MiB.")
  var maxFileMB: Int = 2048

  func run() async throws {
    guard maxProcesses >= 8, maxFileMB >= 1, timeout > 0, memory >= 32 else {
      throw DojoError(
        .invalidArgument,
        "--max-processes must be at least 8, --max-file-mb at least 1, --timeout above 0 and --memory at least 32"
      )
    }
    guard (0...65535).contains(port) else {
      throw DojoError(.invalidArgument, "--port \(port) is not a port; use 0 to 65535")
    }
    let available = Sandbox.isAvailable()
    guard available.available else { throw DojoError(.sandbox, available.reason) }
    let configuration = RuntimeConfiguration(
      registry: URL(fileURLWithPath: registry.registry),
      sessionsDirectory: URL(fileURLWithPath: sessions, isDirectory: true),
      sandbox: SandboxConfiguration(python: python ?? TaskLocator.python),
      defaultLimits: SessionLimits(executionTimeoutS: timeout, memoryMB: memory),
      maxProcesses: maxProcesses, fileSizeMB: maxFileMB)
    let server = try RuntimeServer(configuration: configuration)
    let host = host
    try await server.run(host: host, port: port, handleSignals: true) { bound in
      print(
        "dojo serve: listening on http://\(host):\(bound) (sandbox limits held by \(server.manager.limitEnforcement.rawValue))"
      )
      // A supervisor (or a test) waits for this line to learn the port.
      fflush(nil)
    }
  }
}
