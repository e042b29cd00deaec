public import Foundation

/// Files SwiftPM ships beside the executable as a module's resource bundle
/// (`Dojo_<Module>.resources`). Looked up by hand rather than through `Bundle.module`, which
/// stops the process when the bundle is missing (Dojo copied without it).
public enum ResourceBundles {
  /// The folder of `bundleName` that holds `file`: beside the executable that runs Dojo (or
  /// the test bundle), else in the main bundle.
  ///
  /// - Parameter purpose: what needs the file, for the error ("split scripts").
  /// - Throws: ``DojoError`` `.invalidArgument` when the bundle is not found, saying what to do.
  public static func folder(_ bundleName: String, holding file: String, for purpose: String)
    throws -> URL
  {
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
      if FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path) {
        return folder.standardizedFileURL
      }
    }
    throw DojoError(
      .invalidArgument,
      "\(purpose) need \(bundleName)/\(file), which ships beside the dojo executable; it was not found beside \(candidates.first?.path ?? "the executable"): run dojo from its build folder or copy the bundle with it"
    )
  }
}
