/// How far from this machine an address is, from the most local to the most public.
public enum NetworkScope: Int, Sendable, Comparable, CustomStringConvertible {
  /// This machine: 127.0.0.0/8, ::1, and the unspecified 0.0.0.0 / :: (Linux connects those
  /// to itself).
  case loopback
  /// The local link only: 169.254.0.0/16 (cloud metadata services live there), fe80::/10.
  case linkLocal
  /// A private network: RFC 1918, carrier-grade NAT (100.64.0.0/10), unique-local fc00::/7,
  /// and the reserved, benchmarking and multicast ranges that are never a public server.
  case privateNetwork
  /// Everything else: the internet.
  case publicNetwork

  public static func < (a: NetworkScope, b: NetworkScope) -> Bool { a.rawValue < b.rawValue }

  public var description: String {
    switch self {
    case .loopback: "loopback"
    case .linkLocal: "link-local"
    case .privateNetwork: "private"
    case .publicNetwork: "public"
    }
  }

  /// The scope of a raw IPv4 (4 bytes) or IPv6 (16 bytes) address; anything else is private.
  public init(ip: [UInt8]) {
    if ip.count == 4 {
      self = Self.ipv4(ip[0], ip[1])
      return
    }
    guard ip.count == 16 else {
      self = .privateNetwork
      return
    }
    // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) addresses reach the IPv4
    // address they embed.
    let mapped = ip[0..<10].allSatisfy { $0 == 0 } && ip[10] == 0xFF && ip[11] == 0xFF
    let nat64 = ip[0..<12].elementsEqual([0, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0])
    if mapped || nat64 {
      self = Self.ipv4(ip[12], ip[13])
      return
    }
    if ip[0..<15].allSatisfy({ $0 == 0 }) && (ip[15] == 1 || ip[15] == 0) {
      self = .loopback
    } else if ip[0] == 0xFE && ip[1] & 0xC0 == 0x80 {
      self = .linkLocal
    } else if ip[0] & 0xFE == 0xFC || ip[0] == 0xFF
      || ip[0..<2].elementsEqual([0x20, 0x01])
        && ip[2..<4].elementsEqual([0x0D, 0xB8])
    {
      self = .privateNetwork  // unique-local, multicast, documentation
    } else {
      self = .publicNetwork
    }
  }

  private static func ipv4(_ a: UInt8, _ b: UInt8) -> NetworkScope {
    switch (a, b) {
    case (127, _), (0, _): .loopback
    case (169, 254): .linkLocal
    case (10, _), (172, 16...31), (192, 168), (100, 64...127), (198, 18...19), (224...255, _):
      .privateNetwork
    default: .publicNetwork
    }
  }
}

/// An address libcurl is about to connect to.
public struct PeerAddress: Sendable, Hashable, CustomStringConvertible {
  /// 4 bytes for IPv4, 16 for IPv6.
  public var ip: [UInt8]
  public var port: Int

  public init(ip: [UInt8], port: Int) {
    self.ip = ip
    self.port = port
  }

  public var description: String {
    if ip.count == 4 { return ip.map(String.init).joined(separator: ".") }
    var text = ""
    for i in stride(from: 0, to: ip.count, by: 2) {
      if i > 0 { text += ":" }
      text += String(UInt16(ip[i]) << 8 | UInt16(ip[i + 1]), radix: 16)
    }
    return "[\(text)]"
  }
}

/// Which addresses a download may connect to, judged on the socket address libcurl is about
/// to connect (after DNS), for every connection of a transfer, redirects and retries included.
///
/// The first connection fixes the origin's scope. Later connections may go to a public
/// address, or to one as local as the origin's, but never more local: a public server cannot
/// redirect (or re-resolve its own name) into this machine, the link-local metadata service
/// or the private network. A loopback origin (a test, a local mirror) may go anywhere.
///
/// Through a proxy (libcurl honours `http_proxy`, `https_proxy`, `ALL_PROXY`) the socket is
/// the proxy's, so only the proxy's address is judged: the proxy must refuse inward requests.
public struct AddressPolicy: Sendable {
  /// Classifies an address; tests inject one that calls some loopback ports "public".
  public var scope: @Sendable (PeerAddress) -> NetworkScope

  public init(scope: @escaping @Sendable (PeerAddress) -> NetworkScope) {
    self.scope = scope
  }

  /// The real classification by address ranges.
  public static let standard = AddressPolicy { NetworkScope(ip: $0.ip) }

  /// Whether a transfer whose origin is `origin` may connect to an address of `target` scope.
  public static func allows(origin: NetworkScope, target: NetworkScope) -> Bool {
    target == .publicNetwork || origin == .loopback || target == origin
  }
}
