internal import DojoCore
internal import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Where the per-run cgroups go: one `dojo` parent per hierarchy, found once.
struct CgroupLayout: Sendable, Equatable {
  enum Version: Sendable, Equatable {
    /// Separate `memory` and `pids` hierarchies.
    case v1(memoryParent: String, pidsParent: String)
    /// One unified hierarchy with the memory and pids controllers enabled for children.
    case v2(parent: String)
  }
  var version: Version

  var enforcement: LimitEnforcement {
    switch version {
    case .v1: .cgroupV1
    case .v2: .cgroupV2
    }
  }

  /// Finds (and makes, if need be) a `name` parent under the hierarchies mounted at `root`.
  ///
  /// v1 puts the parent under this process's own memory and pids cgroups, so the runs stay
  /// inside whatever limits the host already put on Dojo. v2 forbids processes in a cgroup
  /// whose children have controllers, so the parent goes under the root (or `explicitParent`),
  /// where that rule does not apply. Returns nil when neither can be made (not root, no
  /// delegation, controllers missing); the caller then falls back to rlimits.
  static func detect(
    root: String = "/sys/fs/cgroup", selfCgroup: String = "/proc/self/cgroup",
    name: String = "dojo", explicitParent: String? = nil
  ) -> CgroupLayout? {
    let fm = FileManager.default
    let lines = (try? String(contentsOfFile: selfCgroup, encoding: .utf8)) ?? ""
    var paths: [String: String] = [:]  // controller (or "" for v2) -> own path
    for line in lines.split(separator: "\n") {
      let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
      guard parts.count == 3 else { continue }
      for controller in parts[1].split(separator: ",") {
        paths[String(controller)] = String(parts[2])
      }
      if parts[1].isEmpty { paths[""] = String(parts[2]) }
    }

    // v1: both controllers have their own hierarchy.
    if let memory = paths["memory"], let pids = paths["pids"],
      fm.fileExists(atPath: "\(root)/memory/cgroup.procs"),
      fm.fileExists(atPath: "\(root)/pids/cgroup.procs")
    {
      let memoryParent =
        explicitParent.map { "\(root)/memory/\($0)" }
        ?? join(root + "/memory", memory, name)
      let pidsParent =
        explicitParent.map { "\(root)/pids/\($0)" }
        ?? join(root + "/pids", pids, name)
      if makeDirectory(memoryParent), makeDirectory(pidsParent) {
        return CgroupLayout(version: .v1(memoryParent: memoryParent, pidsParent: pidsParent))
      }
      return nil
    }

    // v2: the unified hierarchy mounted at `root` itself, with both controllers available.
    guard
      let controllers = try? String(contentsOfFile: root + "/cgroup.controllers", encoding: .utf8),
      controllers.split(whereSeparator: \.isWhitespace).contains("memory"),
      controllers.split(whereSeparator: \.isWhitespace).contains("pids")
    else { return nil }
    let parent = explicitParent.map { "\(root)/\($0)" } ?? "\(root)/\(name)"
    guard makeDirectory(parent) else { return nil }
    // Enable the controllers on the way down from the root; a level that already has them
    // needs no write, and a refused write shows up as the controllers missing below.
    var level = root
    let relative = parent.dropFirst(root.count).split(separator: "/")
    for component in relative {
      enableControllers(at: level)
      level += "/" + component
    }
    enableControllers(at: parent)
    let enabled =
      (try? String(contentsOfFile: parent + "/cgroup.subtree_control", encoding: .utf8)) ?? ""
    let words = enabled.split(whereSeparator: \.isWhitespace)
    guard words.contains("memory"), words.contains("pids") else { return nil }
    return CgroupLayout(version: .v2(parent: parent))
  }

  /// The parents that hold per-run groups.
  var parents: [String] {
    switch version {
    case .v1(let memoryParent, let pidsParent): [memoryParent, pidsParent]
    case .v2(let parent): [parent]
    }
  }

  /// Removes per-run groups left by a server that died without cleaning up (SIGKILL, a
  /// crash): those named `run-<pid>-…` whose pid is no longer alive. Their processes are
  /// killed first. Returns the directories removed.
  @discardableResult
  func removeOrphanedRuns() -> [String] {
    var removed: [String] = []
    for parent in parents {
      let names = (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []
      for name in names.sorted() {
        let parts = name.split(separator: "-")
        guard parts.count == 3, parts[0] == "run", let pid = Int32(parts[1]) else { continue }
        guard !Self.isRunning(pid) else { continue }
        let group = RunCgroup(layout: self, name: name, directories: [parent + "/" + name])
        if group.remove() { removed.append(parent + "/" + name) }
      }
    }
    return removed
  }

  /// Whether `pid` is a live process. A zombie counts as dead: a server killed while its
  /// parent is slow to reap it still answers `kill(pid, 0)`.
  static func isRunning(_ pid: Int32) -> Bool {
    if kill(pid, 0) != 0 && errno == ESRCH { return false }
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = stat.lastIndex(of: ")")
    else { return true }
    // The state is the first field after the command name's closing parenthesis.
    return stat[stat.index(after: close)...].split(separator: " ").first != "Z"
  }

  private static func join(_ mount: String, _ own: String, _ name: String) -> String {
    let trimmed = own.split(separator: "/").joined(separator: "/")
    return trimmed.isEmpty ? "\(mount)/\(name)" : "\(mount)/\(trimmed)/\(name)"
  }

  private static func makeDirectory(_ path: String) -> Bool {
    (try? FileManager.default.createDirectory(
      atPath: path, withIntermediateDirectories: true)) != nil
  }

  private static func enableControllers(at path: String) {
    let file = path + "/cgroup.subtree_control"
    let current = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
    let words = current.split(whereSeparator: \.isWhitespace)
    for controller in ["memory", "pids"] where !words.contains(Substring(controller)) {
      _ = RunCgroup.write("+\(controller)", to: file)
    }
  }
}

/// One run's cgroup (v1: one in each hierarchy): made before the run, joined by the wrapper
/// shell before it becomes bwrap, emptied and removed afterwards.
struct RunCgroup: Sendable {
  let layout: CgroupLayout
  /// The run's own name, the last component of each of its directories.
  let name: String
  /// The run's directories: v1 memory and pids, or the one v2 group.
  let directories: [String]

  /// Makes the run's cgroup and writes its limits.
  ///
  /// - Throws: ``DojoError`` `.sandbox` when a directory or a limit cannot be written.
  static func create(
    layout: CgroupLayout, name: String, memoryBytes: Int?, maxProcesses: Int?
  ) throws -> RunCgroup {
    let directories: [String]
    switch layout.version {
    case .v1(let memoryParent, let pidsParent):
      directories = [memoryParent + "/" + name, pidsParent + "/" + name]
    case .v2(let parent):
      directories = [parent + "/" + name]
    }
    let group = RunCgroup(layout: layout, name: name, directories: directories)
    for directory in directories where mkdir(directory, 0o755) != 0 {
      let reason = String(cString: strerror(errno))
      group.remove()
      throw DojoError(.sandbox, "cannot create the cgroup \(directory): \(reason)")
    }
    do {
      try group.writeLimits(memoryBytes: memoryBytes, maxProcesses: maxProcesses)
    } catch {
      group.remove()
      throw error
    }
    return group
  }

  private func writeLimits(memoryBytes: Int?, maxProcesses: Int?) throws {
    switch layout.version {
    case .v1:
      let (memory, pids) = (directories[0], directories[1])
      if let memoryBytes {
        try require("\(memoryBytes)", memory + "/memory.limit_in_bytes")
        // Swap counts too where the kernel accounts it (memsw must not be below the limit,
        // hence after it); without it the run could page out past the limit.
        let swap = memory + "/memory.memsw.limit_in_bytes"
        if FileManager.default.fileExists(atPath: swap) { try require("\(memoryBytes)", swap) }
      }
      if let maxProcesses { try require("\(maxProcesses)", pids + "/pids.max") }
    case .v2:
      let group = directories[0]
      if let memoryBytes {
        try require("\(memoryBytes)", group + "/memory.max")
        if FileManager.default.fileExists(atPath: group + "/memory.swap.max") {
          try require("0", group + "/memory.swap.max")
        }
      }
      if let maxProcesses { try require("\(maxProcesses)", group + "/pids.max") }
    }
  }

  private func require(_ value: String, _ file: String) throws {
    guard Self.write(value, to: file) else {
      throw DojoError(
        .sandbox,
        "cannot write \(value) to \(file): \(String(cString: strerror(errno))); "
          + "check that Dojo may manage cgroups (run as root or delegate a cgroup)")
    }
  }

  /// Writes `value` to a cgroup file with one write(2), as the kernel expects.
  @discardableResult
  static func write(_ value: String, to file: String) -> Bool {
    let fd = open(file, O_WRONLY | O_CLOEXEC)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    let bytes = Array(value.utf8)
    return bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } == bytes.count
  }

  /// The shell lines that move the wrapper shell into every directory of the group.
  ///
  /// v1 moves the shell's one thread through `tasks`, naming it `0` (the writer itself):
  /// moving a whole process through `cgroup.procs` write-locks the kernel's global
  /// threadgroup semaphore, which waits out an RCU grace period (a median 8 ms and up to
  /// 22 ms a run here, most of a step's overhead), while the writer moving only itself needs
  /// no such lock. The shell has no other thread, so the whole process moves. v2 has no
  /// `tasks` file outside threaded groups, so there the process is moved by its pid.
  var joinScript: String {
    let (file, who) =
      switch layout.version {
      case .v1: ("tasks", "0")
      case .v2: ("cgroup.procs", "$$")
      }
    return directories.map { dir in
      "echo \(who) > '\(dir)/\(file)' || { echo 'dojo-sandbox: cannot join the cgroup \(dir)' >&2; exit 125; }; "
    }.joined()
  }

  /// The pids of the processes still in the group.
  func members() -> [Int32] {
    var pids = Set<Int32>()
    for directory in directories {
      let text = (try? String(contentsOfFile: directory + "/cgroup.procs", encoding: .utf8)) ?? ""
      for line in text.split(separator: "\n") { if let pid = Int32(line) { pids.insert(pid) } }
    }
    return pids.sorted()
  }

  /// Kills every process in the group, again and again while forks race the killing, for
  /// up to about 100 ms.
  ///
  /// The naps start at 50 µs and double to 2 ms: after a run that ended by itself the group
  /// still lists its last process for a moment after it was reaped, and a first nap of the
  /// full 2 ms was added to every runtime step.
  func killAll() {
    if case .v2 = layout.version,
      Self.write("1", to: directories[0] + "/cgroup.kill")
    {
      return
    }
    var nap: UInt32 = 50
    var waited: UInt32 = 0
    while waited < 100_000 {
      let pids = members()
      if pids.isEmpty { return }
      for pid in pids { kill(pid, SIGKILL) }
      usleep(nap)
      waited += nap
      nap = min(nap * 2, 2_000)
    }
  }

  /// What the kernel counted for the run.
  struct Statistics: Sendable, Equatable {
    var oomKills = 0
    var memoryLimitHits = 0
    var peakMemoryBytes: Int?
    var processLimitHits = 0
    /// CPU seconds of every process of the group (cgroup v2's `cpu.stat`).
    var cpuSeconds: Double?
  }

  func statistics() -> Statistics {
    var stats = Statistics()
    switch layout.version {
    case .v1:
      let (memory, pids) = (directories[0], directories[1])
      stats.oomKills = Self.keyed(memory + "/memory.oom_control")["oom_kill"] ?? 0
      stats.memoryLimitHits = Self.number(memory + "/memory.failcnt") ?? 0
      stats.peakMemoryBytes = Self.number(memory + "/memory.max_usage_in_bytes")
      stats.processLimitHits = Self.keyed(pids + "/pids.events")["max"] ?? 0
    case .v2:
      let group = directories[0]
      let events = Self.keyed(group + "/memory.events")
      stats.oomKills = events["oom_kill"] ?? 0
      stats.memoryLimitHits = events["max"] ?? 0
      stats.peakMemoryBytes = Self.number(group + "/memory.peak")
      stats.processLimitHits = Self.keyed(group + "/pids.events")["max"] ?? 0
      stats.cpuSeconds = Self.keyed(group + "/cpu.stat")["usage_usec"].map { Double($0) / 1e6 }
    }
    return stats
  }

  /// Kills what is left and removes the directories; true when all are gone. Processes take
  /// a moment to leave the group after SIGKILL, so removal is retried for up to two seconds.
  @discardableResult
  func remove() -> Bool {
    let deadline = Date().addingTimeInterval(2)
    var remaining = directories.filter { FileManager.default.fileExists(atPath: $0) }
    while !remaining.isEmpty {
      killAll()
      remaining = remaining.filter { rmdir($0) != 0 && errno != ENOENT }
      if remaining.isEmpty || Date() > deadline { break }
      usleep(5_000)
    }
    return remaining.isEmpty
  }

  private static func number(_ file: String) -> Int? {
    guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
    return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
  }

  /// Parses a `key value` per line cgroup file (memory.events, oom_control, pids.events).
  static func keyed(_ file: String) -> [String: Int] {
    guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return [:] }
    var values: [String: Int] = [:]
    for line in text.split(separator: "\n") {
      let words = line.split(separator: " ")
      if words.count == 2, let value = Int(words[1]) { values[String(words[0])] = value }
    }
    return values
  }
}
