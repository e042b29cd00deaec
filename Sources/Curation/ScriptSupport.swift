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
  /// the executable (or the test bundle) that runs Dojo.
  ///
  /// - Throws: ``DojoError`` `.invalidArgument` when the bundle is not beside the
  ///   executable (Dojo was copied without it), saying what to do.
  static func folder() throws -> URL {
    try ResourceBundles.folder("Dojo_Curation.resources", holding: moduleFile, for: "split scripts")
  }

  /// The module's path on the host.
  static func moduleURL() throws -> URL {
    try folder().appendingPathComponent(moduleFile)
  }
}
