internal import DojoCore
public import Foundation
internal import Grading
internal import Logging
public import Registry
public import Sandbox

/// How the runtime is set up: where the registry and sessions live, how code runs.
public struct RuntimeConfiguration: Sendable {
  /// The registry (published tasks; sessions and their steps are stored there too): a
  /// SQLite file URL, or a `postgres://` URL that several replicas share.
  public var registry: URL
  /// Where each session keeps its workspace and every code file and submission.
  public var sessionsDirectory: URL
  /// How the sandbox is made (bubblewrap, the Python environment, cgroups).
  public var sandbox: SandboxConfiguration
  /// How long a step's lease on its session lasts unless renewed (it is renewed every third
  /// of it while the step runs): how soon another replica may carry on a session whose
  /// replica died mid-step.
  public var leaseSeconds: Double = 30
  /// Limits of sessions that give none.
  public var defaultLimits: SessionLimits
  /// Most processes and threads alive at once in a run (the cgroup's `pids.max`).
  public var maxProcesses: Int
  /// Largest file a run may write, in MiB.
  public var fileSizeMB: Int
  /// How much of stdout and stderr an observation keeps (the tail).
  public var outputTailBytes: Int
  /// How many sessions keep a sandbox started ahead of their next step (``WarmSandboxes``):
  /// about 20 ms off every step and some 15 MB of memory each while it waits; 0 starts
  /// every run cold.
  public var warmSandboxes: Int = 8

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
///
/// Replicas (several servers on one PostgreSQL registry and one sessions folder) serve any
/// session: a step holds a lease on its session in the registry, so no two replicas run
/// steps of one session at once, and a replica that died mid-step lets go when its lease
/// expires. Registry calls block, so they run on the registry's own thread
/// (``Registry/perform(_:)``), never on the actor's cooperative-pool thread.
public actor SessionManager {
  public nonisolated let configuration: RuntimeConfiguration
  /// What `GET /metrics` serves.
  public nonisolated let metrics: RuntimeMetrics
  /// One structured line per step and per session opened, closed or deleted.
  nonisolated let logger = Logger(label: "dojo.runtime")
  let registry: Registry
  /// This process, as step leases and `/v1/health` name it.
  public nonisolated let replica = ReplicaIdentity.current
  let sandbox: Sandbox
  /// Sandboxes started for sessions' next steps.
  let warm: WarmSandboxes
  private var busy: Set<String> = []
  private var graders: [String: Grader] = [:]
  /// The agent Python's packages and the machine, read once (see ``AgentEnvironment``).
  private var environmentCache: AgentEnvironment?

  /// Opens the registry (applying migrations) and resolves the sandbox.
  ///
  /// - Throws: ``DojoError`` when the registry cannot be opened or the sandbox cannot be made.
  public init(configuration: RuntimeConfiguration) throws {
    self.configuration = configuration
    registry = try Registry(at: configuration.registry)
    sandbox = try Sandbox(configuration.sandbox)
    warm = WarmSandboxes(sandbox: sandbox, capacity: configuration.warmSandboxes)
    try AtomicFiles.createDirectory(configuration.sessionsDirectory)
    // Workspaces hold agents' code and submissions: no other local user may enter the
    // sessions folder; only the sandbox's own user may pass through it (root:dojo-sandbox
    // 0710), to the workspace each run hands it.
    try sandbox.prepareWorkspaceRoot(configuration.sessionsDirectory)
    // Steps begun by a server that died under them never finished: say so, once. A step
    // another replica is running now (its lease is live) is left alone.
    try registry.releaseLeasesOfGoneReplicas()
    try registry.interruptUnfinishedSteps(
      observationJSON: Self.interruptedObservation.jsonText(), at: Clock.stamp())
    metrics = RuntimeMetrics(openSessions: try registry.sessions().count { $0.closedAt == nil })
  }

  /// What a step that a dead server left unfinished shows.
  static let interruptedObservation: JSONValue = .object([
    "status": .string("interrupted"),
    "feedback": .string(
      "The server stopped while this step ran; it did not finish and its number is not reused. Its workspace changes may be partial."
    ),
  ])

  /// The registry as `/v1/health` shows it (never a password).
  public nonisolated var registryDescription: String { registry.location.description }

  /// Runs registry work on the registry's own thread: its calls block, and an actor must
  /// not hold a thread of the cooperative pool while they do.
  private func db<T: Sendable>(_ body: @escaping @Sendable (Registry) throws -> T) async throws
    -> T
  {
    try await registry.perform(body)
  }

  /// Which mechanism holds memory and processes in this server's runs.
  public nonisolated var limitEnforcement: LimitEnforcement { sandbox.limitEnforcement }

  /// The interpreter agent code runs with (resolved past shims).
  public nonisolated var pythonExecutable: String { sandbox.python.executable }

  // MARK: - Tasks

  /// The newest version of every published task.
  public func tasks() async throws -> [JSONValue] {
    try await db { try $0.latest() }.map(Self.summary)
  }

  /// One task with its versions and submission format (never its host path).
  public func task(_ id: String, version: String? = nil) async throws -> JSONValue {
    let (task, spec, versions, board) = try await db { registry in
      let task = try registry.task(id, version: version)
      return (
        task, try registry.spec(task.id, version: task.version), try registry.versions(of: id),
        try registry.leaderboard(task.id, version: task.version)
      )
    }
    guard case .object(var body) = Self.summary(task) else { return .null }
    body["versions"] = .array(versions.map { .string($0.version) })
    body["train_rows"] = .number(Double(task.trainRows))
    body["test_rows"] = .number(Double(task.testRows))
    body["published_at"] = .string(task.publishedAt)
    body["id_column"] = .string(spec.idColumn)
    body["targets"] = .array(spec.targets.map(JSONValue.string))
    body["submission_columns"] = .array(spec.submissionColumns.map(JSONValue.string))
    // The private board when the task has one (what placements use), else the public one.
    let privateSize = board.filter { $0.board == "private" }.count
    body["leaderboard_size"] = .number(
      Double(privateSize > 0 ? privateSize : board.filter { $0.board == "public" }.count))
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
  ///
  /// An agent's token opens sessions of that agent only; the limits asked for are held to
  /// the server's (see ``LimitCeilings``).
  func createSession(_ request: CreateSessionRequest, caller: Caller = .admin) async throws -> (
    id: String, observation: JSONValue
  ) {
    let task = try await db { try $0.task(request.task, version: request.version) }
    let limits = try LimitCeilings.resolve(request.limits, ceilings: configuration.defaultLimits)
    var agent = request.agent
    if case .agent(let name) = caller {
      if let asked = agent, asked != name {
        throw DojoError(
          .forbidden,
          "this token acts for agent \"\(ClientText.clip(name))\" and cannot open sessions for \"\(ClientText.clip(asked))\"; leave agent out or use that agent's token"
        )
      }
      agent = name
    }
    if let agent, agent.isEmpty || agent.count > 200 {
      throw DojoError(.invalidArgument, "agent must be a name of 1 to 200 characters")
    }
    let options = SessionOptions(
      limits: limits, scoreMode: request.scoreMode ?? .position,
      observationFormat: request.observationFormat ?? .dojo)
    var state = SessionState()
    state.openedAt = Self.now()
    let id = UUID().uuidString.lowercased()
    try AtomicFiles.createDirectory(workspace(id))
    try AtomicFiles.createDirectory(workspace(id).appendingPathComponent("output"))
    let now = Clock.stamp()
    let record = SessionRecord(
      id: id, task: task.id, version: task.version, agent: agent,
      optionsJSON: try JSONValue.encoding(options).jsonText(),
      stateJSON: try JSONValue.encoding(state).jsonText(), createdAt: now, updatedAt: now)
    try await db { try $0.insertSession(record) }
    metrics.sessionOpened()
    logger.info(
      "session opened",
      metadata: [
        "session": .string(id), "task": .string(task.id), "version": .string(task.version),
        "agent": .string(agent ?? "-"),
      ])
    let observation: JSONValue = .object([
      "session": .string(id), "task": .string(task.id), "version": .string(task.version),
      "title": .string(task.title), "metric": .string(task.metric),
      "lower_is_better": .bool(task.lowerIsBetter), "data_path": .string(Self.dataPath),
      "output_path": .string(Self.outputPath),
      "actions": .array(StepAction.allCases.map { .string($0.rawValue) }),
      "info_types": .array(InfoType.allCases.map { .string($0.rawValue) }),
      "limits": try JSONValue.encoding(limits), "score_mode": .string(options.scoreMode.rawValue),
      "observation_format": .string(options.observationFormat?.rawValue),
      "budget": EpisodeBudget(limits: limits, state: state, now: Self.now()).json,
      "terminated": .bool(false), "truncated": .bool(false),
      "limits_enforced_by": .string(sandbox.limitEnforcement.rawValue),
      "feedback": .string(
        "Session open. Data is read-only at \(Self.dataPath); write submission.csv to \(Self.outputPath)."
      ),
    ])
    return (id, observation)
  }

  /// Carries out one step of a session and records it: as started before it runs (so a
  /// server that dies under it leaves it `interrupted`, its number never reused), then with
  /// its observation once it finished (or failed). A session whose episode is over (the agent
  /// ended it, or a budget ran out) takes no more steps.
  ///
  /// - Parameter output: given the run's stdout and stderr as they come (streaming).
  public func step(
    _ id: String, _ request: StepRequest, caller: Caller = .admin,
    output: (@Sendable (Int32, ArraySlice<UInt8>) -> Void)? = nil
  ) async throws -> StepResult {
    _ = try await prepareStep(id, request, caller: caller)
    guard busy.insert(id).inserted else {
      throw DojoError(.conflict, "session \(id) is still running a step; wait for its answer")
    }
    defer { busy.remove(id) }
    // The lease keeps every other replica sharing the registry from stepping this session
    // until this step is done (or this process died and the lease expired).
    try await takeLease(id)
    let heartbeat = renewingLease(id)
    do {
      let result = try await leasedStep(id, request, caller: caller, output: output)
      heartbeat.cancel()
      try? await db { [replica] in try $0.releaseLease(session: id, holder: replica) }
      return result
    } catch {
      heartbeat.cancel()
      try? await db { [replica] in try $0.releaseLease(session: id, holder: replica) }
      throw error
    }
  }

  /// Takes `id`'s step lease for this replica, or refuses with where the session is busy.
  /// Steps a dead replica left unfinished are marked interrupted once the lease is ours.
  private func takeLease(_ id: String) async throws {
    let seconds = configuration.leaseSeconds
    let observation = Self.interruptedObservation.jsonText()
    let held = try await db { [replica] registry -> SessionLease? in
      if let other = try registry.acquireLease(session: id, holder: replica, seconds: seconds) {
        return other
      }
      try registry.interruptUnfinishedSteps(
        observationJSON: observation, at: Clock.stamp(), session: id)
      return nil
    }
    if let held { throw Self.busyElsewhere(id, held) }
  }

  /// The refusal of a step while another replica runs one of the same session.
  static func busyElsewhere(_ id: String, _ lease: SessionLease) -> DojoError {
    DojoError(
      .conflict,
      "session \(id) is busy: replica \(lease.holder.shown) is running a step of it (its lease runs to \(ISO8601DateFormatter().string(from: lease.expiresAt))); wait for that step's answer, then step again"
    )
  }

  /// Another replica's live lease on `id`, if any.
  private func leaseElsewhere(_ id: String) async throws -> SessionLease? {
    let lease = try await db { try $0.lease(session: id) }
    guard let lease, lease.expiresAt > Date(), lease.holder.token != replica.token,
      !lease.holder.isGone
    else { return nil }
    return lease
  }

  /// Renews `id`'s lease every third of its length until cancelled.
  private func renewingLease(_ id: String) -> Task<Void, Never> {
    let seconds = configuration.leaseSeconds
    let registry = registry
    let replica = replica
    return Task {
      while !Task.isCancelled {
        try? await Task.sleep(for: .seconds(seconds / 3))
        if Task.isCancelled { return }
        _ = try? await registry.perform {
          try $0.renewLease(session: id, holder: replica, seconds: seconds)
        }
      }
    }
  }

  /// A step under the session's lease: the session's state is read from the registry again
  /// now (another replica may have stepped it last), then the step is carried out and
  /// recorded.
  private func leasedStep(
    _ id: String, _ request: StepRequest, caller: Caller, output: OutputSink?
  ) async throws -> StepResult {
    let (record, action, options, prepared) = try await prepareStep(id, request, caller: caller)
    var state = prepared
    let (task, last) = try await db { registry in
      (
        try registry.task(record.task, version: record.version),
        try registry.lastStepNumber(session: id)
      )
    }
    // The highest number ever used, finished or not: an interrupted step keeps its own.
    let number = max(state.steps, last) + 1
    let code = action == .validateCode || action == .executeCode ? request.code : nil
    let started = Clock.stamp()
    let clock = ContinuousClock.now
    let budget = EpisodeBudget(limits: options.limits, state: state, now: Self.now())
    let begun = StepRecord(
      session: id, step: number, action: action.rawValue, code: code,
      observationJSON: JSONValue.object(["status": .string("running")]).jsonText(), reward: 0,
      score: nil, startedAt: started, finishedAt: "")
    try await db { try $0.beginStep(begun) }
    state.steps = number

    var outcome: (observation: [String: JSONValue], reward: Double, score: Double?)
    do {
      outcome = try await perform(
        action, request, session: id, number: number, task: task, options: options,
        budget: budget, output: output, state: &state)
    } catch {
      // Recorded as failed with the error the client gets, then thrown on to it.
      let (_, kind, message) = APIError.classify(error)
      let failed: JSONValue = .object([
        "status": .string("failed"), "error": .string(kind), "feedback": .string(message),
        "action": .string(action.rawValue), "step": .number(Double(number)),
      ])
      let finished = StepRecord(
        session: id, step: number, action: action.rawValue, code: code,
        observationJSON: failed.jsonText(), reward: 0, score: nil, startedAt: started,
        finishedAt: Clock.stamp())
      let stateJSON = try JSONValue.encoding(state).jsonText()
      try? await db { try $0.finishStep(finished, sessionState: stateJSON) }
      let seconds = Self.seconds(since: clock)
      metrics.step(action: action.rawValue, status: "failed", seconds: seconds)
      logger.warning(
        "step failed",
        metadata: [
          "session": .string(id), "step": "\(number)", "action": .string(action.rawValue),
          "error": .string(kind), "seconds": .string(String(format: "%.3f", seconds)),
        ])
      throw error
    }
    if action == .submit || (action == .executeCode && request.final == true) {
      state.terminated = true
    }
    let after = EpisodeBudget(limits: options.limits, state: state, now: Self.now())
    outcome.observation["action"] = .string(action.rawValue)
    outcome.observation["step"] = .number(Double(number))
    outcome.observation["terminated"] = .bool(after.terminated)
    outcome.observation["truncated"] = .bool(after.truncated)
    outcome.observation["truncated_by"] = after.truncated ? .string(after.exhausted) : .null
    outcome.observation["budget"] = after.json
    let stored = JSONValue.object(outcome.observation)
    let finished = StepRecord(
      session: id, step: number, action: action.rawValue, code: code,
      observationJSON: stored.jsonText(), reward: outcome.reward,
      score: outcome.score, startedAt: started, finishedAt: Clock.stamp())
    let stateJSON = try JSONValue.encoding(state).jsonText()
    try await db { try $0.finishStep(finished, sessionState: stateJSON) }
    let seconds = Self.seconds(since: clock)
    let status = outcome.observation["status"]?.string ?? "unknown"
    metrics.step(action: action.rawValue, status: status, seconds: seconds)
    if let run = outcome.observation["run"] {
      metrics.sandboxRun(outcome: RuntimeMetrics.outcome(of: run))
    }
    logger.info(
      "step",
      metadata: [
        "session": .string(id), "agent": .string(record.agent ?? "-"), "step": "\(number)",
        "action": .string(action.rawValue), "status": .string(status),
        "reward": "\(outcome.reward)", "seconds": .string(String(format: "%.3f", seconds)),
        "terminated": "\(after.terminated)", "truncated": "\(after.truncated)",
      ])
    let shown: JSONValue
    switch options.observationFormat ?? .dojo {
    case .dojo: shown = stored
    case .mleDojo:
      let history = (try? await db { try $0.steps(session: id) }) ?? []
      shown = MLEDojoObservation.make(
        outcome.observation, action: action, state: state, history: history)
    }
    return StepResult(
      observation: shown, reward: outcome.reward, terminated: after.terminated,
      truncated: after.truncated)
  }

  /// Checks that a step may be taken now (the session is open and the caller's, the
  /// arguments fit the action, the episode is not over, no step is running), without
  /// taking it: a streamed step is refused with a plain HTTP error before its stream opens.
  func checkStep(_ id: String, _ request: StepRequest, caller: Caller) async throws {
    _ = try await prepareStep(id, request, caller: caller)
    if busy.contains(id) {
      throw DojoError(.conflict, "session \(id) is still running a step; wait for its answer")
    }
    if let lease = try await leaseElsewhere(id) { throw Self.busyElsewhere(id, lease) }
  }

  private func prepareStep(_ id: String, _ request: StepRequest, caller: Caller) async throws
    -> (SessionRecord, StepAction, SessionOptions, SessionState)
  {
    let record = try await openSession(id, caller: caller)
    let action = try Self.checkArguments(request)
    let options = try JSONDecoder().decode(SessionOptions.self, from: Data(record.optionsJSON.utf8))
    var state = try JSONDecoder().decode(SessionState.self, from: Data(record.stateJSON.utf8))
    state.openedAt = EpisodeBudget.openedAt(state, createdAt: record.createdAt)
    let budget = EpisodeBudget(limits: options.limits, state: state, now: Self.now())
    if budget.over { throw budget.refusal(session: id) }
    return (record, action, options, state)
  }

  static func now() -> Double { Date().timeIntervalSince1970 }

  static func seconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = (ContinuousClock.now - start).components
    return Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
  }

  /// The action of a step, once its arguments fit it: an argument the action does not take
  /// is refused by name rather than ignored.
  static func checkArguments(_ request: StepRequest) throws -> StepAction {
    guard let action = StepAction(rawValue: request.action) else {
      throw DojoError(
        .invalidArgument,
        "unknown action \"\(ClientText.clip(request.action))\"; use one of \(StepAction.allCases.map(\.rawValue).joined(separator: ", "))"
      )
    }
    let takesCode = action == .validateCode || action == .executeCode
    if request.code != nil, !takesCode {
      throw DojoError(
        .invalidArgument,
        "\(action.rawValue) takes no \"code\" argument; only validate_code and execute_code do")
    }
    if request.final != nil, action != .executeCode {
      throw DojoError(
        .invalidArgument,
        "\(action.rawValue) takes no \"final\" argument; only execute_code does (submit ends the episode on the best submission)"
      )
    }
    if request.infoType != nil, action != .requestInfo {
      throw DojoError(
        .invalidArgument,
        "\(action.rawValue) takes no \"info_type\" argument; only request_info does")
    }
    if takesCode, (request.code ?? "").isEmpty {
      throw DojoError(
        .invalidArgument, "\(action.rawValue) needs \"code\": the Python source to run")
    }
    if action == .requestInfo, InfoType(rawValue: request.infoType ?? "all") == nil {
      throw DojoError(
        .invalidArgument,
        "unknown info_type \"\(ClientText.clip(request.infoType ?? ""))\"; use one of \(InfoType.allCases.map(\.rawValue).joined(separator: ", "))"
      )
    }
    return action
  }

  /// Carries out an action whose arguments were checked; updates `state`.
  private func perform(
    _ action: StepAction, _ request: StepRequest, session id: String, number: Int,
    task: PublishedTask, options: SessionOptions, budget: EpisodeBudget, output: OutputSink?,
    state: inout SessionState
  ) async throws -> (observation: [String: JSONValue], reward: Double, score: Double?) {
    var reward = 0.0
    var score: Double?
    var observation: [String: JSONValue]
    switch action {
    case .requestInfo:
      let info = InfoType(rawValue: request.infoType ?? "all") ?? .all
      let spec = try await db { try $0.spec(task.id, version: task.version) }
      let details = TaskInfo(
        task: task, spec: spec, publicDirectory: publicDirectory(task), options: options,
        enforcement: sandbox.limitEnforcement,
        environment: info == .environment || info == .all
          ? try await agentEnvironment(options.limits) : .null)
      observation = [
        "info_type": .string(info.rawValue), "info": try details.info(info),
        "status": .string("success"),
      ]
    case .validateCode, .executeCode:
      let text = request.code ?? ""
      let runner = try await makeRunner(
        id: id, step: number, task: task, options: options, budget: budget)
      if action == .validateCode {
        let outcome = try await BlockingWork.run("dojo-validate-\(id.prefix(8))") {
          try runner.validate(code: text, onOutput: output)
        }
        observation = outcome.observation
        state.cpuUsedS = (state.cpuUsedS ?? 0) + outcome.cpuSeconds
      } else {
        let outcome = try await BlockingWork.run("dojo-execute-\(id.prefix(8))") {
          try runner.execute(code: text, onOutput: output)
        }
        observation = outcome.observation
        state.cpuUsedS = (state.cpuUsedS ?? 0) + outcome.cpuSeconds
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
      let steps = try await db { try $0.steps(session: id) }
      observation = [
        "status": .string("success"),
        "history": .array(steps.filter { $0.step != number }.map(Self.historyEntry)),
        "best_raw_score": .number(state.bestRawScore),
        "best_position_score": .number(state.bestPositionScore),
      ]
    case .reset:
      observation = try resetWorkspace(id, state: &state)
    case .submit:
      let best = state.bestRawScore.map { "score \($0)" } ?? "no valid submission"
      let rank = state.bestPositionScore.map { ", HumanRank \($0)" } ?? ""
      observation = [
        "status": .string("submitted"),
        "final_raw_score": .number(state.bestRawScore),
        "final_position_score": .number(state.bestPositionScore),
        "best_raw_score": .number(state.bestRawScore),
        "best_position_score": .number(state.bestPositionScore),
        "feedback": .string(
          "The episode is over: the best submission (\(best)\(rank)) is the final one."),
      ]
    }
    return (observation, reward, score)
  }

  /// Removes the session's workspace and makes a fresh one. A removal that failed (or left
  /// anything behind) is reported as an error and the generation is not advanced: the agent
  /// must never believe it starts clean when it does not.
  private func resetWorkspace(_ id: String, state: inout SessionState) throws -> [String: JSONValue]
  {
    let folder = workspace(id)
    warm.discard(workspace: folder)
    var failure: String?
    do {
      if FileManager.default.fileExists(atPath: folder.path) {
        try FileManager.default.removeItem(at: folder)
      }
    } catch {
      failure = (error as NSError).localizedDescription
    }
    if failure == nil, FileManager.default.fileExists(atPath: folder.path) {
      failure = "the folder is still there after its removal"
    }
    // Whatever is left, the agent gets a workspace with an output folder to write to.
    try AtomicFiles.createDirectory(folder.appendingPathComponent("output"))
    if let failure {
      return [
        "status": .string("error"), "generation": .number(Double(state.generation)),
        "error": .string("reset_failed"),
        "feedback": .string(
          "The workspace could not be removed (\(failure)); files of earlier steps may remain. The history and best scores are kept."
        ),
      ]
    }
    state.generation += 1
    state.currentRawScore = nil
    state.currentPositionScore = nil
    return [
      "status": .string("reset"), "generation": .number(Double(state.generation)),
      "feedback": .string(
        "The workspace is fresh (reset \(state.generation)); the history and best scores are kept."
      ),
    ]
  }

  /// A session's options, state and every step.
  public func history(_ id: String, caller: Caller = .admin) async throws -> JSONValue {
    let record = try await visibleSession(id, caller: caller)
    let steps = try await db { try $0.steps(session: id) }
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
  public func close(_ id: String, caller: Caller = .admin) async throws -> JSONValue {
    let record = try await visibleSession(id, caller: caller)
    let elsewhere = try await leaseElsewhere(id)
    if busy.contains(id) || elsewhere != nil {
      throw DojoError(.conflict, "session \(id) is running a step; close it once the step answers")
    }
    warm.discard(workspace: workspace(id))
    let steps = try await db { registry in
      try registry.closeSession(id, at: Clock.stamp())
      return try registry.steps(session: id).count
    }
    if record.closedAt == nil {
      metrics.sessionClosed()
      logger.info("session closed", metadata: ["session": .string(id)])
    }
    return .object([
      "session": .string(id), "closed": .bool(true),
      "steps": .number(Double(steps)),
      "already_closed": .bool(record.closedAt != nil),
    ])
  }

  /// Deletes a session: its record, every step, and its files (workspace, code,
  /// submissions). A stray test session stops counting in `dojo rank` and the report.
  public func remove(_ id: String, caller: Caller = .admin) async throws -> JSONValue {
    let record = try await visibleSession(id, caller: caller)
    let elsewhere = try await leaseElsewhere(id)
    if busy.contains(id) || elsewhere != nil {
      throw DojoError(.conflict, "session \(id) is running a step; delete it once the step answers")
    }
    warm.discard(workspace: workspace(id))
    let folder = configuration.sessionsDirectory
    _ = try await db { try Self.removeSession(id, registry: $0, sessionsDirectory: folder) }
    if record.closedAt == nil { metrics.sessionClosed() }
    logger.info("session deleted", metadata: ["session": .string(id)])
    return .object(["session": .string(id), "deleted": .bool(true)])
  }

  /// Deletes session `id` from `registry` and its folder under `sessionsDirectory` (the one
  /// place both the server and `dojo sessions rm` go through).
  ///
  /// - Returns: whether the registry had such a session.
  /// - Throws: ``DojoError`` `.invalidArgument` for an id that is not a session id (it names
  ///   a folder), `.io` when the folder cannot be removed.
  @discardableResult
  public static func removeSession(_ id: String, registry: Registry, sessionsDirectory: URL)
    throws -> Bool
  {
    guard !id.isEmpty, id.count <= 64,
      id.unicodeScalars.allSatisfy({ CharacterSet(charactersIn: "0123456789abcdef-").contains($0) })
    else {
      throw DojoError(
        .invalidArgument,
        "\"\(ClientText.clip(id))\" is not a session id (lower-case hex and dashes, as POST /v1/sessions gave it)"
      )
    }
    let found = try registry.deleteSession(id)
    let folder = sessionsDirectory.appendingPathComponent(id, isDirectory: true)
    if FileManager.default.fileExists(atPath: folder.path) {
      do {
        try FileManager.default.removeItem(at: folder)
      } catch {
        throw DojoError(
          .io,
          "session \(id) is gone from the registry but its folder \(folder.path) could not be removed: \(error.localizedDescription); remove it by hand"
        )
      }
    }
    return found
  }

  /// A session's steps as trajectory records, one per step.
  public func trajectory(_ id: String, caller: Caller = .admin) async throws -> [JSONValue] {
    let record = try await visibleSession(id, caller: caller)
    return try await db { try Trajectories.records(of: record, in: $0) }
  }

  // MARK: - Helpers

  static let dataPath = "/data"
  static let workspacePath = "/workspace"
  static let outputPath = "/workspace/output"

  static func unknown(_ id: String) -> DojoError {
    DojoError(.notFound, "no session \"\(ClientText.clip(id))\"; open one with POST /v1/sessions")
  }

  /// The session, if `caller` may see it. Another agent's session answers exactly as a
  /// session that does not exist (404), so a token learns nothing of others' sessions.
  private func visibleSession(_ id: String, caller: Caller) async throws -> SessionRecord {
    guard let record = try await db({ try $0.session(id) }) else { throw Self.unknown(id) }
    if case .agent(let name) = caller, record.agent != name { throw Self.unknown(id) }
    return record
  }

  private func openSession(_ id: String, caller: Caller) async throws -> SessionRecord {
    let record = try await visibleSession(id, caller: caller)
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
    TaskLayout(root: URL(fileURLWithPath: task.path)).publicDir
  }

  private func makeRunner(
    id: String, step: Int, task: PublishedTask, options: SessionOptions, budget: EpisodeBudget
  ) async throws -> StepRunner {
    let key = task.id + "@" + task.version
    let grader: Grader
    if let cached = graders[key] {
      grader = cached
    } else {
      let directory = URL(fileURLWithPath: task.path)
      grader = try await BlockingWork.run("dojo-grader") { try Grader(taskDirectory: directory) }
      graders[key] = grader
    }
    // Options stored by an older server are held to today's ceilings too.
    var limits = options.limits
    let ceilings = configuration.defaultLimits
    limits.executionTimeoutS = min(
      limits.executionTimeoutS, ceilings.executionTimeoutS, LimitCeilings.maxWallSeconds)
    if let memory = limits.memoryMB ?? ceilings.memoryMB {
      limits.memoryMB = min(
        memory, ceilings.memoryMB ?? LimitCeilings.maxMemoryMB, LimitCeilings.maxMemoryMB)
    }
    if let cpu = limits.cpuS ?? ceilings.cpuS {
      limits.cpuS = min(
        cpu, ceilings.cpuS ?? LimitCeilings.maxCPUSeconds, LimitCeilings.maxCPUSeconds)
    }
    limits.gpus = min(limits.gpus, ceilings.gpus, LimitCeilings.maxGPUs)
    // A run never outlasts the episode's time or CPU budget.
    limits.executionTimeoutS = budget.runWallSeconds(limits.executionTimeoutS)
    limits.cpuS = budget.runCPUSeconds(limits.cpuS)
    return StepRunner(
      sandbox: sandbox, warm: warm, grader: grader, publicDirectory: publicDirectory(task),
      workspace: workspace(id),
      stepDirectory: sessionDirectory(id).appendingPathComponent(
        "steps/" + String(format: "%04d", step), isDirectory: true),
      limits: SandboxLimits(
        wallSeconds: limits.executionTimeoutS, cpuSeconds: limits.cpuS, memoryMB: limits.memoryMB,
        fileSizeMB: configuration.fileSizeMB, maxProcesses: configuration.maxProcesses,
        outputTailBytes: configuration.outputTailBytes, gpus: limits.gpus))
  }

  /// What `request_info` `environment` answers: the agent Python's packages, read once per
  /// server, with the machine's CPUs, memory and GPUs and this session's share of them.
  private func agentEnvironment(_ limits: SessionLimits) async throws -> JSONValue {
    let environment: AgentEnvironment
    if let cached = environmentCache {
      environment = cached
    } else {
      let python = sandbox.python.executable
      environment = try await BlockingWork.run("dojo-environment") {
        AgentEnvironment.read(python: python)
      }
      environmentCache = environment
    }
    return environment.json(limits: limits)
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
