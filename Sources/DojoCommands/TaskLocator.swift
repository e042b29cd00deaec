internal import Curation
internal import DojoCore
internal import Foundation
internal import Pipeline

/// Finds a prepared task from what a user types: a task folder, or an id (the newest
/// version under `curated/<id>/`), plus the manifest, raw folder and page it came from.
///
/// The manifest and raw folder are found from the task, not from the current folder: the
/// repository root is the nearest folder above the task (or else the current folder) that
/// holds `manifests/<id>/manifest.yaml`; `raw/<id>/files` is looked for beside it. What cannot
/// be found is said in ``manifestMissing`` and ``rawMissing``, the reasons the checks that
/// need them are recorded as skipped.
struct TaskLocator {
  let layout: TaskLayout
  let manifest: LoadedManifest?
  let raw: URL?
  let page: String?
  /// The Kaggle leaderboard `dojo import` downloaded, for `leaderboard: kaggle`.
  let kaggleLeaderboard: URL?
  /// The folder holding `manifests/<id>/`, when one was found.
  let repository: URL?
  /// Why ``manifest`` is nil.
  let manifestMissing: String?
  /// Why ``raw`` is nil.
  let rawMissing: String?

  init(
    _ argument: String, curated: String = "curated",
    currentDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
  ) throws {
    let fm = FileManager.default
    let asFolder = URL(fileURLWithPath: argument, relativeTo: currentDirectory)
    let curatedRoot = URL(fileURLWithPath: curated, relativeTo: currentDirectory)
    if fm.fileExists(atPath: TaskLayout(root: asFolder).taskFile.path) {
      layout = TaskLayout(root: asFolder.standardizedFileURL)
    } else if let latest = TaskLayout.latest(id: argument, curated: curatedRoot) {
      layout = latest
    } else {
      throw DojoError(
        .notFound,
        "\(argument) is neither a prepared task folder nor a task id under \(curated)/; run `dojo prepare` first"
      )
    }
    let spec: TaskSpec
    do {
      spec = try JSONDecoder().decode(TaskSpec.self, from: Data(contentsOf: layout.taskFile))
    } catch {
      throw DojoError(
        .invalidData,
        "\(layout.taskFile.path) is not a task.json: \(error); re-prepare the task with `dojo prepare --force`"
      )
    }
    repository = Self.repository(
      holding: spec.id, above: layout.root, currentDirectory: currentDirectory)
    guard let repository else {
      let reason =
        "no folder above \(layout.root.path) nor the current folder holds manifests/\(spec.id)/manifest.yaml"
      (manifest, manifestMissing, raw, rawMissing, page, kaggleLeaderboard) =
        (nil, reason, nil, reason, nil, nil)
      return
    }
    let manifestDir = repository.appendingPathComponent("manifests").appendingPathComponent(
      spec.id)
    do {
      manifest = try ManifestLoader.load(manifestDir)
      manifestMissing = nil
    } catch let error as DojoError {
      manifest = nil
      manifestMissing = "\(manifestDir.path) does not load: \(error.message)"
    }
    let downloads = RawLayout(raw: repository.appendingPathComponent("raw"), id: spec.id)
    if fm.fileExists(atPath: downloads.files.path) {
      (raw, rawMissing) = (downloads.files, nil)
    } else {
      (raw, rawMissing) = (
        nil,
        "\(downloads.files.path) does not exist; run `dojo fetch` and `dojo unpack` (or `dojo import`)"
      )
    }
    page = try? String(contentsOf: downloads.page, encoding: .utf8)
    kaggleLeaderboard = downloads.leaderboard
  }

  /// The nearest folder above `task` that holds `manifests/<id>/manifest.yaml`, else the
  /// current folder when it does.
  static func repository(holding id: String, above task: URL, currentDirectory: URL) -> URL? {
    func holds(_ dir: URL) -> Bool {
      FileManager.default.fileExists(
        atPath: dir.appendingPathComponent("manifests/\(id)/manifest.yaml").path)
    }
    var dir = task.standardizedFileURL.resolvingSymlinksInPath()
    while dir.path != "/" && !dir.path.isEmpty {
      dir = dir.deletingLastPathComponent()
      if holds(dir) { return dir }
    }
    let here = currentDirectory.standardizedFileURL
    return holds(here) ? here : nil
  }

  /// The Python for this task's reference solution: the repository's `.venv` when set up,
  /// else as ``python``.
  var python: String {
    if let repository {
      let venv = repository.appendingPathComponent(".venv/bin/python3")
      if FileManager.default.isExecutableFile(atPath: venv.path) { return venv.path }
    }
    return Self.python
  }

  /// The Python for reference solutions: the project's `.venv` when set up, else `python3`.
  static var python: String {
    let venv = URL(fileURLWithPath: ".venv/bin/python3")
    return FileManager.default.isExecutableFile(atPath: venv.path)
      ? venv.standardizedFileURL.path : "python3"
  }
}
