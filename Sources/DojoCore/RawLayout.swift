public import Foundation

/// Where `dojo import` keeps a competition's downloads, in one place for the importer and the
/// commands that pick its results up (`prepare`, `validate`): `raw/<id>/` holds the archive,
/// `files/` the unpacked archive, `page.md` the page, `leaderboard/` Kaggle's leaderboard.
public struct RawLayout: Sendable {
  /// `raw/<id>/`.
  public let home: URL

  public init(raw: URL, id: String) { home = raw.appendingPathComponent(id) }

  public var files: URL { home.appendingPathComponent("files") }
  public var page: URL { home.appendingPathComponent("page.md") }
  public var leaderboardFolder: URL { home.appendingPathComponent("leaderboard") }

  /// The downloaded Kaggle leaderboard CSV (the public one when several), if there is one.
  public var leaderboard: URL? {
    let csvs =
      (try? FileTree.relativePaths(under: leaderboardFolder) { !$0.hasSuffix(".csv") }) ?? []
    return (csvs.first { $0.contains("public") } ?? csvs.first).map {
      leaderboardFolder.appendingPathComponent($0)
    }
  }

  /// The competition ids under a manifests folder: its sub-folders holding a manifest.yaml.
  public static func manifestIDs(in manifests: URL) -> [String] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: manifests.path)) ?? []
    return entries.filter {
      FileManager.default.fileExists(
        atPath: manifests.appendingPathComponent("\($0)/manifest.yaml").path)
    }.sorted()
  }
}
