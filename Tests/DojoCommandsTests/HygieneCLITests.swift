import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

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

  @Test(arguments: [
    (["check", "--al"], "--all"), (["import", "--bundeld"], "--bundled"),
    (["grade", "--jsno", "t", "s.csv"], "--json"), (["report", "--ot", "r.html"], "--out"),
    (["validate", "t", "--skip-referense"], "--skip-reference"),
    (["list", "--stauts", "fetched"], "--status"),
    (["registry", "list", "--registr", "r"], "--registry"),
  ])
  func aMistypedFlagIsSuggestedNotHiddenBehindMissingIds(arguments: [String], flag: String)
    throws
  {
    let r = try CLI.run(arguments, cwd: FileManager.default.temporaryDirectory)
    #expect(r.status == 1)
    #expect(r.stderr.contains("Did you mean '\(flag)'?"), "\(r.stderr)")
  }

  @Test(arguments: [
    (["validate", "t", "--executor", "bogus"], "Please provide one of 'local' and 'slurm'"),
    (["list", "--status", "bogus"], "use one of not-fetched, fetched, prepared, validated"),
    (
      [
        "metric", "bogus", "--answers", "a.csv", "--submission", "a.csv", "--id", "id", "--target",
        "y",
      ],
      "is not in the catalogue; use one of accuracy"
    ),
    (["serve", "--warm-sandboxes=-1"], "--warm-sandboxes must be 0 to 1024, not -1"),
    (["serve", "--warm-sandboxes", "1025"], "--warm-sandboxes must be 0 to 1024, not 1025"),
  ])
  func anInvalidValueListsTheValidOnes(arguments: [String], expected: String) throws {
    let r = try CLI.run(arguments, cwd: FileManager.default.temporaryDirectory)
    #expect(r.status != 0)
    #expect(r.stderr.contains(expected), "\(r.stderr)")
  }

  /// A mistyped registry path is refused with what to do, not served as a new empty registry.
  @Test func serveRefusesARegistryThatIsNotThere() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dojo-typo-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let missing = dir.appendingPathComponent("typo/registry.sqlite")
    let r = try CLI.run(["serve", "--registry", missing.path, "--port", "0"], cwd: dir)
    #expect(r.status == 1)
    #expect(r.stderr.contains("no registry at \(missing.path)"), "\(r.stderr)")
    #expect(r.stderr.contains("dojo import"))
    #expect(!FileManager.default.fileExists(atPath: missing.path))
    #expect(!FileManager.default.fileExists(atPath: missing.deletingLastPathComponent().path))
  }

  @Test func aPortInUseIsNamedAndPortZeroSuggested() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dojo-port-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    // A listening socket this test holds on a free loopback port.
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #expect(fd >= 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
        bind(fd, pointer, length) == 0 && listen(fd, 1) == 0
          && getsockname(fd, pointer, &length) == 0
      }
    }
    #expect(bound)
    let port = Int(UInt16(bigEndian: address.sin_port))
    // An empty file is an empty SQLite database: a registry that exists, with no task yet.
    let registry = dir.appendingPathComponent("r.sqlite")
    #expect(FileManager.default.createFile(atPath: registry.path, contents: nil))
    let r = try CLI.run(["serve", "--registry", registry.path, "--port", "\(port)"], cwd: dir)
    #expect(r.status == 1)
    #expect(
      r.stderr.contains("port \(port) on 127.0.0.1 is in use by another process"), "\(r.stderr)")
    #expect(r.stderr.contains("pass --port 0 to take a free one"))
  }

  @Test(arguments: [
    "fetch", "unpack", "page", "new", "list", "manifest", "check", "prepare", "validate",
    "publish", "import", "grade", "metric", "serve", "trajectories", "report", "rank",
    "registry list", "registry show", "registry diff", "registry remove", "sessions list",
    "sessions remove",
  ])
  func helpPrintsEachDefaultOnce(command: String) throws {
    let r = try CLI.run(command.split(separator: " ").map(String.init) + ["--help"])
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
