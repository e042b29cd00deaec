internal import DojoCore
internal import Foundation

/// The Python interpreter agent code runs with, and the folders it needs read-only.
public struct PythonEnvironment: Sendable, Equatable {
  /// The interpreter to run (`sys.executable`: inside a virtual environment, its `bin/python`,
  /// so that `pyvenv.cfg` is found).
  public var executable: String
  /// `sys.prefix` and `sys.base_prefix` (one folder unless a virtual environment), bound
  /// read-only at the same paths inside the sandbox.
  public var prefixes: [String]

  public init(executable: String, prefixes: [String]) {
    self.executable = executable
    self.prefixes = prefixes
  }

  /// Asks `python` (a path, or a name looked up in `PATH`, such as a pyenv shim) for its real
  /// interpreter and prefixes.
  ///
  /// - Throws: ``DojoError`` `.sandbox` when it cannot be run or lives in a folder that would
  ///   expose too much of the host (`/`, `/root`, `/home`).
  public static func resolve(_ python: String = "python3") throws -> PythonEnvironment {
    let code = "import sys; print(sys.executable); print(sys.prefix); print(sys.base_prefix)"
    let outcome = try ProcessRunner.run(
      python, ["-c", code], limits: ProcessLimits(wallSeconds: 30, outputTailBytes: 16 * 1024))
    let lines = outcome.stdoutTail.split(separator: "\n").map(String.init)
    guard outcome.succeeded, lines.count == 3, lines.allSatisfy({ $0.hasPrefix("/") }) else {
      throw DojoError(
        .sandbox,
        "cannot ask \(python) for its prefix (\(outcome.summary)): "
          + "install Python 3 or pass the interpreter's path in SandboxConfiguration.python")
    }
    let prefixes = Array(Set(lines[1...2])).sorted()
    for prefix in prefixes where ["/", "/root", "/home"].contains(prefix) {
      throw DojoError(
        .sandbox,
        "\(python)'s prefix is \(prefix), which would expose too much of the host to agent "
          + "code; use a virtual environment or an interpreter installed in its own folder")
    }
    return PythonEnvironment(executable: lines[0], prefixes: prefixes)
  }
}
