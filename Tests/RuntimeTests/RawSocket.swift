import DojoCore
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A plain TCP socket to a loopback port, for requests URLSession will not send (a forged
/// Host, a half-sent head) and for clients that hold a connection open.
final class RawSocket: @unchecked Sendable {
  // @unchecked: each socket is used by one test task at a time; the fd is only closed once.
  let fd: Int32

  init(port: Int) throws {
    fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
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
  }

  deinit { Glibc.close(fd) }

  /// Sends `text` whole.
  func send(_ text: String) throws {
    let bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
      let n = bytes[offset...].withUnsafeBytes {
        Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
      }
      guard n > 0 else { throw DojoError(.network, "send: \(String(cString: strerror(errno)))") }
      offset += n
    }
  }

  /// Reads until the peer closes or `seconds` pass; returns what came and whether it closed.
  func readUntilClosed(seconds: Double) -> (text: String, closed: Bool) {
    var data = [UInt8]()
    let deadline = Date().addingTimeInterval(seconds)
    var buffer = [UInt8](repeating: 0, count: 4096)
    while Date() < deadline {
      var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      let remaining = Int32(max(1, deadline.timeIntervalSinceNow * 1000))
      guard poll(&poller, 1, remaining) > 0 else { continue }
      let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
      if n <= 0 { return (String(decoding: data, as: UTF8.self), true) }
      data += buffer[0..<n]
    }
    return (String(decoding: data, as: UTF8.self), false)
  }

  /// One whole request (the server closes after answering: `Connection: close`); the status
  /// and the raw answer.
  static func exchange(port: Int, _ request: String, seconds: Double = 10) async throws -> (
    status: Int, text: String
  ) {
    let socket = try RawSocket(port: port)
    try socket.send(request)
    let answer = await Task.detached { socket.readUntilClosed(seconds: seconds) }.value
    let status = answer.text.firstMatch(of: /^HTTP\/1\.1 (\d{3})/).flatMap { Int($0.1) } ?? 0
    return (status, answer.text)
  }
}
