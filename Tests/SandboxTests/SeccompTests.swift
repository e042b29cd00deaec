import DojoCore
import Foundation
import Testing

@testable import Sandbox

#if canImport(Glibc)
  import Glibc
#endif

/// Python that makes one raw system call through libc's `syscall` and prints its result and
/// errno. `-999` in `arguments` stands for the caller's own pid. A `clone` that succeeds would
/// fork: the child leaves at once.
func rawSyscallScript(number: Int32, arguments: [Int]) -> String {
  """
  import ctypes, os
  libc = ctypes.CDLL(None, use_errno=True)
  libc.syscall.restype = ctypes.c_long
  args = [ctypes.c_long(os.getpid() if a == -999 else a) for a in \(arguments)]
  parent = os.getpid()
  r = libc.syscall(ctypes.c_long(\(number)), *args)
  if os.getpid() != parent:
      os._exit(0)
  print(r, ctypes.get_errno())
  """
}

// Nested in SandboxTests, whose `.serialized` then covers these runs too (see
// SandboxIdentityTests).
extension SandboxTests {
  /// The seccomp filter: what it refuses, what it kills, and that ordinary Python still works.
  @Suite("Seccomp")
  struct SeccompTests {
    let sandbox = sharedSandbox!
    let limits = SandboxLimits(wallSeconds: 20, cpuSeconds: 20, memoryMB: 512, maxProcesses: 64)

    /// Each call, with arguments that would otherwise reach the kernel, fails with the errno the
    /// filter gives (EPERM; ENOSYS for clone3, so glibc falls back to clone).
    @Test(arguments: [
      ("keyctl", [0, -3, 1], EPERM),  // KEYCTL_GET_KEYRING_ID of the session keyring
      ("add_key", [0, 0, 0, 0, 0], EPERM),
      ("bpf", [0, 0, 0], EPERM),
      ("userfaultfd", [1], EPERM),  // UFFD_USER_MODE_ONLY, allowed to anyone otherwise
      ("perf_event_open", [0, 0, -1, -1, 0], EPERM),
      ("mount", [0, 0, 0, 0, 0], EPERM),
      ("umount2", [0, 0], EPERM),
      ("fsopen", [0, 0], EPERM),
      ("open_tree", [-100, 0, 0], EPERM),
      ("ptrace", [0, 0, 0, 0], EPERM),  // PTRACE_TRACEME
      ("process_vm_readv", [-999, 0, 0, 0, 0, 0], EPERM),
      ("unshare", [0x1000_0000], EPERM),  // CLONE_NEWUSER
      ("setns", [-1, 0], EPERM),
      ("clone", [0x1000_0000 | 17, 0, 0, 0, 0], EPERM),  // CLONE_NEWUSER | SIGCHLD
      ("clone", [0x4000_0000 | 17, 0, 0, 0, 0], EPERM),  // CLONE_NEWNET | SIGCHLD
      ("clone3", [0, 0], ENOSYS),
      ("io_uring_setup", [1, 0], EPERM),
      ("kexec_load", [0, 0, 0, 0], EPERM),
      ("init_module", [0, 0, 0], EPERM),
      ("personality", [0x0040000], EPERM),  // ADDR_NO_RANDOMIZE
      ("clock_settime", [0, 0], EPERM),
    ])
    func refusedSystemCallsFailWithTheFiltersErrno(name: String, arguments: [Int], errno: Int32)
      throws
    {
      let number = try #require(try SeccompFilter.syscallNumber(name), "\(name) on this machine")
      let f = try Fixture()
      defer { f.remove() }
      let r = try sandbox.runPython(
        code: rawSyscallScript(number: number, arguments: arguments), mounts: f.mounts,
        limits: limits)
      #expect(r.succeeded, "\(r.summary) \(r.stderrTail)")
      #expect(r.stdoutTail == "-1 \(errno)\n", "\(name): \(r.stdoutTail)")
    }

    /// The same calls without the filter reach the kernel and get its answer (success, or an
    /// error about the arguments), so the refusals above are the filter's doing.
    @Test func withoutTheFilterTheSameCallsReachTheKernel() throws {
      var configuration = sharedConfiguration
      configuration.installsSeccompFilter = false
      let unfiltered = try Sandbox(configuration)
      #expect(unfiltered.seccomp == nil)
      let cases: [(String, [Int])] = [
        ("keyctl", [0, -3, 1]), ("ptrace", [0, 0, 0, 0]), ("perf_event_open", [0, 0, -1, -1, 0]),
        ("setns", [-1, 0]), ("process_vm_readv", [-999, 0, 0, 0, 0, 0]), ("clone3", [0, 0]),
      ]
      let f = try Fixture()
      defer { f.remove() }
      for (name, arguments) in cases {
        let number = try #require(try SeccompFilter.syscallNumber(name))
        let r = try unfiltered.runPython(
          code: rawSyscallScript(number: number, arguments: arguments), mounts: f.mounts,
          limits: limits)
        let words = r.stdoutTail.split(whereSeparator: \.isWhitespace).compactMap { Int32($0) }
        #expect(words.count == 2, "\(name): \(r.stdoutTail) \(r.stderrTail)")
        let (result, error) = (words.first ?? -1, words.last ?? 0)
        #expect(result >= 0 || (error != EPERM && error != ENOSYS), "\(name): \(r.stdoutTail)")
      }
    }

    @Test func theQueryAndTheOrdinaryPersonalitiesStayAllowed() throws {
      let f = try Fixture()
      defer { f.remove() }
      let r = try sandbox.runPython(
        code: """
          import ctypes
          libc = ctypes.CDLL(None, use_errno=True)
          libc.personality.argtypes = [ctypes.c_ulong]
          print([libc.personality(p) for p in (0xffffffff, 0x0008, 0x0000, 0xffffffff)])
          """, mounts: f.mounts, limits: limits)
      #expect(r.stdoutTail == "[0, 0, 8, 0]\n", "\(r.summary) \(r.stdoutTail) \(r.stderrTail)")
    }

    #if arch(x86_64)
      /// System calls of another ABI kill the process (SIGSYS) instead of reaching the kernel's
      /// less-trodden compat paths: `int 0x80` (i386) from machine code, and an x32 call.
      @Test(arguments: ["i386", "x32"])
      func foreignArchitectureSystemCallsKillTheProcess(abi: String) throws {
        let code =
          abi == "i386"
          ? """
          import ctypes, mmap
          # mov eax, 20 (getpid on i386); int 0x80; ret
          page = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
          page.write(bytes([0xb8, 0x14, 0, 0, 0, 0xcd, 0x80, 0xc3]))
          call = ctypes.CFUNCTYPE(ctypes.c_int)(ctypes.addressof(ctypes.c_char.from_buffer(page)))
          print("RETURNED", call(), flush=True)
          """
          : """
          import ctypes
          libc = ctypes.CDLL(None, use_errno=True)
          print("RETURNED", libc.syscall(0x40000000 | 39), ctypes.get_errno(), flush=True)
          """
        let f = try Fixture()
        defer { f.remove() }
        let r = try sandbox.runPython(code: code, mounts: f.mounts, limits: limits)
        #expect(r.process.signal == SIGSYS, "\(abi): \(r.summary) \(r.stdoutTail) \(r.stderrTail)")
        #expect(!r.stdoutTail.contains("RETURNED"))
        // Without the filter the kernel answers (a pid for i386, ENOSYS where x32 is off).
        var configuration = sharedConfiguration
        configuration.installsSeccompFilter = false
        let plain = try Sandbox(configuration).runPython(
          code: code, mounts: f.mounts, limits: limits)
        #expect(plain.stdoutTail.hasPrefix("RETURNED"), "\(abi): \(plain.summary)")
      }
    #endif

    /// What agent code and reference solutions use still works under the filter: numpy,
    /// pandas, scikit-learn (with joblib workers), a multiprocessing pool, threads, fork and
    /// subprocess (clone3's ENOSYS sends glibc to clone).
    @Test func theScientificStackProcessesAndThreadsStillWork() throws {
      let python = try #require(projectPython, "run scripts/install-deps to build .venv")
      #expect(sandbox.python.executable == python)
      let f = try Fixture()
      defer { f.remove() }
      let r = try sandbox.runPython(
        code: """
          import os, subprocess, threading
          from concurrent.futures import ThreadPoolExecutor
          from multiprocessing import Pool
          import numpy as np, pandas as pd
          from sklearn.linear_model import LogisticRegression
          from sklearn.model_selection import cross_val_score

          def square(x):
              return x * x

          if __name__ == "__main__":
              rng = np.random.RandomState(0)
              X = rng.rand(300, 3)
              y = (X[:, 0] > 0.5).astype(int)
              frame = pd.DataFrame(X, columns=["a", "b", "c"]).assign(y=y)
              scores = cross_val_score(LogisticRegression(), X, y, cv=3, n_jobs=2)
              with Pool(2) as pool:
                  pooled = pool.map(square, range(8))
              with ThreadPoolExecutor(4) as threads:
                  threaded = list(threads.map(square, range(8)))
              echoed = subprocess.run(["/bin/echo", "child"], capture_output=True, text=True).stdout
              pid = os.fork()
              if pid == 0:
                  os._exit(7)
              _, status = os.waitpid(pid, 0)
              print(len(frame), scores.min() > 0.8, sum(pooled), sum(threaded), echoed.strip(),
                    os.waitstatus_to_exitcode(status), threading.current_thread().name)
          """, mounts: f.mounts,
        limits: SandboxLimits(wallSeconds: 180, memoryMB: 2048, maxProcesses: 256))
      #expect(r.succeeded, "\(r.summary) \(r.stderrTail)")
      #expect(
        r.stdoutTail == "300 True 140 140 child 7 MainThread\n", "\(r.stdoutTail) \(r.stderrTail)")
    }

    /// The exported program is sealed: not even this process can change what later runs load.
    @Test func theExportedProgramIsSealedBPF() throws {
      let program = try #require(sandbox.seccomp)
      let size = program.byteCount
      #expect(size > 0 && size % 8 == 0)
      let fd = open(program.path, O_RDWR)
      #expect(fd >= 0)
      defer { close(fd) }
      let byte: [UInt8] = [0]
      #expect(write(fd, byte, 1) == -1 && errno == EPERM)
      #expect(ftruncate(fd, 0) == -1 && errno == EPERM)
      #expect(program.byteCount == size)
    }
  }
}
