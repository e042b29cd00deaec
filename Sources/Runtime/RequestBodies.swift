internal import DojoCore
package import Foundation

/// What every request body goes through before a handler sees it: strict JSON decoding (an
/// unknown member is refused by name) and the checks on its values (limits under the
/// server's ceilings, a step's arguments fitting its action). One entry per body, so the
/// fuzzer (`dojo-fuzz http`) drives the same code as the server.
package enum RequestBodies {
  /// Decodes a JSON body as `T`; an empty body is `{}`.
  ///
  /// - Throws: ``DojoError`` `.invalidArgument` naming the member that failed.
  static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
    do {
      return try JSONDecoder().decode(T.self, from: data.isEmpty ? Data("{}".utf8) : data)
    } catch let error as DecodingError {
      throw DojoError(
        .invalidArgument, "the request body is not valid: \(JSONResponse.describe(error))")
    }
  }

  /// `POST /v1/sessions`: the body's limits resolved under `ceilings`.
  package static func sessionLimits(body: Data, ceilings: SessionLimits) throws -> SessionLimits {
    let request = try decode(CreateSessionRequest.self, from: body)
    return try LimitCeilings.resolve(request.limits, ceilings: ceilings)
  }

  /// `POST /v1/sessions/{id}/step`: the action, once its arguments fit it.
  package static func stepAction(body: Data) throws -> String {
    try SessionManager.checkArguments(decode(StepRequest.self, from: body)).rawValue
  }
}
