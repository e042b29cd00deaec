public import Foundation

/// A runtime session as the registry keeps it, so a restarted server carries on with it.
public struct SessionRecord: Sendable, Equatable {
  public var id: String
  public var task: String
  public var version: String
  public var agent: String?
  /// The options the session was opened with (limits, score mode), as JSON.
  public var optionsJSON: String
  /// The session's running state (best scores, workspace generation), as JSON.
  public var stateJSON: String
  public var createdAt: String
  public var updatedAt: String
  /// When the session was closed (DELETE), if it was.
  public var closedAt: String?

  public init(
    id: String, task: String, version: String, agent: String?, optionsJSON: String,
    stateJSON: String, createdAt: String, updatedAt: String, closedAt: String? = nil
  ) {
    self.id = id
    self.task = task
    self.version = version
    self.agent = agent
    self.optionsJSON = optionsJSON
    self.stateJSON = stateJSON
    self.createdAt = createdAt
    self.updatedAt = updatedAt
    self.closedAt = closedAt
  }
}

/// One step of a session: the action, the code it ran, what came back.
public struct StepRecord: Sendable, Equatable {
  public var session: String
  /// 1-based, in the order the steps were taken.
  public var step: Int
  public var action: String
  public var code: String?
  /// The observation returned, as JSON.
  public var observationJSON: String
  public var reward: Double
  /// The raw score of a graded submission, if any.
  public var score: Double?
  public var startedAt: String
  public var finishedAt: String

  public init(
    session: String, step: Int, action: String, code: String?, observationJSON: String,
    reward: Double, score: Double?, startedAt: String, finishedAt: String
  ) {
    self.session = session
    self.step = step
    self.action = action
    self.code = code
    self.observationJSON = observationJSON
    self.reward = reward
    self.score = score
    self.startedAt = startedAt
    self.finishedAt = finishedAt
  }
}

extension Registry {
  /// Stores a new session.
  public func insertSession(_ session: SessionRecord) throws {
    try db.query(
      """
      INSERT INTO sessions (id, competition_id, version, agent, options_json, state_json,
        created_at, updated_at, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
      """,
      [
        .text(session.id), .text(session.task), .text(session.version),
        session.agent.map(SQLValue.text) ?? .null, .text(session.optionsJSON),
        .text(session.stateJSON), .text(session.createdAt), .text(session.updatedAt),
        session.closedAt.map(SQLValue.text) ?? .null,
      ])
  }

  /// Appends a step and stores the session's new state in one transaction, so the state
  /// never runs ahead of (or behind) the history.
  public func appendStep(_ step: StepRecord, sessionState: String) throws {
    try db.transaction {
      try db.query(
        """
        INSERT INTO session_steps (session_id, step, action, code, observation_json, reward,
          score, started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
          .text(step.session), .integer(Int64(step.step)), .text(step.action),
          step.code.map(SQLValue.text) ?? .null, .text(step.observationJSON),
          .real(step.reward), step.score.map(SQLValue.real) ?? .null, .text(step.startedAt),
          .text(step.finishedAt),
        ])
      try db.query(
        "UPDATE sessions SET state_json = ?, updated_at = ? WHERE id = ?",
        [.text(sessionState), .text(step.finishedAt), .text(step.session)])
    }
  }

  /// Records a step as started before it runs (its `finished_at` empty), so a server that
  /// dies mid-step leaves a trace of it and its number is never handed out again.
  ///
  /// Not flushed on SQLite (``RegistryConnection/begin(durable:)``): a server that dies
  /// leaves the row, and only a power loss, which ends every replica of a SQLite registry
  /// mid-step too, can take it back. ``finishStep(_:sessionState:)`` is durable and
  /// flushes it.
  public func beginStep(_ step: StepRecord) throws {
    try db.transaction(durable: false) {
      try db.query(
        """
        INSERT INTO session_steps (session_id, step, action, code, observation_json, reward,
          score, started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '')
        """,
        [
          .text(step.session), .integer(Int64(step.step)), .text(step.action),
          step.code.map(SQLValue.text) ?? .null, .text(step.observationJSON),
          .real(step.reward), step.score.map(SQLValue.real) ?? .null, .text(step.startedAt),
        ])
    }
  }

  /// Completes a step recorded by ``beginStep(_:)`` and stores the session's new state in one
  /// transaction.
  public func finishStep(_ step: StepRecord, sessionState: String) throws {
    try db.transaction {
      try db.query(
        """
        UPDATE session_steps SET observation_json = ?, reward = ?, score = ?, finished_at = ?
          WHERE session_id = ? AND step = ?
        """,
        [
          .text(step.observationJSON), .real(step.reward),
          step.score.map(SQLValue.real) ?? .null, .text(step.finishedAt),
          .text(step.session), .integer(Int64(step.step)),
        ])
      try db.query(
        "UPDATE sessions SET state_json = ?, updated_at = ? WHERE id = ?",
        [.text(sessionState), .text(step.finishedAt), .text(step.session)])
    }
  }

  /// The highest step number a session has used, finished or not (0 for none).
  public func lastStepNumber(session id: String) throws -> Int {
    let row = try db.query(
      "SELECT MAX(step) AS last FROM session_steps WHERE session_id = ?", [.text(id)]
    ).first
    return Int(row?["last"].integer ?? 0)
  }

  /// Marks every step that was started but never finished (the server running it died) as
  /// interrupted, with `observationJSON` as its observation: of one session, or of every
  /// session no replica holds a live lease on (another replica's running step is not dead).
  ///
  /// - Returns: the steps marked, as (session, step).
  @discardableResult
  public func interruptUnfinishedSteps(
    observationJSON: String, at stamp: String, session: String? = nil, now: Date = Date()
  ) throws -> [(session: String, step: Int)] {
    var filter = "finished_at = ''"
    var arguments: [SQLValue] = []
    if let session {
      filter += " AND session_id = ?"
      arguments.append(.text(session))
    } else {
      filter +=
        " AND session_id NOT IN (SELECT session_id FROM session_leases WHERE expires_at > ?)"
      arguments.append(.real(now.timeIntervalSince1970))
    }
    return try db.transaction {
      let open = try db.query(
        "SELECT session_id, step FROM session_steps WHERE \(filter) ORDER BY session_id, step",
        arguments
      ).map { (session: $0["session_id"].text ?? "", step: Int($0["step"].integer ?? 0)) }
      try db.query(
        "UPDATE session_steps SET observation_json = ?, finished_at = ? WHERE \(filter)",
        [.text(observationJSON), .text(stamp)] + arguments)
      return open
    }
  }

  /// Marks a session closed; its history stays for trajectories.
  public func closeSession(_ id: String, at stamp: String) throws {
    try db.query(
      "UPDATE sessions SET closed_at = ?, updated_at = ? WHERE id = ? AND closed_at IS NULL",
      [.text(stamp), .text(stamp), .text(id)])
  }

  /// Deletes a session and every step it took, in one transaction.
  ///
  /// - Returns: whether there was such a session.
  @discardableResult
  public func deleteSession(_ id: String) throws -> Bool {
    try db.transaction {
      let found = try session(id) != nil
      try db.query("DELETE FROM session_steps WHERE session_id = ?", [.text(id)])
      try db.query("DELETE FROM sessions WHERE id = ?", [.text(id)])
      return found
    }
  }

  /// One session, or nil.
  public func session(_ id: String) throws -> SessionRecord? {
    try db.query(Self.selectSession + " WHERE id = ?", [.text(id)]).first.map(Self.sessionRecord)
  }

  /// Sessions, oldest first, optionally only those of one task and/or agent.
  public func sessions(task: String? = nil, agent: String? = nil) throws -> [SessionRecord] {
    var clauses: [String] = []
    var arguments: [SQLValue] = []
    if let task {
      clauses.append("competition_id = ?")
      arguments.append(.text(task))
    }
    if let agent {
      clauses.append("agent = ?")
      arguments.append(.text(agent))
    }
    let filter = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
    return try db.query(Self.selectSession + filter + " ORDER BY created_at, id", arguments)
      .map(Self.sessionRecord)
  }

  /// A session's steps, in order.
  public func steps(session id: String) throws -> [StepRecord] {
    try db.query(
      """
      SELECT session_id, step, action, code, observation_json, reward, score, started_at,
        finished_at FROM session_steps WHERE session_id = ? ORDER BY step
      """, [.text(id)]
    ).map {
      StepRecord(
        session: $0["session_id"].text ?? "", step: Int($0["step"].integer ?? 0),
        action: $0["action"].text ?? "", code: $0["code"].text,
        observationJSON: $0["observation_json"].text ?? "{}", reward: $0["reward"].real ?? 0,
        score: $0["score"].real, startedAt: $0["started_at"].text ?? "",
        finishedAt: $0["finished_at"].text ?? "")
    }
  }

  static let selectSession = """
    SELECT id, competition_id, version, agent, options_json, state_json, created_at,
      updated_at, closed_at FROM sessions
    """

  static func sessionRecord(_ row: SQLRow) -> SessionRecord {
    SessionRecord(
      id: row["id"].text ?? "", task: row["competition_id"].text ?? "",
      version: row["version"].text ?? "", agent: row["agent"].text,
      optionsJSON: row["options_json"].text ?? "{}", stateJSON: row["state_json"].text ?? "{}",
      createdAt: row["created_at"].text ?? "", updatedAt: row["updated_at"].text ?? "",
      closedAt: row["closed_at"].text)
  }
}
