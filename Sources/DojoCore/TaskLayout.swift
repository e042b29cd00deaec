public import Foundation

/// Where a prepared task's files live: `curated/<id>/<version>/{public,private}` plus
/// `checksums.json` at the root. One place, so prepare, validate, grade and publish agree.
public struct TaskLayout: Sendable {
  /// The task's root folder (`curated/<id>/<version>`).
  public let root: URL

  public init(root: URL) { self.root = root }

  public var publicDir: URL { root.appendingPathComponent("public") }
  public var privateDir: URL { root.appendingPathComponent("private") }
  public var checksums: URL { root.appendingPathComponent("checksums.json") }
  public var taskFile: URL { privateDir.appendingPathComponent("task.json") }
  public var answers: URL { privateDir.appendingPathComponent("answers.csv") }
  public var train: URL { publicDir.appendingPathComponent("train.csv") }
  public var test: URL { publicDir.appendingPathComponent("test.csv") }
  public var sampleSubmission: URL { publicDir.appendingPathComponent("sample_submission.csv") }
  public var description: URL { publicDir.appendingPathComponent("description.md") }
  /// The validation report, written by `dojo validate`; outside the checksummed files.
  public var report: URL { root.appendingPathComponent("report.json") }

  /// The newest prepared version of `id` under `curated`, by modification time.
  public static func latest(id: String, curated: URL) -> TaskLayout? {
    let dir = curated.appendingPathComponent(id)
    guard
      let versions = try? FileManager.default.contentsOfDirectory(
        at: dir, includingPropertiesForKeys: [.contentModificationDateKey])
    else { return nil }
    let candidates = versions.filter {
      !$0.lastPathComponent.hasPrefix(".")
        && FileManager.default.fileExists(atPath: $0.appendingPathComponent("checksums.json").path)
    }
    let newest = candidates.max { a, b in
      let da =
        (try? a.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate)
        ?? .distantPast
      let db =
        (try? b.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate)
        ?? .distantPast
      return da != db ? da < db : a.lastPathComponent < b.lastPathComponent
    }
    return newest.map(TaskLayout.init(root:))
  }
}
