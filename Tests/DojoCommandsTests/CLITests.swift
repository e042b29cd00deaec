import Foundation
import Testing

/// Runs the built `dojo` executable the way a user would, and captures its output.
struct CLIResult {
  var status: Int32
  var stdout: String
  var stderr: String
}

enum CLI {
  /// The `dojo` binary next to the test bundle in the build folder.
  static var executable: URL {
    var dir = Bundle.main.bundleURL
    for _ in 0..<4 {
      let candidate = dir.appendingPathComponent("dojo")
      if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
      dir = dir.deletingLastPathComponent()
    }
    return dir.appendingPathComponent("dojo")
  }

  static func run(_ arguments: [String], environment: [String: String]? = nil, cwd: URL? = nil)
    throws -> CLIResult
  {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let environment { process.environment = environment }
    if let cwd { process.currentDirectoryURL = cwd }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both pipes while the process runs so a chatty command cannot block on a full pipe.
    nonisolated(unsafe) var errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
      errData = err.fileHandleForReading.readDataToEndOfFile()
      group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return CLIResult(
      status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
      stderr: String(decoding: errData, as: UTF8.self))
  }
}

@Suite("dojo command line")
struct CLITests {
  @Test func helpExplainsItselfWithAnExample() throws {
    let r = try CLI.run(["--help"])
    #expect(r.status == 0)
    #expect(r.stdout.contains("Example:"))
  }

  @Test func everySubcommandHelpHasAnExample() throws {
    let r = try CLI.run(["--help"])
    let section = r.stdout.components(separatedBy: "SUBCOMMANDS:").last ?? ""
    var names: [String] = []
    for line in section.split(separator: "\n") {
      guard let first = line.split(separator: " ").first else { continue }
      let name = String(first)
      if name != "See" && name != "help" { names.append(name) }
    }
    #expect(!names.isEmpty)
    for name in names {
      let sub = try CLI.run([name, "--help"])
      #expect(sub.status == 0, "\(name)")
      #expect(sub.stdout.contains("Example:"), "dojo \(name) --help has no example")
    }
  }

  @Test func userErrorIsOneLineAndExitOne() throws {
    let r = try CLI.run(["manifest", "/nonexistent/manifest.yaml"])
    #expect(r.status == 1)
    #expect(r.stderr.hasPrefix("error: "))
    #expect(r.stderr.split(separator: "\n").count == 1)
  }

  @Test func unknownFlagIsExitOne() throws {
    let r = try CLI.run(["manifest", "--no-such-flag"])
    #expect(r.status == 1)
    #expect(r.stderr.contains("error:"))
  }
}
