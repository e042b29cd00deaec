import DojoCore
import Foundation
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

  @Test func anErrorIsRethrownByEveryWait() {
    let job = BackgroundJob("test-job") { () throws -> Int in
      throw DojoError(.io, "cannot read x.csv")
    }
    #expect(throws: DojoError.self) { try job.wait() }
    #expect(throws: DojoError.self) { try job.wait() }
  }
}
