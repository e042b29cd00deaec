internal import DojoCore
internal import Foundation
import Synchronization

/// The registry's one connection, its lock and its thread: what GRDB's `DatabaseQueue` is to
/// a SQLite file, for either backend.
///
/// - Every statement, and every transaction as a whole, holds the lock, so a transaction's
///   statements never interleave with another thread's on the shared connection.
/// - ``transaction(_:)`` runs its body again when another writer got in the way
///   (serialization failure, deadlock, a busy file) or the connection was lost before the
///   commit, so concurrent publishers on many machines neither lose a row nor fail.
/// - ``perform(_:)`` runs blocking registry work on the store's own thread for async
///   callers (the runtime's actors), never on Swift's cooperative pool.
final class RegistryStore: Sendable {
  let connection: any RegistryConnection
  private let lock = NSRecursiveLock()
  private let depth = Mutex(0)
  private let worker: SerialThread

  /// Most runs of one transaction before its conflict is reported.
  static let maxAttempts = 30

  init(_ connection: any RegistryConnection) {
    self.connection = connection
    worker = SerialThread(name: "dojo-registry")
  }

  var dialect: SQLDialect { connection.dialect }
  var shownLocation: String { connection.shownLocation }

  /// Runs one statement with bound values and returns its rows.
  @discardableResult
  func query(_ sql: String, _ arguments: [SQLValue] = []) throws -> [SQLRow] {
    try locked { try connection.query(sql, arguments) }
  }

  /// Runs statements without values (migrations).
  func execute(_ sql: String) throws {
    try locked { try connection.execute(sql) }
  }

  /// Runs `body` in one transaction: all of it or none of it. A body already inside this
  /// store's transaction (on this thread) joins it.
  ///
  /// - Parameter durable: false for records that only matter while the writers sharing the
  ///   registry live; see ``RegistryConnection/begin(durable:)``.
  @discardableResult
  func transaction<T>(durable: Bool = true, _ body: () throws -> T) throws -> T {
    try locked {
      if depth.withLock({ $0 }) > 0 { return try body() }
      var attempt = 0
      while true {
        attempt += 1
        do {
          try connection.begin(durable: durable)
          depth.withLock { $0 += 1 }
          defer { depth.withLock { $0 -= 1 } }
          do {
            let result = try body()
            try connection.commit()
            return result
          } catch {
            try? connection.rollback()
            throw error
          }
        } catch {
          let failure = connection.classify(error)
          guard failure != .other, attempt < Self.maxAttempts else {
            if failure == .conflict {
              throw DojoError(
                .conflict,
                "registry \(shownLocation): a transaction kept conflicting with other writers (\(attempt) tries): \(error)",
                cause: error as? DojoError)
            }
            throw error
          }
          if failure == .connectionLost { try? connection.reconnect() }
          // Backs off a little, at random, so that the writers that collided do not collide
          // again in step.
          let delay = Double.random(in: 0.005...0.02) * Double(min(attempt, 10))
          Thread.sleep(forTimeInterval: delay)
        }
      }
    }
  }

  /// Runs `body` on the store's thread and awaits it.
  func perform<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await worker.run(body)
  }

  private func locked<T>(_ body: () throws -> T) rethrows -> T {
    lock.lock()
    defer { lock.unlock() }
    return try body()
  }
}
