internal import DojoCore
internal import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// A real PostgreSQL 15 server for tests, started once per test process by the same script
/// users run (`scripts/postgres-up`, in a folder of its own on a free loopback port) and
/// stopped with `scripts/postgres-down --remove` when the process exits.
///
/// It never skips: on a machine without PostgreSQL, ``shared()`` throws and the test fails
/// with the script's message (install it with scripts/install-deps).
public final class TestPostgres: Sendable {
  /// The `postgres://` URL of the server's database (no password; it is in ``passfile``).
  public let url: String
  /// The pgpass file holding the role's password.
  public let passfile: String
  /// host, port, role, as the URL names them.
  public let host: String
  public let port: Int
  public let user: String
  /// The server's folder (DOJO_PG_DIR): scripts that call postgres-up with it find it up.
  public let folder: String
  let repository: URL

  private static let started = Mutex<Result<TestPostgres, any Error>?>(nil)

  /// The process's server, started on first use.
  public static func shared(file: StaticString = #filePath) throws -> TestPostgres {
    try started.withLock { state in
      if let state { return try state.get() }
      let outcome = Result { try TestPostgres(repository: repositoryRoot(from: "\(file)")) }
      state = outcome
      if case .success = outcome { atexit { TestPostgres.stopShared() } }
      return try outcome.get()
    }
  }

  private static func stopShared() {
    guard case .success(let server)? = started.withLock({ $0 }) else { return }
    _ = try? server.script("postgres-down", ["--remove"])
  }

  private init(repository: URL) throws {
    self.repository = repository
    folder =
      FileManager.default.temporaryDirectory
      .appendingPathComponent("dojo-test-postgres-\(getpid())").path
    port = try Self.freePort()
    let output = try Self.run(
      repository.appendingPathComponent("scripts/postgres-up").path, [],
      environment: ["DOJO_PG_DIR": folder, "DOJO_PG_PORT": String(port)])
    var exports: [String: String] = [:]
    for line in output.split(separator: "\n") where line.hasPrefix("export ") {
      let pair = line.dropFirst("export ".count)
      if let eq = pair.firstIndex(of: "=") {
        exports[String(pair[..<eq])] = String(pair[pair.index(after: eq)...])
      }
    }
    guard let url = exports["DOJO_REGISTRY"], let passfile = exports["PGPASSFILE"] else {
      throw TestPostgresError(message: "scripts/postgres-up printed no exports: \(output)")
    }
    self.url = url
    self.passfile = passfile
    host = "127.0.0.1"
    user = "dojo"
  }

  /// A new empty database on the server, as a registry URL.
  public func createDatabase() throws -> String {
    let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    try psql("CREATE DATABASE \(name)")
    return "postgres://\(user)@\(host):\(port)/\(name)?sslmode=disable"
  }

  /// Runs SQL through psql as the test role, on `database` (default: the server's own),
  /// and returns what it printed (unaligned, tuples only).
  @discardableResult
  public func psql(_ sql: String, database: String? = nil) throws -> String {
    let target =
      database.map { url.replacingOccurrences(of: "/dojo?", with: "/\($0)?") } ?? url
    return try Self.run(
      try Self.binary("psql"),
      ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-tA", "-d", target, "-c", sql],
      environment: environment)
  }

  /// `url` (one of this server's) with the role's password written into it, for a process
  /// that is given no PGPASSFILE.
  public func withPassword(_ url: String) throws -> String {
    let line =
      try String(contentsOfFile: passfile, encoding: .utf8)
      .split(separator: "\n").first ?? ""
    guard let password = line.split(separator: ":").last else {
      throw TestPostgresError(message: "no password in \(passfile)")
    }
    return url.replacingOccurrences(of: "://\(user)@", with: "://\(user):\(password)@")
  }

  /// What a child process needs to reach the server: PGPASSFILE.
  public var environment: [String: String] { ["PGPASSFILE": passfile] }

  @discardableResult
  func script(_ name: String, _ arguments: [String]) throws -> String {
    try Self.run(
      repository.appendingPathComponent("scripts/\(name)").path, arguments,
      environment: ["DOJO_PG_DIR": folder])
  }

  /// Runs a program to its end and returns its stdout. ProcessRunner, not Foundation's
  /// Process: postgres-up leaves a server running, and Foundation on Linux learns that a child
  /// ended from a socket the child inherits, which a daemon that kept it would hold open.
  static func run(_ executable: String, _ arguments: [String], environment: [String: String])
    throws -> String
  {
    let outcome = try ProcessRunner.run(
      executable, arguments,
      environment: ProcessInfo.processInfo.environment.merging(environment) { $1 },
      limits: ProcessLimits(wallSeconds: 180, outputTailBytes: 1 << 20))
    guard outcome.succeeded else {
      throw TestPostgresError(
        message:
          "\(executable) \(arguments.joined(separator: " ")) \(outcome.summary): \(outcome.stderrTail)"
      )
    }
    return outcome.stdoutTail
  }

  /// A PostgreSQL client program from Debian's folders (/usr/lib/postgresql/<major>/bin,
  /// 15 first), as scripts/postgres-up finds the server's.
  public static func binary(_ name: String) throws -> String {
    let root = "/usr/lib/postgresql"
    let majors = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
      .sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }
    for major in ["15"] + majors {
      let path = "\(root)/\(major)/bin/\(name)"
      if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    throw TestPostgresError(
      message: "no \(name) in \(root)/*/bin; install Debian's postgresql (scripts/install-deps)")
  }

  static func repositoryRoot(from file: String) -> URL {
    var url = URL(fileURLWithPath: file)
    while url.path != "/" {
      url.deleteLastPathComponent()
      if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
        return url
      }
    }
    return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
  }

  /// A loopback port nobody listens on now (the kernel's pick).
  public static func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestPostgresError(message: "socket() failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
      }
    }
    guard bound else { throw TestPostgresError(message: "bind() failed") }
    return Int(UInt16(bigEndian: address.sin_port))
  }
}

/// Why the test server could not be used.
public struct TestPostgresError: Error, CustomStringConvertible {
  public var message: String
  public var description: String { message }
}
