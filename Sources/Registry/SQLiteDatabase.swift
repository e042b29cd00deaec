internal import DojoCSQLite
internal import DojoCore
internal import Foundation

/// A value bound to or read from a SQLite statement.
public enum SQLiteValue: Sendable, Equatable {
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
public struct SQLiteRow: Sendable {
  public var values: [String: SQLiteValue]
  public subscript(_ column: String) -> SQLiteValue { values[column] ?? .null }
}

/// A thin, thread-safe wrapper over one SQLite connection (libsqlite3).
///
/// A connection may be used from several threads only one at a time, and a transaction's
/// statements must not interleave with another thread's, so every use holds one recursive
/// lock, and ``transaction(_:)`` holds it for the whole transaction.
final class SQLiteDatabase: @unchecked Sendable {
  // Safe: `db` is only touched while `lock` is held, and never after deinit.
  private let db: OpaquePointer
  private let lock = NSRecursiveLock()
  let path: String

  /// Opens (creating if needed) the database at `path`, in WAL mode with foreign keys on.
  init(path: String, readOnly: Bool = false) throws {
    self.path = path
    var db: OpaquePointer?
    let flags =
      (readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE))
      | SQLITE_OPEN_FULLMUTEX
    let rc = sqlite3_open_v2(path, &db, flags, nil)
    guard rc == SQLITE_OK, let db else {
      let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
      sqlite3_close(db)
      throw DojoError(.io, "cannot open the registry \(path): \(message)")
    }
    sqlite3_busy_timeout(db, 10_000)
    self.db = db
    if !readOnly { try execute("PRAGMA journal_mode = WAL") }
    try execute("PRAGMA foreign_keys = ON")
  }

  deinit {
    sqlite3_close_v2(db)
  }

  /// Runs one or more statements that return no rows.
  func execute(_ sql: String) throws {
    try locked {
      var error: UnsafeMutablePointer<CChar>?
      if sqlite3_exec(db, sql, nil, nil, &error) != SQLITE_OK {
        let message = error.map { String(cString: $0) } ?? "unknown error"
        sqlite3_free(error)
        throw DojoError(.io, "registry \(path): \(message)")
      }
    }
  }

  /// Runs one statement with bound values and returns its rows.
  @discardableResult
  func query(_ sql: String, _ arguments: [SQLiteValue] = []) throws -> [SQLiteRow] {
    try locked {
      var statement: OpaquePointer?
      guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
        throw DojoError(.io, "registry \(path): \(String(cString: sqlite3_errmsg(db)))")
      }
      defer { sqlite3_finalize(statement) }
      for (i, value) in arguments.enumerated() {
        let index = Int32(i + 1)
        switch value {
        case .null: sqlite3_bind_null(statement, index)
        case .integer(let v): sqlite3_bind_int64(statement, index, v)
        case .real(let v): sqlite3_bind_double(statement, index, v)
        case .text(let v):
          let utf8 = Array(v.utf8)
          utf8.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) {
              _ = dojo_sqlite3_bind_text_copy(statement, index, $0.baseAddress, Int32(utf8.count))
            }
          }
        }
      }
      var rows: [SQLiteRow] = []
      while true {
        let rc = sqlite3_step(statement)
        if rc == SQLITE_DONE { break }
        guard rc == SQLITE_ROW else {
          throw DojoError(.io, "registry \(path): \(String(cString: sqlite3_errmsg(db)))")
        }
        var values: [String: SQLiteValue] = [:]
        for c in 0..<sqlite3_column_count(statement) {
          let name = String(cString: sqlite3_column_name(statement, c))
          switch sqlite3_column_type(statement, c) {
          case SQLITE_INTEGER: values[name] = .integer(sqlite3_column_int64(statement, c))
          case SQLITE_FLOAT: values[name] = .real(sqlite3_column_double(statement, c))
          case SQLITE_NULL: values[name] = .null
          default:
            if let text = sqlite3_column_text(statement, c) {
              values[name] = .text(String(cString: text))
            } else {
              values[name] = .null
            }
          }
        }
        rows.append(SQLiteRow(values: values))
      }
      return rows
    }
  }

  /// Runs `body` in one immediate transaction: everything or nothing.
  func transaction<T>(_ body: () throws -> T) throws -> T {
    lock.lock()
    defer { lock.unlock() }
    try execute("BEGIN IMMEDIATE")
    do {
      let result = try body()
      try execute("COMMIT")
      return result
    } catch {
      try? execute("ROLLBACK")
      throw error
    }
  }

  private func locked<T>(_ body: () throws -> T) rethrows -> T {
    lock.lock()
    defer { lock.unlock() }
    return try body()
  }
}
