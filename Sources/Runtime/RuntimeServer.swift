internal import DojoCore
internal import Foundation
public import Hummingbird
internal import HummingbirdCore
internal import Logging
internal import NIOCore
internal import OpenAPIHummingbird
internal import OpenAPIRuntime

/// The HTTP/JSON server over a ``SessionManager``: the operations of `openapi.yaml`, behind
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

  /// The router with every operation of the API, the JSON error middleware and the access
  /// checks. The operations are registered by the code generated from `openapi.yaml` (its
  /// `APIProtocol`, implemented by ``RuntimeAPIHandlers``), so the served document and the
  /// routes are one.
  ///
  /// - Throws: ``DojoError`` when the API document is missing beside the executable.
  public func router() throws -> Router<RuntimeRequestContext> {
    let router = Router(context: RuntimeRequestContext.self)
    router.add(middleware: RequestLog(logger: Logger(label: "dojo.http")))
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: AccessMiddleware(access: access, port: port))
    router.add(middleware: CallerScope())
    let handlers = RuntimeAPIHandlers(
      manager: manager, slots: StepSlots(limit: limits.stepsPerToken),
      document: try APIDocument.load())
    try handlers.registerHandlers(
      on: router,
      configuration: .init(jsonEncodingOptions: [.sortedKeys, .withoutEscapingSlashes]),
      middlewares: [
        RequestBodyCheck(
          maxBodyBytes: maxBodyBytes, ceilings: manager.configuration.defaultLimits)
      ])
    return router
  }

  /// Hands the caller the access checks accepted, and whether the request had an Accept
  /// header, to the operation handlers, which see only their typed input (see
  /// ``RequestCaller``).
  struct CallerScope: RouterMiddleware {
    func handle(
      _ request: Request, context: RuntimeRequestContext,
      next: (Request, RuntimeRequestContext) async throws -> Response
    ) async throws -> Response {
      try await RequestCaller.$current.withValue(context.caller) {
        try await RequestCaller.$sentAccept.withValue(request.headers[.accept] != nil) {
          try await next(request, context)
        }
      }
    }
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
      router: try router(),
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
