internal import DojoCSQLite
internal import DojoCore
internal import Foundation

/// A thin wrapper over one SQLite connection (libsqlite3), the registry's embedded backend.
///
/// A connection may be used from several threads only one at a time, and a transaction's
/// statements must not interleave with another thread's: the ``Registry`` holds its lock
/// for every statement and for a whole transaction; this class keeps its own for direct
/// uses (tests, migrations of old files).
final class SQLiteDatabase: RegistryConnection, @unchecked Sendable {
  // Safe: `db` is only touched while `lock` is held, and never after deinit.
  private let db: OpaquePointer
  private let lock = NSRecursiveLock()
  let path: String
  let dialect = SQLDialect.sqlite
  var shownLocation: String { path }

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
    durableLevel = try query("PRAGMA synchronous", []).first?["synchronous"].integer ?? 2
  }

  /// The connection's own `PRAGMA synchronous` (FULL unless the library was built
  /// otherwise): every commit but a non-durable transaction's runs at it.
  private var durableLevel: Int64 = 2
  /// Whether the open transaction lowered it; commit and rollback put it back.
  private var relaxed = false

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
        throw failure(message)
      }
    }
  }

  /// Runs one statement with bound values and returns its rows.
  @discardableResult
  func query(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
    try locked {
      var statement: OpaquePointer?
      guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
        throw failure(String(cString: sqlite3_errmsg(db)))
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
      var rows: [SQLRow] = []
      while true {
        let rc = sqlite3_step(statement)
        if rc == SQLITE_DONE { break }
        guard rc == SQLITE_ROW else {
          throw failure(String(cString: sqlite3_errmsg(db)))
        }
        var values: [String: SQLValue] = [:]
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
        rows.append(SQLRow(values: values))
      }
      return rows
    }
  }

  /// BEGIN IMMEDIATE: the write lock is taken at once (waiting up to the busy timeout), so
  /// a transaction that read never finds the file changed under it when it writes.
  ///
  /// A non-durable transaction commits at `synchronous = NORMAL`: in WAL mode its commit is
  /// appended to the log without an fsync (one to two milliseconds of a runtime step each
  /// on this disk), and the log is flushed at the next durable commit or checkpoint. The
  /// level is set outside the transaction, where SQLite takes it.
  func begin(durable: Bool) throws {
    try locked {
      if !durable && durableLevel > 1 {
        try execute("PRAGMA synchronous = NORMAL")
        relaxed = true
      }
      do {
        try execute("BEGIN IMMEDIATE")
      } catch {
        try restoreLevel()
        throw error
      }
    }
  }
  func commit() throws {
    try locked {
      try execute("COMMIT")
      try restoreLevel()
    }
  }
  func rollback() throws {
    try locked {
      defer { try? restoreLevel() }
      try execute("ROLLBACK")
    }
  }

  private func restoreLevel() throws {
    guard relaxed else { return }
    try execute("PRAGMA synchronous = \(durableLevel)")
    relaxed = false
  }

  /// Another process held the file past the busy timeout: worth another try.
  func classify(_ error: any Error) -> TransactionFailure {
    guard let failure = (error as? DojoError)?.cause as? SQLiteFailure else { return .other }
    let code = failure.code & 0xff
    return code == SQLITE_BUSY || code == SQLITE_LOCKED ? .conflict : .other
  }

  /// The error for what SQLite just said, with its result code kept for ``classify(_:)``.
  private func failure(_ message: String) -> DojoError {
    DojoError(
      .io, "registry \(path): \(message)",
      cause: SQLiteFailure(code: sqlite3_extended_errcode(db)))
  }

  /// A file connection is never lost.
  func reconnect() throws {}

  private func locked<T>(_ body: () throws -> T) rethrows -> T {
    lock.lock()
    defer { lock.unlock() }
    return try body()
  }
}

/// SQLite's extended result code of a failed call.
struct SQLiteFailure: Error, Sendable {
  var code: Int32
}
