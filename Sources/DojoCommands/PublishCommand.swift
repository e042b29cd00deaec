internal import ArgumentParser
internal import Curation
internal import DojoCore
internal import Foundation
internal import Pipeline

/// `dojo publish TASK_DIR|ID`: a validated task into the registry.
struct PublishCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "publish",
    abstract: "Publish a validated task into the registry (one transaction).",
    discussion: """
      Refuses a task whose last validation failed, is stale, or skipped a check: a skipped \
      check is not a pass. --allow-skipped CHECK (repeatable) publishes without that check; \
      the registry records each check a version was published without, and why. \
      Publishing the same version twice is a no-op; a new version keeps the old ones.

      Example:
        dojo publish titanic-survival
        dojo publish curated/titanic-survival/15747d70b12e --registry /srv/dojo/registry.sqlite
        dojo publish titanic-survival --allow-skipped reference
      """)

  @Argument(help: "A prepared task folder, or a task id (its newest version under curated/).")
  var task: String

  @OptionGroup var registry: RegistryOptions

  @Option(
    name: .customLong("allow-skipped"),
    help: "Publish although the report skipped this check (repeatable; recorded).")
  var allowSkipped: [String] = []

  func run() throws {
    let located = try TaskLocator(task)
    let wrote = try Publisher.publish(
      located.layout, to: try registry.open(), manifestSHA256: located.manifest?.sha256,
      allowSkipped: Set(allowSkipped))
    let name =
      "\(located.layout.root.deletingLastPathComponent().lastPathComponent) \(located.layout.root.lastPathComponent)"
    print(wrote ? "published \(name) to \(registry.registry)" : "\(name) is already published")
  }
}
