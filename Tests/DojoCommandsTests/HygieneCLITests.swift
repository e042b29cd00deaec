import Foundation
import Testing

/// Messages that say what to do next: a folder as the submission, a rank past the board,
/// defaults printed once in help.
@Suite("dojo's messages say what to do next")
struct HygieneCLITests {
  @Test func aFolderGivenAsTheSubmissionIsNamedAsAFolder() throws {
    let root = try GradeCommandTests.task()
    defer { try? FileManager.default.removeItem(at: root) }
    let folder = root.appendingPathComponent("out")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try Data("id,y\n1,yes\n2,no\n3,no\n".utf8).write(
      to: folder.appendingPathComponent("submission.csv"))
    let r = try CLI.run(["grade", root.path, folder.path])
    #expect(r.status == 0)
    #expect(r.stdout.contains("is a folder, not a submission file: give the CSV itself"))
    #expect(r.stdout.contains("out/submission.csv"))
  }

  @Test func aScoreBelowTheWholeBoardIsNotRankedPastItsSize() throws {
    let root = try GradeCommandTests.task()
    defer { try? FileManager.default.removeItem(at: root) }
    let sub = root.appendingPathComponent("s.csv")
    try Data("id,y\n1,no\n2,yes\n3,yes\n".utf8).write(to: sub)
    let r = try CLI.run(["grade", root.path, sub.path])
    #expect(r.status == 0)
    #expect(r.stdout.contains("rank: 4, below all 3 leaderboard entries"), "\(r.stdout)")
    #expect(!r.stdout.contains("4 of 3"))
  }

  @Test func aTaskIdThatIsNeitherFolderNorPublishedSaysWhatToGive() throws {
    let r = try CLI.run(
      ["grade", "no-such-task", "s.csv"], cwd: FileManager.default.temporaryDirectory)
    #expect(r.status == 1)
    #expect(r.stderr.contains("is neither a prepared task folder nor a task id published in"))
  }

  @Test(arguments: [(["check", "--al"], "--all"), (["import", "--bundeld"], "--bundled")])
  func aMistypedFlagIsSuggestedNotHiddenBehindMissingIds(arguments: [String], flag: String)
    throws
  {
    let r = try CLI.run(arguments, cwd: FileManager.default.temporaryDirectory)
    #expect(r.status == 1)
    #expect(r.stderr.contains("Did you mean '\(flag)'?"), "\(r.stderr)")
  }

  @Test(arguments: [
    "fetch", "unpack", "page", "new", "list", "manifest", "check", "prepare", "validate",
    "publish", "import", "grade", "metric", "serve", "trajectories", "report", "rank",
  ])
  func helpPrintsEachDefaultOnce(command: String) throws {
    let r = try CLI.run([command, "--help"])
    #expect(r.status == 0)
    // One option's help runs from its "  -" line to the next; it says its default once.
    var blocks: [String] = []
    for line in r.stdout.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix("  -") || blocks.isEmpty {
        blocks.append(String(line))
      } else {
        blocks[blocks.count - 1] += "\n" + line
      }
    }
    for block in blocks {
      let count = block.components(separatedBy: "default:").count - 1
      #expect(count <= 1, "\(command): \(block)")
    }
  }
}
