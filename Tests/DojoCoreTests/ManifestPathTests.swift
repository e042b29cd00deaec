import DojoCore
import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Every path a manifest names stays inside its folder (page, solution, script,
/// leaderboards) or the competition's unpacked archive (`files.*`, `media`), as written and
/// after every symbolic link is resolved.
@Suite("Manifest paths stay inside their folder")
struct ManifestPathTests {
  struct EscapeCase: CustomTestStringConvertible, Sendable {
    let replace: String
    let with: String
    /// The start of the message: file, line, key path and value.
    let expected: String
    var testDescription: String { expected }
  }

  static let escapes: [EscapeCase] = [
    EscapeCase(
      replace: "page: kaggle", with: "page: ../..", expected: "manifest.yaml:5: page \"../..\""),
    EscapeCase(
      replace: "page: kaggle", with: "page: /etc/passwd",
      expected: "manifest.yaml:5: page \"/etc/passwd\" is an absolute path"),
    EscapeCase(
      replace: "page: kaggle", with: "page: file:///etc/passwd",
      expected: "manifest.yaml:5: page \"file:///etc/passwd\" is an absolute path"),
    EscapeCase(
      replace: "page: kaggle", with: "page: file:../../etc/passwd",
      expected: "manifest.yaml:5: page \"file:../../etc/passwd\" climbs out"),
    EscapeCase(
      replace: "  train: train.csv", with: "  train: ../../etc/passwd",
      expected: "manifest.yaml:7: files.train \"../../etc/passwd\" climbs out"),
    EscapeCase(
      replace: "  test: test.csv", with: "  test: /etc/passwd",
      expected: "manifest.yaml:8: files.test \"/etc/passwd\" is an absolute path"),
    EscapeCase(
      replace: "  sample_submission: sample_submission.csv",
      with: "  sample_submission: a/../../b.csv",
      expected: "manifest.yaml:9: files.sample_submission \"a/../../b.csv\" climbs out"),
    EscapeCase(
      replace: "  extra: [data_description.txt]",
      with: "  extra: [data_description.txt, \"**/../../*\"]",
      expected: "manifest.yaml:10: files.extra[1] \"**/../../*\" climbs out"),
    EscapeCase(
      replace: "  solution: solution.py", with: "  solution: ../other/solution.py",
      expected: "manifest.yaml:25: reference.solution \"../other/solution.py\" climbs out"),
    EscapeCase(
      replace: "  public: leaderboard.csv", with: "  public: /root/board.csv",
      expected: "manifest.yaml:23: leaderboard.public \"/root/board.csv\" is an absolute path"),
    EscapeCase(
      replace: "  public: leaderboard.csv", with: "  private: ../../x.csv",
      expected: "manifest.yaml:23: leaderboard.private \"../../x.csv\" climbs out"),
    EscapeCase(
      replace: "leaderboard:\n  public: leaderboard.csv", with: "leaderboard: ../x.csv",
      expected: "manifest.yaml:22: leaderboard \"../x.csv\" climbs out"),
    EscapeCase(
      replace: "  strategy: stratified\n  test_fraction: 0.2\n  seed: 7\n  stratify: survived",
      with: "  strategy: script\n  script: /tmp/prepare.py",
      expected: "manifest.yaml:13: split.script \"/tmp/prepare.py\" is an absolute path"),
    EscapeCase(
      replace: "category: Tabular", with: "media:\n  folder: ../../etc",
      expected: "manifest.yaml:28: media.folder \"../../etc\" climbs out"),
    EscapeCase(
      replace: "category: Tabular", with: "media:\n  folder: images\n  pattern: \"../{id}\"",
      expected: "manifest.yaml:29: media.pattern \"../{id}\" climbs out"),
  ]

  @Test(arguments: escapes)
  func refusesAPathThatLeavesItsFolderAsWritten(_ c: EscapeCase) throws {
    let text = ManifestTests.valid.replacingOccurrences(of: c.replace, with: c.with)
    #expect(text != ManifestTests.valid)
    let error = try #require(throws: DojoError.self) { try ManifestLoader.parse(text) }
    #expect(error.code == .invalidManifest)
    #expect(error.message.hasPrefix(c.expected), "\(error.message)")
    // It says what to do.
    #expect(error.message.contains("name a"), "\(error.message)")
  }

  @Test func keepsPathsThatStayInside() throws {
    let text = ManifestTests.valid
      .replacingOccurrences(of: "page: kaggle", with: "page: pages/overview.html")
      .replacingOccurrences(of: "  train: train.csv", with: "  train: \"**/train.csv\"")
      .replacingOccurrences(of: "category: Tabular", with: "media:\n  folder: ./images/a")
    let m = try ManifestLoader.parse(text)
    #expect(m.page?.localPath == "pages/overview.html")
    #expect(m.files.train == "**/train.csv")
    #expect(Manifest.Page.location("https://example.com/x").localPath == nil)
    #expect(Manifest.Page.location("kaggle:titanic").localPath == nil)
    #expect(Manifest.Page.location("file:a%20b.html").localPath == "a b.html")
  }

  /// A manifest folder on disk, beside a secret the manifest must not reach.
  struct Folder {
    let root: URL
    var dir: URL { root.appendingPathComponent("manifests/demo") }
    var secret: URL { root.appendingPathComponent("private/answers.csv") }

    init(_ manifest: String = ManifestTests.valid) throws {
      root = FileManager.default.temporaryDirectory.appendingPathComponent("dojo-paths-\(UUID())")
      try AtomicFiles.write(manifest, to: dir.appendingPathComponent("manifest.yaml"))
      try AtomicFiles.write("id,answer\n1,42\n", to: secret)
    }

    func link(_ name: String, to target: String) throws {
      let url = dir.appendingPathComponent(name)
      try AtomicFiles.createDirectory(url.deletingLastPathComponent())
      try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: target)
    }

    func remove() { try? FileManager.default.removeItem(at: root) }
  }

  @Test func refusesALinkOutOfTheManifestFolderAtLoad() throws {
    let cases: [(manifest: String, links: [(String, String)], key: String, value: String)] = [
      // A folder link to the host's root: notes/etc/passwd looks harmless as written.
      (
        ManifestTests.valid.replacingOccurrences(
          of: "page: kaggle", with: "page: notes/etc/passwd"), [("notes", "/")], "page",
        "notes/etc/passwd"
      ),
      // A file link to the private answers beside the manifests.
      (
        ManifestTests.valid, [("solution.py", "../../private/answers.csv")],
        "reference.solution", "solution.py"
      ),
      // A chain: the link's target looks inside, the next hop is not.
      (
        ManifestTests.valid, [("hop", "../../private"), ("leaderboard.csv", "hop/answers.csv")],
        "leaderboard.public", "leaderboard.csv"
      ),
    ]
    for c in cases {
      let folder = try Folder(c.manifest)
      defer { folder.remove() }
      for (name, target) in c.links { try folder.link(name, to: target) }
      let error = try #require(throws: DojoError.self) { try ManifestLoader.load(folder.dir) }
      #expect(error.code == .invalidManifest)
      let file = folder.dir.appendingPathComponent("manifest.yaml").path
      #expect(error.message.hasPrefix("\(file): \(c.key) \"\(c.value)\""), "\(error.message)")
      #expect(error.message.contains("outside"), "\(error.message)")
      #expect(error.message.contains("move the file there"), "\(error.message)")
    }
  }

  @Test func refusesALinkThatAppearsAfterLoading() throws {
    let folder = try Folder()
    defer { folder.remove() }
    try AtomicFiles.write("print(1)\n", to: folder.dir.appendingPathComponent("solution.py"))
    let loaded = try ManifestLoader.load(folder.dir)
    let real = try loaded.localFile("solution.py", key: "reference.solution")
    #expect(real.lastPathComponent == "solution.py")
    try FileManager.default.removeItem(at: folder.dir.appendingPathComponent("solution.py"))
    try folder.link("solution.py", to: folder.secret.path)
    let error = try #require(throws: DojoError.self) {
      try loaded.localFile("solution.py", key: "reference.solution")
    }
    #expect(error.message.contains("reference.solution \"solution.py\""), "\(error.message)")
    #expect(error.message.contains(folder.secret.path), "\(error.message)")
  }

  @Test func acceptsALinkThatStaysInsideAndGivesItsRealPath() throws {
    let folder = try Folder()
    defer { folder.remove() }
    try AtomicFiles.write("print(1)\n", to: folder.dir.appendingPathComponent("code/real.py"))
    try folder.link("solution.py", to: "code/../code/real.py")
    let loaded = try ManifestLoader.load(folder.dir)
    let url = try loaded.localFile("solution.py", key: "reference.solution")
    #expect(url.path == ContainedPath.realPath(folder.dir.path)! + "/code/real.py")
  }

  @Test func refusesAFIFOOrFolderNamedAsAFileWithoutOpeningIt() throws {
    let folder = try Folder()
    defer { folder.remove() }
    #expect(mkfifo(folder.dir.appendingPathComponent("solution.py").path, 0o644) == 0)
    let error = try #require(throws: DojoError.self) { try ManifestLoader.load(folder.dir) }
    #expect(error.message.contains("reference.solution \"solution.py\" is not a regular file"))
    try FileManager.default.removeItem(at: folder.dir.appendingPathComponent("solution.py"))
    try AtomicFiles.createDirectory(folder.dir.appendingPathComponent("solution.py"))
    #expect(throws: DojoError.self) { try ManifestLoader.load(folder.dir) }
  }

  @Test func realPathResolvesLinksComponentByComponent() throws {
    let folder = try Folder()
    defer { folder.remove() }
    let base = ContainedPath.realPath(folder.dir.path)!
    try folder.link("up", to: "..")
    try folder.link("abs", to: "/etc")
    try folder.link("loop1", to: "loop2")
    try folder.link("loop2", to: "loop1")
    #expect(
      ContainedPath.realPath(base + "/up/demo/up/x") == (base as NSString).deletingLastPathComponent
        + "/x")
    #expect(ContainedPath.realPath(base + "/abs/passwd") == "/etc/passwd")
    #expect(
      ContainedPath.realPath(base + "/missing/../up")
        == (base as NSString).deletingLastPathComponent)
    #expect(ContainedPath.realPath(base + "/loop1/x") == nil)
    #expect(
      ContainedPath.resolve("up/demo/manifest.yaml", under: folder.dir)
        == .inside(URL(fileURLWithPath: base + "/manifest.yaml")))
    guard case .refused(let why) = ContainedPath.resolve("up/x", under: folder.dir) else {
      Issue.record("up/x was accepted")
      return
    }
    #expect(why.contains("outside"))
  }
}
