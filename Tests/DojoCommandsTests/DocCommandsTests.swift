import Foundation
import Testing

/// A fenced shell block of a Markdown file.
struct DocBlock {
  var file: String
  var line: Int
  var info: String
  var text: String
  /// Blocks fenced `sh no-test` need what a test does not have (Kaggle, a running server,
  /// the toolchain); every other `sh` block runs.
  var runs: Bool { info == "sh" }
}

enum DocBlocks {
  /// The repository this test file belongs to.
  static var repository: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
  }

  /// Every fenced block whose info string starts with `sh`, in file order.
  static func shell(in file: String) throws -> [DocBlock] {
    let text = try String(
      contentsOf: repository.appendingPathComponent(file), encoding: .utf8)
    var blocks: [DocBlock] = []
    var open: DocBlock?
    for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false)
      .enumerated()
    {
      if var block = open {
        if line.hasPrefix("```") {
          blocks.append(block)
          open = nil
        } else {
          block.text += line + "\n"
          open = block
        }
      } else if line.hasPrefix("```") {
        let info = line.dropFirst(3).trimmingCharacters(in: .whitespaces)
        open = DocBlock(file: file, line: number + 1, info: info, text: "")
      }
    }
    return blocks.filter { $0.info == "sh" || $0.info.hasPrefix("sh ") }
  }
}

@Suite("every command in the README and the curator's guide runs", .serialized)
struct DocCommandsTests {
  static let documents = ["README.md", "docs/curators-guide.md"]
  static let bundled = ["titanic-survival", "olive-oil-regions", "concrete-strength"]

  @Test func onlyBlocksMarkedNoTestAreLeftOutAndTheyAreFew() throws {
    let blocks = try Self.documents.flatMap(DocBlocks.shell)
    let skipped = blocks.filter { !$0.runs }
    #expect(skipped.allSatisfy { $0.info == "sh no-test" }, "\(skipped.map(\.info))")
    #expect(blocks.filter(\.runs).count >= 12)
    // Six need Kaggle, a running server or the toolchain; two a Slurm cluster with PostgreSQL
    // or a model server.
    #expect(skipped.count <= 8, "\(skipped.map { "\($0.file):\($0.line)" })")
  }

  @Test func everyShellBlockRunsOnTheBundledCompetitions() throws {
    let repository = DocBlocks.repository
    let work = FileManager.default.temporaryDirectory.appendingPathComponent(
      "dojo-doc-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: work) }
    let manifests = work.appendingPathComponent("manifests")
    try FileManager.default.createDirectory(at: manifests, withIntermediateDirectories: true)
    for id in Self.bundled {
      try FileManager.default.copyItem(
        at: repository.appendingPathComponent("manifests/\(id)"),
        to: manifests.appendingPathComponent(id))
    }
    // Reference solutions run with the project's pinned Python, as in a clone.
    let venv = repository.appendingPathComponent(".venv")
    if FileManager.default.fileExists(atPath: venv.path) {
      try FileManager.default.createSymbolicLink(
        at: work.appendingPathComponent(".venv"), withDestinationURL: venv)
    }
    var environment = ProcessInfo.processInfo.environment
    environment["PATH"] =
      CLI.executable.deletingLastPathComponent().path + ":"
      + (environment["PATH"] ?? "/usr/bin:/bin")
    environment["HOME"] = work.path
    environment["DOJO_KAGGLE_URL"] = nil
    environment["KAGGLE_USERNAME"] = nil
    environment["KAGGLE_KEY"] = nil
    #expect(FileManager.default.isExecutableFile(atPath: CLI.executable.path))
    for block in try Self.documents.flatMap(DocBlocks.shell) where block.runs {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/bin/bash")
      process.arguments = ["-e", "-o", "pipefail", "-c", block.text]
      process.currentDirectoryURL = work
      process.environment = environment
      let output = work.appendingPathComponent(".block-output")
      _ = FileManager.default.createFile(atPath: output.path, contents: nil)
      let handle = try FileHandle(forWritingTo: output)
      process.standardOutput = handle
      process.standardError = handle
      process.standardInput = FileHandle.nullDevice
      try process.run()
      process.waitUntilExit()
      try handle.close()
      let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
      #expect(
        process.terminationStatus == 0,
        "\(block.file):\(block.line) failed (exit \(process.terminationStatus)):\n\(block.text)\n\(text.suffix(3000))"
      )
    }
  }
}
