public import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Paths that must stay inside a folder once every symbolic link on the way is resolved.
///
/// A manifest names files relative to its own folder (page, solution, script, leaderboards)
/// or to the competition's unpacked archive (`files.*`, `media`). Checking the text alone is
/// not enough: `notes -> /` inside the manifest's folder makes `notes/etc/passwd` look
/// harmless. So the existing part of a path is resolved link by link against the real file
/// system (the way the kernel walks it), and the result must lie under the folder's own
/// real path. Components that do not exist yet are taken as written.
public enum ContainedPath {
  /// Why a path named relative to a folder is refused as written, or nil when it is a
  /// non-empty relative path with no `..` component and no NUL.
  public static func lexicalProblem(_ path: String) -> String? {
    if path.isEmpty { return "is empty" }
    if path.contains("\0") { return "holds a NUL character" }
    if path.hasPrefix("/") || path.hasPrefix("~") { return "is an absolute path" }
    if path.split(separator: "/").contains("..") { return "climbs out of its folder with '..'" }
    return nil
  }

  /// The most links followed while resolving one path, as the kernel's own `ELOOP` bound.
  static let maxLinks = 40

  /// The real path of the absolute `path`: each existing component is looked at with
  /// `lstat`, a symbolic link replaced by its target (relative targets against the link's
  /// folder), `..` applied to the path resolved so far; below a missing component, names are
  /// appended as written (a `..` that climbs back above it resumes the walk, as the path
  /// would resolve once the component exists). Nil when links loop (more than 40).
  public static func realPath(_ path: String) -> String? {
    var pending = Array(path.split(separator: "/").map(String.init).reversed())
    var resolved: [String] = []
    // Where the first missing component sits in `resolved`, while the walk is below it.
    var firstMissing: Int?
    var links = 0
    while let component = pending.popLast() {
      if component == "." || component.isEmpty { continue }
      if component == ".." {
        if !resolved.isEmpty { resolved.removeLast() }
        if let missing = firstMissing, resolved.count <= missing { firstMissing = nil }
        continue
      }
      let candidate = "/" + (resolved + [component]).joined(separator: "/")
      var info = stat()
      guard firstMissing == nil, lstat(candidate, &info) == 0 else {
        if firstMissing == nil { firstMissing = resolved.count }
        resolved.append(component)
        continue
      }
      guard info.st_mode & S_IFMT == S_IFLNK else {
        resolved.append(component)
        continue
      }
      links += 1
      guard links <= maxLinks, let target = readLink(candidate) else { return nil }
      if target.hasPrefix("/") { resolved = [] }
      pending += target.split(separator: "/").map(String.init).reversed()
    }
    return "/" + resolved.joined(separator: "/")
  }

  /// Whether `path` is `root` itself or lies below it (both real paths).
  public static func isInside(_ path: String, _ root: String) -> Bool {
    root == "/" || path == root || path.hasPrefix(root.hasSuffix("/") ? root : root + "/")
  }

  /// Why `relative` under `root` is refused, or its real path.
  public enum Resolution: Sendable, Equatable {
    case inside(URL)
    case refused(String)
  }

  /// Resolves `relative` against `root` and checks that its real path stays under the
  /// root's real path.
  public static func resolve(_ relative: String, under root: URL) -> Resolution {
    if let problem = lexicalProblem(relative) { return .refused(problem) }
    guard let realRoot = realPath(root.path) else {
      return .refused("cannot be resolved: the folder \(root.path) is a loop of links")
    }
    guard let real = realPath(realRoot + "/" + relative) else {
      return .refused("is a loop of symbolic links")
    }
    guard isInside(real, realRoot) else {
      return .refused("resolves through a symbolic link to \(real), outside \(realRoot)")
    }
    return .inside(URL(fileURLWithPath: real))
  }

  private static func readLink(_ path: String) -> String? {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let count = readlink(path, &buffer, buffer.count - 1)
    guard count > 0 else { return nil }
    return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
