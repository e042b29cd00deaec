internal import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// What sandboxed code left in a folder it could write, judged with `lstat` so that nothing
/// is followed or opened: a link would lead host-side code to a file of the host (the task's
/// private answers, found through `/proc/self/mountinfo`), a second name of a file could be
/// one the code does not own, and opening a FIFO would hang. The one judge for split
/// scripts' output and reference solutions' submissions.
public enum SandboxOutput {
  /// One entry as `lstat` sees it.
  public enum Entry: Equatable, Sendable {
    /// A regular file with one name.
    case file
    case folder
    /// Nothing at that path.
    case missing
    /// Anything host-side code must not read; `kind` says what it is ("a symbolic link (to
    /// /etc)", "a FIFO").
    case refused(kind: String)
  }

  /// What is at `path`, without following it.
  public static func entry(atPath path: String) -> Entry {
    var info = stat()
    guard lstat(path, &info) == 0 else { return .missing }
    switch info.st_mode & S_IFMT {
    case S_IFDIR: return .folder
    case S_IFREG:
      guard info.st_nlink > 1 else { return .file }
      return .refused(kind: "a hard link (\(info.st_nlink) names for one file)")
    case S_IFLNK:
      let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?"
      return .refused(kind: "a symbolic link (to \(target))")
    case S_IFIFO: return .refused(kind: "a FIFO")
    default: return .refused(kind: "a device or socket")
    }
  }

  /// Whether the entry at `path` carries a setuid or setgid bit (false when there is none).
  public static func hasSetIDBit(atPath path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) == 0 && info.st_mode & (S_ISUID | S_ISGID) != 0
  }
}
