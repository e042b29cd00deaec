internal import DojoCore
internal import Foundation
internal import HTTPTypes
internal import NIOCore
internal import OpenAPIRuntime
internal import Registry
internal import Sandbox

/// The server's operations, as the interface generated from `openapi.yaml` declares them
/// (`APIProtocol`): each turns its typed input into a ``SessionManager`` call and the
/// manager's answer into the document's typed output. Refusals are thrown, and
/// ``ErrorMiddleware`` answers them as the document's `Error`.
struct RuntimeAPIHandlers: APIProtocol {
  let manager: SessionManager
  let slots: StepSlots
  /// `openapi.yaml` as JSON, read once at start.
  let document: JSONValue

  func health(_ input: Operations.Health.Input) async throws -> Operations.Health.Output {
    // No actor hop and no database: this answers while every session is busy.
    .ok(
      .init(
        body: .json(
          .init(
            status: .ok, sandbox: manager.limitEnforcement.rawValue, time: Clock.stamp(),
            // Which registry and which replica answered, for several replicas behind one name.
            registry: manager.registryDescription,
            replica: .init(host: manager.replica.host, pid: Int(manager.replica.pid))))))
  }

  func listTasks(_ input: Operations.ListTasks.Input) async throws -> Operations.ListTasks.Output {
    .ok(
      .init(body: .json(try Contract.typed(.object(["tasks": .array(try await manager.tasks())])))))
  }

  func getTask(_ input: Operations.GetTask.Input) async throws -> Operations.GetTask.Output {
    .ok(
      .init(
        body: .json(
          try Contract.typed(try await manager.task(input.path.id, version: input.query.version)))))
  }

  func openSession(_ input: Operations.OpenSession.Input) async throws
    -> Operations.OpenSession.Output
  {
    guard case .json(let body) = input.body else { throw Contract.unexpectedBody }
    let (id, observation) = try await manager.createSession(
      try CreateSessionRequest(body), caller: try RequestCaller.require())
    return .created(.init(body: .json(.init(session: id, observation: observation))))
  }

  func step(_ input: Operations.Step.Input) async throws -> Operations.Step.Output {
    let caller = try RequestCaller.require()
    guard case .json(let body) = input.body else { throw Contract.unexpectedBody }
    let request = StepRequest(
      action: body.action.rawValue, code: body.code, infoType: body.infoType?.rawValue,
      final: body.final)
    let id = input.path.sid
    // Streamed only when asked for by name with a quality above 0: not by */*, nor by no
    // Accept header at all, which the generated input turns into every declared type.
    if RequestCaller.sentAccept
      && input.headers.accept.contains(where: {
        $0.contentType == .textEventStream && $0.quality.doubleValue > 0
      })
    {
      let events = try await streamedStep(id, request, caller: caller)
      return .ok(.init(headers: .init(cacheControl: "no-store"), body: .textEventStream(events)))
    }
    let result = try await slots.run(caller) {
      try await manager.step(id, request, caller: caller)
    }
    return .ok(
      .init(
        body: .json(
          .init(
            observation: result.observation, reward: result.reward,
            terminated: result.terminated, truncated: result.truncated, done: result.done))))
  }

  /// A step answered as server-sent events: its output as the run writes it, then the
  /// observation. What would refuse the step (an unknown or ended session, bad arguments,
  /// the token's step cap) is refused first, as a plain JSON error with its status.
  private func streamedStep(_ id: String, _ request: StepRequest, caller: Caller) async throws
    -> HTTPBody
  {
    try await manager.checkStep(id, request, caller: caller)
    try slots.take(caller)
    let (events, sink) = AsyncStream<HTTPBody.ByteChunk>.makeStream()
    let output = OutputEvents()
    let manager = manager
    let slots = slots
    let send: @Sendable (ByteBuffer) -> Void = { sink.yield(ArraySlice($0.readableBytesView)) }
    // The step runs to its end and is recorded even if the client goes away mid-stream.
    Task {
      defer { slots.release(caller) }
      do {
        let result = try await manager.step(id, request, caller: caller) { fd, bytes in
          if let event = output.event(fd, bytes) { send(event) }
        }
        for event in output.flush() { send(event) }
        send(ServerSentEvents.event("observation", try JSONValue.encoding(result)))
      } catch {
        for event in output.flush() { send(event) }
        let (_, kind, message) = APIError.classify(error)
        send(
          ServerSentEvents.event(
            "error",
            .object(["error": .object(["kind": .string(kind), "message": .string(message)])])))
      }
      sink.finish()
    }
    return HTTPBody(events, length: .unknown, iterationBehavior: .single)
  }

  func history(_ input: Operations.History.Input) async throws -> Operations.History.Output {
    .ok(
      .init(
        body: .json(try await manager.history(input.path.sid, caller: try RequestCaller.require()))
      ))
  }

  func closeSession(_ input: Operations.CloseSession.Input) async throws
    -> Operations.CloseSession.Output
  {
    .ok(
      .init(
        body: .json(
          try Contract.typed(
            try await manager.close(input.path.sid, caller: try RequestCaller.require())))))
  }

  func deleteSession(_ input: Operations.DeleteSession.Input) async throws
    -> Operations.DeleteSession.Output
  {
    .ok(
      .init(
        body: .json(
          try Contract.typed(
            try await manager.remove(input.path.sid, caller: try RequestCaller.require())))))
  }

  func trajectory(_ input: Operations.Trajectory.Input) async throws
    -> Operations.Trajectory.Output
  {
    let records = try await manager.trajectory(input.path.sid, caller: try RequestCaller.require())
    let text = records.map { $0.jsonText() + "\n" }.joined()
    return .ok(.init(body: .applicationXNdjson(HTTPBody(text))))
  }

  func metrics(_ input: Operations.Metrics.Input) async throws -> Operations.Metrics.Output {
    .ok(.init(body: .plainText(HTTPBody(manager.metrics.text()))))
  }

  func openAPIDocument(_ input: Operations.OpenAPIDocument.Input) async throws
    -> Operations.OpenAPIDocument.Output
  {
    .ok(.init(body: .json(document)))
  }
}

/// The caller the access checks accepted, for the operation handlers (the generated interface
/// hands them the typed input only, not Hummingbird's request context).
enum RequestCaller {
  @TaskLocal static var current: Caller?
  /// Whether the request had an Accept header (the generated input cannot tell).
  @TaskLocal static var sentAccept = false

  static func require() throws -> Caller {
    guard let current else { throw HTTPRefusal.unauthenticated() }
    return current
  }
}

/// Between the manager's JSON answers and the document's generated types.
enum Contract {
  /// The manager's answer as the document's type: a member missing or of another type is
  /// the server breaking its own contract (a 500 naming the member), never sent as is.
  static func typed<T: Decodable>(_ value: JSONValue) throws -> T {
    do {
      return try JSONDecoder().decode(T.self, from: JSONEncoder().encode(value))
    } catch let error as DecodingError {
      throw DojoError(
        .internalError,
        "the server's answer does not follow its own API document (\(T.self)): \(JSONResponse.describe(error))"
      )
    }
  }

  /// A body of a media type the document does not declare (the generated decoder refuses
  /// those before a handler runs, so this is a bug).
  static let unexpectedBody = DojoError(.internalError, "a request body of an undeclared type")
}

extension CreateSessionRequest {
  /// The document's typed body as the manager's request.
  init(_ body: Components.Schemas.CreateSessionRequest) throws {
    task = body.task
    version = body.version
    agent = body.agent
    limits = body.limits.map(Limits.init)
    scoreMode = try body.scoreMode.map { try Contract.same(ScoreMode.self, $0) }
    observationFormat = try body.observationFormat.map {
      try Contract.same(ObservationFormat.self, $0)
    }
  }
}

extension CreateSessionRequest.Limits {
  init(_ limits: Components.Schemas.SessionLimitsRequest) {
    executionTimeoutS = limits.executionTimeoutS
    memoryMB = limits.memoryMb.map(Double.init)
    cpuS = limits.cpuS.map(Double.init)
    gpus = limits.gpus.map(Double.init)
    maxSteps = limits.maxSteps.map(Double.init)
    timeBudgetS = limits.timeBudgetS
    cpuBudgetS = limits.cpuBudgetS
  }
}

extension Contract {
  /// The runtime's enum case that a generated enum's case names (the two are pinned equal by
  /// `APIDocumentTests`).
  static func same<T: RawRepresentable<String>>(
    _ type: T.Type, _ generated: some RawRepresentable<String>
  ) throws -> T {
    guard let value = T(rawValue: generated.rawValue) else {
      throw DojoError(
        .internalError, "\"\(generated.rawValue)\" is in the API document but not in \(T.self)")
    }
    return value
  }
}

/// Checks a request body before the generated decoder reads it, with the runtime's own
/// decoders (``RequestBodies``, which the fuzzer drives too): they name every unknown member
/// and list the known ones, say which values an enum takes, and hold limits to the server's
/// ceilings, where the generated decoder would only report the first failure in its own
/// words. The body is read here once, up to the server's largest.
struct RequestBodyCheck: ServerMiddleware {
  let maxBodyBytes: Int
  let ceilings: SessionLimits

  func intercept(
    _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata,
    operationID: String,
    next:
      @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (
        HTTPResponse, HTTPBody?
      )
  ) async throws -> (HTTPResponse, HTTPBody?) {
    let check: (Data) throws -> Void
    switch operationID {
    case "openSession":
      check = { _ = try RequestBodies.sessionLimits(body: $0, ceilings: ceilings) }
    case "step":
      check = { _ = try RequestBodies.stepAction(body: $0) }
    default:
      return try await next(request, body, metadata)
    }
    let data: Data
    do {
      data = try await Data(collecting: body ?? HTTPBody(), upTo: maxBodyBytes)
    } catch {
      throw DojoError(
        .invalidArgument, "the request body is larger than \(maxBodyBytes) bytes; send less")
    }
    try check(data)
    // An empty body is `{}`, as the runtime's decoders read it.
    return try await next(request, HTTPBody(data.isEmpty ? Data("{}".utf8) : data), metadata)
  }
}
