internal import DojoCore
internal import Foundation

/// The Python environment agent code runs in when `dojo serve --agent-requirements FILE`
/// declares one: a virtual environment built from Debian's interpreter (the sandbox user
/// must reach it, and it binds the prefixes at their own paths), with exactly the pinned
/// packages of FILE. It is built once and reused while FILE is unchanged: the SHA-256 of
/// FILE, written last into the venv, marks a finished build.
enum AgentVenv {
  static let stampName = ".dojo-requirements.sha256"

  /// The venv's interpreter, built or reused.
  ///
  /// - Throws: ``DojoError`` `.invalidArgument` naming the line of FILE that is not pinned
  ///   (`name==version`), `.io` when the venv cannot be made or pip fails (its output's end).
  static func prepare(requirements file: URL, at folder: URL, base: String = "/usr/bin/python3")
    throws -> String
  {
    let data: Data
    do {
      data = try Data(contentsOf: file)
    } catch {
      throw DojoError(
        .io, "cannot read --agent-requirements \(file.path): \(error.localizedDescription)")
    }
    try checkPinned(String(decoding: data, as: UTF8.self), file: file.path)
    let want = SHA256Hasher.hash(data)
    let python = folder.appendingPathComponent("bin/python3").path
    let stamp = folder.appendingPathComponent(stampName)
    if (try? String(contentsOf: stamp, encoding: .utf8))?.trimmingCharacters(
      in: .whitespacesAndNewlines) == want,
      FileManager.default.isExecutableFile(atPath: python)
    {
      return python
    }
    print("dojo serve: building the agent environment \(folder.path) from \(file.path)")
    let limits = ProcessLimits(wallSeconds: 3600, outputTailBytes: 8192)
    let venv = try ProcessRunner.run(base, ["-m", "venv", "--clear", folder.path], limits: limits)
    guard venv.succeeded else {
      throw DojoError(.io, "cannot create the agent venv \(folder.path): \(venv.stderrTail)")
    }
    // Readable and traversable by the sandbox's user.
    _ = chmod(folder.path, 0o755)
    let pip = try ProcessRunner.run(
      python,
      ["-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-input", "-r", file.path],
      limits: limits)
    guard pip.succeeded else {
      throw DojoError(
        .io,
        "pip could not install \(file.path) into \(folder.path) (\(pip.summary)): \(pip.stderrTail.suffix(2000))"
      )
    }
    try AtomicFiles.write(Data((want + "\n").utf8), to: stamp)
    return python
  }

  /// Every requirement line must pin one version (`name==version`, extras and markers
  /// allowed), or include another file (`-r`), so the environment is the same on every build.
  static func checkPinned(_ text: String, file: String) throws {
    for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line =
        raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first
        .map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
      if line.isEmpty || line.hasPrefix("-r ") || line.hasPrefix("--requirement ") { continue }
      let requirement = line.split(separator: ";", maxSplits: 1).first.map(String.init) ?? line
      let parts = requirement.components(separatedBy: "==")
      guard parts.count == 2, !parts[0].trimmingCharacters(in: .whitespaces).isEmpty,
        !parts[1].trimmingCharacters(in: .whitespaces).isEmpty,
        !parts[1].contains(where: { "<>=!~*,".contains($0) })
      else {
        throw DojoError(
          .invalidArgument,
          "\(file) line \(index + 1): \"\(line)\" is not pinned; write NAME==VERSION so every build installs the same"
        )
      }
    }
  }
}
