public import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// One runtime process among those that share a registry: where it runs and which process
/// it is, so a refusal can say where a session's step is running.
public struct ReplicaIdentity: Sendable, Equatable, Codable {
  public var host: String
  public var pid: Int
  /// Unique to this process's life (a pid is reused after a restart).
  public var token: String

  public init(host: String, pid: Int, token: String) {
    self.host = host
    self.pid = pid
    self.token = token
  }

  /// This process.
  public static let current = ReplicaIdentity(
    host: ProcessInfo.processInfo.hostName, pid: Int(ProcessInfo.processInfo.processIdentifier),
    token: UUID().uuidString.lowercased())

  /// `host:pid`, as messages show it.
  public var shown: String { "\(host):\(pid)" }

  /// Whether this replica is known to be dead: it ran on this host and its process is gone.
  /// (A replica on another host is only known dead when its lease expires.)
  public var isGone: Bool {
    guard host == Self.current.host, pid > 0, pid != Self.current.pid else { return false }
    return kill(pid_t(pid), 0) != 0 && errno == ESRCH
  }
}

/// Who holds a session's step lease, and until when.
public struct SessionLease: Sendable, Equatable {
  public var session: String
  public var holder: ReplicaIdentity
  public var acquiredAt: String
  public var expiresAt: Date
}

extension Registry {
  /// Takes the lease on `session`'s steps for `holder` until `seconds` from `now`, unless
  /// another replica holds one that has not expired. One transaction: of two replicas that
  /// ask at once, one gets it and the other is shown the first's lease.
  ///
  /// Leases are not flushed on SQLite (``RegistryConnection/begin(durable:)``): they
  /// matter only while their holders live, and all of them die with the machine.
  ///
  /// - Returns: nil when the lease is `holder`'s now; the other replica's lease when it is
  ///   busy.
  public func acquireLease(
    session: String, holder: ReplicaIdentity, seconds: Double, now: Date = Date()
  ) throws -> SessionLease? {
    try db.transaction(durable: false) {
      if let current = try lease(session: session), current.holder.token != holder.token,
        current.expiresAt > now, !current.holder.isGone
      {
        return current
      }
      try db.query("DELETE FROM session_leases WHERE session_id = ?", [.text(session)])
      try db.query(
        """
        INSERT INTO session_leases (session_id, holder, host, pid, acquired_at, expires_at)
          VALUES (?, ?, ?, ?, ?, ?)
        """,
        [
          .text(session), .text(holder.token), .text(holder.host), .integer(Int64(holder.pid)),
          .text(ISO8601DateFormatter().string(from: now)),
          .real(now.addingTimeInterval(seconds).timeIntervalSince1970),
        ])
      return nil
    }
  }

  /// Extends `holder`'s lease on `session` to `seconds` from `now`.
  ///
  /// - Returns: false when the lease is no longer `holder`'s (it expired and another
  ///   replica took it).
  @discardableResult
  public func renewLease(
    session: String, holder: ReplicaIdentity, seconds: Double, now: Date = Date()
  ) throws -> Bool {
    try db.transaction(durable: false) {
      guard try lease(session: session)?.holder.token == holder.token else { return false }
      try db.query(
        "UPDATE session_leases SET expires_at = ? WHERE session_id = ? AND holder = ?",
        [
          .real(now.addingTimeInterval(seconds).timeIntervalSince1970), .text(session),
          .text(holder.token),
        ])
      return true
    }
  }

  /// Gives up `holder`'s lease on `session` (nothing if it holds none).
  public func releaseLease(session: String, holder: ReplicaIdentity) throws {
    try db.transaction(durable: false) {
      try db.query(
        "DELETE FROM session_leases WHERE session_id = ? AND holder = ?",
        [.text(session), .text(holder.token)])
    }
  }

  /// Removes the leases of replicas known dead (on this host, their process gone), so the
  /// steps they left unfinished can be marked interrupted at once.
  ///
  /// - Returns: the sessions whose lease was removed.
  @discardableResult
  public func releaseLeasesOfGoneReplicas() throws -> [String] {
    let gone = try db.query("SELECT session_id, holder, host, pid FROM session_leases").filter {
      ReplicaIdentity(
        host: $0["host"].text ?? "", pid: Int($0["pid"].integer ?? 0),
        token: $0["holder"].text ?? ""
      ).isGone
    }
    for row in gone {
      try db.query(
        "DELETE FROM session_leases WHERE session_id = ? AND holder = ?",
        [row["session_id"], row["holder"]])
    }
    return gone.map { $0["session_id"].text ?? "" }
  }

  /// The lease on `session`, expired or not, if any.
  public func lease(session: String) throws -> SessionLease? {
    try db.query(
      "SELECT holder, host, pid, acquired_at, expires_at FROM session_leases WHERE session_id = ?",
      [.text(session)]
    ).first.map { row in
      SessionLease(
        session: session,
        holder: ReplicaIdentity(
          host: row["host"].text ?? "", pid: Int(row["pid"].integer ?? 0),
          token: row["holder"].text ?? ""),
        acquiredAt: row["acquired_at"].text ?? "",
        expiresAt: Date(timeIntervalSince1970: row["expires_at"].real ?? 0))
    }
  }
}
