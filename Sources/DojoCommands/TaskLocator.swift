internal import Curation
internal import DojoCore
internal import Foundation
internal import Pipeline

/// Finds a prepared task from what a user types: a task folder, or an id (the newest
/// version under `curated/<id>/`), plus the manifest, raw folder and page it came from.
struct TaskLocator {
  let layout: TaskLayout
  let manifest: LoadedManifest?
  let raw: URL?
  let page: String?
  /// The Kaggle leaderboard `dojo import` downloaded, for `leaderboard: kaggle`.
  let kaggleLeaderboard: URL?

  init(_ argument: String, curated: String = "curated", manifests: String = "manifests") throws {
    let fm = FileManager.default
    let asFolder = URL(fileURLWithPath: argument)
    if fm.fileExists(atPath: asFolder.appendingPathComponent("private/task.json").path) {
      layout = TaskLayout(root: asFolder)
    } else if let latest = TaskLayout.latest(id: argument, curated: URL(fileURLWithPath: curated)) {
      layout = latest
    } else {
      throw DojoError(
        .notFound,
        "\(argument) is neither a prepared task folder nor a task id under \(curated)/; run `dojo prepare` first"
      )
    }
    let spec = try JSONDecoder().decode(TaskSpec.self, from: Data(contentsOf: layout.taskFile))
    let manifestDir = URL(fileURLWithPath: manifests).appendingPathComponent(spec.id)
    manifest = try? ManifestLoader.load(manifestDir)
    let downloads = RawLayout(raw: URL(fileURLWithPath: "raw"), id: spec.id)
    raw = fm.fileExists(atPath: downloads.files.path) ? downloads.files : nil
    page = try? String(contentsOf: downloads.page, encoding: .utf8)
    kaggleLeaderboard = downloads.leaderboard
  }

  /// The Python for reference solutions: the project's `.venv` when set up, else `python3`.
  static var python: String {
    let venv = URL(fileURLWithPath: ".venv/bin/python3")
    return FileManager.default.isExecutableFile(atPath: venv.path)
      ? venv.standardizedFileURL.path : "python3"
  }
}
