internal import Foundation

/// One route of the API, as the OpenAPI document describes it.
public struct APIRoute: Sendable, Equatable {
  /// Upper-case HTTP method.
  public var method: String
  /// The path with `{name}` parameters.
  public var path: String
  public var summary: String
  /// The status of a successful answer.
  public var success: Int
}

/// The runtime's API: its routes and the OpenAPI 3.1 document served at `/openapi.json`.
public enum RuntimeAPI {
  /// Every route ``RuntimeServer/router()`` serves (the tests hold the two together).
  public static let routes: [APIRoute] = [
    .init(
      method: "GET", path: "/v1/health", summary: "Liveness; answers while code runs", success: 200),
    .init(
      method: "GET", path: "/v1/tasks", summary: "Published tasks (newest version of each)",
      success: 200),
    .init(
      method: "GET", path: "/v1/tasks/{id}", summary: "One task; ?version= picks a version",
      success: 200),
    .init(method: "POST", path: "/v1/sessions", summary: "Open a session on a task", success: 201),
    .init(
      method: "POST", path: "/v1/sessions/{sid}/step", summary: "Take one action", success: 200),
    .init(
      method: "GET", path: "/v1/sessions/{sid}/history", summary: "Every step of a session",
      success: 200),
    .init(
      method: "POST", path: "/v1/sessions/{sid}/close",
      summary: "Close a session: no more steps; its history is kept", success: 200),
    .init(
      method: "DELETE", path: "/v1/sessions/{sid}",
      summary: "Delete a session: its record, steps and files", success: 200),
    .init(
      method: "GET", path: "/v1/sessions/{sid}/trajectory",
      summary: "The session's steps as JSON lines for training", success: 200),
    .init(
      method: "GET", path: "/metrics",
      summary: "Prometheus metrics: steps, step durations, sandbox outcomes, sessions open",
      success: 200),
    .init(method: "GET", path: "/openapi.json", summary: "This document", success: 200),
  ]

  /// The OpenAPI document.
  public static func openAPIDocument() -> JSONValue {
    var paths: [String: JSONValue] = [:]
    for route in routes {
      var operation: [String: JSONValue] = [
        "summary": .string(route.summary),
        "operationId": .string(operationID(route)),
        "responses": .object([
          String(route.success): .object([
            "description": .string("success"),
            "content": .object([
              mediaType(route): .object([
                "schema": OpenAPISchemas.success(route).map(OpenAPISchemas.ref)
                  ?? .object([
                    "type": .string(mediaType(route) == "application/json" ? "object" : "string")
                  ])
              ])
            ]),
          ]),
          "default": .object([
            "description": .string("error"),
            "content": .object([
              "application/json": .object([
                "schema": .object(["$ref": .string("#/components/schemas/Error")])
              ])
            ]),
          ]),
        ]),
      ]
      for (status, description) in errorResponses(route) {
        if case .object(var responses)? = operation["responses"] {
          responses[status] = .object([
            "description": .string(description),
            "content": .object([
              "application/json": .object([
                "schema": .object(["$ref": .string("#/components/schemas/Error")])
              ])
            ]),
          ])
          operation["responses"] = .object(responses)
        }
      }
      if route.path == "/v1/health" {
        // The one route without a token: supervisors probe it.
        operation["security"] = .array([])
      }
      let parameters = route.path.split(separator: "/").filter { $0.hasPrefix("{") }.map {
        JSONValue.object([
          "name": .string(String($0.dropFirst().dropLast())), "in": .string("path"),
          "required": .bool(true), "schema": .object(["type": .string("string")]),
        ])
      }
      if !parameters.isEmpty { operation["parameters"] = .array(parameters) }
      if let schema = requestSchema(route) {
        operation["requestBody"] = .object([
          "required": .bool(true),
          "content": .object(["application/json": .object(["schema": schema])]),
        ])
      }
      var item: [String: JSONValue] = [:]
      if case .object(let existing)? = paths[route.path] { item = existing }
      item[route.method.lowercased()] = .object(operation)
      paths[route.path] = .object(item)
    }
    return .object([
      "openapi": .string("3.1.0"),
      "info": .object([
        "title": .string("Dojo runtime"), "version": .string("1"),
        "description": .string(
          "A Gym-style environment over HTTP: sessions on published tasks, code run in a sandbox, submissions graded outside it."
        ),
      ]),
      "paths": .object(paths),
      "security": .array([.object(["bearerToken": .array([])])]),
      "components": .object([
        "schemas": .object(OpenAPISchemas.components.merging(["Error": errorSchema]) { a, _ in a }),
        "securitySchemes": .object([
          "bearerToken": .object([
            "type": .string("http"), "scheme": .string("bearer"),
            "description": .string(
              "The server's token (DOJO_TOKEN, or the one `dojo serve` generated and printed at start-up) or an agent's token from `dojo serve --tokens`. An agent's token sees only that agent's sessions; others' answer 404."
            ),
          ])
        ]),
      ]),
    ])
  }

  /// The refusals a route can answer with, besides its own errors (the `default` response).
  private static func errorResponses(_ route: APIRoute) -> [(String, String)] {
    var responses = [
      (
        "403",
        "refused: the Host header is not the server's own name or loopback (DNS rebinding), the request carries a foreign Origin, or (opening a session) the token acts for another agent"
      )
    ]
    if route.path != "/v1/health" {
      responses.append(("401", "no bearer token, or not one of this server's tokens"))
    }
    if route.method == "POST" {
      responses.append(
        (
          "400",
          "the body is not valid: a field is missing, unknown, or out of range (a limit above the server's ceiling names it)"
        ))
      responses.append(("415", "the body is not sent as application/json"))
    }
    if route.path == "/v1/sessions/{sid}/step" {
      responses.append(
        (
          "429",
          "this token already has as many steps running as the server allows; see Retry-After"
        ))
    }
    return responses
  }

  /// What a route's success answer is: JSON, JSON lines (a trajectory) or Prometheus text.
  private static func mediaType(_ route: APIRoute) -> String {
    if route.path.hasSuffix("/trajectory") { return "application/x-ndjson" }
    if route.path == "/metrics" { return "text/plain" }
    return "application/json"
  }

  private static func operationID(_ route: APIRoute) -> String {
    route.method.lowercased()
      + route.path.split(separator: "/").map { part in
        let name = part.trimmingCharacters(in: CharacterSet(charactersIn: "{}."))
        return name.prefix(1).uppercased() + name.dropFirst()
      }.joined()
  }

  private static func object(
    _ properties: [String: JSONValue], required: [String] = [], closed: Bool = false
  ) -> JSONValue {
    var schema: [String: JSONValue] = [
      "type": .string("object"), "properties": .object(properties),
      "required": .array(required.map(JSONValue.string)),
    ]
    // Request bodies: an unknown member is a 400 naming it.
    if closed { schema["additionalProperties"] = .bool(false) }
    return .object(schema)
  }

  private static func type(_ name: String, _ extra: [String: JSONValue] = [:]) -> JSONValue {
    .object(extra.merging(["type": .string(name)]) { a, _ in a })
  }

  private static func requestSchema(_ route: APIRoute) -> JSONValue? {
    switch (route.method, route.path) {
    case ("POST", "/v1/sessions"):
      return object(
        [
          "task": type("string"), "version": type("string"), "agent": type("string"),
          "score_mode": type("string", ["enum": .array([.string("position"), .string("raw")])]),
          "limits": object(
            [
              "execution_timeout_s": type("number", ["exclusiveMinimum": .number(0)]),
              "memory_mb": type("integer", ["minimum": .number(32)]),
              "cpu_s": type("integer", ["minimum": .number(1)]),
              "gpus": type("integer", ["minimum": .number(0)]),
              "max_steps": type("integer", ["minimum": .number(1)]),
              "time_budget_s": type("number", ["exclusiveMinimum": .number(0)]),
              "cpu_budget_s": type("number", ["exclusiveMinimum": .number(0)]),
            ], closed: true),
          "observation_format": type(
            "string", ["enum": .array(ObservationFormat.allCases.map { .string($0.rawValue) })]),
        ], required: ["task"], closed: true)
    case ("POST", "/v1/sessions/{sid}/step"):
      return object(
        [
          "action": type(
            "string", ["enum": .array(StepAction.allCases.map { .string($0.rawValue) })]),
          "code": type("string"),
          "final": type("boolean"),
          "info_type": type(
            "string", ["enum": .array(InfoType.allCases.map { .string($0.rawValue) })]),
        ], required: ["action"], closed: true)
    default:
      return nil
    }
  }

  private static let errorSchema: JSONValue = object(
    [
      "error": object(
        ["kind": type("string"), "message": type("string")], required: ["kind", "message"])
    ],
    required: ["error"])
}
