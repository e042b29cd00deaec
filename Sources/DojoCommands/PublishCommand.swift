internal import ArgumentParser
internal import Curation
internal import DojoCore
internal import Foundation
internal import Pipeline

/// `dojo publish TASK_DIR|ID...`: validated tasks into the registry.
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
        dojo publish titanic-survival spaceship-titanic --registry postgres://dojo@db.example.org/dojo
      """)

  @Argument(
    help: "Prepared task folders, or task ids (their newest version under curated/), one or more.")
  var tasks: [String]

  @OptionGroup var registry: RegistryOptions

  @Option(
    name: .customLong("allow-skipped"),
    help: "Publish although the report skipped this check (repeatable; recorded).")
  var allowSkipped: [String] = []

  func validate() throws {
    if tasks.isEmpty { throw ValidationError("name a task folder or a task id to publish") }
  }

  func run() throws {
    let opened = try registry.open()
    for task in tasks {
      let located = try TaskLocator(task)
      let wrote = try Publisher.publish(
        located.layout, to: opened, manifestSHA256: located.manifest?.sha256,
        allowSkipped: Set(allowSkipped))
      let name =
        "\(located.layout.root.deletingLastPathComponent().lastPathComponent) \(located.layout.root.lastPathComponent)"
      // Of two publishers of one version at once, one writes it; the other lands here.
      print(
        wrote
          ? "published \(name) to \(registry.shown)"
          : "\(name) is already published in \(registry.shown); nothing written")
    }
  }
}
