internal import ArgumentParser
internal import DojoCore
internal import Foundation
internal import Registry
internal import Report

/// `dojo report`: the state of the benchmark as one self-contained HTML page.
struct ReportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "Draw the benchmark's state (tasks, validations, leaderboards, agents) as HTML.",
    discussion: """
      One self-contained file (inline CSS, inline SVG plots, a few lines of inline script): \
      a summary by check, category and metric; a sortable table of tasks with their last \
      validation, reference score, HumanRank, medal, time to prepare and validation \
      warnings (warned, or not run; see `dojo validate --help`); each task's \
      leaderboard with its medal thresholds, median, reference and runtime submissions; \
      every runtime session's score over steps; and the agents' standings with Elo.

      Example:
        dojo report --out report.html
        dojo report --registry /srv/dojo/registry.sqlite --out /srv/www/dojo.html
      """)

  @OptionGroup var registry: RegistryOptions

  @Option(help: "The HTML file to write.")
  var out: String = "report.html"

  func run() throws {
    let report = try CuratorReport.build(registry: try registry.openExisting())
    try AtomicFiles.write(report.html(), to: URL(fileURLWithPath: out))
    let s = report.summary
    print(
      "wrote \(out): \(s.tasks) tasks (\(s.published) published, \(s.failed) failing, \(s.warned) with warnings), \(report.sessions.count) sessions, \(report.agents.count) agents"
    )
    // The warnings that hold, one line each, so a terminal shows what to look at.
    for task in report.tasks {
      for warning in task.warnings where warning.warned {
        print("warning \(task.id) \(warning.name): \(warning.detail)")
      }
    }
  }
}
