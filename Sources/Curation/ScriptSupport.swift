internal import DojoCore
internal import Foundation

/// `dojo_split`, the Python library Dojo gives bespoke split scripts (finding archive files,
/// placing a file by hard link, reading a column, writing a small CSV). It ships with Dojo as
/// a resource of this module, is mounted read-only in the script's sandbox at
/// ``folderInSandbox`` and put on `PYTHONPATH`, and its text is part of every script-split
/// task's version. Splitting itself stays the Swift engine's: the module holds no split rule.
enum ScriptSupport {
  /// The module's file name inside the resource bundle.
  static let moduleFile = "dojo_split.py"
  /// Where the module's folder appears inside the sandbox.
  static let folderInSandbox = "/dojo/python"

  /// The folder holding `dojo_split.py`: SwiftPM's resource bundle for this module, beside
  /// the executable (or the test bundle) that runs Dojo. Looked up by hand rather than
  /// through `Bundle.module`, which stops the process when the bundle is missing.
  ///
  /// - Throws: ``DojoError`` `.invalidArgument` when the bundle is not beside the
  ///   executable (Dojo was copied without it), saying what to do.
  static func folder() throws -> URL {
    let bundleName = "Dojo_Curation.resources"
    var candidates: [URL] = []
    if let executable = try? FileManager.default.destinationOfSymbolicLink(
      atPath: "/proc/self/exe")
    {
      candidates.append(URL(fileURLWithPath: executable).deletingLastPathComponent())
    }
    candidates.append(Bundle.main.bundleURL)
    if let resources = Bundle.main.resourceURL { candidates.append(resources) }
    for base in candidates {
      let folder = base.appendingPathComponent(bundleName)
      if FileManager.default.fileExists(atPath: folder.appendingPathComponent(moduleFile).path) {
        return folder.standardizedFileURL
      }
    }
    throw DojoError(
      .invalidArgument,
      "split scripts need \(bundleName)/\(moduleFile), which ships beside the dojo executable; it was not found beside \(candidates.first?.path ?? "the executable"): run dojo from its build folder or copy the bundle with it"
    )
  }

  /// The module's path on the host.
  static func moduleURL() throws -> URL {
    try folder().appendingPathComponent(moduleFile)
  }
}
