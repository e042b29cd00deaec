import DojoCore
import Foundation
import Synchronization
import Testing

@testable import Sandbox

#if canImport(Glibc)
  import Glibc
#endif

/// How the workspace and output folder reach the sandbox: bound from the descriptors the
/// hand-over opened (bwrap's `--bind-fd`) where bwrap can, else by path, and either way the
/// very folders the host handed over, with no descriptor of the host's reaching the code.
@Suite(
  "Sandbox folder binds", .serialized, .enabled(if: sharedSandbox != nil, "bwrap cannot run here"))
struct FolderBindTests {
  let limits = SandboxLimits(wallSeconds: 20, cpuSeconds: 20, memoryMB: 512, maxProcesses: 64)

  /// What the code sees: the inodes of its workspace and output folder, its open descriptors
  /// (the listing's own is the lowest free one) and whether it could move its output folder.
  static let probe = """
    import errno, os
    print(os.stat('/workspace').st_ino, os.stat('/workspace/output').st_ino)
    print(sorted(int(n) for n in os.listdir('/proc/self/fd')))
    try:
        os.rename('/workspace/output', '/workspace/moved')
        print('moved')
    except OSError as error:
        print(errno.errorcode[error.errno])
    """

  func inode(_ url: URL) -> UInt64 {
    var info = stat()
    return lstat(url.path, &info) == 0 ? UInt64(info.st_ino) : 0
  }

  /// Debian 12's bubblewrap (0.8.0-2+deb12u1, what `scripts/install-deps` installs) has
  /// `--bind-fd`; the shared sandbox uses it.
  @Test func bwrapHereBindsByDescriptor() throws {
    let sandbox = try #require(sharedSandbox)
    #expect(Sandbox.bindsDescriptors(bwrap: sandbox.bwrapPath))
    #expect(sandbox.bindsByDescriptor)
    let arguments = sandbox.bwrapArguments(
      mounts: try Fixture().mounts, gpuNodes: [], environment: [:], boundByDescriptor: true)
    #expect(arguments.contains("--bind-fd"))
    #expect(!arguments.contains("--bind"))
    #expect(Array(arguments.drop { $0 != "--seccomp" }.prefix(2)) == ["--seccomp", "5"])
  }

  @Test(arguments: [true, false])
  func theCodeGetsTheFoldersHandedOverAndNoDescriptorOfTheHost(byDescriptor: Bool) throws {
    var configuration = sharedConfiguration
    configuration.bindsByDescriptorWherePossible = byDescriptor
    let sandbox = try Sandbox(configuration)
    #expect(sandbox.bindsByDescriptor == byDescriptor)
    let f = try Fixture()
    defer { f.remove() }
    // A descriptor this process leaves open across exec must not reach the code.
    let inherited = open("/dev/null", O_RDONLY)
    defer { close(inherited) }
    #expect(inherited > 2)
    for warm in [nil, WarmSandboxes(sandbox: sandbox)] {
      let r = try sandbox.runPython(code: Self.probe, mounts: f.mounts, limits: limits, warm: warm)
      let again = try sandbox.runPython(
        code: Self.probe, mounts: f.mounts, limits: limits, warm: warm)
      #expect(again.startedAhead == (warm != nil))
      let output = f.workspace.appendingPathComponent("output")
      for run in [r, again] {
        #expect(run.succeeded, "\(run.summary): \(run.stderrTail)")
        #expect(
          run.stdoutTail == "\(inode(f.workspace)) \(inode(output))\n[0, 1, 2, 3]\nEBUSY\n")
      }
    }
  }

  /// Where bwrap binds by descriptor, the next run's sandbox is set up while the run before
  /// is still going, so a step sent at once finds it ready; by path, only once it has ended.
  @Test(arguments: [true, false])
  func theNextSandboxIsSetUpWhileTheRunIsLiveOnlyWhenBoundByDescriptor(byDescriptor: Bool)
    throws
  {
    var configuration = sharedConfiguration
    configuration.bindsByDescriptorWherePossible = byDescriptor
    let sandbox = try Sandbox(configuration)
    let f = try Fixture()
    defer { f.remove() }
    let pool = WarmSandboxes(sandbox: sandbox)
    let waitingWhileLive = Mutex<Int?>(nil)
    let r = try sandbox.runPython(
      code: "import time\nprint('up', flush=True)\ntime.sleep(0.5)\n", mounts: f.mounts,
      limits: limits, warm: pool,
      onOutput: { _, _ in waitingWhileLive.withLock { $0 = $0 ?? pool.waiting } })
    #expect(r.succeeded, "\(r.summary): \(r.stderrTail)")
    #expect(waitingWhileLive.withLock { $0 } == (byDescriptor ? 1 : 0))
    let next = try sandbox.runPython(
      code: "import time\nprint('up', flush=True)\ntime.sleep(0.5)\n", mounts: f.mounts,
      limits: limits, warm: pool)
    #expect(next.startedAhead)
    #expect(next.stdoutTail == "up\n")
  }
}
