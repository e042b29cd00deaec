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

      Every route but GET /v1/health needs `Authorization: Bearer TOKEN`, as Jupyter's server \
      does: the token is DOJO_TOKEN, or one generated at first start into SESSIONS.token \
      (mode 0600, beside the sessions folder) and printed with the URL. --tokens FILE adds \
      per-agent tokens, one `TOKEN AGENT-NAME` line each (the file must be mode 0600): such a \
      token opens sessions for its agent only and sees no other agent's sessions (they answer \
      404, as sessions that do not exist). Requests naming another Host than this server's \
      or loopback, or carrying a foreign Origin, are refused (403); bodies must be \
      application/json (else 415).

      --timeout, --memory, --cpu-s and --gpus are ceilings: a session may ask for less, never \
      more (more is a 400 naming the ceiling). So are the episode's budget, --max-steps, \
      --time-budget (wall seconds from the session's opening) and --cpu-budget (sandbox CPU \
      seconds over all its runs): once one runs out, the step that used it up answers \
      `truncated: true` and later steps are refused (409). A request's head and body must arrive within \
      --header-timeout of its first byte, an idle connection is closed after --idle-timeout, \
      at most --max-connections are open, and one token runs at most --max-steps-per-token steps at \
      once (more answer 429 with Retry-After).

      Example:
        dojo serve --registry curated/registry.sqlite --port 8765 --sessions sessions
        DOJO_TOKEN=$(openssl rand -hex 32) dojo serve --tokens agents.tokens
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

  @Option(
    help: ArgumentHelp(
      "Pinned requirements (NAME==VERSION lines) of the agent environment, built into its own venv at start.",
      discussion:
        "The venv (--agent-venv) is built from /usr/bin/python3 once and reused while the file is unchanged; agent code then runs with it instead of --python."
    ))
  var agentRequirements: String?

  @Option(help: "Where --agent-requirements builds its venv.")
  var agentVenv: String = ".venv-agent"

  @Option(help: "Wall-time limit of a run, in seconds: the default and the ceiling.")
  var timeout: Double = 600

  @Option(help: "Memory limit of a run, in MiB: the default and the ceiling.")
  var memory: Int = 4096

  @Option(help: "CPU seconds per process of a run: the default and the ceiling (none if unset).")
  var cpuS: Int?

  @Option(help: "GPUs a session may ask for, at most.")
  var gpus: Int = 0

  @Option(help: "Steps an episode may take: the default and the ceiling (none if unset).")
  var maxSteps: Int?

  @Option(
    help:
      "Wall seconds an episode may last from its opening: the default and the ceiling (none if unset)."
  )
  var timeBudget: Double?

  @Option(
    help:
      "Sandbox CPU seconds an episode may use over all its runs: the default and the ceiling (none if unset)."
  )
  var cpuBudget: Double?

  @Option(help: "Most processes and threads alive at once in a run.")
  var maxProcesses: Int = 1024

  @Option(help: "Largest file a run may write, in MiB.")
  var maxFileMB: Int = 2048

  @Option(
    help: ArgumentHelp(
      "Per-agent tokens: a file of `TOKEN AGENT-NAME` lines, readable by its owner only.",
      discussion:
        "A request with an agent's token opens sessions for that agent and sees no other agent's sessions (they answer 404)."
    ))
  var tokens: String?

  @Option(
    name: .customLong("allow-host"),
    help: "A further name clients may reach the server by (Host and Origin); repeatable.")
  var allowHosts: [String] = []

  @Option(help: "Seconds a request's head (and body) may take to arrive, from its first byte.")
  var headerTimeout: Double = 20

  @Option(
    help: "Seconds a connection may stay idle (no request, or a stalled one) before it is closed.")
  var idleTimeout: Double = 60

  @Option(help: "Most connections open at once.")
  var maxConnections: Int = 256

  @Option(help: "Most steps one token may have running at once (more answer 429).")
  var maxStepsPerToken: Int = 4

  @Option(
    help: ArgumentHelp(
      "Seconds a step's lease on its session lasts unless renewed.",
      discussion:
        "Replicas sharing a registry never step one session at once; a replica that dies mid-step holds its sessions this long."
    ))
  var leaseSeconds: Double = 30

  @Option(
    help: ArgumentHelp(
      "Sessions that keep a sandbox started ahead of their next step (0: every run starts cold).",
      discussion:
        "A waiting sandbox takes the sandbox's start (about 20 ms) off a step and holds some 15 MB; it is killed after 10 idle minutes."
    ))
  var warmSandboxes: Int = 8

  func run() async throws {
    guard maxProcesses >= 8, maxFileMB >= 1, maxFileMB <= 1 << 30, timeout > 0,
      timeout <= 7 * 24 * 3600, memory >= 32, memory <= 16 << 20
    else {
      throw DojoError(
        .invalidArgument,
        "--max-processes must be at least 8, --max-file-mb 1 to 2^30, --timeout above 0 and at most 604800 (a week), --memory 32 to 16777216 (MiB)"
      )
    }
    guard (0...1024).contains(warmSandboxes) else {
      throw DojoError(.invalidArgument, "--warm-sandboxes must be 0 to 1024, not \(warmSandboxes)")
    }
    if let cpuS, !(1...(7 * 24 * 3600)).contains(cpuS) {
      throw DojoError(.invalidArgument, "--cpu-s must be 1 to 604800 (a week), not \(cpuS)")
    }
    guard (0...64).contains(gpus) else {
      throw DojoError(.invalidArgument, "--gpus must be 0 to 64, not \(gpus)")
    }
    if let maxSteps, !(1...1_000_000).contains(maxSteps) {
      throw DojoError(.invalidArgument, "--max-steps must be 1 to 1000000, not \(maxSteps)")
    }
    for (name, value) in [("--time-budget", timeBudget), ("--cpu-budget", cpuBudget)] {
      if let value, !(value > 0 && value <= 30 * 24 * 3600) {
        throw DojoError(
          .invalidArgument, "\(name) must be above 0 and at most 2592000 s (30 days), not \(value)")
      }
    }
    guard (0.1...3600).contains(headerTimeout), (0.1...86400).contains(idleTimeout),
      (1...100_000).contains(maxConnections), (1...1000).contains(maxStepsPerToken),
      (1...3600).contains(leaseSeconds)
    else {
      throw DojoError(
        .invalidArgument,
        "--header-timeout must be 0.1 to 3600 s, --idle-timeout 0.1 to 86400 s, --max-connections 1 to 100000, --max-steps-per-token 1 to 1000 and --lease-seconds 1 to 3600"
      )
    }
    guard (0...65535).contains(port) else {
      throw DojoError(.invalidArgument, "--port \(port) is not a port; use 0 to 65535")
    }
    // A server over a registry that is not there would serve no task.
    try registry.requireExisting()
    let available = Sandbox.isAvailable()
    guard available.available else { throw DojoError(.sandbox, available.reason) }
    if agentRequirements != nil, python != nil {
      throw DojoError(
        .invalidArgument,
        "--python and --agent-requirements both name the agent's Python; give one of them")
    }
    var agentPython: String?
    if let agentRequirements {
      let folder = URL(fileURLWithPath: agentVenv, isDirectory: true).standardizedFileURL
      // pip runs for minutes: on a thread of its own, off Swift's cooperative pool.
      agentPython = try await withCheckedThrowingContinuation { continuation in
        Thread {
          continuation.resume(
            with: Result {
              try AgentVenv.prepare(
                requirements: URL(fileURLWithPath: agentRequirements), at: folder)
            })
        }.start()
      }
    }
    let sessionsDirectory = URL(fileURLWithPath: sessions, isDirectory: true)
    var configuration = RuntimeConfiguration(
      registry: try registry.url(),
      sessionsDirectory: sessionsDirectory,
      sandbox: SandboxConfiguration(python: agentPython ?? python ?? TaskLocator.python),
      defaultLimits: SessionLimits(
        executionTimeoutS: timeout, memoryMB: memory, cpuS: cpuS, gpus: gpus, maxSteps: maxSteps,
        timeBudgetS: timeBudget, cpuBudgetS: cpuBudget),
      maxProcesses: maxProcesses, fileSizeMB: maxFileMB)
    configuration.leaseSeconds = leaseSeconds
    configuration.warmSandboxes = warmSandboxes
    // The sessions folder is made first: the token file is kept beside it.
    try AtomicFiles.createDirectory(sessionsDirectory)
    let access = ServerAccess(
      tokens: try AccessTokens.load(
        sessionsDirectory: sessionsDirectory, environment: ProcessInfo.processInfo.environment,
        agentsFile: tokens.map { URL(fileURLWithPath: $0) }),
      hostNames: (["0.0.0.0", "::", "[::]"].contains(host) ? [] : [Self.hostName(host)])
        + allowHosts.map(Self.hostName))
    let server = try RuntimeServer(
      configuration: configuration, access: access,
      limits: ConnectionLimits(
        idleTimeout: .milliseconds(Int64(idleTimeout * 1000)),
        headerTimeout: .milliseconds(Int64(headerTimeout * 1000)),
        maxConnections: maxConnections, stepsPerToken: maxStepsPerToken))
    let host = host
    let display = Self.hostName(host)
    do {
      try await serve(server, access: access, host: host, display: display)
    } catch  where "\(error)".contains("Address already in use") || "\(error)".contains("errno: 98")
    {
      throw DojoError(
        .conflict,
        "port \(port) on \(host) is in use by another process: stop it, choose another --port, or pass --port 0 to take a free one (the URL is printed)"
      )
    }
  }

  private func serve(
    _ server: RuntimeServer, access: ServerAccess, host: String, display: String
  ) async throws {
    try await server.run(host: host, port: port, handleSignals: true) { bound in
      var lines = [
        "dojo serve: listening on http://\(display):\(bound) (sandbox limits held by \(server.manager.limitEnforcement.rawValue))"
      ]
      switch access.tokens.origin {
      case .environment:
        lines.append(
          "dojo serve: clients send `Authorization: Bearer $DOJO_TOKEN` (the token is DOJO_TOKEN)")
      case .file(let file, let created):
        lines.append(
          "dojo serve: clients send `Authorization: Bearer \(access.tokens.serverToken)` (\(created ? "generated into" : "read from") \(file.path))"
        )
      }
      // A supervisor (or a test) waits for these lines to learn the port: written straight to
      // the descriptor, whatever stdout's buffering (nothing before them goes to stdout).
      try? FileHandle.standardOutput.write(
        contentsOf: Data((lines.joined(separator: "\n") + "\n").utf8))
    }
  }

  /// A host as it appears in a URL and a Host header: IPv6 addresses in brackets.
  static func hostName(_ host: String) -> String {
    host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host.lowercased()
  }
}
