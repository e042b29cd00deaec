internal import DojoCore
internal import Foundation
public import Hummingbird
internal import HummingbirdCore
internal import Logging
internal import NIOCore
internal import Registry
internal import Sandbox

/// The HTTP/JSON server over a ``SessionManager``: the routes of ``RuntimeAPI``, behind
/// ``AccessMiddleware`` (Host, Origin, token, content type) and ``ConnectionLimits``.
public struct RuntimeServer: Sendable {
  public let manager: SessionManager
  public let access: ServerAccess
  public var limits: ConnectionLimits
  /// Largest request body accepted (code travels in it).
  public var maxBodyBytes = 16 << 20
  private let port = BoundPort()

  public init(manager: SessionManager, access: ServerAccess, limits: ConnectionLimits = .init()) {
    self.manager = manager
    self.access = access
    self.limits = limits
  }

  /// Opens the registry and sandbox for a server.
  public init(
    configuration: RuntimeConfiguration, access: ServerAccess, limits: ConnectionLimits = .init()
  ) throws {
    self.init(
      manager: try SessionManager(configuration: configuration), access: access, limits: limits)
  }

  /// The router with every route of the API, the JSON error middleware and the access checks.
  public func router() -> Router<RuntimeRequestContext> {
    let router = Router(context: RuntimeRequestContext.self)
    router.add(middleware: RequestLog(logger: Logger(label: "dojo.http")))
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: AccessMiddleware(access: access, port: port))
    let manager = manager
    let limit = maxBodyBytes
    let slots = StepSlots(limit: limits.stepsPerToken)

    router.get("/v1/health") { _, _ -> Response in
      // No actor hop and no database: this answers while every session is busy.
      JSONResponse.make(
        JSONValue.object([
          "status": .string("ok"), "sandbox": .string(manager.limitEnforcement.rawValue),
          "time": .string(Clock.stamp()),
          // Which registry and which replica answered, for several replicas behind one name.
          "registry": .string(manager.registryDescription),
          "replica": .object([
            "host": .string(manager.replica.host), "pid": .number(Double(manager.replica.pid)),
          ]),
        ]))
    }
    router.get("/v1/tasks") { _, _ -> Response in
      JSONResponse.make(JSONValue.object(["tasks": .array(try await manager.tasks())]))
    }
    router.get("/v1/tasks/{id}") { request, context -> Response in
      let id = try context.parameters.require("id")
      return JSONResponse.make(
        try await manager.task(id, version: request.uri.queryParameters["version"].map(String.init))
      )
    }
    router.post("/v1/sessions") { request, context -> Response in
      let caller = try context.requireCaller()
      let body = try await JSONResponse.decode(
        CreateSessionRequest.self, from: request, limit: limit)
      let (id, observation) = try await manager.createSession(body, caller: caller)
      return JSONResponse.make(
        JSONValue.object(["session": .string(id), "observation": observation]), status: .created)
    }
    router.post("/v1/sessions/{sid}/step") { request, context -> Response in
      let caller = try context.requireCaller()
      let id = try context.parameters.require("sid")
      let body = try await JSONResponse.decode(StepRequest.self, from: request, limit: limit)
      if ServerSentEvents.wanted(accept: request.headers[.accept]) {
        return try await Self.streamedStep(
          id, body, caller: caller, manager: manager, slots: slots)
      }
      return try await slots.run(caller) {
        JSONResponse.make(try await manager.step(id, body, caller: caller))
      }
    }
    router.get("/v1/sessions/{sid}/history") { _, context -> Response in
      JSONResponse.make(
        try await manager.history(
          try context.parameters.require("sid"), caller: try context.requireCaller()))
    }
    router.post("/v1/sessions/{sid}/close") { _, context -> Response in
      JSONResponse.make(
        try await manager.close(
          try context.parameters.require("sid"), caller: try context.requireCaller()))
    }
    router.delete("/v1/sessions/{sid}") { _, context -> Response in
      JSONResponse.make(
        try await manager.remove(
          try context.parameters.require("sid"), caller: try context.requireCaller()))
    }
    router.get("/v1/sessions/{sid}/trajectory") { _, context -> Response in
      let records = try await manager.trajectory(
        try context.parameters.require("sid"), caller: try context.requireCaller())
      var buffer = ByteBuffer()
      for record in records { buffer.writeString(record.jsonText() + "\n") }
      return Response(
        status: .ok, headers: [.contentType: "application/x-ndjson"],
        body: ResponseBody(byteBuffer: buffer))
    }
    router.get("/metrics") { _, _ -> Response in
      Response(
        status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
        body: ResponseBody(byteBuffer: ByteBuffer(string: manager.metrics.text())))
    }
    router.get("/openapi.json") { _, _ -> Response in
      JSONResponse.make(RuntimeAPI.openAPIDocument())
    }
    return router
  }

  /// One structured log line per request: method, path, status, milliseconds, and who called.
  struct RequestLog: RouterMiddleware {
    let logger: Logger

    func handle(
      _ request: Request, context: RuntimeRequestContext,
      next: (Request, RuntimeRequestContext) async throws -> Response
    ) async throws -> Response {
      let start = ContinuousClock.now
      var status = "500"
      defer {
        let elapsed = (ContinuousClock.now - start).components
        let ms = Double(elapsed.seconds) * 1000 + Double(elapsed.attoseconds) / 1e15
        logger.info(
          "request",
          metadata: [
            "method": .string(request.method.rawValue), "path": .string(request.uri.path),
            "status": .string(status), "ms": .string(String(format: "%.1f", ms)),
          ])
      }
      let response = try await next(request, context)
      status = String(response.status.code)
      return response
    }
  }

  /// A step answered as server-sent events: its output as the run writes it, then the
  /// observation. What would refuse the step (an unknown or ended session, bad arguments,
  /// the token's step cap) is refused first, as a plain JSON error with its status.
  static func streamedStep(
    _ id: String, _ body: StepRequest, caller: Caller, manager: SessionManager, slots: StepSlots
  ) async throws -> Response {
    try await manager.checkStep(id, body, caller: caller)
    try slots.take(caller)
    let (events, sink) = AsyncStream<ByteBuffer>.makeStream()
    let output = OutputEvents()
    // The step runs to its end and is recorded even if the client goes away mid-stream.
    Task {
      defer { slots.release(caller) }
      do {
        let result = try await manager.step(id, body, caller: caller) { fd, bytes in
          if let event = output.event(fd, bytes) { sink.yield(event) }
        }
        for event in output.flush() { sink.yield(event) }
        sink.yield(ServerSentEvents.event("observation", try JSONValue.encoding(result)))
      } catch {
        for event in output.flush() { sink.yield(event) }
        let (_, kind, message) = APIError.classify(error)
        sink.yield(
          ServerSentEvents.event(
            "error",
            .object(["error": .object(["kind": .string(kind), "message": .string(message)])])))
      }
      sink.finish()
    }
    return Response(
      status: .ok,
      headers: [.contentType: ServerSentEvents.contentType, .cacheControl: "no-store"],
      body: ResponseBody { writer in
        for await event in events { try await writer.write(event) }
        try await writer.finish(nil)
      })
  }

  /// Serves on `host:port` until the task is cancelled (or, with `handleSignals`, until
  /// SIGINT or SIGTERM). Port 0 picks a free port; `onRunning` receives the bound one.
  public func run(
    host: String, port requested: Int, handleSignals: Bool = false,
    onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
  ) async throws {
    let bound = port
    let headerTimeout = limits.headerTimeout
    let idle = limits.idleTimeout.components
    let app = Application(
      router: router(),
      server: .http1(
        configuration: .init(
          additionalChannelHandlers: [RequestHeadTimeout(timeout: headerTimeout)],
          idleTimeout: .nanoseconds(idle.seconds * 1_000_000_000 + idle.attoseconds / 1_000_000_000)
        )),
      configuration: .init(
        address: .hostname(host, port: requested), serverName: "dojo",
        availableConnectionsDelegate: MaximumAvailableConnections(limits.maxConnections)),
      onServerRunning: { channel in
        let actual = channel.localAddress?.port ?? requested
        bound.set(actual)
        await onRunning(actual)
      })
    if handleSignals {
      try await app.runService()
    } else {
      try await app.run()
    }
  }
}
