internal import DojoCore
public import Foundation
internal import Grading
internal import Registry
public import Sandbox

/// How the runtime is set up: where the registry and sessions live, how code runs.
public struct RuntimeConfiguration: Sendable {
  /// The registry file (published tasks; sessions and their steps are stored there too).
  public var registry: URL
  /// Where each session keeps its workspace and every code file and submission.
  public var sessionsDirectory: URL
  /// How the sandbox is made (bubblewrap, the Python environment, cgroups).
  public var sandbox: SandboxConfiguration
  /// Limits of sessions that give none.
  public var defaultLimits: SessionLimits
  /// Most processes and threads alive at once in a run (the cgroup's `pids.max`).
  public var maxProcesses: Int
  /// Largest file a run may write, in MiB.
  public var fileSizeMB: Int
  /// How much of stdout and stderr an observation keeps (the tail).
  public var outputTailBytes: Int

  public init(
    registry: URL, sessionsDirectory: URL, sandbox: SandboxConfiguration = SandboxConfiguration(),
    defaultLimits: SessionLimits = SessionLimits(), maxProcesses: Int = 1024,
    fileSizeMB: Int = 2048, outputTailBytes: Int = 16 * 1024
  ) {
    self.registry = registry
    self.sessionsDirectory = sessionsDirectory
    self.sandbox = sandbox
    self.defaultLimits = defaultLimits
    self.maxProcesses = maxProcesses
    self.fileSizeMB = fileSizeMB
    self.outputTailBytes = outputTailBytes
  }
}

/// Opens sessions on published tasks and carries out their steps.
///
/// Everything a session is lives in the registry (its options, state and every step) and
/// under the sessions folder (its workspace, every code file and submission), so a new
/// manager on the same files carries on where the last one stopped. Steps of one session
/// run one at a time (a second one at once is refused as a conflict); steps of different
/// sessions run in parallel, each sandboxed run on a thread of its own.
public actor SessionManager {
  public nonisolated let configuration: RuntimeConfiguration
  let registry: Registry
  let sandbox: Sandbox
  private var busy: Set<String> = []
  private var graders: [String: Grader] = [:]

  /// Opens the registry (applying migrations) and resolves the sandbox.
  ///
  /// - Throws: ``DojoError`` when the registry cannot be opened or the sandbox cannot be made.
  public init(configuration: RuntimeConfiguration) throws {
    self.configuration = configuration
    registry = try Registry(at: configuration.registry)
    sandbox = try Sandbox(configuration.sandbox)
    try AtomicFiles.createDirectory(configuration.sessionsDirectory)
  }

  /// Which mechanism holds memory and processes in this server's runs.
  public nonisolated var limitEnforcement: LimitEnforcement { sandbox.limitEnforcement }

  /// The interpreter agent code runs with (resolved past shims).
  public nonisolated var pythonExecutable: String { sandbox.python.executable }

  // MARK: - Tasks

  /// The newest version of every published task.
  public func tasks() throws -> [JSONValue] {
    try registry.latest().map(Self.summary)
  }

  /// One task with its versions and submission format (never its host path).
  public func task(_ id: String, version: String? = nil) throws -> JSONValue {
    let task = try registry.task(id, version: version)
    let spec = try registry.spec(task.id, version: task.version)
    guard case .object(var body) = Self.summary(task) else { return .null }
    body["versions"] = .array(try registry.versions(of: id).map { .string($0.version) })
    body["train_rows"] = .number(Double(task.trainRows))
    body["test_rows"] = .number(Double(task.testRows))
    body["published_at"] = .string(task.publishedAt)
    body["id_column"] = .string(spec.idColumn)
    body["targets"] = .array(spec.targets.map(JSONValue.string))
    body["submission_columns"] = .array(spec.submissionColumns.map(JSONValue.string))
    body["leaderboard_size"] = .number(
      Double(
        try registry.leaderboard(task.id, version: task.version).filter { $0.board == "private" }
          .count))
    return .object(body)
  }

  static func summary(_ task: PublishedTask) -> JSONValue {
    .object([
      "id": .string(task.id), "version": .string(task.version), "title": .string(task.title),
      "metric": .string(task.metric), "lower_is_better": .bool(task.lowerIsBetter),
    ])
  }

  // MARK: - Sessions

  /// Opens a session: a fresh workspace, the options stored, and the first observation.
  func createSession(_ request: CreateSessionRequest) throws -> (id: String, observation: JSONValue)
  {
    let task = try registry.task(request.task, version: request.version)
    var limits = configuration.defaultLimits
    if let given = request.limits {
      limits.executionTimeoutS = given.executionTimeoutS ?? limits.executionTimeoutS
      limits.memoryMB = given.memoryMB ?? limits.memoryMB
      limits.cpuS = given.cpuS ?? limits.cpuS
      limits.gpus = given.gpus ?? limits.gpus
    }
    guard limits.executionTimeoutS > 0, limits.executionTimeoutS.isFinite else {
      throw DojoError(
        .invalidArgument, "limits.execution_timeout_s must be a positive number of seconds")
    }
    if let memory = limits.memoryMB, memory < 32 {
      throw DojoError(.invalidArgument, "limits.memory_mb must be at least 32 (MiB), not \(memory)")
    }
    if let cpu = limits.cpuS, cpu < 1 {
      throw DojoError(.invalidArgument, "limits.cpu_s must be at least 1, not \(cpu)")
    }
    guard limits.gpus >= 0 else {
      throw DojoError(.invalidArgument, "limits.gpus must be 0 or more, not \(limits.gpus)")
    }
    if let agent = request.agent, agent.isEmpty || agent.count > 200 {
      throw DojoError(.invalidArgument, "agent must be a name of 1 to 200 characters")
    }
    let options = SessionOptions(limits: limits, scoreMode: request.scoreMode ?? .position)
    let id = UUID().uuidString.lowercased()
    try AtomicFiles.createDirectory(workspace(id))
    try AtomicFiles.createDirectory(workspace(id).appendingPathComponent("output"))
    let now = Clock.stamp()
    try registry.insertSession(
      SessionRecord(
        id: id, task: task.id, version: task.version, agent: request.agent,
        optionsJSON: try JSONValue.encoding(options).jsonText(),
        stateJSON: try JSONValue.encoding(SessionState()).jsonText(), createdAt: now,
        updatedAt: now))
    let observation: JSONValue = .object([
      "session": .string(id), "task": .string(task.id), "version": .string(task.version),
      "title": .string(task.title), "metric": .string(task.metric),
      "lower_is_better": .bool(task.lowerIsBetter), "data_path": .string(Self.dataPath),
      "output_path": .string(Self.outputPath),
      "actions": .array(StepAction.allCases.map { .string($0.rawValue) }),
      "info_types": .array(InfoType.allCases.map { .string($0.rawValue) }),
      "limits": try JSONValue.encoding(limits), "score_mode": .string(options.scoreMode.rawValue),
      "limits_enforced_by": .string(sandbox.limitEnforcement.rawValue),
      "feedback": .string(
        "Session open. Data is read-only at \(Self.dataPath); write submission.csv to \(Self.outputPath)."
      ),
    ])
    return (id, observation)
  }

  /// Carries out one step of a session and records it.
  public func step(_ id: String, _ request: StepRequest) async throws -> StepResult {
    let record = try openSession(id)
    guard let action = StepAction(rawValue: request.action) else {
      throw DojoError(
        .invalidArgument,
        "unknown action \"\(request.action)\"; use one of \(StepAction.allCases.map(\.rawValue).joined(separator: ", "))"
      )
    }
    guard busy.insert(id).inserted else {
      throw DojoError(.conflict, "session \(id) is still running a step; wait for its answer")
    }
    defer { busy.remove(id) }

    let options = try JSONDecoder().decode(SessionOptions.self, from: Data(record.optionsJSON.utf8))
    var state = try JSONDecoder().decode(SessionState.self, from: Data(record.stateJSON.utf8))
    let task = try registry.task(record.task, version: record.version)
    let number = state.steps + 1
    let started = Clock.stamp()
    var reward = 0.0
    var score: Double?
    var code: String?
    var observation: [String: JSONValue]

    switch action {
    case .requestInfo:
      let info = InfoType(rawValue: request.infoType ?? "all")
      guard let info else {
        throw DojoError(
          .invalidArgument,
          "unknown info_type \"\(request.infoType ?? "")\"; use one of \(InfoType.allCases.map(\.rawValue).joined(separator: ", "))"
        )
      }
      let spec = try registry.spec(task.id, version: task.version)
      let details = TaskInfo(
        task: task, spec: spec, publicDirectory: publicDirectory(task), options: options,
        enforcement: sandbox.limitEnforcement)
      observation = [
        "info_type": .string(info.rawValue), "info": try details.info(info),
        "status": .string("success"),
      ]
    case .validateCode, .executeCode:
      guard let text = request.code, !text.isEmpty else {
        throw DojoError(
          .invalidArgument, "\(action.rawValue) needs \"code\": the Python source to run")
      }
      code = text
      let runner = try await makeRunner(id: id, step: number, task: task, options: options)
      if action == .validateCode {
        observation = try await BlockingWork.run("dojo-validate-\(id.prefix(8))") {
          try runner.validate(code: text)
        }
      } else {
        let outcome = try await BlockingWork.run("dojo-execute-\(id.prefix(8))") {
          try runner.execute(code: text)
        }
        observation = outcome.observation
        state.currentRawScore = outcome.rawScore
        state.currentPositionScore = outcome.positionScore
        if let raw = outcome.rawScore {
          score = raw
          if let best = state.bestRawScore {
            state.bestRawScore = task.lowerIsBetter ? min(best, raw) : max(best, raw)
          } else {
            state.bestRawScore = raw
          }
          reward = options.scoreMode == .raw ? raw : (outcome.positionScore ?? 0)
        }
        if let position = outcome.positionScore {
          state.bestPositionScore = max(state.bestPositionScore ?? position, position)
        }
        observation["current_raw_score"] = .number(state.currentRawScore)
        observation["current_position_score"] = .number(state.currentPositionScore)
        observation["best_raw_score"] = .number(state.bestRawScore)
        observation["best_position_score"] = .number(state.bestPositionScore)
      }
    case .getHistory:
      let steps = try registry.steps(session: id)
      observation = [
        "status": .string("success"),
        "history": .array(steps.map(Self.historyEntry)),
        "best_raw_score": .number(state.bestRawScore),
        "best_position_score": .number(state.bestPositionScore),
      ]
    case .reset:
      let folder = workspace(id)
      try? FileManager.default.removeItem(at: folder)
      try AtomicFiles.createDirectory(folder.appendingPathComponent("output"))
      state.generation += 1
      state.currentRawScore = nil
      state.currentPositionScore = nil
      observation = [
        "status": .string("reset"), "generation": .number(Double(state.generation)),
        "feedback": .string(
          "The workspace is fresh (reset \(state.generation)); the history and best scores are kept."
        ),
      ]
    }
    observation["action"] = .string(action.rawValue)
    observation["step"] = .number(Double(number))
    state.steps = number
    let result = StepResult(observation: .object(observation), reward: reward, done: false)
    try registry.appendStep(
      StepRecord(
        session: id, step: number, action: action.rawValue, code: code,
        observationJSON: result.observation.jsonText(), reward: reward, score: score,
        startedAt: started, finishedAt: Clock.stamp()),
      sessionState: try JSONValue.encoding(state).jsonText())
    return result
  }

  /// A session's options, state and every step.
  public func history(_ id: String) throws -> JSONValue {
    guard let record = try registry.session(id) else { throw Self.unknown(id) }
    let steps = try registry.steps(session: id)
    return .object([
      "session": .string(id), "task": .string(record.task), "version": .string(record.version),
      "agent": .string(record.agent), "created_at": .string(record.createdAt),
      "closed_at": .string(record.closedAt), "options": try JSONValue.parse(record.optionsJSON),
      "state": try JSONValue.parse(record.stateJSON),
      "steps": .array(
        try steps.map { step in
          .object([
            "step": .number(Double(step.step)), "action": .string(step.action),
            "code": .string(step.code), "observation": try JSONValue.parse(step.observationJSON),
            "reward": .number(step.reward), "score": .number(step.score),
            "started_at": .string(step.startedAt), "finished_at": .string(step.finishedAt),
          ])
        }),
    ])
  }

  /// Closes a session: later steps are refused; its history and files stay.
  public func close(_ id: String) throws -> JSONValue {
    guard let record = try registry.session(id) else { throw Self.unknown(id) }
    if busy.contains(id) {
      throw DojoError(.conflict, "session \(id) is running a step; close it once the step answers")
    }
    try registry.closeSession(id, at: Clock.stamp())
    return .object([
      "session": .string(id), "closed": .bool(true),
      "steps": .number(Double(try registry.steps(session: id).count)),
      "already_closed": .bool(record.closedAt != nil),
    ])
  }

  /// A session's steps as trajectory records, one per step.
  public func trajectory(_ id: String) throws -> [JSONValue] {
    guard let record = try registry.session(id) else { throw Self.unknown(id) }
    return try Trajectories.records(of: record, in: registry)
  }

  // MARK: - Helpers

  static let dataPath = "/data"
  static let workspacePath = "/workspace"
  static let outputPath = "/workspace/output"

  static func unknown(_ id: String) -> DojoError {
    DojoError(.notFound, "no session \"\(id)\"; open one with POST /v1/sessions")
  }

  private func openSession(_ id: String) throws -> SessionRecord {
    guard let record = try registry.session(id) else { throw Self.unknown(id) }
    if record.closedAt != nil {
      throw DojoError(
        .conflict, "session \(id) was closed at \(record.closedAt ?? ""); open a new session")
    }
    return record
  }

  func sessionDirectory(_ id: String) -> URL {
    configuration.sessionsDirectory.appendingPathComponent(id, isDirectory: true)
  }

  func workspace(_ id: String) -> URL {
    sessionDirectory(id).appendingPathComponent("workspace", isDirectory: true)
  }

  private func publicDirectory(_ task: PublishedTask) -> URL {
    URL(fileURLWithPath: task.path).appendingPathComponent("public", isDirectory: true)
  }

  private func makeRunner(id: String, step: Int, task: PublishedTask, options: SessionOptions)
    async throws -> StepRunner
  {
    let key = task.id + "@" + task.version
    let grader: Grader
    if let cached = graders[key] {
      grader = cached
    } else {
      let directory = URL(fileURLWithPath: task.path)
      grader = try await BlockingWork.run("dojo-grader") { try Grader(taskDirectory: directory) }
      graders[key] = grader
    }
    let limits = options.limits
    return StepRunner(
      sandbox: sandbox, grader: grader, publicDirectory: publicDirectory(task),
      workspace: workspace(id),
      stepDirectory: sessionDirectory(id).appendingPathComponent(
        "steps/" + String(format: "%04d", step), isDirectory: true),
      limits: SandboxLimits(
        wallSeconds: limits.executionTimeoutS, cpuSeconds: limits.cpuS, memoryMB: limits.memoryMB,
        fileSizeMB: configuration.fileSizeMB, maxProcesses: configuration.maxProcesses,
        outputTailBytes: configuration.outputTailBytes, gpus: limits.gpus))
  }

  static func historyEntry(_ step: StepRecord) -> JSONValue {
    let observation = (try? JSONValue.parse(step.observationJSON)) ?? .null
    return .object([
      "step": .number(Double(step.step)), "action": .string(step.action),
      "status": observation["status"] ?? .null, "feedback": observation["feedback"] ?? .null,
      "reward": .number(step.reward), "score": .number(step.score),
      "started_at": .string(step.startedAt),
    ])
  }
}
