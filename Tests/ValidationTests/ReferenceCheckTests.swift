import Curation
import DojoCore
import Foundation
import Sandbox
import Testing
import Validation

/// The reference solution is untrusted code: its submission counts only as a regular file
/// with one name in its output folder, as the runtime requires of agents.
@Suite("Reference solution's submission", .serialized)
struct ReferenceCheckTests {
  init() throws {
    let available = Sandbox.isAvailable()
    try #require(available.available, "bubblewrap is required: \(available.reason)")
  }

  /// The attack: find where `public/` lives on the host from the sandbox's mount table,
  /// and point submission.csv at `../private/answers.csv` beside it. The validator runs
  /// on the host, so following the link would grade the answers themselves (score 1).
  static func mountinfoAttack(knownPublic: String) -> String {
    """
    import os
    data, out = os.environ["DOJO_DATA"], os.environ["DOJO_OUTPUT"]
    os.makedirs(out, exist_ok=True)
    known = \(pythonLiteral(knownPublic))
    host_public = None
    for line in open("/proc/self/mountinfo"):
        fields = line.split()
        if len(fields) > 4 and fields[4] == data:
            host_public = fields[3]
    # The mount table gives the path within its file system (the host path when that is
    # /); where it shows a tail of the layout, or nothing, the attacker completes it.
    if not host_public or known.endswith(host_public):
        host_public = known
    os.symlink(host_public + "/../private/answers.csv", os.path.join(out, "submission.csv"))
    """
  }

  @Test func aSubmissionLinkedToThePrivateAnswersIsRefusedAndNotScored() throws {
    let f = try PreparedFixture()
    defer { f.remove() }
    let (loaded, result) = try f.prepare()
    // The solution is not part of the task's version: the attack replaces it after prepare,
    // aimed at where public/ now is.
    try AtomicFiles.write(
      Self.mountinfoAttack(knownPublic: result.layout.publicDir.path),
      to: f.manifestDir.appendingPathComponent("solution.py"))
    let report = try Validator(layout: result.layout, manifest: loaded, raw: f.raw).validate()
    let check = try #require(report.checks.first { $0.name == "reference" })
    #expect(check.status == .failed)
    #expect(check.score == nil)
    #expect(!report.passed)
    #expect(check.detail.contains("is a symbolic link (to "), "\(check.detail)")
    #expect(check.detail.contains("not graded"), "\(check.detail)")
    // The link was real: on the host it leads to this task's answers.
    let target = try #require(
      check.detail.firstMatch(of: /symbolic link \(to (.+?)\)/).map { String($0.output.1) })
    #expect(target.hasSuffix("/public/../private/answers.csv"), "\(target)")
    #expect(ContainedPath.realPath(target) == ContainedPath.realPath(result.layout.answers.path))
  }

  struct Leftover: CustomTestStringConvertible, Sendable {
    let name: String
    let code: String
    let expected: String
    var testDescription: String { name }
  }

  static let leftovers: [Leftover] = [
    Leftover(
      name: "a FIFO", code: "os.mkfifo(os.path.join(out, 'submission.csv'))",
      expected: "submission.csv is a FIFO"),
    Leftover(
      name: "a folder", code: "os.makedirs(os.path.join(out, 'submission.csv'))",
      expected: "submission.csv is a folder"),
    Leftover(
      name: "a second name",
      code: """
        open(os.path.join(out, 'real.csv'), 'w').write('id,label\\n')
        os.link(os.path.join(out, 'real.csv'), os.path.join(out, 'submission.csv'))
        """,
      expected: "submission.csv is a hard link"),
    Leftover(
      name: "a link to /etc/passwd",
      code: "os.symlink('/etc/passwd', os.path.join(out, 'submission.csv'))",
      expected: "submission.csv is a symbolic link (to /etc/passwd)"),
  ]

  @Test(arguments: leftovers)
  func aSubmissionThatIsNotARegularFileIsRefusedWithoutHanging(_ c: Leftover) throws {
    let solution = """
      import os
      out = os.environ["DOJO_OUTPUT"]
      os.makedirs(out, exist_ok=True)
      \(c.code)
      """
    let f = try PreparedFixture(solution: solution)
    defer { f.remove() }
    let start = Date()
    let report = try f.validate()
    #expect(Date().timeIntervalSince(start) < 120)
    let check = try #require(report.checks.first { $0.name == "reference" })
    #expect(check.status == .failed)
    #expect(check.score == nil)
    #expect(check.detail.contains(c.expected), "\(check.detail)")
  }

  @Test func anHonestSolutionIsStillGraded() throws {
    let f = try PreparedFixture()
    defer { f.remove() }
    let report = try f.validate()
    let check = try #require(report.checks.first { $0.name == "reference" })
    #expect(check.status == .passed, "\(check.detail)")
    #expect(check.score == 1)
    #expect(report.referenceSHA256 != nil)
  }
}

/// `text` as a Python string literal.
private func pythonLiteral(_ text: String) -> String {
  "'" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
    + "'"
}
