internal import DojoCore
internal import Foundation
internal import Sandbox
internal import Tabular

#if canImport(Glibc)
  import Glibc
#endif

/// `split.strategy: script`: the manifest's Python file writes `public/` and
/// `private/answers.csv` itself, inside the same bubblewrap sandbox as reference solutions.
///
/// The contract the catalogue's `prepare.py` files rely on: `python3 prepare.py RAW OUT`, OUT
/// the working directory, and Dojo's `dojo_split` library importable (``ScriptSupport``).
/// Inside, RAW is `/raw` (the unpacked archive, read-only), OUT is `/out` (the task being
/// built, the only writable folder), the script's own folder is read-only under
/// `/manifests`, `dojo_split` read-only at `/dojo/python`, there is no network, and the code
/// runs as the sandbox's uid within ``Preparer/scriptLimits``. Nothing else of the host
/// (other manifests' folders, `/root`, `curated/`) exists inside, `manifests/_shared/`
/// included: a script is self-contained but for `dojo_split`.
///
/// What the script leaves is then read as hostile (``ScriptOutput/check(_:script:)``).
extension Preparer {
  /// Where the unpacked archive appears inside the sandbox (the script's first argument).
  static let scriptRawPath = "/raw"
  /// Where the task being built appears (the second argument and working directory).
  static let scriptOutputPath = "/out"
  /// Where the script's folder (`/manifests/<id>`) appears.
  static let scriptManifestsPath = "/manifests"

  func runScript(files: RawFiles, work: TaskLayout) throws -> (
    (train: Int, test: Int), [[String]]
  ) {
    guard let script = manifest.split.script else {
      throw DojoError(.invalidManifest, "split.script is required by strategy script")
    }
    let path = try loaded.localFile(script, key: "split.script")
    guard FileManager.default.fileExists(atPath: path.path) else {
      throw DojoError(.invalidManifest, "split.script: \(path.path) does not exist")
    }
    let available = Sandbox.isAvailable()
    guard available.available else {
      throw DojoError(
        .sandbox,
        "split.script \(script) runs only inside the sandbox, which is unavailable here: \(available.reason)"
      )
    }
    let sandbox = try Sandbox(SandboxConfiguration(python: python))
    let command = [sandbox.python.executable, "-u", try scriptPathInSandbox(path)]
    // The task's folders are the sandbox user's while the script writes them, and Dojo's
    // again once it has ended, whatever it did.
    try sandbox.prepareWorkspace(work.publicDir)
    try sandbox.prepareWorkspace(work.privateDir)
    let run = Result {
      try sandbox.run(
        command: command + [Self.scriptRawPath, Self.scriptOutputPath],
        mounts: try scriptMounts(files: files, work: work), limits: scriptLimits,
        environment: ["PYTHONPATH": ScriptSupport.folderInSandbox])
    }
    // What the script left is judged as it left it (a setuid bit, a link), before Dojo
    // takes the folders back and normalises their modes.
    let checked = Result {
      if case .success(let outcome) = run, outcome.succeeded {
        try ScriptOutput.check(work.root, script: script)
      }
    }
    try sandbox.reclaim(work.root)
    let outcome = try run.get()
    guard outcome.succeeded else {
      let tail = outcome.stderrTail.split(separator: "\n").suffix(3).joined(separator: " | ")
      throw DojoError(
        .invalidData,
        "split.script \(script) \(outcome.summary): \(tail); fix the script and run again")
    }
    try checked.get()
    guard FileManager.default.fileExists(atPath: work.answers.path) else {
      throw DojoError(
        .invalidData,
        "split.script \(script) wrote no private/answers.csv; it must write the answers there")
    }
    let answers = try Table.read(work.answers)
    // The training targets, when the script's train table has them, give the sample
    // submission's defaults; a script may also write the sample itself.
    let trainFile = work.publicDir.appendingPathComponent(
      (manifest.files.train as NSString).lastPathComponent)
    // Not there, or not CSV: no defaults (rows are counted from task.json's list). There but
    // unreadable: an error naming it, never zero rows.
    guard !manifest.files.train.isEmpty, FileManager.default.fileExists(atPath: trainFile.path),
      TaskFile.Format(fileName: trainFile.lastPathComponent) == .csv
    else { return ((0, answers.rowCount), []) }
    let train: Table
    do {
      train = try Table.read(trainFile)
    } catch let error as DojoError {
      throw DojoError(
        .invalidData,
        "split.script \(script) wrote public/\(trainFile.lastPathComponent), which cannot be read: \(error.message)"
      )
    }
    let targets = manifest.answers.targets.compactMap { name in
      train.index(of: name).map { c in (0..<train.rowCount).map { train.string(row: $0, column: c) }
      }
    }
    let complete = targets.count == manifest.answers.targets.count
    return ((train.rowCount, answers.rowCount), complete ? targets : [])
  }

  /// The manifest's folder (`/manifests/<id>`) and Dojo's `dojo_split` library, read-only;
  /// the archive read-only at `/raw`; the task being built read-write at `/out`.
  func scriptMounts(files: RawFiles, work: TaskLayout) throws -> SandboxMounts {
    let binds = [
      SandboxMounts.Bind(host: try realFolder(loaded.directory), path: scriptFolderInSandbox),
      SandboxMounts.Bind(
        host: try realFolder(ScriptSupport.folder()), path: ScriptSupport.folderInSandbox),
    ]
    return SandboxMounts(
      publicDirectory: files.root, workspace: work.root, output: work.root, readOnly: binds,
      dataPath: Self.scriptRawPath, workspacePath: Self.scriptOutputPath,
      outputPath: Self.scriptOutputPath)
  }

  /// `/manifests/<id>`: the id is a slug (no `/`, never `.` or `..`), so a path component.
  var scriptFolderInSandbox: String { Self.scriptManifestsPath + "/" + manifest.id }

  /// The script's path inside the sandbox, from its real path on the host.
  func scriptPathInSandbox(_ realScript: URL) throws -> String {
    let folder = try realFolder(loaded.directory).path
    let full = realScript.path
    guard full.hasPrefix(folder + "/") else {
      throw DojoError(
        .invalidManifest,
        "split.script \(full) is not inside the manifest's folder \(folder); move it there")
    }
    return scriptFolderInSandbox + "/" + full.dropFirst(folder.count + 1)
  }

  private func realFolder(_ url: URL) throws -> URL {
    guard let real = ContainedPath.realPath(url.path) else {
      throw DojoError(.invalidManifest, "\(url.path) is a loop of symbolic links")
    }
    return URL(fileURLWithPath: real)
  }
}

/// The folder a split script wrote, checked before the host reads or hashes any of it: the
/// script is untrusted, so only plain folders and regular files with one name are accepted.
/// A symbolic link (the host would follow it to its files), a second name of a file, a
/// device, FIFO or socket (reading it hangs or reads the host), or a setuid/setgid bit is
/// refused, naming the file.
enum ScriptOutput {
  static func check(_ root: URL, script: String) throws {
    func refuse(_ relative: String, _ what: String) -> DojoError {
      DojoError(
        .unsafeArchive,
        "split.script \(script) left \(relative), which \(what); a split script may write only regular files and folders in its output: fix the script"
      )
    }
    var pending = [""]
    while let folder = pending.popLast() {
      let hostFolder = folder.isEmpty ? root.path : root.path + "/" + folder
      let names: [String]
      do {
        names = try FileManager.default.contentsOfDirectory(atPath: hostFolder)
      } catch {
        throw AtomicFiles.ioError("cannot list \(hostFolder)", error)
      }
      for name in names.sorted() {
        let relative = folder.isEmpty ? name : folder + "/" + name
        let host = root.path + "/" + relative
        if SandboxOutput.hasSetIDBit(atPath: host) {
          throw refuse(relative, "has the setuid or setgid bit")
        }
        switch SandboxOutput.entry(atPath: host) {
        case .folder: pending.append(relative)
        case .file: break
        case .missing:
          throw DojoError(.io, "cannot inspect \(host): it vanished while being checked")
        case .refused(let kind): throw refuse(relative, "is \(kind)")
        }
      }
    }
  }
}
