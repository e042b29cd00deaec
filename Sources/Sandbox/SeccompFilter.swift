internal import DojoCSeccomp
internal import DojoCore
internal import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The system-call filter every sandboxed process runs under, modelled on Docker's default
/// seccomp profile: what an unprivileged container has no business calling is refused with
/// `EPERM`, and system calls of another ABI (i386 or x32 on x86_64) kill the process.
///
/// Unlike Docker's profile it is a block list (the default action allows): the calls below are
/// the kernel surface that the namespaces and dropped capabilities do not already remove, or
/// that has a record of exploitable bugs (`bpf`, `userfaultfd`, `io_uring`, `keyctl`, nested
/// user namespaces). Built with libseccomp, never hand-written BPF.
enum SeccompFilter {
  /// Refused with `EPERM` whatever their arguments. Names this architecture does not have
  /// (`vm86` on x86_64, say) are left out.
  static let refused: [String] = [
    // Kernel keyrings.
    "add_key", "keyctl", "request_key",
    // eBPF, userfaultfd, perf events and io_uring: large, often-exploited surfaces.
    "bpf", "userfaultfd", "perf_event_open", "io_uring_setup", "io_uring_enter",
    "io_uring_register",
    // Mounting, by the old and the new mount API.
    "mount", "umount", "umount2", "pivot_root", "move_mount", "open_tree", "fsopen", "fsconfig",
    "fsmount", "fspick", "mount_setattr",
    // Other processes' memory and descriptors.
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
    // Namespaces: a nested user namespace would give the code every capability in it.
    "unshare", "setns",
    // Kernels, modules, the machine and its clock.
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "create_module", "get_kernel_syms", "query_module", "reboot", "swapon", "swapoff", "syslog",
    "acct", "settimeofday", "stime", "clock_settime", "clock_adjtime", "adjtimex", "vhangup",
    // Files by handle, quotas, notification of the whole system.
    "open_by_handle_at", "name_to_handle_at", "lookup_dcookie", "quotactl", "quotactl_fd",
    "fanotify_init",
    // Old or hardware-level interfaces.
    "iopl", "ioperm", "uselib", "vm86", "vm86old", "nfsservctl", "_sysctl", "sysfs", "ustat",
  ]

  /// `clone` flags that create a namespace; a `clone` with any of them is refused.
  static let namespaceFlags: [UInt64] = [
    0x0002_0000,  // CLONE_NEWNS
    0x0200_0000,  // CLONE_NEWCGROUP
    0x0400_0000,  // CLONE_NEWUTS
    0x0800_0000,  // CLONE_NEWIPC
    0x1000_0000,  // CLONE_NEWUSER
    0x2000_0000,  // CLONE_NEWPID
    0x4000_0000,  // CLONE_NEWNET
  ]

  /// The personalities Docker allows: Linux, Linux with 32-bit uname (`PER_LINUX32`), either
  /// with `UNAME26`, and the query `0xffffffff`. Any other (`ADDR_NO_RANDOMIZE`,
  /// `READ_IMPLIES_EXEC`, `MMAP_PAGE_ZERO`, foreign personas) is refused.
  static let allowedPersonalities: Set<UInt32> = [0, 0x8, 0x2_0000, 0x2_0008, 0xffff_ffff]

  /// Builds the filter and exports its BPF program into a sealed in-memory file.
  ///
  /// - Throws: ``DojoError`` `.sandbox` when libseccomp refuses a rule or the export fails.
  static func export() throws -> SeccompProgram {
    guard let context = seccomp_init(SCMP_ACT_ALLOW) else {
      throw DojoError(.sandbox, "libseccomp cannot make a filter (seccomp_init failed)")
    }
    defer { seccomp_release(context) }
    try check(
      seccomp_attr_set(context, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS),
      "kill on foreign architectures")

    let eperm = dojo_scmp_act_errno(UInt16(EPERM))
    for name in refused {
      guard let number = try syscallNumber(name) else { continue }
      try check(seccomp_rule_add_array(context, eperm, number, 0, nil), "refuse \(name)")
    }
    // libseccomp allows one comparison per argument in a rule, so "any of these flags" is one
    // rule per flag: (flags & flag) == flag.
    if let clone = try syscallNumber("clone") {
      for flag in namespaceFlags {
        var test = [dojo_scmp_arg(0, SCMP_CMP_MASKED_EQ, flag, flag)]
        try check(
          seccomp_rule_add_array(context, eperm, clone, 1, &test),
          "refuse clone with flag \(String(flag, radix: 16))")
      }
    }
    // glibc tries clone3 first and falls back to clone on ENOSYS, where the flags can be seen
    // (clone3 passes them in memory, out of the filter's reach). Docker does the same.
    if let clone3 = try syscallNumber("clone3") {
      try check(
        seccomp_rule_add_array(context, dojo_scmp_act_errno(UInt16(ENOSYS)), clone3, 0, nil),
        "answer clone3 with ENOSYS")
    }
    try addPersonalityRules(context, refuse: eperm)

    let fd = dojo_memfd_create_sealable("dojo-seccomp")
    guard fd >= 0 else {
      throw DojoError(
        .sandbox, "cannot make a memfd for the seccomp filter: \(String(cString: strerror(errno)))")
    }
    let exported = seccomp_export_bpf(context, fd)
    guard exported == 0, lseek(fd, 0, SEEK_SET) == 0, dojo_seal_read_only(fd) == 0 else {
      let reason = String(cString: strerror(exported < 0 ? -exported : errno))
      close(fd)
      throw DojoError(.sandbox, "cannot export the seccomp filter: \(reason)")
    }
    return SeccompProgram(fd: fd)
  }

  /// `personality(p)` is refused unless `p` is one of ``allowedPersonalities``. One comparison
  /// per argument and rule again: refuse every value above the largest ordinary persona and
  /// every value with a bit the allowed ones never set, and let the query (`0xffffffff`, which
  /// sets all bits) through first with a logging allow, the only allowing action that differs
  /// from the default and so may have a rule.
  private static func addPersonalityRules(
    _ context: scmp_filter_ctx, refuse: UInt32
  ) throws {
    guard let personality = try syscallNumber("personality") else { return }
    var query = [dojo_scmp_arg(0, SCMP_CMP_EQ, 0xffff_ffff, 0)]
    try check(
      seccomp_rule_add_array(context, SCMP_ACT_LOG, personality, 1, &query),
      "allow the personality query")
    let ordinary = allowedPersonalities.filter { $0 != 0xffff_ffff }
    let largest = UInt64(ordinary.max() ?? 0)
    var above = [dojo_scmp_arg(0, SCMP_CMP_GT, largest, 0)]
    try check(
      seccomp_rule_add_array(context, refuse, personality, 1, &above),
      "refuse large personalities")
    let allowedBits = ordinary.reduce(UInt32(0)) { $0 | $1 }
    for bit in 0..<32 where UInt64(1) << bit <= largest && allowedBits & (1 << bit) == 0 {
      let flag = UInt64(1) << bit
      var test = [dojo_scmp_arg(0, SCMP_CMP_MASKED_EQ, flag, flag)]
      try check(
        seccomp_rule_add_array(context, refuse, personality, 1, &test),
        "refuse personality bit \(bit)")
    }
  }

  /// The native number of `name`, or nil when this architecture has no such call.
  static func syscallNumber(_ name: String) throws -> Int32? {
    let number = seccomp_syscall_resolve_name(name)
    if number == __NR_SCMP_ERROR {
      throw DojoError(
        .sandbox,
        "libseccomp does not know the system call \(name); install libseccomp 2.5 or newer "
          + "(apt-get install libseccomp-dev)")
    }
    // Negative numbers are libseccomp's stand-ins for calls another architecture has.
    return number < 0 ? nil : number
  }

  private static func check(_ result: Int32, _ what: String) throws {
    guard result == 0 else {
      throw DojoError(
        .sandbox, "libseccomp refused to \(what): \(String(cString: strerror(-result)))")
    }
  }
}

/// A seccomp BPF program in a sealed, close-on-exec memfd, made once per ``Sandbox`` and shared
/// by its runs. The wrapper shell of each run opens its own copy through `/proc` and hands it to
/// bwrap's `--seccomp`; sealing means no run (nor anything else) can change it.
final class SeccompProgram: Sendable {
  /// The memfd; closed when the last ``Sandbox`` holding it goes.
  let fd: Int32

  init(fd: Int32) { self.fd = fd }

  deinit { close(fd) }

  /// The path through which a child of this process opens the program (a fresh descriptor,
  /// read from the start).
  var path: String { "/proc/\(getpid())/fd/\(fd)" }

  /// The program's size in bytes (8 per BPF instruction).
  var byteCount: Int {
    var info = stat()
    return fstat(fd, &info) == 0 ? Int(info.st_size) : 0
  }
}
