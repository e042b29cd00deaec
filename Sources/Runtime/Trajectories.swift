internal import DojoCore
public import Foundation
public import Registry

/// Sessions as training data: one record per step (task, version, agent, session, step,
/// action with its code, observation, reward, score, timestamps), for SFT or RL pipelines.
public enum Trajectories {
  /// The records of one session's steps, in order.
  public static func records(of session: SessionRecord, in registry: Registry) throws -> [JSONValue]
  {
    try registry.steps(session: session.id).map { step in
      let observation = (try? JSONValue.parse(step.observationJSON)) ?? .null
      return .object([
        "task": .string(session.task), "version": .string(session.version),
        "agent": .string(session.agent), "session": .string(session.id),
        "step": .number(Double(step.step)),
        "action": .object([
          "type": .string(step.action), "code": .string(step.code),
          // request_info's argument, kept in its observation.
          "info_type": step.action == StepAction.requestInfo.rawValue
            ? (observation["info_type"] ?? .null) : .null,
        ]),
        "observation": observation,
        "reward": .number(step.reward), "score": .number(step.score),
        "started_at": .string(step.startedAt), "finished_at": .string(step.finishedAt),
      ])
    }
  }

  /// Writes every step of every matching session as JSON lines to `url` (atomically).
  ///
  /// - Returns: how many sessions and steps were written.
  @discardableResult
  public static func export(
    registry: Registry, task: String? = nil, agent: String? = nil, to url: URL
  ) throws -> (sessions: Int, steps: Int) {
    var text = ""
    var steps = 0
    let sessions = try registry.sessions(task: task, agent: agent)
    for session in sessions {
      for record in try records(of: session, in: registry) {
        text += record.jsonText() + "\n"
        steps += 1
      }
    }
    try AtomicFiles.write(Data(text.utf8), to: url)
    return (sessions.count, steps)
  }
}
