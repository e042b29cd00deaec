public import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A real HTTP/1.1 server on 127.0.0.1 for tests: POSIX sockets, an ephemeral port, a thread
/// per connection, keep-alive, `Range` and `If-Range` requests, and fault modes (cut a body
/// short, stall, redirect, demand basic auth, ignore `If-Range`, send an endless body, declare
/// a false `Content-Length`). `stop()` closes every socket and waits for every thread.
///
/// A 2xx answer without an `ETag` or `Last-Modified` gets a strong ETag fixed per path, as a
/// static file server gives for a file that does not change; `sendsValidator: false` turns
/// that off.
///
/// `@unchecked Sendable`: every mutable field is guarded by `lock`; the sockets themselves
/// are used by one thread each (the accept thread, or the connection's thread), and `stop()`
/// only shuts them down, which is safe across threads.
public final class LoopbackHTTPServer: @unchecked Sendable {
  /// One parsed request.
  public struct Request: Sendable {
    public var method: String
    /// The request target as sent: path and query.
    public var target: String
    /// The path without the query.
    public var path: String
    /// Headers by lowercased name.
    public var headers: [String: String]
    /// 1 for the first request to this path, 2 for the second, ...
    public var hit: Int
  }

  /// What to answer; `Route` builds these for the common cases.
  public struct Response: Sendable {
    public var status: Int = 200
    public var headers: [String: String] = [:]
    public var body = Data()
    /// Close the connection after this many body bytes (after `Range` slicing).
    public var cutAfterBytes: Int?
    /// Never answer, never close, until the server stops.
    public var stall = false
    /// Send the headers and this many body bytes, then go silent without closing.
    public var stallAfterBytes: Int?
    /// Honour `Range: bytes=N-[M]` on a 200.
    public var supportsRanges = true
    /// Add the per-path ETag when the answer has no validator of its own.
    public var sendsValidator = true
    /// Answer a `Range` request with 206 even when its `If-Range` names another version
    /// (the splice attack: new bytes appended to an old `.part`).
    public var ignoresIfRange = false
    /// Send the body, then the same bytes again and again, without `Content-Length`, until
    /// the client hangs up or the server stops.
    public var endless = false
    /// Declare this `Content-Length` instead of the body's (then close after the body).
    public var declaredLength: Int64?

    public init(
      status: Int = 200, headers: [String: String] = [:], body: Data = Data(),
      cutAfterBytes: Int? = nil, stall: Bool = false, stallAfterBytes: Int? = nil,
      supportsRanges: Bool = true, sendsValidator: Bool = true, ignoresIfRange: Bool = false,
      endless: Bool = false, declaredLength: Int64? = nil
    ) {
      self.status = status
      self.headers = headers
      self.body = body
      self.cutAfterBytes = cutAfterBytes
      self.stall = stall
      self.stallAfterBytes = stallAfterBytes
      self.supportsRanges = supportsRanges
      self.sendsValidator = sendsValidator
      self.ignoresIfRange = ignoresIfRange
      self.endless = endless
      self.declaredLength = declaredLength
    }
  }

  /// A canned answer for one path, with optional faults.
  public struct Route: Sendable {
    public var status = 200
    public var headers: [String: String] = [:]
    public var body = Data()
    /// Cut the body after this many bytes ...
    public var cutAfterBytes: Int?
    /// ... but only on the first `cutRequests` requests to this path.
    public var cutRequests = Int.max
    /// Never answer.
    public var stall = false
    /// Answer 302 with this Location instead.
    public var redirect: String?
    /// Answer 401 unless the request carries this user and password.
    public var basicAuth: (user: String, password: String)?

    public init(
      status: Int = 200, headers: [String: String] = [:], body: Data = Data(),
      cutAfterBytes: Int? = nil, cutRequests: Int = Int.max, stall: Bool = false,
      redirect: String? = nil, basicAuth: (user: String, password: String)? = nil
    ) {
      self.status = status
      self.headers = headers
      self.body = body
      self.cutAfterBytes = cutAfterBytes
      self.cutRequests = cutRequests
      self.stall = stall
      self.redirect = redirect
      self.basicAuth = basicAuth
    }

    public func response(to request: Request) -> Response {
      if let basicAuth {
        let token = Data("\(basicAuth.user):\(basicAuth.password)".utf8).base64EncodedString()
        if request.headers["authorization"] != "Basic \(token)" {
          return Response(
            status: 401, headers: ["WWW-Authenticate": "Basic realm=\"test\""],
            body: Data(#"{"code":401,"message":"Unauthenticated"}"#.utf8))
        }
      }
      if stall { return Response(stall: true) }
      if let redirect { return Response(status: 302, headers: ["Location": redirect]) }
      let cut = request.hit <= cutRequests ? cutAfterBytes : nil
      return Response(status: status, headers: headers, body: body, cutAfterBytes: cut)
    }
  }

  private let lock = NSLock()
  private let listener: Int32
  private let handler: @Sendable (Request) -> Response
  private let threads = DispatchGroup()
  private var stopped = false
  private var clients = Set<Int32>()
  private var log: [Request] = []
  private var hits: [String: Int] = [:]

  /// The port the server listens on.
  public let port: Int
  /// `http://127.0.0.1:PORT`.
  public var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

  /// Starts a server whose answers come from `handler`.
  public init(handler: @escaping @Sendable (Request) -> Response) throws {
    self.handler = handler
    let (fd, port) = try Self.listen()
    listener = fd
    self.port = port
    threads.enter()
    let thread = Thread { [self] in
      acceptLoop()
      threads.leave()
    }
    thread.start()
  }

  /// Starts a server with a fixed answer per path (the query is ignored); other paths get 404.
  public convenience init(routes: [String: Route]) throws {
    try self.init { request in
      guard let route = routes[request.path] else {
        return Response(status: 404, body: Data(#"{"code":404,"message":"Not found"}"#.utf8))
      }
      return route.response(to: request)
    }
  }

  deinit { stop() }

  /// Every request received so far, in order.
  public var requests: [Request] { lock.withLock { log } }

  /// How many requests arrived in total.
  public var requestCount: Int { lock.withLock { log.count } }

  /// Closes the listener and every connection (ending stalls) and waits for their threads.
  public func stop() {
    let open: Set<Int32>? = lock.withLock {
      if stopped { return nil }
      stopped = true
      return clients
    }
    guard let open else { return }
    for fd in open { shutdown(fd, Int32(SHUT_RDWR)) }
    _ = threads.wait(timeout: .now() + 5)
    close(listener)
  }

  /// A port on 127.0.0.1 where nothing listens (bound, then closed), for refused connections.
  public static func closedPort() throws -> Int {
    let (fd, port) = try listen()
    close(fd)
    return port
  }

  private var isStopped: Bool { lock.withLock { stopped } }

  private static func listen() throws -> (Int32, Int) {
    #if canImport(Glibc)
      let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
      let fd = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
    var yes: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard bound == 0, Foundation.listen(fd, 64) == 0 else {
      let code = errno
      close(fd)
      throw POSIXError(.init(rawValue: code) ?? .EIO)
    }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return (fd, Int(UInt16(bigEndian: address.sin_port)))
  }

  private func acceptLoop() {
    while !isStopped {
      // poll with a short timeout so that stop() is noticed without closing the listener
      // under a blocked accept().
      var pfd = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
      guard poll(&pfd, 1, 50) > 0 else { continue }
      let client = accept(listener, nil, nil)
      guard client >= 0 else { continue }
      let accepted: Bool = lock.withLock {
        if stopped { return false }
        clients.insert(client)
        threads.enter()
        return true
      }
      guard accepted else {
        close(client)
        continue
      }
      let thread = Thread { [self] in
        serve(client)
        lock.withLock { _ = clients.remove(client) }
        close(client)
        threads.leave()
      }
      thread.start()
    }
  }

  private func serve(_ fd: Int32) {
    var buffer = Data()
    while !isStopped {
      guard let request = readRequest(fd, &buffer) else { return }
      let response = handler(request)
      if response.stall {
        while !isStopped { usleep(20_000) }
        return
      }
      guard respond(fd, request, response) else { return }
      if request.headers["connection"]?.lowercased() == "close" { return }
    }
  }

  private func readRequest(_ fd: Int32, _ buffer: inout Data) -> Request? {
    let end = Data("\r\n\r\n".utf8)
    var chunk = [UInt8](repeating: 0, count: 16384)
    while buffer.range(of: end) == nil {
      let n = recv(fd, &chunk, chunk.count, 0)
      if n <= 0 { return nil }
      buffer.append(contentsOf: chunk[0..<n])
      if buffer.count > 1 << 20 { return nil }
    }
    let range = buffer.range(of: end)!
    let text = String(decoding: buffer[..<range.lowerBound], as: UTF8.self)
    buffer.removeSubrange(..<range.upperBound)
    var lines = text.components(separatedBy: "\r\n")
    let requestLine = lines.removeFirst().split(separator: " ")
    guard requestLine.count >= 2 else { return nil }
    var headers: [String: String] = [:]
    for line in lines {
      guard let colon = line.firstIndex(of: ":") else { continue }
      headers[line[..<colon].lowercased()] =
        line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    // Request bodies are not used by the tests; drop one if sent.
    if let length = headers["content-length"].flatMap(Int.init), length > 0 {
      while buffer.count < length {
        let n = recv(fd, &chunk, chunk.count, 0)
        if n <= 0 { return nil }
        buffer.append(contentsOf: chunk[0..<n])
      }
      buffer.removeSubrange(..<length)
    }
    let target = String(requestLine[1])
    let path = String(target.split(separator: "?", maxSplits: 1).first ?? "")
    let request: Request = lock.withLock {
      hits[path, default: 0] += 1
      let request = Request(
        method: String(requestLine[0]), target: target, path: path, headers: headers,
        hit: hits[path]!)
      log.append(request)
      return request
    }
    return request
  }

  /// Sends the answer; false when the connection must close.
  private func respond(_ fd: Int32, _ request: Request, _ response: Response) -> Bool {
    var status = response.status
    var headers = response.headers
    var body = response.body
    if (200..<300).contains(status), response.sendsValidator, headers["ETag"] == nil,
      headers["Last-Modified"] == nil
    {
      headers["ETag"] = "\"\(Self.fnv1a(request.path))\""
    }
    if status == 200, response.supportsRanges, !response.endless {
      headers["Accept-Ranges"] = "bytes"
      // If-Range with another validator than the current one: the client's copy is stale,
      // so the whole body is sent (RFC 9110 13.1.5).
      let ifRange = request.headers["if-range"]
      let stale =
        !response.ignoresIfRange && ifRange != nil && ifRange != headers["ETag"]
        && ifRange != headers["Last-Modified"]
      if !stale, let range = request.headers["range"],
        let match = range.firstMatch(of: /^bytes=(\d+)-(\d*)$/),
        let start = Int(match.output.1)
      {
        let total = body.count
        if start >= total {
          status = 416
          headers["Content-Range"] = "bytes */\(total)"
          body = Data()
        } else {
          let last = min(Int(match.output.2).map { $0 } ?? total - 1, total - 1)
          status = 206
          headers["Content-Range"] = "bytes \(start)-\(last)/\(total)"
          body = body.subdata(in: start..<(last + 1))
        }
      }
    }
    var head = "HTTP/1.1 \(status) \(Self.reason(status))\r\n"
    if response.endless {
      headers["Connection"] = "close"
    } else {
      headers["Content-Length"] = "\(response.declaredLength ?? Int64(body.count))"
    }
    for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
      head += "\(name): \(value)\r\n"
    }
    head += "\r\n"
    guard sendAll(fd, Data(head.utf8)) else { return false }
    if request.method == "HEAD" { return true }
    if response.endless {
      let chunk = body.isEmpty ? Data(repeating: 0x41, count: 65536) : body
      while !isStopped && sendAll(fd, chunk) {}
      return false
    }
    if let declared = response.declaredLength, declared != Int64(body.count) {
      _ = sendAll(fd, body)
      shutdown(fd, Int32(SHUT_WR))
      return false
    }
    if let stall = response.stallAfterBytes, stall < body.count {
      _ = sendAll(fd, body.prefix(stall))
      while !isStopped { usleep(20_000) }
      return false
    }
    if let cut = response.cutAfterBytes, cut < body.count {
      _ = sendAll(fd, body.prefix(cut))
      shutdown(fd, Int32(SHUT_WR))
      return false
    }
    return sendAll(fd, body)
  }

  private func sendAll(_ fd: Int32, _ data: Data) -> Bool {
    data.withUnsafeBytes { raw in
      guard var base = raw.baseAddress else { return true }
      var left = raw.count
      while left > 0 {
        #if canImport(Glibc)
          let n = send(fd, base, left, Int32(MSG_NOSIGNAL))
        #else
          let n = send(fd, base, left, 0)
        #endif
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { return false }
        base += n
        left -= n
      }
      return true
    }
  }

  /// A short stable hash (FNV-1a, 64 bits) for the per-path ETag.
  private static func fnv1a(_ text: String) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
      hash ^= UInt64(byte)
      hash = hash &* 0x100_0000_01b3
    }
    return String(hash, radix: 16)
  }

  private static func reason(_ status: Int) -> String {
    switch status {
    case 200: "OK"
    case 206: "Partial Content"
    case 302: "Found"
    case 401: "Unauthorized"
    case 403: "Forbidden"
    case 404: "Not Found"
    case 416: "Range Not Satisfiable"
    case 500: "Internal Server Error"
    case 503: "Service Unavailable"
    default: "Status"
    }
  }
}
