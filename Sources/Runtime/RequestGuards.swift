internal import DojoCore
internal import Foundation
public import Hummingbird
internal import NIOCore
internal import NIOHTTPTypes
internal import Synchronization

/// Who may reach the server and by which names: its tokens and the host names (besides
/// loopback) it answers to.
public struct ServerAccess: Sendable {
  public var tokens: AccessTokens
  /// Host names or addresses, besides `localhost`, `127.0.0.1` and `[::1]`, that requests may
  /// name in `Host` and `Origin` (the address `dojo serve --host` binds, say).
  public var hostNames: [String]

  public init(tokens: AccessTokens, hostNames: [String] = []) {
    self.tokens = tokens
    self.hostNames = hostNames
  }
}

/// What a connection or a token may cost the server.
public struct ConnectionLimits: Sendable {
  /// A connection with no request in flight that sends no complete request part for this
  /// long is closed (Hummingbird's idle timeout): keep-alive idleness, half-open peers,
  /// bodies that stall.
  public var idleTimeout: Duration
  /// A request's head (and its body) must have arrived this long after its first byte.
  public var headerTimeout: Duration
  /// Most connections open at once; beyond it the server stops accepting until one closes.
  public var maxConnections: Int
  /// Most steps one token may have running at once; beyond it a step is a 429.
  public var stepsPerToken: Int

  public init(
    idleTimeout: Duration = .seconds(60), headerTimeout: Duration = .seconds(20),
    maxConnections: Int = 256, stepsPerToken: Int = 4
  ) {
    self.idleTimeout = idleTimeout
    self.headerTimeout = headerTimeout
    self.maxConnections = maxConnections
    self.stepsPerToken = stepsPerToken
  }
}

/// The request context of the runtime's routes: Hummingbird's core plus who is calling.
public struct RuntimeRequestContext: RequestContext {
  public var coreContext: CoreRequestContextStorage
  /// Set by ``AccessMiddleware`` once the request's token was accepted.
  var caller: Caller?

  public init(source: Source) {
    coreContext = .init(source: source)
  }

  /// The caller, or a 401 (a route reached without the access middleware would be a bug).
  func requireCaller() throws -> Caller {
    guard let caller else { throw HTTPRefusal.unauthenticated() }
    return caller
  }
}

/// A refusal with an HTTP status DojoError has no code for (415, 429) or headers of its own.
struct HTTPRefusal: Error, Sendable {
  var status: HTTPResponse.Status
  var kind: String
  var message: String
  var headers: HTTPFields = [:]

  static func unauthenticated() -> HTTPRefusal {
    HTTPRefusal(
      status: .unauthorized, kind: DojoError.Code.authentication.name,
      message:
        "this server needs a token: send `Authorization: Bearer TOKEN` with the token `dojo serve` printed at start-up (DOJO_TOKEN, or the .token file beside its sessions folder)",
      headers: [.wwwAuthenticate: "Bearer"])
  }
}

/// The port the server is bound to, known only once it runs (port 0 picks one).
final class BoundPort: Sendable {
  private let port = Mutex(0)
  var value: Int { port.withLock { $0 } }
  func set(_ value: Int) { port.withLock { $0 = value } }
}

/// Refuses, in this order: a `Host` that is not the server's own name or loopback (DNS
/// rebinding), a foreign `Origin` (a web page in the operator's browser), a missing or wrong
/// bearer token (every route but `/v1/health`), and a body that is not `application/json`.
struct AccessMiddleware: RouterMiddleware {
  typealias Context = RuntimeRequestContext
  let access: ServerAccess
  let port: BoundPort

  static let loopbackNames: Set<String> = ["localhost", "127.0.0.1", "[::1]"]

  func handle(
    _ request: Request, context: Context,
    next: (Request, Context) async throws -> Response
  ) async throws -> Response {
    var context = context
    let names = allowedNames()
    guard let authority = request.head.authority, isOwn(authority, names: names) else {
      throw HTTPRefusal(
        status: .forbidden, kind: DojoError.Code.forbidden.name,
        message:
          "Host \"\(ClientText.clip(request.head.authority ?? ""))\" is not this server's name; use http://127.0.0.1:\(port.value) (or start dojo serve with --allow-host NAME)"
      )
    }
    if let origin = request.headers[.origin], !isOwnOrigin(origin, names: names) {
      throw HTTPRefusal(
        status: .forbidden, kind: DojoError.Code.forbidden.name,
        message:
          "requests from the web origin \"\(ClientText.clip(origin))\" are refused: this server answers its own clients only, never a web page"
      )
    }
    if !(request.method == .get && request.uri.path == "/v1/health") {
      guard let caller = bearer(request).flatMap(access.tokens.caller(for:)) else {
        throw HTTPRefusal.unauthenticated()
      }
      context.caller = caller
    }
    if carriesBody(request) {
      let type = request.headers[.contentType] ?? ""
      let media = type.split(separator: ";").first.map {
        $0.trimmingCharacters(in: .whitespaces).lowercased()
      }
      guard media == "application/json" else {
        throw HTTPRefusal(
          status: .unsupportedMediaType, kind: "unsupported_media_type",
          message:
            "the request body must be JSON sent as `Content-Type: application/json`, not \"\(ClientText.clip(type))\""
        )
      }
    }
    return try await next(request, context)
  }

  private func allowedNames() -> Set<String> {
    Self.loopbackNames.union(access.hostNames.map { $0.lowercased() })
  }

  /// `host[:port]`, host in `names`, port the bound one (absent only when that is 80).
  private func isOwn(_ authority: String, names: Set<String>) -> Bool {
    let text = authority.lowercased()
    let host: Substring
    let rest: Substring
    if text.hasPrefix("[") {
      guard let close = text.firstIndex(of: "]") else { return false }
      host = text[...close]
      rest = text[text.index(after: close)...]
    } else if let colon = text.firstIndex(of: ":") {
      host = text[..<colon]
      rest = text[colon...]
    } else {
      host = text[...]
      rest = ""
    }
    guard names.contains(String(host)) else { return false }
    if rest.isEmpty { return port.value == 80 }
    guard rest.hasPrefix(":"), let given = Int(rest.dropFirst()) else { return false }
    return given == port.value
  }

  private func isOwnOrigin(_ origin: String, names: Set<String>) -> Bool {
    guard let url = URL(string: origin), url.scheme?.lowercased() == "http",
      let host = url.host(percentEncoded: false), url.path.isEmpty || url.path == "/"
    else { return false }
    let name = host.contains(":") ? "[\(host)]" : host
    return isOwn(name + ":" + String(url.port ?? 80), names: names)
  }

  private func bearer(_ request: Request) -> String? {
    guard let value = request.headers[.authorization] else { return nil }
    let parts = value.split(separator: " ", maxSplits: 1)
    guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
    return parts[1].trimmingCharacters(in: .whitespaces)
  }

  private func carriesBody(_ request: Request) -> Bool {
    if [.post, .put, .patch].contains(request.method) { return true }
    if request.headers[.transferEncoding] != nil { return true }
    return (request.headers[.contentLength].flatMap { Int($0) } ?? 0) > 0
  }
}

/// Counts the steps each caller has running, so one token cannot occupy every core.
final class StepSlots: Sendable {
  let limit: Int
  private let running = Mutex<[Caller: Int]>([:])

  init(limit: Int) { self.limit = limit }

  /// Runs `body` in one of `caller`'s slots, or refuses with a 429 when all are taken.
  func run<T: Sendable>(_ caller: Caller, _ body: () async throws -> T) async throws -> T {
    try take(caller)
    defer { release(caller) }
    return try await body()
  }

  /// Takes one of `caller`'s slots (a streamed step holds it past its handler's return), or
  /// refuses with a 429 when all are taken; ``release(_:)`` gives it back.
  func take(_ caller: Caller) throws {
    let taken = running.withLock { counts -> Bool in
      guard counts[caller, default: 0] < limit else { return false }
      counts[caller, default: 0] += 1
      return true
    }
    guard taken else {
      throw HTTPRefusal(
        status: .tooManyRequests, kind: "too_many_requests",
        message:
          "\(caller.name) already has \(limit) steps running, the most one token may (dojo serve --max-steps-per-token); wait for one to answer",
        headers: [.retryAfter: "2"])
    }
  }

  func release(_ caller: Caller) {
    running.withLock { $0[caller, default: 1] -= 1 }
  }
}

/// Closes a connection whose request (head and body) has not fully arrived `timeout` after
/// its first byte: a client that trickles a header or a body (slow loris) holds nothing
/// longer than that, however often it sends a byte. Hummingbird's idle timeout covers the
/// rest (connections that send nothing). The handler sits after the HTTP decoder, so it learns
/// of raw bytes from `channelReadComplete` (which the decoder passes on even when no part was
/// decoded) and of a request's progress from its parts.
final class RequestHeadTimeout: ChannelDuplexHandler, RemovableChannelHandler {
  typealias InboundIn = HTTPRequestPart
  typealias InboundOut = HTTPRequestPart
  typealias OutboundIn = HTTPResponsePart
  typealias OutboundOut = HTTPResponsePart

  private let timeout: TimeAmount
  /// From a request's first byte until its `.end` part.
  private var reading = false
  /// From a request's head until its response's `.end`: bytes arriving then are a pipelined
  /// request, left to the idle timeout.
  private var answering = false
  private var timer: Scheduled<Void>?

  init(timeout: Duration) {
    let parts = timeout.components
    self.timeout = .nanoseconds(
      parts.seconds * 1_000_000_000 + parts.attoseconds / 1_000_000_000)
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    switch unwrapInboundIn(data) {
    case .head:
      answering = true
      // A head that came whole in one read was never timed: its body is, from now.
      if !reading { arm(context) }
    case .end:
      reading = false
      disarm()
    case .body:
      break
    }
    context.fireChannelRead(data)
  }

  func channelReadComplete(context: ChannelHandlerContext) {
    if !reading, !answering { arm(context) }
    context.fireChannelReadComplete()
  }

  private func arm(_ context: ChannelHandlerContext) {
    reading = true
    timer?.cancel()
    let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
    timer = context.eventLoop.scheduleTask(in: timeout) { bound.value.close(promise: nil) }
  }

  func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
    if case .end = unwrapOutboundIn(data) { answering = false }
    context.write(data, promise: promise)
  }

  func channelInactive(context: ChannelHandlerContext) {
    disarm()
    context.fireChannelInactive()
  }

  func handlerRemoved(context: ChannelHandlerContext) { disarm() }

  private func disarm() {
    timer?.cancel()
    timer = nil
  }
}
