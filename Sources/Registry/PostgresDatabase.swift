internal import DojoCore
internal import Foundation
internal import PostgresNIO

/// One PostgreSQL connection (PostgresNIO), the registry's backend when several machines
/// share it.
///
/// Calls block the calling thread until the server answers (EventLoopFuture `wait()`), as
/// SQLite's do: the ``Registry`` runs them on its own thread for async callers, so neither
/// Swift's cooperative pool nor the event loops ever wait. A connection found closed (the
/// server restarted, the backend was terminated) is opened again before the next statement.
final class PostgresDatabase: RegistryConnection, @unchecked Sendable {
  // Safe: `connection` is read and replaced only by the one thread the Registry's lock lets
  // in at a time; PostgresConnection itself is Sendable.
  private var connection: PostgresConnection?
  private let location: PostgresLocation
  private var nextID = 0
  let dialect = SQLDialect.postgres
  var shownLocation: String { location.description }

  /// Connects to the database at `location`.
  ///
  /// - Throws: ``DojoError`` `.io` in one line naming the URL without its password: the server
  ///   cannot be reached, refuses the user or password, or has no such database.
  init(_ location: PostgresLocation) throws {
    self.location = location
    try reconnect()
  }

  deinit {
    // PostgresNIO requires a connection to be closed before it goes away.
    try? connection?.close().wait()
  }

  func reconnect() throws {
    try? connection?.close().wait()
    connection = nil
    var configuration = PostgresConnection.Configuration(
      host: location.host, port: location.port, username: location.user,
      password: location.password, database: location.database, tls: try tls())
    configuration.options.connectTimeout = .seconds(10)
    nextID += 1
    do {
      connection = try PostgresConnection.connect(
        on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration,
        id: nextID, logger: Self.logger
      ).wait()
    } catch {
      throw connectError(error)
    }
  }

  /// libpq's modes: `prefer` tries TLS and falls back, `require` insists; neither checks the
  /// certificate (that is `verify-full`, which needs a CA this URL cannot name).
  private func tls() throws -> PostgresConnection.Configuration.TLS {
    switch location.sslMode {
    case .disable: return .disable
    case .prefer, .require:
      var tls = TLSConfiguration.makeClientConfiguration()
      tls.certificateVerification = .none
      let context = try NIOSSLContext(configuration: tls)
      return location.sslMode == .prefer ? .prefer(context) : .require(context)
    }
  }

  func query(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
    if connection?.isClosed ?? true { try reconnect() }
    guard let connection else { throw DojoError(.io, "registry \(shownLocation) is not connected") }
    var binds = PostgresBindings(capacity: arguments.count)
    for value in arguments {
      switch value {
      case .null: binds.appendNull()
      case .integer(let v): binds.append(v)
      case .real(let v): binds.append(v)
      case .text(let v): binds.append(v)
      }
    }
    let result: PostgresQueryResult
    do {
      result = try connection.query(
        PostgresQuery(unsafeSQL: Self.numberPlaceholders(sql), binds: binds), logger: Self.logger
      ).wait()
    } catch {
      throw DojoError(.io, describe(error), cause: error as? PSQLError)
    }
    return try result.rows.map { row in
      var values: [String: SQLValue] = [:]
      for cell in row {
        values[cell.columnName] = try Self.value(cell)
      }
      return SQLRow(values: values)
    }
  }

  /// Runs `;`-separated statements one by one (the extended protocol takes one at a time).
  func execute(_ sql: String) throws {
    for statement in sql.split(separator: ";")
    where !statement.allSatisfy({ $0.isWhitespace }) {
      _ = try query(String(statement), [])
    }
  }

  /// SERIALIZABLE: PostgreSQL then fails (40001) any transaction whose outcome would differ
  /// from some serial order, rather than let it lose another's update; the registry runs it
  /// again.
  /// Every transaction is durable here, whatever the caller asks: the replicas sharing a
  /// PostgreSQL registry run on other machines and outlive a crash of its server, so a
  /// lease or a running step it took back would let two replicas step one session.
  func begin(durable _: Bool) throws { try execute("BEGIN ISOLATION LEVEL SERIALIZABLE") }
  func commit() throws { try execute("COMMIT") }
  func rollback() throws {
    if connection?.isClosed ?? true { return }
    try execute("ROLLBACK")
  }

  func classify(_ error: any Error) -> TransactionFailure {
    let underlying = (error as? DojoError)?.cause ?? error
    guard let psql = underlying as? PSQLError else {
      return connection?.isClosed ?? true ? .connectionLost : .other
    }
    switch psql.serverInfo?[.sqlState] {
    case "40001", "40P01": return .conflict
    case "57P01", "57P02", "57P03", "08000", "08003", "08006": return .connectionLost
    default: break
    }
    switch psql.code {
    case .serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown:
      return .connectionLost
    default:
      return connection?.isClosed ?? true ? .connectionLost : .other
    }
  }

  // MARK: - Values and messages

  private static let logger: Logger = {
    var logger = Logger(label: "dojo.registry.postgres")
    logger.logLevel = .critical
    return logger
  }()

  static func value(_ cell: PostgresCell) throws -> SQLValue {
    guard cell.bytes != nil else { return .null }
    switch cell.dataType {
    case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
    case .float4, .float8: return .real(try cell.decode(Double.self))
    case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
    default: return .text(try cell.decode(String.self))
    }
  }

  /// `?` placeholders as PostgreSQL's `$1`, `$2`, ...; a `?` inside a quoted literal stays.
  static func numberPlaceholders(_ sql: String) -> String {
    var out = ""
    var quoted = false
    var n = 0
    for character in sql {
      if character == "'" { quoted.toggle() }
      if character == "?" && !quoted {
        n += 1
        out += "$\(n)"
      } else {
        out.append(character)
      }
    }
    return out
  }

  /// A statement's failure in one line, from what the server said (never the password).
  private func describe(_ error: any Error) -> String {
    guard let psql = error as? PSQLError else { return "registry \(shownLocation): \(error)" }
    if let message = psql.serverInfo?[.message] {
      let state = psql.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
      return "registry \(shownLocation): \(message)\(state)"
    }
    return "registry \(shownLocation): the connection failed (\(psql.code))"
  }

  /// Why connecting failed, in one line a user can act on.
  private func connectError(_ error: any Error) -> DojoError {
    let shown = shownLocation
    if let psql = error as? PSQLError {
      let state = psql.serverInfo?[.sqlState]
      let message = psql.serverInfo?[.message] ?? ""
      switch state {
      case "28P01", "28000":
        return DojoError(
          .io,
          "registry \(shown) refused user \(location.user): \(message); check the password (in the URL, PGPASSWORD or ~/.pgpass)"
        )
      case "3D000":
        return DojoError(
          .io,
          "registry \(shown): \(message); create it (createdb) or name another database")
      default:
        break
      }
      if psql.code == .authMechanismRequiresPassword {
        return DojoError(
          .io,
          "registry \(shown) asks user \(location.user) for a password and none was given; put it in the URL, PGPASSWORD or ~/.pgpass"
        )
      }
      if psql.code == .connectionError || psql.code == .serverClosedConnection {
        let cause = psql.underlying.map { "\($0)" } ?? "\(psql.code)"
        return DojoError(
          .io,
          "cannot reach the registry \(shown): \(cause); is PostgreSQL running there? (scripts/postgres-up starts one)"
        )
      }
      if !message.isEmpty { return DojoError(.io, "registry \(shown): \(message)") }
      return DojoError(.io, "cannot connect to the registry \(shown): \(psql.code)")
    }
    // Not the server's answer: the connection itself failed (refused, no route, timeout).
    return DojoError(
      .io,
      "cannot reach the registry \(shown): \(error); is PostgreSQL running there? (scripts/postgres-up starts one)"
    )
  }
}
