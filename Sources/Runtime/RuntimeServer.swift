internal import DojoCore
internal import Foundation
public import Hummingbird
internal import Sandbox

/// The HTTP/JSON server over a ``SessionManager``: the routes of ``RuntimeAPI``.
public struct RuntimeServer: Sendable {
  public let manager: SessionManager
  /// Largest request body accepted (code travels in it).
  public var maxBodyBytes = 16 << 20

  public init(manager: SessionManager) {
    self.manager = manager
  }

  /// Opens the registry and sandbox for a server.
  public init(configuration: RuntimeConfiguration) throws {
    self.init(manager: try SessionManager(configuration: configuration))
  }

  /// The router with every route of the API and the JSON error middleware.
  public func router() -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: ErrorMiddleware())
    let manager = manager
    let limit = maxBodyBytes

    router.get("/v1/health") { _, _ -> Response in
      // No actor hop and no database: this answers while every session is busy.
      JSONResponse.make(
        JSONValue.object([
          "status": .string("ok"), "sandbox": .string(manager.limitEnforcement.rawValue),
          "time": .string(Clock.stamp()),
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
    router.post("/v1/sessions") { request, _ -> Response in
      let body = try await JSONResponse.decode(
        CreateSessionRequest.self, from: request, limit: limit)
      let (id, observation) = try await manager.createSession(body)
      return JSONResponse.make(
        JSONValue.object(["session": .string(id), "observation": observation]), status: .created)
    }
    router.post("/v1/sessions/{sid}/step") { request, context -> Response in
      let id = try context.parameters.require("sid")
      let body = try await JSONResponse.decode(StepRequest.self, from: request, limit: limit)
      return JSONResponse.make(try await manager.step(id, body))
    }
    router.get("/v1/sessions/{sid}/history") { _, context -> Response in
      JSONResponse.make(try await manager.history(try context.parameters.require("sid")))
    }
    router.delete("/v1/sessions/{sid}") { _, context -> Response in
      JSONResponse.make(try await manager.close(try context.parameters.require("sid")))
    }
    router.get("/v1/sessions/{sid}/trajectory") { _, context -> Response in
      let records = try await manager.trajectory(try context.parameters.require("sid"))
      var buffer = ByteBuffer()
      for record in records { buffer.writeString(record.jsonText() + "\n") }
      return Response(
        status: .ok, headers: [.contentType: "application/x-ndjson"],
        body: ResponseBody(byteBuffer: buffer))
    }
    router.get("/openapi.json") { _, _ -> Response in
      JSONResponse.make(RuntimeAPI.openAPIDocument())
    }
    return router
  }

  /// Serves on `host:port` until the task is cancelled (or, with `handleSignals`, until
  /// SIGINT or SIGTERM). Port 0 picks a free port; `onRunning` receives the bound one.
  public func run(
    host: String, port: Int, handleSignals: Bool = false,
    onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
  ) async throws {
    let app = Application(
      router: router(),
      configuration: .init(address: .hostname(host, port: port), serverName: "dojo"),
      onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) })
    if handleSignals {
      try await app.runService()
    } else {
      try await app.run()
    }
  }
}
