internal import ArgumentParser
internal import DojoCore
internal import Foundation

/// `dojo manifest PATH`: parse a manifest and print it normalised, or the first error.
struct ManifestCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "manifest",
    abstract: "Check a manifest and print it as JSON.",
    discussion: """
      Parses manifests/<id>/manifest.yaml and refuses unknown keys and wrong values with \
      the file, line and key path.

      Example:
        dojo manifest manifests/titanic-survival
      """)

  @Argument(help: "A manifest.yaml, or the folder holding one.")
  var path: String

  func run() throws {
    let loaded = try ManifestLoader.load(URL(fileURLWithPath: path))
    let data = try StableJSON.encode(loaded.manifest)
    FileHandle.standardOutput.write(data)
  }
}
