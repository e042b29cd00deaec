internal import Foundation

/// The schemas of the runtime's answers, as `components.schemas` of the OpenAPI document,
/// and which one each route answers with. Answers are open objects (no
/// `additionalProperties: false`): a server may add members, a client never relies on their
/// absence; every member listed is there with the type given.
enum OpenAPISchemas {
  /// The component a route's success answer follows, if it is JSON.
  static func success(_ route: APIRoute) -> String? {
    switch (route.method, route.path) {
    case ("GET", "/v1/health"): return "Health"
    case ("GET", "/v1/tasks"): return "TaskList"
    case ("GET", "/v1/tasks/{id}"): return "Task"
    case ("POST", "/v1/sessions"): return "SessionOpened"
    case ("POST", "/v1/sessions/{sid}/step"): return "StepResult"
    case ("GET", "/v1/sessions/{sid}/history"): return "History"
    case ("POST", "/v1/sessions/{sid}/close"): return "Closed"
    case ("DELETE", "/v1/sessions/{sid}"): return "Deleted"
    default: return nil
    }
  }

  static func ref(_ name: String) -> JSONValue {
    .object(["$ref": .string("#/components/schemas/" + name)])
  }

  private static func t(_ name: String) -> JSONValue { .object(["type": .string(name)]) }
  private static func nullable(_ name: String) -> JSONValue {
    .object(["type": .array([.string(name), .string("null")])])
  }
  private static func array(_ items: JSONValue) -> JSONValue {
    .object(["type": .string("array"), "items": items])
  }
  private static func object(_ properties: [String: JSONValue], required: [String]) -> JSONValue {
    .object([
      "type": .string("object"), "properties": .object(properties),
      "required": .array(required.sorted().map(JSONValue.string)),
    ])
  }

  static let taskSummary: [String: JSONValue] = [
    "id": t("string"), "version": t("string"), "title": t("string"), "metric": t("string"),
    "lower_is_better": t("boolean"),
  ]

  static let budget = object(
    [
      "max_steps": nullable("integer"), "steps_used": t("integer"),
      "steps_left": nullable("integer"), "time_budget_s": nullable("number"),
      "time_used_s": t("number"), "time_left_s": nullable("number"),
      "cpu_budget_s": nullable("number"), "cpu_used_s": t("number"),
      "cpu_left_s": nullable("number"),
    ],
    required: [
      "max_steps", "steps_used", "steps_left", "time_budget_s", "time_used_s", "time_left_s",
      "cpu_budget_s", "cpu_used_s", "cpu_left_s",
    ])

  static let limits = object(
    [
      "execution_timeout_s": t("number"), "memory_mb": t("integer"), "cpu_s": t("integer"),
      "gpus": t("integer"), "max_steps": t("integer"), "time_budget_s": t("number"),
      "cpu_budget_s": t("number"),
    ], required: ["execution_timeout_s", "gpus"])

  /// Dojo's own step observation: what every action's carries; the rest is the action's.
  static let observation = object(
    [
      "status": t("string"), "action": t("string"), "step": t("integer"),
      "feedback": t("string"), "terminated": t("boolean"), "truncated": t("boolean"),
      "truncated_by": nullable("string"), "budget": ref("Budget"),
      "stdout": t("string"), "stderr": t("string"), "info_type": t("string"),
      "current_raw_score": nullable("number"), "current_position_score": nullable("number"),
      "best_raw_score": nullable("number"), "best_position_score": nullable("number"),
      "run": object(
        [
          "exit_code": nullable("integer"), "signal": nullable("integer"),
          "timed_out": t("boolean"), "out_of_memory": t("boolean"),
          "cpu_limit_exceeded": t("boolean"), "seconds": t("number"),
          "cpu_seconds": t("number"), "summary": t("string"),
        ], required: ["exit_code", "timed_out", "seconds", "summary"]),
    ], required: ["status", "action", "step", "terminated", "truncated", "budget"])

  /// The observation of a session opened with `"observation_format": "mle_dojo"`.
  static let mleDojoObservation = object(
    [
      "action_status": .object([
        "type": .string("string"), "enum": .array([.string("SUCCESS"), .string("FAILED")]),
      ]),
      "execution_status": .object([
        "enum": .array([.string("SUCCESS"), .string("FAILED"), .null])
      ]),
      "feedback": object(
        [
          "base": object(
            ["feedback_status": t("string"), "feedback": t("string")],
            required: ["feedback_status", "feedback"])
        ], required: ["base"]),
      "raw_result": ref("Observation"),
      "current_raw_score": nullable("number"), "current_position_score": nullable("number"),
      "best_raw_score": nullable("number"), "best_position_score": nullable("number"),
      "history_summary": t("string"), "terminated": t("boolean"), "truncated": t("boolean"),
      "budget": ref("Budget"), "step": t("integer"),
    ],
    required: [
      "action_status", "execution_status", "feedback", "raw_result", "current_raw_score",
      "current_position_score", "best_raw_score", "best_position_score", "history_summary",
      "terminated", "truncated", "budget",
    ])

  static var components: [String: JSONValue] {
    [
      // registry: where it is, never with a password; replica: which server answered.
      "Health": object(
        [
          "status": t("string"), "sandbox": t("string"), "time": t("string"),
          "registry": t("string"),
          "replica": object(
            ["host": t("string"), "pid": t("integer")], required: ["host", "pid"]),
        ],
        required: ["status", "sandbox", "time", "registry", "replica"]),
      "TaskSummary": object(taskSummary, required: Array(taskSummary.keys)),
      "TaskList": object(["tasks": array(ref("TaskSummary"))], required: ["tasks"]),
      "Task": object(
        taskSummary.merging(
          [
            "versions": array(t("string")), "train_rows": t("integer"),
            "test_rows": t("integer"), "published_at": t("string"), "id_column": t("string"),
            "targets": array(t("string")), "submission_columns": array(t("string")),
            "leaderboard_size": t("integer"),
          ]) { a, _ in a },
        required: Array(taskSummary.keys) + [
          "versions", "train_rows", "test_rows", "id_column", "targets", "submission_columns",
          "leaderboard_size",
        ]),
      "Budget": budget,
      "Limits": limits,
      "SessionOpened": object(
        [
          "session": t("string"),
          "observation": object(
            [
              "session": t("string"), "task": t("string"), "version": t("string"),
              "title": t("string"), "metric": t("string"), "lower_is_better": t("boolean"),
              "data_path": t("string"), "output_path": t("string"),
              "actions": array(t("string")), "info_types": array(t("string")),
              "limits": ref("Limits"), "score_mode": t("string"),
              "observation_format": t("string"), "budget": ref("Budget"),
              "terminated": t("boolean"), "truncated": t("boolean"), "feedback": t("string"),
            ],
            required: [
              "session", "task", "version", "data_path", "output_path", "actions", "limits",
              "budget", "terminated", "truncated",
            ]),
        ], required: ["session", "observation"]),
      "Observation": observation,
      "MLEDojoObservation": mleDojoObservation,
      "StepResult": object(
        [
          "observation": .object([
            "oneOf": .array([ref("Observation"), ref("MLEDojoObservation")])
          ]),
          "reward": t("number"), "terminated": t("boolean"), "truncated": t("boolean"),
          "done": t("boolean"),
        ], required: ["observation", "reward", "terminated", "truncated", "done"]),
      "History": object(
        [
          "session": t("string"), "task": t("string"), "version": t("string"),
          "agent": nullable("string"), "created_at": t("string"),
          "closed_at": nullable("string"), "options": t("object"), "state": t("object"),
          "steps": array(
            object(
              [
                "step": t("integer"), "action": t("string"), "code": nullable("string"),
                "observation": t("object"), "reward": t("number"), "score": nullable("number"),
                "started_at": t("string"), "finished_at": t("string"),
              ],
              required: [
                "step", "action", "code", "observation", "reward", "score", "started_at",
                "finished_at",
              ])),
        ],
        required: [
          "session", "task", "version", "agent", "created_at", "closed_at", "options", "state",
          "steps",
        ]),
      "Closed": object(
        [
          "session": t("string"), "closed": t("boolean"), "steps": t("integer"),
          "already_closed": t("boolean"),
        ], required: ["session", "closed", "steps", "already_closed"]),
      "Deleted": object(
        ["session": t("string"), "deleted": t("boolean")], required: ["session", "deleted"]),
    ]
  }
}
