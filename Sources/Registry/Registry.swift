public import DojoCore
public import Foundation

/// A published task version as the registry holds it.
public struct PublishedTask: Codable, Sendable, Equatable {
  public var id: String
  public var version: String
  public var title: String
  public var metric: String
  public var lowerIsBetter: Bool
  public var trainRows: Int
  public var testRows: Int
  /// The task folder it was published from.
  public var path: String
  public var publishedAt: String
  /// SHA-256 of the manifest the task was prepared from, when known.
  public var manifestSHA256: String?

  enum CodingKeys: String, CodingKey {
    case id, version, title, metric, path
    case lowerIsBetter = "lower_is_better"
    case trainRows = "train_rows"
    case testRows = "test_rows"
    case publishedAt = "published_at"
    case manifestSHA256 = "manifest_sha256"
  }
}

/// One leaderboard entry stored with a task version.
public struct LeaderboardEntry: Codable, Sendable, Equatable {
  /// `public` or `private`.
  public var board: String
  public var rank: Int
  public var score: Double

  public init(board: String, rank: Int, score: Double) {
    self.board = board
    self.rank = rank
    self.score = score
  }
}

/// Everything that is published for one task version.
public struct PublishRequest: Sendable {
  public var spec: TaskSpec
  public var manifestSHA256: String?
  public var checksums: [FileTree.Entry]
  /// The validation report, as JSON.
  public var reportJSON: String?
  public var leaderboard: [LeaderboardEntry]
  /// The task folder.
  public var path: String
  /// The validation checks that did not run and were allowed to be missing.
  public var skippedChecks: [SkippedCheck]

  public init(
    spec: TaskSpec, manifestSHA256: String?, checksums: [FileTree.Entry], reportJSON: String?,
    leaderboard: [LeaderboardEntry], path: String, skippedChecks: [SkippedCheck] = []
  ) {
    self.skippedChecks = skippedChecks
    self.spec = spec
    self.manifestSHA256 = manifestSHA256
    self.checksums = checksums
    self.reportJSON = reportJSON
    self.leaderboard = leaderboard
    self.path = path
  }
}

/// The versioned registry of curated tasks, on either backend: a SQLite file (WAL mode,
/// foreign keys on) for one machine, or a PostgreSQL database that many machines share. The
/// same numbered migrations build both, each applied once and recorded in the database.
/// Publishing is one transaction, so readers never see a half-published task. The runtime
/// reads only this.
///
/// Calls block the calling thread; async callers use ``perform(_:)``, which runs them on the
/// registry's own thread.
public final class Registry: Sendable {
  let db: RegistryStore
  /// Where the registry is.
  public let location: RegistryLocation

  /// The schema version this build writes.
  public static let schemaVersion = migrations.count

  /// Each migration takes the schema from version i to i+1, in each backend's SQL (the same
  /// tables, columns and keys; PostgreSQL's integers are BIGINT, its reals DOUBLE
  /// PRECISION). Never edit a shipped one: add.
  static let migrations: [(sqlite: String, postgres: String)] = [
    (
      """
      CREATE TABLE competitions (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        first_published_at TEXT NOT NULL
      );
      CREATE TABLE task_versions (
        competition_id TEXT NOT NULL REFERENCES competitions(id),
        version TEXT NOT NULL,
        title TEXT NOT NULL,
        metric_name TEXT NOT NULL,
        lower_is_better INTEGER NOT NULL,
        manifest_sha256 TEXT,
        task_json TEXT NOT NULL,
        checksums_json TEXT NOT NULL,
        report_json TEXT,
        path TEXT NOT NULL,
        train_rows INTEGER NOT NULL,
        test_rows INTEGER NOT NULL,
        published_at TEXT NOT NULL,
        PRIMARY KEY (competition_id, version)
      );
      CREATE TABLE leaderboard_entries (
        competition_id TEXT NOT NULL,
        version TEXT NOT NULL,
        board TEXT NOT NULL,
        rank INTEGER NOT NULL,
        score REAL NOT NULL,
        FOREIGN KEY (competition_id, version) REFERENCES task_versions(competition_id, version)
          ON DELETE CASCADE
      );
      CREATE INDEX leaderboard_by_task ON leaderboard_entries(competition_id, version, board);
      """,
      """
      CREATE TABLE competitions (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        first_published_at TEXT NOT NULL
      );
      CREATE TABLE task_versions (
        competition_id TEXT NOT NULL REFERENCES competitions(id),
        version TEXT NOT NULL,
        title TEXT NOT NULL,
        metric_name TEXT NOT NULL,
        lower_is_better BIGINT NOT NULL,
        manifest_sha256 TEXT,
        task_json TEXT NOT NULL,
        checksums_json TEXT NOT NULL,
        report_json TEXT,
        path TEXT NOT NULL,
        train_rows BIGINT NOT NULL,
        test_rows BIGINT NOT NULL,
        published_at TEXT NOT NULL,
        PRIMARY KEY (competition_id, version)
      );
      CREATE TABLE leaderboard_entries (
        competition_id TEXT NOT NULL,
        version TEXT NOT NULL,
        board TEXT NOT NULL,
        rank BIGINT NOT NULL,
        score DOUBLE PRECISION NOT NULL,
        FOREIGN KEY (competition_id, version) REFERENCES task_versions(competition_id, version)
          ON DELETE CASCADE
      );
      CREATE INDEX leaderboard_by_task ON leaderboard_entries(competition_id, version, board);
      """
    ),
    // 2: the runtime's sessions and every step they took (see SessionRecords.swift).
    (
      """
      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        competition_id TEXT NOT NULL,
        version TEXT NOT NULL,
        agent TEXT,
        options_json TEXT NOT NULL,
        state_json TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        closed_at TEXT
      );
      CREATE INDEX sessions_by_task ON sessions(competition_id, version);
      CREATE TABLE session_steps (
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        action TEXT NOT NULL,
        code TEXT,
        observation_json TEXT NOT NULL,
        reward REAL NOT NULL,
        score REAL,
        started_at TEXT NOT NULL,
        finished_at TEXT NOT NULL,
        PRIMARY KEY (session_id, step)
      );
      """,
      """
      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        competition_id TEXT NOT NULL,
        version TEXT NOT NULL,
        agent TEXT,
        options_json TEXT NOT NULL,
        state_json TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        closed_at TEXT
      );
      CREATE INDEX sessions_by_task ON sessions(competition_id, version);
      CREATE TABLE session_steps (
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        step BIGINT NOT NULL,
        action TEXT NOT NULL,
        code TEXT,
        observation_json TEXT NOT NULL,
        reward DOUBLE PRECISION NOT NULL,
        score DOUBLE PRECISION,
        started_at TEXT NOT NULL,
        finished_at TEXT NOT NULL,
        PRIMARY KEY (session_id, step)
      );
      """
    ),
    // 3: every validation and import outcome, passed or failed (see ValidationRecords.swift):
    // failing tasks are never published, yet curators need to see them. SQLite orders them
    // by its implicit rowid; PostgreSQL has none, so it numbers them in `seq`.
    (
      """
      CREATE TABLE validations (
        competition_id TEXT NOT NULL,
        version TEXT,
        title TEXT NOT NULL,
        category TEXT,
        metric_name TEXT,
        passed INTEGER NOT NULL,
        failed_check TEXT,
        message TEXT,
        report_json TEXT,
        recorded_at TEXT NOT NULL
      );
      CREATE INDEX validations_by_task ON validations(competition_id);
      """,
      """
      CREATE TABLE validations (
        seq BIGSERIAL PRIMARY KEY,
        competition_id TEXT NOT NULL,
        version TEXT,
        title TEXT NOT NULL,
        category TEXT,
        metric_name TEXT,
        passed BIGINT NOT NULL,
        failed_check TEXT,
        message TEXT,
        report_json TEXT,
        recorded_at TEXT NOT NULL
      );
      CREATE INDEX validations_by_task ON validations(competition_id);
      """
    ),
    // 4: the validation checks a version was published without (see ValidationRecords.swift):
    // a skipped check is never a pass, so what was allowed to be missing is kept.
    (
      """
      CREATE TABLE skipped_checks (
        competition_id TEXT NOT NULL,
        version TEXT NOT NULL,
        check_name TEXT NOT NULL,
        reason TEXT NOT NULL,
        PRIMARY KEY (competition_id, version, check_name),
        FOREIGN KEY (competition_id, version) REFERENCES task_versions(competition_id, version)
          ON DELETE CASCADE
      );
      """,
      """
      CREATE TABLE skipped_checks (
        competition_id TEXT NOT NULL,
        version TEXT NOT NULL,
        check_name TEXT NOT NULL,
        reason TEXT NOT NULL,
        PRIMARY KEY (competition_id, version, check_name),
        FOREIGN KEY (competition_id, version) REFERENCES task_versions(competition_id, version)
          ON DELETE CASCADE
      );
      """
    ),
    // 5: every competition's import outcome, tagged with the run it was part of (see
    // ImportRecords.swift): a Slurm job's summary is read from here, whichever node imported.
    // SQLite orders them by its implicit rowid; PostgreSQL numbers them in `seq`.
    (
      """
      CREATE TABLE import_records (
        run TEXT NOT NULL,
        competition_id TEXT NOT NULL,
        succeeded INTEGER NOT NULL,
        stage TEXT NOT NULL,
        version TEXT,
        skipped TEXT NOT NULL,
        seconds REAL NOT NULL,
        error TEXT,
        host TEXT NOT NULL,
        recorded_at TEXT NOT NULL
      );
      CREATE INDEX import_records_by_run ON import_records(run, competition_id);
      """,
      """
      CREATE TABLE import_records (
        seq BIGSERIAL PRIMARY KEY,
        run TEXT NOT NULL,
        competition_id TEXT NOT NULL,
        succeeded BIGINT NOT NULL,
        stage TEXT NOT NULL,
        version TEXT,
        skipped TEXT NOT NULL,
        seconds DOUBLE PRECISION NOT NULL,
        error TEXT,
        host TEXT NOT NULL,
        recorded_at TEXT NOT NULL
      );
      CREATE INDEX import_records_by_run ON import_records(run, competition_id);
      """
    ),
    // 6: who is running a step of a session now (see SessionLeases.swift): replicas of the
    // runtime that share a registry never run two steps of one session at once.
    (
      """
      CREATE TABLE session_leases (
        session_id TEXT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
        holder TEXT NOT NULL,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        acquired_at TEXT NOT NULL,
        expires_at REAL NOT NULL
      );
      """,
      """
      CREATE TABLE session_leases (
        session_id TEXT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
        holder TEXT NOT NULL,
        host TEXT NOT NULL,
        pid BIGINT NOT NULL,
        acquired_at TEXT NOT NULL,
        expires_at DOUBLE PRECISION NOT NULL
      );
      """
    ),
  ]

  /// Opens the registry at `url`: a file URL is a SQLite file (created, with its folder, if
  /// needed), a `postgres://` URL a PostgreSQL database. Migrations are applied as needed.
  ///
  /// - Throws: ``DojoError`` `.io` if it cannot be opened or reached, `.conflict` if it was
  ///   written by a newer Dojo.
  public convenience init(at url: URL) throws {
    try self.init(try RegistryLocation(url))
  }

  /// Opens the registry at `location`, applying migrations as needed.
  ///
  /// - Throws: ``DojoError`` `.io` if it cannot be opened or reached (in one line naming the
  ///   location without a password), `.conflict` if it was written by a newer Dojo.
  public init(_ location: RegistryLocation) throws {
    self.location = location
    switch location {
    case .sqlite(let path):
      try AtomicFiles.createDirectory(URL(fileURLWithPath: path).deletingLastPathComponent())
      db = RegistryStore(try SQLiteDatabase(path: path))
    case .postgres(let postgres):
      db = RegistryStore(try PostgresDatabase(postgres))
    }
    try migrate()
  }

  /// Runs `body` with this registry on the registry's own thread, for async callers: the
  /// blocking calls it makes never hold a thread of Swift's cooperative pool.
  public func perform<T: Sendable>(_ body: @escaping @Sendable (Registry) throws -> T)
    async throws -> T
  {
    try await db.perform { try body(self) }
  }

  /// Applies the migrations this database has not had, in one transaction. SQLite records
  /// the version in `PRAGMA user_version`; PostgreSQL in `dojo_schema_migrations`, behind an
  /// advisory lock so that replicas starting at once apply each migration once. The lock is
  /// taken before the transaction begins: a SERIALIZABLE transaction's snapshot would
  /// otherwise predate the migrations of the replica it waited for.
  private func migrate() throws {
    if db.dialect == .postgres {
      try db.query("SELECT true AS locked FROM pg_advisory_lock(7106041)")
    }
    defer {
      if db.dialect == .postgres {
        _ = try? db.query("SELECT pg_advisory_unlock(7106041) AS unlocked")
      }
    }
    try db.transaction {
      let current: Int
      switch db.dialect {
      case .sqlite:
        current = Int(try db.query("PRAGMA user_version").first?["user_version"].integer ?? 0)
      case .postgres:
        try db.execute(
          "CREATE TABLE IF NOT EXISTS dojo_schema_migrations (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        current = Int(
          try db.query("SELECT MAX(version) AS version FROM dojo_schema_migrations").first?[
            "version"
          ].integer ?? 0)
      }
      if current > Self.schemaVersion {
        throw DojoError(
          .conflict,
          "registry \(db.shownLocation) has schema version \(current), newer than this Dojo's \(Self.schemaVersion); upgrade Dojo"
        )
      }
      for version in current..<Self.schemaVersion {
        switch db.dialect {
        case .sqlite:
          try db.execute(Self.migrations[version].sqlite)
          try db.execute("PRAGMA user_version = \(version + 1)")
        case .postgres:
          try db.execute(Self.migrations[version].postgres)
          try db.query(
            "INSERT INTO dojo_schema_migrations (version, applied_at) VALUES (?, ?)",
            [.integer(Int64(version + 1)), .text(ISO8601DateFormatter().string(from: Date()))])
        }
      }
    }
  }

  /// Publishes a task version in one transaction. Publishing the same version again is a
  /// no-op and returns false; a new version keeps the old ones.
  @discardableResult
  public func publish(_ request: PublishRequest, now: Date = Date()) throws -> Bool {
    let spec = request.spec
    let stamp = ISO8601DateFormatter().string(from: now)
    return try db.transaction {
      let existing = try db.query(
        "SELECT 1 FROM task_versions WHERE competition_id = ? AND version = ?",
        [.text(spec.id), .text(spec.version)])
      if !existing.isEmpty { return false }
      try db.query(
        "INSERT INTO competitions (id, title, first_published_at) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET title = excluded.title",
        [.text(spec.id), .text(spec.title), .text(stamp)])
      let taskJSON = String(decoding: try StableJSON.encode(spec), as: UTF8.self)
      let checksums = String(decoding: try StableJSON.encode(request.checksums), as: UTF8.self)
      try db.query(
        """
        INSERT INTO task_versions (competition_id, version, title, metric_name, lower_is_better,
          manifest_sha256, task_json, checksums_json, report_json, path, train_rows, test_rows,
          published_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
          .text(spec.id), .text(spec.version), .text(spec.title), .text(spec.metric.name),
          .integer(spec.lowerIsBetter ? 1 : 0),
          request.manifestSHA256.map(SQLValue.text) ?? .null,
          .text(taskJSON), .text(checksums), request.reportJSON.map(SQLValue.text) ?? .null,
          .text(request.path), .integer(Int64(spec.trainRows)), .integer(Int64(spec.testRows)),
          .text(stamp),
        ])
      try recordSkipped(request.skippedChecks, id: spec.id, version: spec.version)
      for entry in request.leaderboard {
        try db.query(
          "INSERT INTO leaderboard_entries (competition_id, version, board, rank, score) VALUES (?, ?, ?, ?, ?)",
          [
            .text(spec.id), .text(spec.version), .text(entry.board), .integer(Int64(entry.rank)),
            .real(entry.score),
          ])
      }
      return true
    }
  }

  /// Every published version, newest first within each competition.
  public func list() throws -> [PublishedTask] {
    try db.query(Self.selectTask + " ORDER BY competition_id, published_at DESC, version")
      .map(Self.task)
  }

  /// The newest published versions, one per competition.
  public func latest() throws -> [PublishedTask] {
    var seen = Set<String>()
    return try list().filter { seen.insert($0.id).inserted }
  }

  /// A competition's versions, newest first.
  public func versions(of id: String) throws -> [PublishedTask] {
    try db.query(
      Self.selectTask + " WHERE competition_id = ? ORDER BY published_at DESC, version", [.text(id)]
    ).map(Self.task)
  }

  /// One version (the newest when `version` is nil).
  ///
  /// - Throws: ``DojoError`` `.notFound` naming what is published instead.
  public func task(_ id: String, version: String? = nil) throws -> PublishedTask {
    let all = try versions(of: id)
    guard let first = all.first else {
      throw DojoError(.notFound, "no task \"\(id)\" is published; run `dojo publish` first")
    }
    guard let version else { return first }
    guard let match = all.first(where: { $0.version == version }) else {
      throw DojoError(
        .notFound,
        "task \"\(id)\" has no version \(version) (published: \(all.map(\.version).joined(separator: ", ")))"
      )
    }
    return match
  }

  /// The task.json stored for a version.
  public func spec(_ id: String, version: String) throws -> TaskSpec {
    let rows = try db.query(
      "SELECT task_json FROM task_versions WHERE competition_id = ? AND version = ?",
      [.text(id), .text(version)])
    guard let json = rows.first?["task_json"].text else {
      throw DojoError(.notFound, "task \(id) \(version) is not published")
    }
    return try JSONDecoder().decode(TaskSpec.self, from: Data(json.utf8))
  }

  /// The stored validation report, as JSON, if any.
  public func report(_ id: String, version: String) throws -> String? {
    try db.query(
      "SELECT report_json FROM task_versions WHERE competition_id = ? AND version = ?",
      [.text(id), .text(version)]
    ).first?["report_json"].text
  }

  /// The stored checksums of a version.
  public func checksums(_ id: String, version: String) throws -> [FileTree.Entry] {
    let rows = try db.query(
      "SELECT checksums_json FROM task_versions WHERE competition_id = ? AND version = ?",
      [.text(id), .text(version)])
    guard let json = rows.first?["checksums_json"].text else {
      throw DojoError(.notFound, "task \(id) \(version) is not published")
    }
    return try JSONDecoder().decode([FileTree.Entry].self, from: Data(json.utf8))
  }

  /// The stored leaderboard of a version, by board then rank.
  public func leaderboard(_ id: String, version: String) throws -> [LeaderboardEntry] {
    try db.query(
      "SELECT board, rank, score FROM leaderboard_entries WHERE competition_id = ? AND version = ? ORDER BY board DESC, rank",
      [.text(id), .text(version)]
    ).map {
      LeaderboardEntry(
        board: $0["board"].text ?? "", rank: Int($0["rank"].integer ?? 0),
        score: $0["score"].real ?? 0)
    }
  }

  /// What differs between two versions of a competition: metadata fields and files.
  public func diff(_ id: String, _ a: String, _ b: String) throws -> RegistryDiff {
    let left = try task(id, version: a)
    let right = try task(id, version: b)
    var fields: [RegistryDiff.Field] = []
    func compare(_ name: String, _ x: String, _ y: String) {
      if x != y { fields.append(.init(name: name, old: x, new: y)) }
    }
    compare("title", left.title, right.title)
    compare("metric", left.metric, right.metric)
    compare("lower_is_better", String(left.lowerIsBetter), String(right.lowerIsBetter))
    compare("train_rows", String(left.trainRows), String(right.trainRows))
    compare("test_rows", String(left.testRows), String(right.testRows))
    compare("manifest_sha256", left.manifestSHA256 ?? "-", right.manifestSHA256 ?? "-")
    let old = Dictionary(
      uniqueKeysWithValues: try checksums(id, version: a).map { ($0.path, $0.sha256) })
    let new = Dictionary(
      uniqueKeysWithValues: try checksums(id, version: b).map { ($0.path, $0.sha256) })
    var files: [RegistryDiff.File] = []
    for path in Set(old.keys).union(new.keys).sorted() {
      switch (old[path], new[path]) {
      case (nil, _?): files.append(.init(path: path, change: "added"))
      case (_?, nil): files.append(.init(path: path, change: "removed"))
      case (let x?, let y?) where x != y: files.append(.init(path: path, change: "changed"))
      default: break
      }
    }
    return RegistryDiff(id: id, from: a, to: b, fields: fields, files: files)
  }

  static let selectTask = """
    SELECT competition_id, version, title, metric_name, lower_is_better, train_rows, test_rows,
      path, published_at, manifest_sha256 FROM task_versions
    """

  static func task(_ row: SQLRow) -> PublishedTask {
    PublishedTask(
      id: row["competition_id"].text ?? "", version: row["version"].text ?? "",
      title: row["title"].text ?? "", metric: row["metric_name"].text ?? "",
      lowerIsBetter: row["lower_is_better"].integer == 1,
      trainRows: Int(row["train_rows"].integer ?? 0), testRows: Int(row["test_rows"].integer ?? 0),
      path: row["path"].text ?? "", publishedAt: row["published_at"].text ?? "",
      manifestSHA256: row["manifest_sha256"].text)
  }
}

/// The differences between two published versions.
public struct RegistryDiff: Codable, Sendable, Equatable {
  public struct Field: Codable, Sendable, Equatable {
    public var name: String
    public var old: String
    public var new: String
  }
  public struct File: Codable, Sendable, Equatable {
    public var path: String
    /// `added`, `removed` or `changed`.
    public var change: String
  }
  public var id: String
  public var from: String
  public var to: String
  public var fields: [Field]
  public var files: [File]
}
