import DojoCore
import Foundation
import Testing

@testable import Report

/// The page rendered by a real browser: headless Chromium (Debian's `chromium`, installed by
/// scripts/install-deps) runs its scripts, and the DOM it ends with is read back.
let installedChromium = [
  "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome",
]
.first { FileManager.default.isExecutableFile(atPath: $0) }

/// The browser suite is skipped where Chromium is missing; in CI (`CI` set, as `.ci/run` runs
/// after `scripts/install-deps`) that is a failure, so the suite never goes quiet there.
@Test(.enabled(if: ProcessInfo.processInfo.environment["CI"] != nil, "only CI requires Chromium"))
func chromiumIsInstalledInCI() {
  #expect(installedChromium != nil, "scripts/install-deps installs chromium; the suite did not run")
}

@Suite(
  "Curator's report in Chromium", .serialized,
  .enabled(if: installedChromium != nil, "chromium is not installed (apt-get install chromium)"))
struct BrowserTests {
  static var chromium: String? { installedChromium }

  /// Runs headless Chromium on `url` with `arguments`; returns its outcome.
  static func browse(_ url: String, _ arguments: [String], scratch: URL) throws -> ProcessOutcome {
    try ProcessRunner.run(
      chromium!,
      [
        "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
        "--user-data-dir=\(scratch.appendingPathComponent("profile").path)",
        "--enable-logging=stderr", "--v=0",
      ] + arguments + [url],
      limits: ProcessLimits(wallSeconds: 90, outputTailBytes: 4 << 20))
  }

  static func page(_ f: ReportFixture) throws -> URL {
    let url = f.root.appendingPathComponent("report.html")
    try AtomicFiles.write(try CuratorReport.build(registryAt: f.registryURL).html(), to: url)
    return url
  }

  @Test func theScriptsRunWithoutErrorsAndTheTableAndPlotsAreThere() throws {
    let f = try ReportFixture()
    defer { f.remove() }
    let page = try Self.page(f)
    let dom = try Self.browse(page.absoluteString, ["--dump-dom"], scratch: f.root)
    #expect(dom.succeeded, "\(dom.summary): \(dom.stderrTail.suffix(2000))")
    let html = dom.stdoutTail
    #expect(html.contains("data-ready=\"yes\""), "the page's script did not finish")
    #expect(!html.contains("data-errors=\""), "script errors: \(html.prefix(400))")
    #expect(!dom.stderrTail.contains("Uncaught"), "\(dom.stderrTail.suffix(2000))")
    #expect(!dom.stderrTail.contains(":CONSOLE("), "\(dom.stderrTail.suffix(2000))")
    #expect(html.contains("<table id=\"tasks\""))
    #expect(html.components(separatedBy: "<svg").count - 1 >= 2)
    #expect(html.contains("class=\"reference\""))
    // The hostile title is text in the DOM, not an element.
    #expect(html.contains("Gamma &lt;script&gt;alert('x')&lt;/script&gt;"))
  }

  @Test func aSortRequestedInTheAddressOrdersTheRows() throws {
    let f = try ReportFixture()
    defer { f.remove() }
    let page = try Self.page(f).absoluteString
    // Agents come best rating first; sorted by rating ascending, agent-b leads.
    let byElo = try Self.browse(page + "#sort=agents:rating", ["--dump-dom"], scratch: f.root)
    let agents = try #require(byElo.stdoutTail.components(separatedBy: "<table id=\"agents\"").last)
    let a = try #require(agents.range(of: "agent-a")).lowerBound
    let b = try #require(agents.range(of: "agent-b")).lowerBound
    #expect(b < a)
    #expect(agents.contains("aria-sort=\"ascending\""))
    // Tasks by reference score, highest first: alpha (0.87) has one; the others sort last.
    let byReference = try Self.browse(
      page + "#sort=tasks:reference_score:desc", ["--dump-dom"], scratch: f.root)
    let tasks = try #require(
      byReference.stdoutTail.components(separatedBy: "<table id=\"tasks\"").last?
        .components(separatedBy: "</table>").first)
    let rows = tasks.components(separatedBy: "<tr>").dropFirst(2).map {
      $0.components(separatedBy: "#task-").dropFirst().first?.prefix(5) ?? ""
    }
    #expect(rows.first == "alpha")
    #expect(tasks.contains("aria-sort=\"descending\""))
  }

  @Test func thePageRendersToAPicture() throws {
    let f = try ReportFixture()
    defer { f.remove() }
    let page = try Self.page(f)
    let png = f.root.appendingPathComponent("report.png")
    let shot = try Self.browse(
      page.absoluteString, ["--screenshot=\(png.path)", "--window-size=1280,1800"], scratch: f.root)
    #expect(shot.succeeded, "\(shot.summary): \(shot.stderrTail.suffix(2000))")
    let data = try Data(contentsOf: png)
    #expect(data.starts(with: [0x89, 0x50, 0x4E, 0x47]))
    #expect(data.count > 20_000)
  }
}
