internal import Foundation

/// One operation of the API, as `openapi.yaml` declares it.
public struct APIRoute: Sendable, Equatable {
  /// Upper-case HTTP method.
  public var method: String
  /// The path with `{name}` parameters.
  public var path: String
  public var operationID: String
  /// The status of a successful answer.
  public var success: Int
}

/// The runtime's API as its contract, `openapi.yaml`, declares it (the server is generated
/// from that file; see ``APIDocument``).
public enum RuntimeAPI {
  /// The document, as `GET /openapi.json` serves it.
  public static func document() throws -> JSONValue { try APIDocument.load() }

  /// A YAML document as JSON, converted as the served one is.
  public static func document(yaml text: String) throws -> JSONValue {
    try APIDocument.json(fromYAML: text, source: "the document")
  }

  /// Every operation of the document, sorted by path and method.
  public static func routes() throws -> [APIRoute] {
    guard case .object(let paths)? = try document()["paths"] else { return [] }
    var routes: [APIRoute] = []
    for (path, item) in paths {
      guard case .object(let operations) = item else { continue }
      for (method, operation) in operations {
        guard case .object(let responses)? = operation["responses"] else { continue }
        let success = responses.keys.compactMap(Int.init).filter { (200..<300).contains($0) }
        routes.append(
          APIRoute(
            method: method.uppercased(), path: path,
            operationID: operation["operationId"]?.string ?? "", success: success.min() ?? 200))
      }
    }
    return routes.sorted { ($0.path, $0.method) < ($1.path, $1.method) }
  }
}
