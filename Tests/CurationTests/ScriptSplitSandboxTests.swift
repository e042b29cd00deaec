import Curation
import DojoCore
import DojoTestSupport
import Foundation
import Sandbox
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// A catalogue laid out as the real one: `manifests/<id>/` with its split script, which
/// imports Dojo's `dojo_split`, a sibling manifest with private data, an old-style
/// `manifests/_shared/` module (which the sandbox no longer shows), and the unpacked archive
/// in `raw/`.
struct ScriptCatalogue {
  let root: URL
  var manifests: URL { root.appendingPathComponent("manifests") }
  var manifestDir: URL { manifests.appendingPathComponent("fixture") }
  var siblingSecret: URL { manifests.appendingPathComponent("other/private.csv") }
  var raw: URL { root.appendingPathComponent("raw") }
  var curated: URL { root.appendingPathComponent("curated") }
  var escape: URL { root.appendingPathComponent("escaped.txt") }

  static let train = "id,label\n1,a\n2,b\n3,a\n4,b\n"

  /// Writes the three split files; `before` runs first (the attack), `after` last.
  static func script(before: String = "", after: String = "") -> String {
    """
    import json, os, socket, sys
    import dojo_split  # Dojo's script library, on the import path in the sandbox
    raw, out = sys.argv[1], sys.argv[2]
    \(before)
    os.makedirs(os.path.join(out, "public"), exist_ok=True)
    os.makedirs(os.path.join(out, "private"), exist_ok=True)
    rows = open(os.path.join(raw, "train.csv")).read().split()[1:]
    open(os.path.join(out, "public", "train.csv"), "w").write("id,label\\n" + "\\n".join(rows[:3]) + "\\n")
    open(os.path.join(out, "public", "test.csv"), "w").write("id\\n4\\n")
    open(os.path.join(out, "private", "answers.csv"), "w").write("id,label\\n4,b\\n")
    \(after)
    """
  }

  init(script: String) throws {
    root = FileManager.default.temporaryDirectory.appendingPathComponent("dojo-script-\(UUID())")
    try AtomicFiles.write(Self.train, to: raw.appendingPathComponent("train.csv"))
    try AtomicFiles.write(
      "VALUE = 'shared'\n", to: manifests.appendingPathComponent("_shared/helper.py"))
    try AtomicFiles.write("id,answer\n4,secret\n", to: siblingSecret)
    try AtomicFiles.write(script, to: manifestDir.appendingPathComponent("split.py"))
    try AtomicFiles.write(
      FixtureCompetition.leaderboard, to: manifestDir.appendingPathComponent("lb.csv"))
    try AtomicFiles.write(
      FixtureCompetition.manifest(split: "  strategy: script\n  script: split.py"),
      to: manifestDir.appendingPathComponent("manifest.yaml"))
  }

  func prepare(limits: SandboxLimits = Preparer.defaultScriptLimits) throws -> PrepareResult {
    let loaded = try ManifestLoader.load(manifestDir)
    return try Preparer(loaded, scriptLimits: limits).prepare(
      raw: raw, curated: curated, pageMarkdown: nil)
  }

  /// Every path under `folder`, relative, links not followed.
  func listing(_ folder: URL) -> Set<String> {
    Set((FileManager.default.enumerator(atPath: folder.path)?.allObjects as? [String]) ?? [])
  }

  func remove() { try? FileManager.default.removeItem(at: root) }
}

@Suite("split.strategy: script runs in the sandbox", .serialized)
struct ScriptSplitSandboxTests {
  init() throws {
    let available = Sandbox.isAvailable()
    try #require(available.available, "bubblewrap is required: \(available.reason)")
  }

  @Test func aSplitScriptCannotReachTheNetworkTheHostOrOtherManifests() throws {
    let server = try LoopbackHTTPServer { _ in .init(status: 200, body: Data("answers".utf8)) }
    defer { server.stop() }
    let attack = """
      facts = {"argv": sys.argv[1:], "cwd": os.getcwd(), "uid": os.getuid(), "library": dojo_split.__file__}
      def attempt(name, action):
          try:
              facts[name] = "allowed: " + repr(action())[:200]
          except BaseException as error:
              facts[name] = "refused: " + type(error).__name__
      def connect():
          s = socket.create_connection(("127.0.0.1", \(server.port)), timeout=3)
          s.sendall(b"GET /leak HTTP/1.0\\r\\n\\r\\n")
          return s.recv(100)
      def escape():
          os.makedirs(os.path.dirname(ESCAPE), exist_ok=True)
          return open(ESCAPE, "w").write("escaped")
      here = os.path.dirname(os.path.abspath(__file__))
      attempt("network", connect)
      attempt("write_raw", lambda: open(os.path.join(raw, "train.csv"), "a").write("9,z\\n"))
      attempt("write_manifest_folder", lambda: open(os.path.join(here, "new.py"), "w").write("x"))
      attempt("write_outside_output", lambda: open(os.path.join(out, "..", "escaped.txt"), "w").write("x"))
      attempt("write_host_path", escape)
      attempt("list_root", lambda: sorted(os.listdir("/root")))
      attempt("read_sibling", lambda: open(os.path.join(here, "..", "other", "private.csv")).read())
      attempt("read_sibling_host_path", lambda: open(SIBLING).read())
      attempt("read_shared", lambda: open(os.path.join(here, "..", "_shared", "helper.py")).read())
      """
    // The catalogue first, for its host paths; then the attacking script.
    let catalogue = try ScriptCatalogue(script: "")
    defer { catalogue.remove() }
    let script = ScriptCatalogue.script(
      before: "ESCAPE = \(pythonString(catalogue.escape.path))\n"
        + "SIBLING = \(pythonString(catalogue.siblingSecret.path))\n" + attack,
      after:
        "open(os.path.join(out, 'private', 'facts.json'), 'w').write(json.dumps(facts))")
    try AtomicFiles.write(script, to: catalogue.manifestDir.appendingPathComponent("split.py"))
    let manifestFiles = catalogue.listing(catalogue.manifests)

    let result = try catalogue.prepare()
    let facts =
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: result.layout.privateDir.appendingPathComponent("facts.json")))
      as? [String: Any] ?? [:]

    // The contract the catalogue's scripts rely on, with the sandbox's paths.
    #expect(facts["argv"] as? [String] == ["/raw", "/out"])
    #expect(facts["cwd"] as? String == "/out")
    #expect(facts["library"] as? String == "/dojo/python/dojo_split.py")
    #expect(facts["uid"] as? Int == SandboxConfiguration().uid)
    #expect((facts["uid"] as? Int) != 0)
    // No network: the loopback server the test started saw nothing.
    #expect((facts["network"] as? String)?.hasPrefix("refused") == true, "\(facts)")
    #expect(server.requestCount == 0)
    // Read-only inputs, and nothing written outside the output folder reaches the host.
    #expect((facts["write_raw"] as? String)?.hasPrefix("refused") == true, "\(facts)")
    #expect((facts["write_manifest_folder"] as? String)?.hasPrefix("refused") == true)
    #expect(
      try String(contentsOf: catalogue.raw.appendingPathComponent("train.csv"), encoding: .utf8)
        == ScriptCatalogue.train)
    #expect(catalogue.listing(catalogue.manifests) == manifestFiles)
    #expect(!FileManager.default.fileExists(atPath: catalogue.escape.path))
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: catalogue.curated.path + "/fixture")
        == [result.version])
    // /root holds at most the Python environment's own folder; no other manifest exists.
    if let listed = facts["list_root"] as? String, listed.hasPrefix("allowed") {
      #expect(listed == "allowed: ['.pyenv']", "\(listed)")
    }
    #expect((facts["read_sibling"] as? String)?.hasPrefix("refused") == true, "\(facts)")
    #expect((facts["read_sibling_host_path"] as? String)?.hasPrefix("refused") == true)
    #expect((facts["read_shared"] as? String)?.hasPrefix("refused") == true, "\(facts)")
  }

  struct HostileOutput: CustomTestStringConvertible, Sendable {
    let name: String
    /// Python run after the split files are written.
    let code: String
    /// What the error must name.
    let expected: [String]
    var testDescription: String { name }
  }

  static let hostileOutputs: [HostileOutput] = [
    HostileOutput(
      name: "a symbolic link to /etc/passwd",
      code: "os.symlink('/etc/passwd', os.path.join(out, 'public', 'passwd.csv'))",
      expected: ["public/passwd.csv", "symbolic link (to /etc/passwd)"]),
    HostileOutput(
      name: "public/ replaced by a link",
      code: """
        import shutil; shutil.rmtree(os.path.join(out, 'public'))
        os.symlink('/etc', os.path.join(out, 'public'))
        """,
      expected: ["left public,", "symbolic link (to /etc)"]),
    HostileOutput(
      name: "a FIFO",
      code: "os.mkfifo(os.path.join(out, 'public', 'extra.csv'))",
      expected: ["public/extra.csv", "FIFO"]),
    HostileOutput(
      name: "a second name of the answers",
      code:
        "os.link(os.path.join(out, 'private', 'answers.csv'), os.path.join(out, 'public', 'copy.csv'))",
      expected: ["hard link"]),
    HostileOutput(
      name: "a setuid file",
      code: """
        open(os.path.join(out, 'public', 'tool'), 'w').write('x')
        os.chmod(os.path.join(out, 'public', 'tool'), 0o4755)
        """,
      expected: ["public/tool", "setuid"]),
  ]

  @Test(arguments: hostileOutputs)
  func hostileOutputIsRefusedNamingTheFile(_ c: HostileOutput) throws {
    let catalogue = try ScriptCatalogue(script: ScriptCatalogue.script(after: c.code))
    defer { catalogue.remove() }
    let error = try #require(throws: DojoError.self) { try catalogue.prepare() }
    for part in c.expected {
      #expect(error.message.contains(part), "\(error.message)")
    }
    #expect(error.message.contains("split.script split.py"), "\(error.message)")
    // Nothing was published: the half-built task was removed.
    let left = catalogue.listing(catalogue.curated)
    #expect(left.allSatisfy { !$0.contains("/") }, "\(left)")
  }

  @Test func aScriptPastItsTimeLimitIsKilledWithAClearError() throws {
    let catalogue = try ScriptCatalogue(
      script: ScriptCatalogue.script(before: "import time; time.sleep(120)"))
    defer { catalogue.remove() }
    let start = Date()
    let error = try #require(throws: DojoError.self) {
      try catalogue.prepare(limits: SandboxLimits(wallSeconds: 3, memoryMB: 1024))
    }
    #expect(Date().timeIntervalSince(start) < 60)
    #expect(error.message.contains("time limit"), "\(error.message)")
  }
}

/// `text` as a Python string literal.
private func pythonString(_ text: String) -> String {
  "'" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
    + "'"
}
