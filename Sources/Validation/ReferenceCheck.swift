internal import Curation
public import DojoCore
public import Foundation
internal import Grading
internal import Sandbox

#if canImport(Glibc)
  import Glibc
#endif

/// The reference solution's files and what it leaves behind, judged as untrusted.
public enum ReferenceCheck {
  /// The files of the manifest's reference solution that decide its result (the solution
  /// itself, its real path inside the manifest's folder), by the path the manifest names.
  /// Empty when the manifest has none.
  ///
  /// - Throws: ``DojoError`` `.invalidManifest` when the solution leaves the manifest's folder.
  public static func files(of loaded: LoadedManifest) throws -> [(path: String, url: URL)] {
    guard let solution = loaded.manifest.reference?.solution else { return [] }
    return [(solution, try loaded.localFile(solution, key: "reference.solution"))]
  }

  /// SHA-256 over the reference solution's files (names and contents), recorded in the
  /// validation report: a changed solution makes the next import validate again. Nil when
  /// the manifest has no reference solution; a file that cannot be read gives a value no
  /// report holds, so validation runs again and says why.
  public static func fingerprint(of loaded: LoadedManifest) -> String? {
    guard loaded.manifest.reference != nil else { return nil }
    guard let files = try? files(of: loaded) else { return "unreadable" }
    let lines = files.map { file in
      "\(file.path) \((try? SHA256Hasher.hash(fileAt: file.url)) ?? "unreadable")"
    }
    return SHA256Hasher.hash(lines.joined(separator: "\n"))
  }

  /// Why `output/submission.csv` cannot be graded, or nil when it is a regular file with
  /// one name in a real output folder, as the runtime requires of agents. Judged with
  /// `lstat`, so nothing is followed or opened: a symbolic link (to the task's private
  /// answers, found through `/proc/self/mountinfo`) would be graded as the solution's
  /// prediction, and opening a FIFO would hang.
  static func submissionProblem(in output: URL) -> String? {
    guard SandboxOutput.entry(atPath: output.path) == .folder else {
      return "the output folder $DOJO_OUTPUT was replaced by something that is not a folder"
    }
    switch SandboxOutput.entry(atPath: output.appendingPathComponent("submission.csv").path) {
    case .file: return nil
    case .missing: return "reference solution wrote no submission.csv in $DOJO_OUTPUT"
    case .folder: return refusal("a folder")
    case .refused(let kind): return refusal(kind)
    }
  }

  private static func refusal(_ kind: String) -> String {
    "reference solution's submission.csv is \(kind), not a regular file it wrote; refused and not graded"
  }
}

extension Validator {
  // MARK: - 8. Reference solution

  /// Runs the manifest's reference solution in the sandbox against `public/`, grades its
  /// `submission.csv` (a regular file in its output folder, never a link), and checks the
  /// score against `reference.expect`.
  func reference(_ scratch: URL) throws -> Verdict {
    if skipReference { return .skip("skipped (--skip-reference)") }
    guard let manifest else { return .skip("no manifest given: no reference solution to run") }
    guard let reference = manifest.manifest.reference else {
      return .skip("the manifest has no reference solution")
    }
    let solution = try manifest.localFile(reference.solution, key: "reference.solution")
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
    if let problem = ReferenceCheck.submissionProblem(in: mounts.hostOutput) {
      return .fail(problem)
    }
    let submission = mounts.hostOutput.appendingPathComponent("submission.csv")
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
