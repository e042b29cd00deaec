internal import DojoCore
internal import Foundation

/// Where a session's episode stands against its budget (steps, wall time since it opened,
/// sandbox CPU seconds), as Gymnasium's `terminated` / `truncated` pair says it.
struct EpisodeBudget: Sendable, Equatable {
  let limits: SessionLimits
  let state: SessionState
  /// Seconds since 1970 at which the budget is read.
  let now: Double

  /// Why a budget ran out, if one did: `max_steps`, `time_budget_s` or `cpu_budget_s`.
  var exhausted: String? {
    if let max = limits.maxSteps, state.steps >= max { return "max_steps" }
    if let left = timeLeft, left <= 0 { return "time_budget_s" }
    if let left = cpuLeft, left <= 0 { return "cpu_budget_s" }
    return nil
  }

  /// The agent ended the episode itself.
  var terminated: Bool { state.terminated ?? false }
  /// A budget ran out (and the agent had not ended the episode first).
  var truncated: Bool { !terminated && exhausted != nil }
  var over: Bool { terminated || truncated }

  var stepsLeft: Int? { limits.maxSteps.map { max(0, $0 - state.steps) } }
  var timeUsed: Double { max(0, now - (state.openedAt ?? now)) }
  var timeLeft: Double? { limits.timeBudgetS.map { max(0, $0 - timeUsed) } }
  var cpuUsed: Double { state.cpuUsedS ?? 0 }
  var cpuLeft: Double? { limits.cpuBudgetS.map { max(0, $0 - cpuUsed) } }

  /// The budget as observations carry it; a budget the session has not got is null.
  var json: JSONValue {
    .object([
      "max_steps": .number(limits.maxSteps.map(Double.init)),
      "steps_used": .number(Double(state.steps)),
      "steps_left": .number(stepsLeft.map(Double.init)),
      "time_budget_s": .number(limits.timeBudgetS),
      "time_used_s": .number(Self.rounded(timeUsed)),
      "time_left_s": .number(timeLeft.map(Self.rounded)),
      "cpu_budget_s": .number(limits.cpuBudgetS),
      "cpu_used_s": .number(Self.rounded(cpuUsed)),
      "cpu_left_s": .number(cpuLeft.map(Self.rounded)),
    ])
  }

  /// The refusal of a step once the episode is over, saying why and what to do.
  func refusal(session id: String) -> DojoError {
    let reason: String
    if terminated {
      reason = "the agent ended it (submit, or execute_code with final)"
    } else if exhausted == "max_steps" {
      reason = "it took all \(limits.maxSteps ?? 0) steps of its max_steps budget"
    } else if exhausted == "time_budget_s" {
      reason = "its time_budget_s of \(limits.timeBudgetS ?? 0) s of wall time ran out"
    } else {
      reason = "its cpu_budget_s of \(limits.cpuBudgetS ?? 0) sandbox CPU seconds ran out"
    }
    return DojoError(
      .conflict,
      "session \(id)'s episode is over: \(reason); its history stays readable (GET /v1/sessions/\(id)/history); open a new session to go on"
    )
  }

  /// Wall seconds a run may take: the session's per-run limit, cut to the time left.
  func runWallSeconds(_ perRun: Double) -> Double {
    guard let left = timeLeft else { return perRun }
    return max(0.1, min(perRun, left))
  }

  /// CPU seconds per process a run may use: the per-run limit, cut to the CPU time left.
  func runCPUSeconds(_ perRun: Int?) -> Int? {
    guard let left = cpuLeft else { return perRun }
    let cap = max(1, Int(left.rounded(.up)))
    return perRun.map { min($0, cap) } ?? cap
  }

  private static func rounded(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }

  /// The opening time of a session stored before `opened_at` existed: its creation stamp.
  static func openedAt(_ state: SessionState, createdAt: String) -> Double {
    if let opened = state.openedAt { return opened }
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return f.date(from: createdAt)?.timeIntervalSince1970 ?? Date().timeIntervalSince1970
  }
}
