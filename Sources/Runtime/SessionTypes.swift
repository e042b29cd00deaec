internal import DojoCore
internal import Foundation

/// Limits of the code runs of one session, as `POST /v1/sessions` takes them.
public struct SessionLimits: Codable, Sendable, Equatable {
  /// Wall-clock seconds per run; the whole process tree is killed when it passes.
  public var executionTimeoutS: Double
  /// Memory of the whole sandbox in MiB.
  public var memoryMB: Int?
  /// CPU seconds per process.
  public var cpuS: Int?
  /// GPUs passed through.
  public var gpus: Int
  /// The episode's budget: most steps a session may take (none: unbounded).
  public var maxSteps: Int?
  /// Wall seconds from the session's opening after which it takes no more steps.
  public var timeBudgetS: Double?
  /// Sandbox CPU seconds, summed over every run of the session, after which it takes no more
  /// steps.
  public var cpuBudgetS: Double?

  public init(
    executionTimeoutS: Double = 600, memoryMB: Int? = 4096, cpuS: Int? = nil, gpus: Int = 0,
    maxSteps: Int? = nil, timeBudgetS: Double? = nil, cpuBudgetS: Double? = nil
  ) {
    self.executionTimeoutS = executionTimeoutS
    self.memoryMB = memoryMB
    self.cpuS = cpuS
    self.gpus = gpus
    self.maxSteps = maxSteps
    self.timeBudgetS = timeBudgetS
    self.cpuBudgetS = cpuBudgetS
  }

  enum CodingKeys: String, CodingKey {
    case executionTimeoutS = "execution_timeout_s"
    case memoryMB = "memory_mb"
    case cpuS = "cpu_s"
    case gpus
    case maxSteps = "max_steps"
    case timeBudgetS = "time_budget_s"
    case cpuBudgetS = "cpu_budget_s"
  }
}

/// How observations are shaped for a session.
public enum ObservationFormat: String, Codable, Sendable, CaseIterable {
  /// Dojo's own: the action's fields at the top level (`status`, `feedback`, `stdout`, ...).
  case dojo
  /// MLE-Dojo's `KaggleEnvironment` shape: `action_status`, `feedback` by mode, the scores,
  /// `history_summary`, and Dojo's own observation under `raw_result`.
  case mleDojo = "mle_dojo"
}

/// What the reward of a graded submission is.
public enum ScoreMode: String, Codable, Sendable, CaseIterable {
  /// HumanRank: the share of the human leaderboard the submission beats (0...1).
  case position
  /// The metric's raw score.
  case raw

  /// A value that is not a mode is refused with the modes that are.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    let text = try container.decode(String.self)
    guard let mode = ScoreMode(rawValue: text) else {
      throw DecodingError.dataCorruptedError(
        in: container,
        debugDescription:
          "\"\(text)\" is not a score mode; use one of \(Self.allCases.map(\.rawValue).joined(separator: ", "))"
      )
    }
    self = mode
  }
}

/// The options a session was opened with.
struct SessionOptions: Codable, Sendable, Equatable {
  var limits: SessionLimits
  var scoreMode: ScoreMode
  /// Absent in sessions stored before formats existed: Dojo's own.
  var observationFormat: ObservationFormat?

  enum CodingKeys: String, CodingKey {
    case limits
    case scoreMode = "score_mode"
    case observationFormat = "observation_format"
  }
}

/// A session's running state, stored with every step.
struct SessionState: Codable, Sendable, Equatable {
  var steps = 0
  /// How many times the workspace was reset.
  var generation = 0
  var currentRawScore: Double?
  var currentPositionScore: Double?
  var bestRawScore: Double?
  var bestPositionScore: Double?
  /// When the session opened (seconds since 1970): the time budget counts from here.
  var openedAt: Double?
  /// Sandbox CPU seconds used by every run so far.
  var cpuUsedS: Double?
  /// Set once the agent ended the episode itself (`submit`, or `execute_code` with `final`).
  var terminated: Bool?

  enum CodingKeys: String, CodingKey {
    case steps, generation, terminated
    case currentRawScore = "current_raw_score"
    case currentPositionScore = "current_position_score"
    case bestRawScore = "best_raw_score"
    case bestPositionScore = "best_position_score"
    case openedAt = "opened_at"
    case cpuUsedS = "cpu_used_s"
  }
}

/// `POST /v1/sessions`.
struct CreateSessionRequest: Decodable, Sendable {
  /// Every limit is optional; missing ones take the server's. Numbers are kept as the client
  /// sent them (doubles) and range-checked by ``LimitCeilings`` before any arithmetic.
  struct Limits: Decodable, Sendable {
    var executionTimeoutS: Double?
    var memoryMB: Double?
    var cpuS: Double?
    var gpus: Double?
    var maxSteps: Double?
    var timeBudgetS: Double?
    var cpuBudgetS: Double?
    enum CodingKeys: String, CodingKey, CaseIterable {
      case executionTimeoutS = "execution_timeout_s"
      case memoryMB = "memory_mb"
      case cpuS = "cpu_s"
      case gpus
      case maxSteps = "max_steps"
      case timeBudgetS = "time_budget_s"
      case cpuBudgetS = "cpu_budget_s"
    }

    init(from decoder: any Decoder) throws {
      try StrictKeys.check(decoder, CodingKeys.self, in: "limits")
      let c = try decoder.container(keyedBy: CodingKeys.self)
      executionTimeoutS = try c.decodeIfPresent(Double.self, forKey: .executionTimeoutS)
      memoryMB = try c.decodeIfPresent(Double.self, forKey: .memoryMB)
      cpuS = try c.decodeIfPresent(Double.self, forKey: .cpuS)
      gpus = try c.decodeIfPresent(Double.self, forKey: .gpus)
      maxSteps = try c.decodeIfPresent(Double.self, forKey: .maxSteps)
      timeBudgetS = try c.decodeIfPresent(Double.self, forKey: .timeBudgetS)
      cpuBudgetS = try c.decodeIfPresent(Double.self, forKey: .cpuBudgetS)
    }
  }
  var task: String
  var version: String?
  var agent: String?
  var limits: Limits?
  var scoreMode: ScoreMode?
  var observationFormat: ObservationFormat?

  enum CodingKeys: String, CodingKey, CaseIterable {
    case task, version, agent, limits
    case scoreMode = "score_mode"
    case observationFormat = "observation_format"
  }

  init(from decoder: any Decoder) throws {
    try StrictKeys.check(decoder, CodingKeys.self, in: "the body")
    let c = try decoder.container(keyedBy: CodingKeys.self)
    task = try c.decode(String.self, forKey: .task)
    version = try c.decodeIfPresent(String.self, forKey: .version)
    agent = try c.decodeIfPresent(String.self, forKey: .agent)
    limits = try c.decodeIfPresent(Limits.self, forKey: .limits)
    scoreMode = try c.decodeIfPresent(ScoreMode.self, forKey: .scoreMode)
    observationFormat = try c.decodeIfPresent(
      ObservationFormat.self, forKey: .observationFormat)
  }
}

/// `POST /v1/sessions/{SID}/step`.
public struct StepRequest: Decodable, Sendable {
  public var action: String
  public var code: String?
  public var infoType: String?
  /// `execute_code` only: this run's submission is the agent's final one; the episode ends.
  public var final: Bool?

  public init(action: String, code: String? = nil, infoType: String? = nil, final: Bool? = nil) {
    self.action = action
    self.code = code
    self.infoType = infoType
    self.final = final
  }

  enum CodingKeys: String, CodingKey, CaseIterable {
    case action, code, final
    case infoType = "info_type"
  }

  public init(from decoder: any Decoder) throws {
    try StrictKeys.check(decoder, CodingKeys.self, in: "a step")
    let c = try decoder.container(keyedBy: CodingKeys.self)
    action = try c.decode(String.self, forKey: .action)
    code = try c.decodeIfPresent(String.self, forKey: .code)
    infoType = try c.decodeIfPresent(String.self, forKey: .infoType)
    final = try c.decodeIfPresent(Bool.self, forKey: .final)
  }
}

/// Refuses members a request type does not know: a misspelt limit or step argument would
/// otherwise be silently ignored and the client would believe it took effect.
enum StrictKeys {
  private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  static func check<K: CodingKey & CaseIterable>(
    _ decoder: any Decoder, _ known: K.Type, in place: String
  ) throws {
    // Not an object: the typed decode that follows reports the mismatch.
    guard let container = try? decoder.container(keyedBy: AnyKey.self) else { return }
    let names = Set(K.allCases.map(\.stringValue))
    let unknown = container.allKeys.map(\.stringValue).filter { !names.contains($0) }.sorted()
    guard unknown.isEmpty else {
      throw DojoError(
        .invalidArgument,
        "unknown \(unknown.count == 1 ? "name" : "names") in \(place): "
          + unknown.map { "\"\(ClientText.clip($0))\"" }.joined(separator: ", ")
          + "; use only " + names.sorted().joined(separator: ", "))
    }
  }
}

/// Client strings quoted back in error messages are cut short, so an error never echoes
/// megabytes.
enum ClientText {
  static func clip(_ text: String, to length: Int = 80) -> String {
    text.count <= length ? text : String(text.prefix(length)) + "…"
  }
}

/// What a step returns: `{"observation", "reward", "terminated", "truncated", "done"}`.
public struct StepResult: Sendable, Encodable {
  public var observation: JSONValue
  public var reward: Double
  /// The agent ended the episode (`submit`, or a final `execute_code`).
  public var terminated: Bool
  /// A budget of the episode ran out (steps, wall time or CPU time).
  public var truncated: Bool
  /// Either: no further step will be taken (Gym's old single flag).
  public var done: Bool { terminated || truncated }

  enum CodingKeys: String, CodingKey {
    case observation, reward, terminated, truncated, done
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(observation, forKey: .observation)
    try c.encode(reward, forKey: .reward)
    try c.encode(terminated, forKey: .terminated)
    try c.encode(truncated, forKey: .truncated)
    try c.encode(done, forKey: .done)
  }
}

/// The actions a step may take, as MLE-Dojo names them.
public enum StepAction: String, CaseIterable, Sendable {
  case requestInfo = "request_info"
  case validateCode = "validate_code"
  case executeCode = "execute_code"
  case getHistory = "get_history"
  case reset
  /// Ends the episode: the best submission so far is the agent's final one.
  case submit
}

/// What `request_info` can ask for.
public enum InfoType: String, CaseIterable, Sendable {
  case overview
  case sampleSubmission = "sample_submission"
  case dataStructure = "data_structure"
  case dataPath = "data_path"
  case outputPath = "output_path"
  case name
  case metadata
  /// The packages, CPU, memory and GPUs agent code runs with.
  case environment
  case all
}

/// Timestamps as stored and exported: ISO 8601 UTC with milliseconds.
enum Clock {
  static func stamp(_ date: Date = Date()) -> String {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return f.string(from: date)
  }
}
