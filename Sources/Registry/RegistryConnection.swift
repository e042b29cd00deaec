/// A value bound to or read from a registry statement, whichever the backend.
public enum SQLValue: Sendable, Equatable {
  case null
  case integer(Int64)
  case real(Double)
  case text(String)

  /// The value as text, if it is text.
  public var text: String? { if case .text(let s) = self { return s } else { return nil } }
  /// The value as an integer, if it is one.
  public var integer: Int64? { if case .integer(let i) = self { return i } else { return nil } }
  /// The value as a number (integers widen).
  public var real: Double? {
    switch self {
    case .real(let d): return d
    case .integer(let i): return Double(i)
    default: return nil
    }
  }
}

/// One row of a query result, by column name.
public struct SQLRow: Sendable {
  public var values: [String: SQLValue]
  public subscript(_ column: String) -> SQLValue { values[column] ?? .null }
}

/// The SQL a backend speaks where the two differ (types, placeholders, ordering by arrival).
enum SQLDialect: Sendable {
  case sqlite, postgres
}

/// What went wrong in a transaction, as far as retrying it is concerned.
enum TransactionFailure {
  /// Another transaction got in the way (serialization failure, deadlock, busy): run the
  /// whole transaction again.
  case conflict
  /// The connection is gone (server restarted, backend terminated): connect again, then run
  /// the whole transaction again. Nothing of the broken one was committed.
  case connectionLost
  /// Anything else: give up.
  case other
}

/// One connection to a registry's database, used by one thread at a time: the registry
/// holds its lock for every statement and for a whole transaction.
///
/// Statements are written once with `?` placeholders; a backend rewrites them as it needs.
protocol RegistryConnection: AnyObject, Sendable {
  var dialect: SQLDialect { get }
  /// The location as messages show it (never a password).
  var shownLocation: String { get }
  /// Runs one statement with bound values and returns its rows.
  func query(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow]
  /// Runs one or more statements without values (migrations).
  func execute(_ sql: String) throws
  /// Starts a transaction that will see a consistent database and conflict with writers,
  /// not lose their updates (SQLite: BEGIN IMMEDIATE; PostgreSQL: SERIALIZABLE).
  ///
  /// - Parameter durable: false for a record that only matters while the writers sharing
  ///   the registry live (a step's lease, its "running" row): a backend whose writers all
  ///   die with its disk (SQLite, one machine) may then commit it visibly to every reader
  ///   but without flushing it, so only a power loss can take it back, and the next durable
  ///   commit flushes it with its own. The database stays consistent either way.
  func begin(durable: Bool) throws
  func commit() throws
  func rollback() throws
  /// Whether a failed transaction may be run again.
  func classify(_ error: any Error) -> TransactionFailure
  /// Connects again after ``TransactionFailure/connectionLost``.
  func reconnect() throws
}
