import DojoCore
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A plain TCP socket to a loopback port: for requests no HTTP library sends (a forged Host,
/// a half-sent head), for clients that hold a connection open, and under ``BlockingHTTP``.
final class RawSocket: @unchecked Sendable {
  // @unchecked: each socket is used by one test task at a time; the fd is only closed once.
  let fd: Int32

  init(port: Int) throws {
    // The descriptor is stored only once connected: a class whose initialiser throws after
    // every property is set still runs its deinit, which would close it a second time, and
    // had the number been reused meanwhile, another suite's descriptor.
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw DojoError(.io, "socket: \(String(cString: strerror(errno)))") }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard connected == 0 else {
      let reason = String(cString: strerror(errno))
      Glibc.close(fd)
      throw DojoError(.network, "connect to 127.0.0.1:\(port): \(reason)")
    }
    self.fd = fd
  }

  deinit { Glibc.close(fd) }

  /// Sends `text` whole.
  func send(_ text: String) throws { try send(bytes: Array(text.utf8)) }

  /// Sends `bytes` whole.
  func send(bytes: [UInt8]) throws {
    var offset = 0
    while offset < bytes.count {
      let n = bytes[offset...].withUnsafeBytes {
        Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
      }
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else { throw DojoError(.network, "send: \(String(cString: strerror(errno)))") }
      offset += n
    }
  }

  /// Reads until the peer closes or `seconds` pass; returns what came and whether it closed.
  func readUntilClosed(seconds: Double) -> (text: String, closed: Bool) {
    let (bytes, closed) = readBytesUntilClosed(seconds: seconds)
    return (String(decoding: bytes, as: UTF8.self), closed)
  }

  /// The bytes read until the peer closes or `seconds` pass, and whether it closed.
  func readBytesUntilClosed(seconds: Double) -> (bytes: [UInt8], closed: Bool) {
    var data = [UInt8]()
    let deadline = Date().addingTimeInterval(seconds)
    var buffer = [UInt8](repeating: 0, count: 65536)
    while Date() < deadline {
      var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      let remaining = Int32(max(1, deadline.timeIntervalSinceNow * 1000))
      guard poll(&poller, 1, remaining) > 0 else { continue }
      let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
      if n < 0 && errno == EINTR { continue }
      if n <= 0 { return (data, true) }
      data += buffer[0..<n]
    }
    return (data, false)
  }

  /// One whole request (the server closes after answering: `Connection: close`); the status
  /// and the raw answer.
  static func exchange(port: Int, _ request: String, seconds: Double = 10) async throws -> (
    status: Int, text: String
  ) {
    let answer = try await onOwnThread {
      let socket = try RawSocket(port: port)
      try socket.send(request)
      return socket.readUntilClosed(seconds: seconds)
    }
    let status = answer.text.firstMatch(of: /^HTTP\/1\.1 (\d{3})/).flatMap { Int($0.1) } ?? 0
    return (status, answer.text)
  }
}
