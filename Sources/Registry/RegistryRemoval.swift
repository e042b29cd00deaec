internal import DojoCore

extension Registry {
  /// Removes a published task: one version, or every version when `version` is nil, with its
  /// leaderboard, skipped checks and validation records, in one transaction. The competition
  /// goes too once it has no version left. Sessions run on it stay, so their trajectories
  /// and the report keep what agents did.
  ///
  /// - Returns: the versions removed, newest first.
  /// - Throws: ``DojoError`` `.notFound` naming the task or version and the ones that exist.
  @discardableResult
  public func remove(_ id: String, version: String? = nil) throws -> [String] {
    try db.transaction {
      let all = try versions(of: id).map(\.version)
      guard !all.isEmpty else {
        throw DojoError(
          .notFound, "no task \"\(id)\" is published; `dojo registry list` shows those that are")
      }
      let doomed: [String]
      if let version {
        guard all.contains(version) else {
          throw DojoError(
            .notFound,
            "\(id) has no version \(version); its versions are \(all.joined(separator: ", "))")
        }
        doomed = [version]
      } else {
        doomed = all
      }
      for v in doomed {
        let key: [SQLValue] = [.text(id), .text(v)]
        try db.query(
          "DELETE FROM leaderboard_entries WHERE competition_id = ? AND version = ?", key)
        try db.query("DELETE FROM skipped_checks WHERE competition_id = ? AND version = ?", key)
        try db.query("DELETE FROM validations WHERE competition_id = ? AND version = ?", key)
        try db.query("DELETE FROM task_versions WHERE competition_id = ? AND version = ?", key)
      }
      if doomed.count == all.count {
        try db.query("DELETE FROM validations WHERE competition_id = ?", [.text(id)])
        try db.query("DELETE FROM competitions WHERE id = ?", [.text(id)])
      }
      return doomed
    }
  }
}
