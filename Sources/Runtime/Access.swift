internal import DojoCore
public import Foundation

#if canImport(Glibc)
  // lstat's struct, named by its own module (the generated API's imports made another module
  // the one Swift attributes it to).
  internal import Glibc
  internal import CoreFoundation
#endif

/// Who a request acts for, as its bearer token says.
public enum Caller: Sendable, Equatable, Hashable {
  /// The server's own token (`DOJO_TOKEN` or the generated token file): every session.
  case admin
  /// A token of the `--tokens` file: only the sessions of this agent.
  case agent(String)

  /// The name the per-token step cap and logs use.
  var name: String {
    switch self {
    case .admin: return "admin"
    case .agent(let name): return "agent " + name
    }
  }
}

/// The tokens a server accepts, as Jupyter's notebook server does it: one server token,
/// from `DOJO_TOKEN` or generated at first start into a 0600 file beside the sessions folder,
/// and optionally per-agent tokens from a file (`--tokens`).
///
/// The per-agent file has one token per line: `TOKEN AGENT-NAME` (the token, whitespace, then
/// the agent's name to the end of the line); blank lines and lines starting with `#` are
/// skipped. Tokens are at least 16 characters without whitespace. The file must be a regular
/// file readable by its owner alone (mode 0600 or 0400), like an SSH key.
public struct AccessTokens: Sendable {
  /// Where the server token came from, for the start-up message.
  public enum Origin: Sendable, Equatable {
    case environment
    case file(URL, created: Bool)
  }

  public let serverToken: String
  public let origin: Origin
  /// Per-agent tokens: token → agent name.
  let agents: [(token: [UInt8], agent: String)]

  public init(serverToken: String, origin: Origin, agents: [String: String] = [:]) {
    self.serverToken = serverToken
    self.origin = origin
    self.agents = agents.map { (Array($0.key.utf8), $0.value) }.sorted { $0.agent < $1.agent }
  }

  /// The file the generated server token is kept in: `<sessions folder>.token`, beside it.
  public static func tokenFile(for sessionsDirectory: URL) -> URL {
    let folder = sessionsDirectory.standardizedFileURL
    return folder.deletingLastPathComponent().appendingPathComponent(
      folder.lastPathComponent + ".token")
  }

  /// The server token from `environment["DOJO_TOKEN"]`, else from (or generated into) the
  /// token file beside `sessionsDirectory`; per-agent tokens from `agentsFile`.
  ///
  /// - Throws: ``DojoError`` when a token is too short, a file is readable by others, or the
  ///   per-agent file is malformed (naming the line).
  public static func load(
    sessionsDirectory: URL, environment: [String: String], agentsFile: URL?
  ) throws -> AccessTokens {
    let agents = try agentsFile.map(readAgentsFile) ?? [:]
    if let given = environment["DOJO_TOKEN"] {
      try checkToken(given, "DOJO_TOKEN")
      return AccessTokens(serverToken: given, origin: .environment, agents: agents)
    }
    let file = tokenFile(for: sessionsDirectory)
    if FileManager.default.fileExists(atPath: file.path) {
      try requirePrivate(file)
      let text = try String(contentsOf: file, encoding: .utf8)
        .trimmingCharacters(in: .whitespacesAndNewlines)
      try checkToken(text, file.path)
      return AccessTokens(serverToken: text, origin: .file(file, created: false), agents: agents)
    }
    let token = generate()
    try writePrivate(token + "\n", to: file)
    return AccessTokens(serverToken: token, origin: .file(file, created: true), agents: agents)
  }

  /// 32 bytes from the system's cryptographic generator (getrandom), as hex.
  static func generate() -> String {
    var generator = SystemRandomNumberGenerator()
    return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator))
    }
    .joined()
  }

  /// Who `presented` acts for, or nil. Every token is compared, each in constant time, so
  /// the answer's timing says nothing about which token or how much of it matched.
  func caller(for presented: String) -> Caller? {
    let bytes = Array(presented.utf8)
    var found: Caller?
    if Self.constantTimeEqual(bytes, Array(serverToken.utf8)) { found = .admin }
    for entry in agents where Self.constantTimeEqual(bytes, entry.token) {
      found = found ?? .agent(entry.agent)
    }
    return found
  }

  /// Equality whose time depends only on the lengths, never on where the bytes differ.
  static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    var difference = UInt64(a.count ^ b.count)
    let count = max(a.count, b.count)
    for i in 0..<count {
      let x = i < a.count ? a[i] : 0
      let y = i < b.count ? b[i] : 0
      difference |= UInt64(x ^ y)
    }
    return difference == 0
  }

  private static func checkToken(_ token: String, _ place: String) throws {
    guard token.count >= 16, !token.contains(where: { $0.isWhitespace || $0.isNewline }),
      token.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7f })
    else {
      throw DojoError(
        .invalidArgument,
        "the token in \(place) must be at least 16 printable ASCII characters without spaces; generate one with `openssl rand -hex 32`"
      )
    }
  }

  /// Refuses a secrets file that is not a regular file of ours readable by us alone.
  static func requirePrivate(_ url: URL) throws {
    var info = stat()
    guard lstat(url.path, &info) == 0 else {
      throw DojoError(.io, "cannot read \(url.path): \(String(cString: strerror(errno)))")
    }
    guard info.st_mode & S_IFMT == S_IFREG else {
      throw DojoError(
        .forbidden, "\(url.path) holds tokens but is not a regular file; replace it with one")
    }
    guard info.st_mode & 0o077 == 0 else {
      throw DojoError(
        .forbidden,
        "\(url.path) holds tokens but other users may read or write it (mode \(String(info.st_mode & 0o777, radix: 8))); run chmod 600 \(url.path)"
      )
    }
    guard info.st_uid == geteuid() else {
      throw DojoError(
        .forbidden,
        "\(url.path) holds tokens but belongs to uid \(info.st_uid), not this server's uid \(geteuid()); chown it"
      )
    }
  }

  /// Writes `text` to `url` through a temporary sibling created 0600, then renamed, so the
  /// token is never readable by others, not even for a moment.
  static func writePrivate(_ text: String, to url: URL) throws {
    let temporary = AtomicFiles.temporarySibling(of: url)
    let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    guard fd >= 0 else {
      throw DojoError(
        .io, "cannot create \(temporary.path): \(String(cString: strerror(errno)))")
    }
    let bytes = Array(text.utf8)
    let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    let synced = fsync(fd)
    close(fd)
    guard written == bytes.count, synced == 0 else {
      unlink(temporary.path)
      throw DojoError(.io, "cannot write the token file \(url.path)")
    }
    try AtomicFiles.rename(temporary, to: url)
  }

  /// Reads the per-agent tokens file (`TOKEN AGENT-NAME` per line).
  static func readAgentsFile(_ url: URL) throws -> [String: String] {
    try requirePrivate(url)
    let text: String
    do {
      text = try String(contentsOf: url, encoding: .utf8)
    } catch {
      throw DojoError(.io, "cannot read the tokens file \(url.path) as UTF-8: \(error)")
    }
    var tokens: [String: String] = [:]
    for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line = raw.trimmingCharacters(in: .whitespaces)
      if line.isEmpty || line.hasPrefix("#") { continue }
      let place = "\(url.path) line \(index + 1)"
      guard let gap = line.firstIndex(where: { $0 == " " || $0 == "\t" }) else {
        throw DojoError(
          .invalidArgument, "\(place) has a token but no agent name; write `TOKEN AGENT-NAME`")
      }
      let token = String(line[..<gap])
      let agent = line[gap...].trimmingCharacters(in: .whitespaces)
      try checkToken(token, place)
      guard (1...200).contains(agent.count),
        agent.unicodeScalars.allSatisfy({ $0.properties.generalCategory != .control })
      else {
        throw DojoError(
          .invalidArgument,
          "\(place): the agent name must be 1 to 200 characters without control characters")
      }
      guard tokens[token] == nil else {
        throw DojoError(
          .invalidArgument, "\(place) repeats a token of an earlier line; give each agent its own")
      }
      tokens[token] = agent
    }
    guard !tokens.isEmpty else {
      throw DojoError(
        .invalidArgument, "\(url.path) holds no token; write `TOKEN AGENT-NAME` lines")
    }
    return tokens
  }
}
