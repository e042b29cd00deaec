internal import Foundation
internal import Registry

/// A step's observation in the shape MLE-Dojo's `KaggleEnvironment.step` returns, for
/// sessions opened with `"observation_format": "mle_dojo"`: agents written against MLE-Dojo
/// read `action_status`, `feedback` (by feedback mode, `base` here), the current and best
/// scores and `history_summary` at the top level. Dojo's own observation stays whole under
/// `raw_result`, and the episode's `terminated`, `truncated` and `budget` are kept beside.
enum MLEDojoObservation {
  /// Statuses of Dojo's observations that are a success of the action.
  private static let succeeded: Set<String> = ["success", "reset", "submitted"]

  static func make(
    _ observation: [String: JSONValue], action: StepAction, state: SessionState,
    history: [StepRecord]
  ) -> JSONValue {
    let status = observation["status"]?.string ?? ""
    let actionStatus = succeeded.contains(status) ? "SUCCESS" : "FAILED"
    var executionStatus: JSONValue = .null
    if action == .executeCode || action == .validateCode {
      let run = observation["run"]
      let ran = run?["exit_code"]?.number == 0 && run?["timed_out"]?.bool != true
      executionStatus = .string(ran ? "SUCCESS" : "FAILED")
    }
    let text = feedbackText(observation, action: action)
    return .object([
      "action_status": .string(actionStatus),
      "execution_status": executionStatus,
      "feedback": .object([
        "base": .object([
          "feedback_status": .string(actionStatus), "feedback": .string(text),
        ])
      ]),
      "raw_result": .object(observation),
      "current_raw_score": .number(state.currentRawScore),
      "current_position_score": .number(state.currentPositionScore),
      "best_raw_score": .number(state.bestRawScore),
      "best_position_score": .number(state.bestPositionScore),
      "history_summary": .string(summary(history)),
      "terminated": observation["terminated"] ?? .bool(false),
      "truncated": observation["truncated"] ?? .bool(false),
      "budget": observation["budget"] ?? .null,
      "step": observation["step"] ?? .null,
    ])
  }

  /// The feedback an LLM reads: Dojo's one-line feedback, then what it needs to act on (the
  /// information asked for, the run's output tails).
  static func feedbackText(_ observation: [String: JSONValue], action: StepAction) -> String {
    var parts: [String] = []
    if let line = observation["feedback"]?.string, !line.isEmpty { parts.append(line) }
    switch action {
    case .requestInfo:
      if let info = observation["info"] {
        parts.append(info.string ?? info.jsonText())
      }
    case .executeCode, .validateCode:
      if let out = observation["stdout"]?.string, !out.isEmpty {
        parts.append("stdout:\n" + String(out.suffix(4000)))
      }
      if let err = observation["stderr"]?.string, !err.isEmpty {
        parts.append("stderr:\n" + String(err.suffix(4000)))
      }
      if let raw = observation["current_raw_score"]?.number {
        parts.append("score: \(raw)")
      }
    case .getHistory:
      if let history = observation["history"] { parts.append(history.jsonText()) }
    case .reset, .submit:
      break
    }
    return parts.joined(separator: "\n\n")
  }

  /// One line per finished step (the last 50): its number, action, status and score.
  static func summary(_ history: [StepRecord]) -> String {
    history.filter { !$0.finishedAt.isEmpty }.suffix(50).map { step in
      let observation = (try? JSONValue.parse(step.observationJSON)) ?? .null
      let status = observation["status"]?.string ?? "unknown"
      let score = step.score.map { ", score \($0)" } ?? ""
      return "step \(step.step): \(step.action) -> \(status)\(score), reward \(step.reward)"
    }.joined(separator: "\n")
  }
}
