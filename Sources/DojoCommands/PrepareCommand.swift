internal import ArgumentParser
internal import Curation
internal import DojoCore
internal import Foundation
internal import Pipeline

/// `dojo prepare MANIFEST`: split an unpacked competition into a task.
struct PrepareCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "prepare",
    abstract: "Split an unpacked competition into a task (public/ and private/), by its manifest.",
    discussion: """
      Reads the unpacked archive (default raw/<id>/files), splits the labelled rows as the \
      manifest's split section says, and writes curated/<id>/<version>/ with public/ (train, \
      test, sample submission, description), private/ (answers, task.json, leaderboards) and \
      checksums.json. The version is a hash of the manifest and its inputs, so preparing \
      twice gives the same folder, byte for byte; an existing version is left as it is.

      Example:
        dojo prepare manifests/titanic-survival
        dojo prepare manifests/titanic-survival --raw /data/titanic --out /tmp/curated
      """)

  @Argument(help: "A manifest.yaml, or the folder holding one.")
  var manifest: String

  @Option(help: "The unpacked archive (default: raw/<id>/files).")
  var raw: String?

  @Option(help: "The curated root; the task goes to <out>/<id>/<version>.")
  var out: String = "curated"

  @Option(help: "The competition page as Markdown (default: raw/<id>/page.md if present).")
  var page: String?

  @Option(
    help:
      "The Kaggle leaderboard CSV, for leaderboard: kaggle (default: the CSV in raw/<id>/leaderboard/)."
  )
  var leaderboard: String?

  @Flag(help: "Prepare again even if this version already exists.")
  var force = false

  func run() throws {
    let loaded = try ManifestLoader.load(URL(fileURLWithPath: manifest))
    let id = loaded.manifest.id
    let downloads = RawLayout(raw: URL(fileURLWithPath: "raw"), id: id)
    let rawDir = raw.map { URL(fileURLWithPath: $0) } ?? downloads.files
    let pagePath = page ?? downloads.page.path
    let markdown = try? String(contentsOfFile: pagePath, encoding: .utf8)
    if page != nil && markdown == nil {
      throw DojoError(.notFound, "--page \(pagePath) cannot be read; give a Markdown file")
    }
    let board =
      leaderboard.map { URL(fileURLWithPath: $0) }
      ?? downloads.leaderboard
    let result = try Preparer(loaded, python: TaskLocator.python).prepare(
      raw: rawDir, curated: URL(fileURLWithPath: out), pageMarkdown: markdown, force: force,
      kaggleLeaderboard: board)
    for warning in result.warnings {
      FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
    }
    let verb = result.skipped ? "unchanged" : "prepared"
    print(
      "\(verb) \(id) \(result.version): \(result.trainRows) train rows, \(result.testRows) test rows -> \(result.layout.root.path)"
    )
  }
}
