internal import DojoCore
public import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The host user sandboxed code runs as: the uid and gid that the sandbox's own uid 65534
/// maps to, and so the owner of every file the code writes.
public struct SandboxHostIdentity: Sendable, Equatable {
  /// The user's name (`dojo-sandbox`, or the caller's own in the same-user mode).
  public var name: String
  public var uid: UInt32
  public var gid: UInt32
  /// True for the dedicated user; false when the code runs as Dojo's own uid
  /// (``SandboxConfiguration/allowSameUser``).
  public var isDedicated: Bool

  public init(name: String, uid: UInt32, gid: UInt32, isDedicated: Bool) {
    self.name = name
    self.uid = uid
    self.gid = gid
    self.isDedicated = isDedicated
  }

  /// Picks the identity for `configuration`: the dedicated user when Dojo runs as root (the
  /// only one that can switch to it), else Dojo's own uid if the configuration allows it.
  ///
  /// - Throws: ``DojoError`` `.sandbox` when Dojo is not root and the same-user mode is not
  ///   allowed, when the dedicated user is missing, or when it is root or Dojo's own uid.
  static func resolve(
    _ configuration: SandboxConfiguration, callerUID: UInt32 = geteuid(),
    callerGID: UInt32 = getegid()
  ) throws -> SandboxHostIdentity {
    if callerUID != 0 {
      guard configuration.allowSameUser else {
        throw DojoError(
          .sandbox,
          "Dojo runs as uid \(callerUID), not root, so it cannot run sandboxed code as the "
            + "unprivileged user \(configuration.hostUser); run Dojo as root, or allow the "
            + "weaker same-user mode (SandboxConfiguration.allowSameUser), in which sandboxed "
            + "code owns its files as your own uid")
      }
      let name = getpwuid(callerUID).flatMap { $0.pointee.pw_name.map { String(cString: $0) } }
      return SandboxHostIdentity(
        name: name ?? "uid \(callerUID)", uid: callerUID, gid: callerGID, isDedicated: false)
    }
    guard let entry = getpwnam(configuration.hostUser) else {
      throw DojoError(
        .sandbox,
        "the host user \(configuration.hostUser) that sandboxed code runs as does not exist; "
          + "run scripts/install-deps as root to create it")
    }
    let uid = entry.pointee.pw_uid
    let gid = entry.pointee.pw_gid
    guard uid != 0, gid != 0 else {
      throw DojoError(
        .sandbox,
        "the sandbox user \(configuration.hostUser) has uid \(uid) and gid \(gid); it must be "
          + "an unprivileged user (recreate it with scripts/install-deps)")
    }
    return SandboxHostIdentity(
      name: configuration.hostUser, uid: uid, gid: gid, isDedicated: true)
  }

  // MARK: - Reachability

  /// Why this user cannot reach `path` with the access asked for (the first folder it may not
  /// search, or the path itself), or nil when it can. bwrap resolves every bind source with
  /// this user's rights, so an unreachable source would stop the run; this names the folder
  /// to fix. Both the path as given and the path with its links resolved are walked. Mode
  /// bits only: an ACL may still allow or deny more, and then bwrap has the last word.
  func blocker(_ path: String, read: Bool = true, write: Bool = false) -> String? {
    var chains = [path]
    if let real = realpath(path, nil) {
      let resolved = String(cString: real)
      free(real)
      if resolved != path { chains.append(resolved) }
    }
    for chain in chains {
      // Every folder from / down to the path's parent must be searchable.
      var folder = "/"
      for component in chain.split(separator: "/") {
        if let info = Self.status(folder), !allows(info, search: true) {
          return "\(folder) is not searchable by \(name)"
        }
        folder = folder == "/" ? "/" + component : folder + "/" + component
      }
      guard let info = Self.status(chain) else { continue }
      let isFolder = info.st_mode & S_IFMT == S_IFDIR
      if !allows(info, read: read, search: isFolder) {
        return "\(chain) is not \(read ? "readable" : "searchable") by \(name)"
      }
      if write, !allows(info, write: true) {
        return "\(chain) is not writable by \(name)"
      }
    }
    return nil
  }

  private func allows(
    _ info: stat, read: Bool = false, write: Bool = false, search: Bool = false
  ) -> Bool {
    let mode = UInt32(info.st_mode)
    let bits: UInt32
    if info.st_uid == uid {
      bits = (mode >> 6) & 7
    } else if info.st_gid == gid {
      bits = (mode >> 3) & 7
    } else {
      bits = mode & 7
    }
    let wanted: UInt32 = (read ? 4 : 0) | (write ? 2 : 0) | (search ? 1 : 0)
    return bits & wanted == wanted
  }

  private static func status(_ path: String) -> stat? {
    var info = stat()
    return stat(path, &info) == 0 ? info : nil
  }
}

extension Sandbox {
  /// Makes `folder` a folder that holds workspaces (the runtime's sessions folder, a
  /// validation's scratch folder) such that the sandbox user may pass through it and no other
  /// user may: owned by Dojo's uid, group the sandbox user's, mode `0710` (in the same-user
  /// mode: `0700`). The folder is created if missing; a link is refused.
  ///
  /// Call it once for each folder on the way to the workspaces that other users may not
  /// search (any folder with mode `0700`); folders readable by all need nothing. Workspaces
  /// themselves are handed to the sandbox user by ``prepareWorkspace(_:)``, which every run
  /// also does.
  ///
  /// - Throws: ``DojoError`` `.sandbox` when the folder cannot be made, is a link or not a
  ///   folder, its owner or mode cannot be set, or a folder above it keeps the sandbox user out.
  public func prepareWorkspaceRoot(_ folder: URL) throws {
    try AtomicFiles.createDirectory(folder)
    let fd = try Self.openFolder(folder.path, what: "the workspace root")
    defer { close(fd) }
    let group = hostIdentity.isDedicated ? hostIdentity.gid : getegid()
    let mode: mode_t = hostIdentity.isDedicated ? 0o710 : 0o700
    guard fchown(fd, geteuid(), group) == 0, fchmod(fd, mode) == 0 else {
      throw DojoError(
        .sandbox,
        "cannot give \(folder.path) group \(hostIdentity.name) and mode "
          + "\(String(mode, radix: 8)): \(String(cString: strerror(errno)))")
    }
    try requireReachable(folder.path, what: "the workspace root", read: false, write: false)
  }

  /// Hands the folder `workspace` to the sandbox user: owner and group the sandbox user's,
  /// mode `0700`, created if missing. Every run does this for its workspace and output
  /// folder; call it yourself only to ready a workspace ahead of a run. A link is refused (a
  /// link planted by earlier code would otherwise hand a host folder over).
  ///
  /// - Throws: ``DojoError`` `.sandbox` when it cannot be made, is a link or not a folder, its
  ///   owner cannot be set, or a folder above it keeps the sandbox user out.
  public func prepareWorkspace(_ workspace: URL) throws {
    try AtomicFiles.createDirectory(workspace)
    try handOver(workspace.path, what: "the workspace")
    try requireReachable(workspace.path, what: "the workspace", write: true)
  }

  /// Takes a folder the sandbox wrote back for Dojo once the run has ended: every entry below
  /// it (never following a link) becomes Dojo's (`geteuid`/`getegid`), folders 0755 and files
  /// 0644, with no setuid, setgid or sticky bit left. What sandboxed code wrote (a split
  /// script's task) is then published as Dojo's own files, not the sandbox user's.
  ///
  /// - Throws: ``DojoError`` `.sandbox` naming an entry that cannot be taken back.
  public func reclaim(_ folder: URL) throws {
    guard hostIdentity.isDedicated else { return }
    try reclaimEntry(folder.path, uid: geteuid(), gid: getegid())
  }

  private func reclaimEntry(_ path: String, uid: uid_t, gid: gid_t) throws {
    var info = stat()
    guard lstat(path, &info) == 0 else {
      throw DojoError(
        .sandbox, "cannot take back \(path) from the sandbox: \(String(cString: strerror(errno)))")
    }
    let type = info.st_mode & S_IFMT
    guard lchown(path, uid, gid) == 0 else {
      throw DojoError(
        .sandbox, "cannot take back \(path) from the sandbox: \(String(cString: strerror(errno)))")
    }
    // A link's own mode means nothing; anything but files and folders is the caller's to refuse.
    guard type == S_IFDIR || type == S_IFREG else { return }
    _ = chmod(path, type == S_IFDIR ? 0o755 : 0o644)
    guard type == S_IFDIR else { return }
    for name in try FileManager.default.contentsOfDirectory(atPath: path) {
      try reclaimEntry(path + "/" + name, uid: uid, gid: gid)
    }
  }

  /// Gives the folder at `path` (never a link) to the sandbox user, mode 0700.
  ///
  /// - Parameter keepOpen: return the folder open (the caller closes it) instead of closing it.
  @discardableResult
  func handOver(_ path: String, what: String, keepOpen: Bool = false) throws -> Int32? {
    let fd = try Self.openFolder(path, what: what)
    var kept = false
    defer { if !kept { close(fd) } }
    if hostIdentity.isDedicated, fchown(fd, hostIdentity.uid, hostIdentity.gid) != 0 {
      throw DojoError(
        .sandbox,
        "cannot give \(what) \(path) to \(hostIdentity.name): \(String(cString: strerror(errno)))")
    }
    guard fchmod(fd, 0o700) == 0 else {
      throw DojoError(
        .sandbox, "cannot set the mode of \(what) \(path): \(String(cString: strerror(errno)))")
    }
    kept = keepOpen
    return keepOpen ? fd : nil
  }

  /// Fails closed, naming the folder to fix, when the sandbox user cannot reach `path` (and
  /// read it, unless `read` is false: a folder it only passes through).
  func requireReachable(_ path: String, what: String, read: Bool = true, write: Bool) throws {
    guard let blocker = hostIdentity.blocker(path, read: read, write: write) else { return }
    throw DojoError(
      .sandbox,
      "the sandbox user \(hostIdentity.name) cannot reach \(what) \(path): \(blocker); "
        + "chmod o+x its parent folders (or give them group \(hostIdentity.name) with g+x, as "
        + "Sandbox.prepareWorkspaceRoot does), or keep Dojo's folders out of /root")
  }

  /// Opens a folder without following a final link.
  static func openFolder(_ path: String, what: String) throws -> Int32 {
    let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    guard fd >= 0 else {
      let reason =
        errno == ELOOP || errno == ENOTDIR
        ? "it is a link or not a folder" : String(cString: strerror(errno))
      throw DojoError(.sandbox, "\(what) \(path) cannot be used: \(reason)")
    }
    return fd
  }
}
