import DojoCore
import Foundation
import Runtime
import Testing

/// `openapi.yaml` is the API's contract: the server is generated from it, serves it, and its
/// enums are the runtime's own.
@Suite("API document") struct APIDocumentTests {
  let sourceFile = repositoryRoot.appendingPathComponent("Sources/Runtime/openapi.yaml")

  @Test func theShippedDocumentIsTheSourceFileAsJSON() throws {
    let source = try RuntimeAPI.document(yaml: String(contentsOf: sourceFile, encoding: .utf8))
    #expect(try RuntimeAPI.document() == source)
    #expect(source["openapi"]?.string == "3.1.0")
    #expect(source["info"]?["version"]?.string == "1")
    // Error answers are YAML aliases in the file and whole objects in the JSON.
    let refused = source["paths"]?["/v1/sessions"]?["post"]?["responses"]?["400"]
    #expect(refused?["content"]?["application/json"]?["schema"]?["$ref"]?.string != nil)
    // Timestamps in examples stay strings.
    #expect(
      source["paths"]?["/v1/tasks/{id}"]?["get"]?["responses"]?["200"]?["content"]?[
        "application/json"]?["example"]?["published_at"]?.string == "2026-11-30T09:00:00.000Z")
  }

  @Test func requestEnumsAreTheRuntimesOwn() throws {
    let schemas = try #require(try RuntimeAPI.document()["components"]?["schemas"])
    func values(_ schema: String, _ member: String) -> [String] {
      schemas[schema]?["properties"]?[member]?["enum"]?.array?.compactMap(\.string) ?? []
    }
    #expect(values("StepRequest", "action") == StepAction.allCases.map(\.rawValue))
    #expect(values("StepRequest", "info_type") == InfoType.allCases.map(\.rawValue))
    #expect(values("CreateSessionRequest", "score_mode") == ScoreMode.allCases.map(\.rawValue))
    #expect(
      values("CreateSessionRequest", "observation_format")
        == ObservationFormat.allCases.map(\.rawValue))
    // Request bodies are closed: an unknown member is refused, as the server does.
    for name in ["CreateSessionRequest", "SessionLimitsRequest", "StepRequest"] {
      #expect(schemas[name]?["additionalProperties"] == .bool(false), "\(name)")
    }
  }

  @Test func yamlThatJSONCannotCarryIsRefused() throws {
    #expect(throws: DojoError.self) { try RuntimeAPI.document(yaml: "a: !!binary aGVsbG8=\n") }
    #expect(throws: DojoError.self) { try RuntimeAPI.document(yaml: "a: [\n") }
    #expect(
      try RuntimeAPI.document(yaml: "a: &x {b: 1}\nc: *x\nd: null\n")
        == .object(["a": .object(["b": .number(1)]), "c": .object(["b": .number(1)]), "d": .null]))
  }
}
