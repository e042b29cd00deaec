import DojoCore
import Foundation

/// Runs `body` on a thread of its own and awaits its result.
///
/// Swift Testing runs synchronous tests on the cooperative pool, which has one thread a core
/// (two on CI): two long imports beside a runtime suite once held both for seconds, and a
/// health request timed across `await` measured that wait instead of the server. Blocking
/// work and timing done here are not held up by the pool; only the resumption is.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
  try await withCheckedThrowingContinuation { continuation in
    Thread { continuation.resume(with: Result { try body() }) }.start()
  }
}

/// One HTTP/1.1 exchange over a plain socket, blocking: the request is sent with
/// `Connection: close` and the answer read to the server's close. The tests' own client, so
/// that what it times is the server and the loopback, nothing else (see ``onOwnThread(_:)``).
enum BlockingHTTP {
  struct Answer: Sendable {
    let status: Int
    let headers: [(name: String, value: String)]
    let body: [UInt8]
    /// From connecting to the server's close.
    let seconds: Double
  }

  static func exchange(
    port: Int, method: String, path: String, headers: [(String, String)] = [],
    body: [UInt8]? = nil, timeout: Double = 120
  ) throws -> Answer {
    let start = Date()
    let socket = try RawSocket(port: port)
    var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
    for (name, value) in headers { head += "\(name): \(value)\r\n" }
    if let body { head += "Content-Length: \(body.count)\r\n" }
    head += "\r\n"
    try socket.send(bytes: Array(head.utf8) + (body ?? []))
    let (raw, closed) = socket.readBytesUntilClosed(seconds: timeout)
    let seconds = Date().timeIntervalSince(start)
    guard closed else {
      throw DojoError(.timeout, "\(method) \(path): no whole answer within \(Int(timeout)) s")
    }
    return try parse(raw, seconds: seconds, label: "\(method) \(path)")
  }

  /// Splits an answer read to its end into status, headers and body (de-chunked).
  static func parse(_ raw: [UInt8], seconds: Double, label: String) throws -> Answer {
    let separator: [UInt8] = [13, 10, 13, 10]
    guard let end = raw.firstRange(of: separator) else {
      throw DojoError(.network, "\(label): the answer has no complete head (\(raw.count) bytes)")
    }
    let lines = String(decoding: raw[..<end.lowerBound], as: UTF8.self)
      .components(separatedBy: "\r\n")
    guard let statusLine = lines.first,
      let status = statusLine.firstMatch(of: /^HTTP\/1\.[01] (\d{3})/).flatMap({ Int($0.1) })
    else {
      throw DojoError(.network, "\(label): not an HTTP status line: \(lines.first ?? "")")
    }
    let headers = lines.dropFirst().compactMap { line -> (name: String, value: String)? in
      guard let colon = line.firstIndex(of: ":") else { return nil }
      return (
        String(line[..<colon]).lowercased(),
        line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
      )
    }
    var body = Array(raw[end.upperBound...])
    if headers.contains(where: { $0.name == "transfer-encoding" && $0.value.contains("chunked") }) {
      body = try dechunk(body, label: label)
    } else if let length = headers.first(where: { $0.name == "content-length" }).flatMap({
      Int($0.value)
    }) {
      guard body.count >= length else {
        throw DojoError(.network, "\(label): \(body.count) of \(length) body bytes arrived")
      }
      body = Array(body.prefix(length))
    }
    return Answer(status: status, headers: headers, body: body, seconds: seconds)
  }

  /// The body of a chunked transfer: each chunk's hex size line, its bytes, CRLF; a 0 ends it.
  static func dechunk(_ bytes: [UInt8], label: String) throws -> [UInt8] {
    var output: [UInt8] = []
    var index = 0
    while true {
      guard let lineEnd = bytes[index...].firstRange(of: [13, 10]) else {
        throw DojoError(.network, "\(label): a chunk size line is cut off")
      }
      let sizeText =
        String(decoding: bytes[index..<lineEnd.lowerBound], as: UTF8.self)
        .split(separator: ";").first.map(String.init) ?? ""
      guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size >= 0
      else {
        throw DojoError(.network, "\(label): \"\(sizeText)\" is not a chunk size")
      }
      index = lineEnd.upperBound
      if size == 0 { return output }
      guard bytes.count - index >= size + 2 else {
        throw DojoError(.network, "\(label): a \(size)-byte chunk is cut off")
      }
      output += bytes[index..<(index + size)]
      index += size + 2
    }
  }
}
