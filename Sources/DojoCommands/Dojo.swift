public import ArgumentParser
internal import DojoCore
internal import Foundation

/// The `dojo` command: turns Kaggle-style competitions into validated, gradable tasks.
public struct Dojo: AsyncParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "dojo",
    abstract: "Turn Kaggle-style competitions into validated, gradable tasks for ML agents.",
    discussion: """
      Stages: fetch (download an archive), unpack (extract it safely), page (competition \
      page to Markdown), prepare (split into public/private), validate (check the task end \
      to end), publish (into the registry); import runs them all. grade scores a submission.

      Example:
        dojo import --bundled
        dojo fetch kaggle:titanic --out raw/titanic
        dojo unpack raw/titanic/titanic.zip --out raw/titanic/files
      """,
    version: "0.1.0",
    subcommands: commandList
  )

  public init() {}

  /// Runs the command line and exits: 0 on success, 1 with a one-line `error: ...` on any
  /// user-facing failure, never a stack trace.
  public static func runMain(arguments: [String]? = nil) async -> Never {
    do {
      var command = try parseAsRoot(arguments)
      if var asyncCommand = command as? any AsyncParsableCommand {
        try await asyncCommand.run()
      } else {
        try command.run()
      }
      Foundation.exit(0)
    } catch let error as DojoError {
      FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
      Foundation.exit(1)
    } catch let error as CommandFailed {
      if !error.message.isEmpty {
        FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
      }
      Foundation.exit(error.exitCode)
    } catch {
      let code = exitCode(for: error)
      let text = fullMessage(for: error)
      if code == .success {
        if !text.isEmpty { print(text) }
        Foundation.exit(0)
      }
      FileHandle.standardError.write(
        Data((text.hasPrefix("Error:") ? "error:" + text.dropFirst(6) : text).utf8))
      FileHandle.standardError.write(Data("\n".utf8))
      Foundation.exit(1)
    }
  }
}

/// Thrown by a command that has already printed its report and only needs to set the exit
/// code (for example `dojo validate` when a check failed).
struct CommandFailed: Error {
  var message: String = ""
  var exitCode: Int32 = 1
}
