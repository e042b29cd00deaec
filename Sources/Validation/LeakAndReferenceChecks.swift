internal import Curation
internal import DojoCore
internal import Foundation
internal import Grading
internal import Sandbox
internal import Tabular

extension Validator {
  // MARK: - 8. Reference solution

  /// Runs the manifest's reference solution in the sandbox against `public/`, grades its
  /// `submission.csv`, and checks the score against `reference.expect`.
  func reference(_ scratch: URL) throws -> Verdict {
    if skipReference { return .skip("skipped (--skip-reference)") }
    guard let manifest else { return .skip("no manifest given: no reference solution to run") }
    guard let reference = manifest.manifest.reference else {
      return .skip("the manifest has no reference solution")
    }
    let solution = manifest.resolve(reference.solution)
    guard let code = try? String(contentsOf: solution, encoding: .utf8) else {
      return .fail("reference.solution: \(solution.path) cannot be read")
    }
    let available = Sandbox.isAvailable()
    guard available.available else {
      return .fail("the sandbox is unavailable: \(available.reason)")
    }
    let workspace = scratch.appendingPathComponent("reference")
    try AtomicFiles.createDirectory(workspace)
    let sandbox = try Sandbox(SandboxConfiguration(python: python))
    let mounts = SandboxMounts(publicDirectory: layout.publicDir, workspace: workspace)
    let outcome = try sandbox.runPython(
      code: code, fileName: "solution.py", mounts: mounts,
      limits: SandboxLimits(wallSeconds: reference.timeoutSeconds, memoryMB: 8192))
    guard outcome.process.succeeded else {
      let tail = outcome.process.stderrTail.split(separator: "\n").suffix(3).joined(
        separator: " | ")
      return .fail("reference solution \(outcome.summary)\(tail.isEmpty ? "" : ": " + tail)")
    }
    let submission = mounts.hostOutput.appendingPathComponent("submission.csv")
    guard FileManager.default.fileExists(atPath: submission.path) else {
      return .fail("reference solution wrote no submission.csv in $DOJO_OUTPUT")
    }
    let report = try Grader(taskDirectory: layout.root).grade(submission: submission)
    if let error = report.error { return .fail("reference submission: \(error.message)") }
    guard let score = report.score else { return .fail("reference submission has no score") }
    var detail =
      "score \(Self.format(score)) in \(String(format: "%.1f", outcome.process.seconds)) s"
    if let placement = report.placement {
      detail += ", HumanRank \(String(format: "%.3f", placement.humanRank))"
    }
    let expect = reference.expect
    if let atLeast = expect.atLeast, score < atLeast {
      return Verdict(
        status: .failed,
        detail: "reference \(detail): below reference.expect.at_least \(Self.format(atLeast))",
        score: score)
    }
    if let atMost = expect.atMost, score > atMost {
      return Verdict(
        status: .failed,
        detail: "reference \(detail): above reference.expect.at_most \(Self.format(atMost))",
        score: score)
    }
    if expect.aboveMedian, let placement = report.placement, !placement.aboveMedian {
      return Verdict(
        status: .failed,
        detail:
          "reference \(detail): not above the leaderboard median \(Self.format(placement.thresholds.median)) (set reference.expect.above_median: false if that is expected)",
        score: score)
    }
    return Verdict(status: .passed, detail: detail, score: score)
  }
}
