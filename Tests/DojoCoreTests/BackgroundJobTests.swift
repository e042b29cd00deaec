import DojoCore
import Foundation
import Glibc
import Testing

@Suite("Background jobs")
struct BackgroundJobTests {
  @Test func theJobRunsWhileTheCallerGoesOnAndHandsBackItsValue() throws {
    // The job cannot finish until the caller, after starting it, lets it: it must be on a
    // thread of its own, not run inside init.
    let go = DispatchSemaphore(value: 0)
    let job = BackgroundJob("test-job") { () -> Int in
      go.wait()
      return 42
    }
    go.signal()
    #expect(try job.wait() == 42)
    #expect(try job.wait() == 42)
  }

  /// A yielding job runs at nice 19 on its own thread; the caller's thread keeps its level.
  @Test func aYieldingJobRunsAtTheLowestPriorityAndOnlyItsThread() throws {
    let before = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
    let yielding = BackgroundJob("test-job", yielding: true) {
      getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
    }
    let plain = BackgroundJob("test-job") {
      getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
    }
    #expect(try yielding.wait() == 19)
    #expect(try plain.wait() == before)
    #expect(getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) == before)
  }

  @Test func anErrorIsRethrownByEveryWait() {
    let job = BackgroundJob("test-job") { () throws -> Int in
      throw DojoError(.io, "cannot read x.csv")
    }
    #expect(throws: DojoError.self) { try job.wait() }
    #expect(throws: DojoError.self) { try job.wait() }
  }
}
