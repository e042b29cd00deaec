public import DojoCore
internal import Foundation
public import Hummingbird
internal import OpenAPIRuntime

/// The one place where failures become HTTP responses: `{"error": {"kind", "message"}}`
/// with a status code that fits the ``DojoError`` code.
public enum APIError {
  /// The HTTP status for a DojoError code.
  public static func status(for code: DojoError.Code) -> HTTPResponse.Status {
    switch code {
    case .invalidArgument, .invalidManifest, .invalidData, .unsupported, .unsafeArchive,
      .damagedArchive:
      return .badRequest
    case .invalidSubmission: return .unprocessableContent
    case .notFound: return .notFound
    case .conflict: return .conflict
    case .authentication: return .unauthorized
    case .forbidden: return .forbidden
    case .timeout: return .gatewayTimeout
    case .network: return .badGateway
    case .sandbox: return .serviceUnavailable
    case .diskFull: return .init(code: 507, reasonPhrase: "Insufficient Storage")
    default: return .internalServerError
    }
  }

  /// The error kind and status for any error a handler threw.
  static func classify(_ error: any Error) -> (
    status: HTTPResponse.Status, kind: String, message: String
  ) {
    if let wrapped = error as? ServerError {
      // The generated server wraps what a handler, a middleware or its decoder threw.
      return classify(wrapped.underlyingError)
    }
    if let decoding = error as? DecodingError {
      // The generated decoder refused a body the runtime's own checks let through (a whole
      // number with a fraction, say): the client's fault, named by member.
      return (
        .badRequest, DojoError.Code.invalidArgument.name,
        "the request body is not valid: \(JSONResponse.describe(decoding))"
      )
    }
    if let refusal = error as? HTTPRefusal {
      return (refusal.status, refusal.kind, refusal.message)
    }
    if let runtime = error as? any HTTPResponseConvertible, runtime.httpStatus.code < 500 {
      // The generated server's own refusals (a body or header it cannot read).
      return (
        runtime.httpStatus, DojoError.Code.invalidArgument.name,
        "the request is not valid: \(error)"
      )
    }
    if let dojo = error as? DojoError {
      return (status(for: dojo.code), dojo.code.name, dojo.message)
    }
    if let http = error as? any HTTPResponseError {
      // Hummingbird's own errors: an unknown route, a wrong method, a body too large.
      let kind: String
      switch http.status {
      case .notFound: kind = DojoError.Code.notFound.name
      case .methodNotAllowed: kind = "method_not_allowed"
      case .contentTooLarge: kind = "too_large"
      default:
        kind = http.status.code < 500 ? DojoError.Code.invalidArgument.name : "internal_error"
      }
      let message =
        (http as? HTTPError)?.body
        ?? (http.status == .notFound
          ? "no such route; GET /openapi.json lists the API's routes" : http.status.reasonPhrase)
      return (http.status, kind, message)
    }
    return (.internalServerError, DojoError.Code.internalError.name, "\(error)")
  }

  /// The JSON error response for `error`.
  static func response(for error: any Error) -> Response {
    let (status, kind, message) = classify(error)
    let body: JSONValue = .object([
      "error": .object(["kind": .string(kind), "message": .string(message)])
    ])
    var response = JSONResponse.make(body, status: status)
    if let refusal = ((error as? ServerError)?.underlyingError ?? error) as? HTTPRefusal {
      for field in refusal.headers { response.headers.append(field) }
    }
    return response
  }
}

/// Turns every error thrown below it into the JSON error shape.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
  func handle(
    _ request: Request, context: Context, next: (Request, Context) async throws -> Response
  ) async throws -> Response {
    do {
      return try await next(request, context)
    } catch {
      return APIError.response(for: error)
    }
  }
}

/// JSON bodies in and out.
enum JSONResponse {
  static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let data = (try? encoder.encode(value)) ?? Data("null".utf8)
    var buffer = ByteBuffer()
    buffer.writeBytes(data)
    return Response(
      status: status, headers: [.contentType: "application/json"],
      body: ResponseBody(byteBuffer: buffer))
  }

  static func describe(_ error: DecodingError) -> String {
    func path(_ keys: [any CodingKey]) -> String {
      keys.isEmpty ? "the body" : "field \"" + keys.map(\.stringValue).joined(separator: ".") + "\""
    }
    switch error {
    case .keyNotFound(let key, let context):
      return "\(path(context.codingPath + [key])) is missing"
    case .typeMismatch(let type, let context):
      return "\(path(context.codingPath)) must be \(type)"
    case .valueNotFound(let type, let context):
      return "\(path(context.codingPath)) must be \(type), not null"
    case .dataCorrupted(let context):
      return context.codingPath.isEmpty
        ? "it is not JSON" : "\(path(context.codingPath)): \(context.debugDescription)"
    @unknown default:
      return "\(error)"
    }
  }
}
