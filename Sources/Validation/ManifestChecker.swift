internal import Curation
internal import DojoCore
public import Foundation
internal import Grading

/// Static checks of a manifest that need no data (`dojo check`): it parses; its metric
/// exists and its parameters fit the answers; its leaderboards parse, are ordered in the
/// metric's direction and hold plausible scores; its columns agree across sections. Where
/// the data is unpacked (`raw/<id>/files`), also the checks `prepare` makes on reading the
/// labelled table (``Preparer/checkData(raw:)``): labels, time column, ties at the cut.
public struct ManifestChecker: Sendable {
  /// A folder of reference leaderboards (`<slug>/{public,private}.csv`) whose row counts the
  /// manifest's copies must match, when given.
  public var catalogLeaderboards: URL?
  /// The downloads folder (`raw/`, holding `<id>/files`), when the data checks should run
  /// for the manifests whose data is there.
  public var raw: URL?
  /// The Python interpreter, for a Parquet table read in the sandbox.
  public var python: String

  public init(catalogLeaderboards: URL? = nil, raw: URL? = nil, python: String = "python3") {
    self.catalogLeaderboards = catalogLeaderboards
    self.raw = raw
    self.python = python
  }

  /// One manifest's result.
  public struct Result: Codable, Sendable {
    public var id: String
    public var passed: Bool
    /// What failed, one line each.
    public var problems: [String]
    /// What was checked, for the report.
    public var notes: [String]
    /// What the curator should know that does not fail the manifest (a time cut inside a
    /// run of equal times), with the manifest line.
    public var warnings: [String] = []
  }

  /// Checks the manifest in `directory` (a folder holding `manifest.yaml`).
  public func check(_ directory: URL) -> Result {
    let id = directory.lastPathComponent
    let loaded: LoadedManifest
    do {
      loaded = try ManifestLoader.load(directory)
    } catch let error as DojoError {
      return Result(id: id, passed: false, problems: [error.message], notes: [])
    } catch {
      return Result(id: id, passed: false, problems: ["\(error)"], notes: [])
    }
    var problems: [String] = []
    var notes: [String] = []
    let m = loaded.manifest
    if m.id != id {
      problems.append("id \"\(m.id)\" differs from its folder name \"\(id)\"")
    }
    // Metric and parameters against the answers.
    var lowerIsBetter = false
    do {
      let resolved = try MetricCatalogue.resolve(m.metric)
      lowerIsBetter = m.metric.lowerIsBetter ?? resolved.definition.lowerIsBetter
      if resolved.definition.shape == .classProbabilities && m.answers.classes == nil {
        notes.append("classes are read from the data at prepare time")
      } else {
        let columns = try SubmissionLayout.layout(
          for: m.metric, answers: m.answers, classes: m.answers.classes ?? ["a", "b"])
        notes.append("submission columns \(columns.count)")
      }
      notes.append("metric \(resolved.name)")
    } catch let error as DojoError {
      problems.append("metric: \(error.message)")
    } catch {
      problems.append("metric: \(error)")
    }
    // Columns that must agree across sections.
    let split = m.split
    if let s = split.stratify, s == m.answers.id {
      problems.append("split.stratify names the id column \"\(s)\"")
    }
    if let g = split.group, m.answers.targets.contains(g) {
      problems.append("split.group names the target column \"\(g)\"")
    }
    if let t = split.time, m.answers.targets.contains(t) {
      problems.append("split.time names the target column \"\(t)\"")
    }
    for media in m.media {
      if let c = media.column, m.answers.targets.contains(c) {
        problems.append("media.column names the target column \"\(c)\"")
      }
    }
    // A script split writes the task itself: the declarative keys would be silently
    // ignored, so a manifest that sets them is refused rather than published without them.
    if split.strategy == .script {
      let ignored = [
        ("media", !m.media.isEmpty), ("table", m.table != nil), ("public", m.publicFiles != nil),
      ].filter(\.1).map(\.0)
      // A files.train that only has to exist (the sample submission named to satisfy the
      // key) says nothing true: a script split goes without it.
      let train = (m.files.train as NSString).lastPathComponent.lowercased()
        .filter { $0.isLetter }
      if !m.files.train.isEmpty,
        m.files.train == m.files.sampleSubmission || train.hasPrefix("samplesubmission")
      {
        problems.append(
          "files.train \"\(m.files.train)\" is a placeholder (the sample submission): a script split reads the archive itself, so leave files.train out"
        )
      }
      for key in ignored {
        problems.append(
          "\(key): is ignored by split.strategy: script, whose script writes public/ itself; copy what \(key) says in the script and remove the key, or make the split declarative"
        )
      }
    }
    // Loading refused paths that leave the manifest's folder; these must also exist.
    for (key, local) in [
      ("split.script", split.script), ("reference.solution", m.reference?.solution),
    ] {
      guard let local else { continue }
      do {
        if !FileManager.default.fileExists(atPath: try loaded.localFile(local, key: key).path) {
          problems.append("\(local) is named by the manifest but does not exist next to it")
        }
      } catch let error as DojoError {
        problems.append(error.message)
      } catch {
        problems.append("\(key): \(error)")
      }
    }
    // Leaderboards.
    if let lb = m.leaderboard, !lb.fromKaggle {
      let range = MetricRange.of(m.metric)
      for (name, path) in [("public", lb.publicBoard), ("private", lb.privateBoard)] {
        guard let path else { continue }
        do {
          let url = try loaded.localFile(path, key: "leaderboard.\(name)")
          let board = try Leaderboard.read(url)
          guard let best = board.scores.first, let worst = board.scores.last else {
            problems.append("leaderboard.\(name): \(path) has no scores")
            continue
          }
          if let i = board.scores.indices.dropLast().first(where: {
            lowerIsBetter
              ? board.scores[$0] > board.scores[$0 + 1] : board.scores[$0] < board.scores[$0 + 1]
          }) {
            problems.append(
              "leaderboard.\(name): \(path) is not ordered \(lowerIsBetter ? "lowest" : "highest") first at entry \(i + 2); is the metric's direction right?"
            )
          }
          if !range.contains(best) || !range.contains(worst) {
            problems.append(
              "leaderboard.\(name): scores \(best)...\(worst) are impossible for \(m.metric.name)")
          }
          if let catalog = catalogLeaderboards {
            let reference = catalog.appendingPathComponent(m.id).appendingPathComponent(
              "\(name).csv")
            if let expected = try? Leaderboard.read(reference),
              expected.scores.count != board.scores.count
            {
              problems.append(
                "leaderboard.\(name): \(board.scores.count) scores, the catalogue has \(expected.scores.count)"
              )
            }
          }
          notes.append("\(name) board \(board.scores.count) entries")
        } catch let error as DojoError {
          problems.append("leaderboard.\(name): \(error.message)")
        } catch {
          problems.append("leaderboard.\(name): \(error)")
        }
      }
    }
    var warnings: [String] = []
    if problems.isEmpty, let raw {
      checkData(loaded, raw: raw, problems: &problems, notes: &notes, warnings: &warnings)
    }
    return Result(
      id: m.id, passed: problems.isEmpty, problems: problems, notes: notes, warnings: warnings)
  }

  /// The data checks, when `raw/<id>/files` exists; a note says when they did not run.
  func checkData(
    _ loaded: LoadedManifest, raw: URL, problems: inout [String], notes: inout [String],
    warnings: inout [String]
  ) {
    let files = RawLayout(raw: raw, id: loaded.manifest.id).files
    guard FileManager.default.fileExists(atPath: files.path) else {
      notes.append(
        "data checks not run: \(files.path) does not exist (run `dojo import` or `dojo fetch`)")
      return
    }
    do {
      if let found = try Preparer(loaded, python: python).checkData(raw: files) {
        warnings += found
        notes.append("data checked: \(files.path)")
      } else {
        notes.append(
          "data checks not run: split.strategy \(loaded.manifest.split.strategy.rawValue) or table.format reads the data at prepare"
        )
      }
    } catch let error as DojoError {
      problems.append(error.message)
    } catch {
      problems.append("\(files.path): \(error)")
    }
  }
}
