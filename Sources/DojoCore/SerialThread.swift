internal import Foundation
import Synchronization

/// One thread that runs submitted work in order, for as long as its owner lives: the
/// serial executor the registry's connection is used from by async callers, and the thread
/// warm sandboxes are started from (their `--die-with-parent` follows the thread). A plain thread,
/// not Dispatch's global queues, which Swift concurrency shares on Linux.
package final class SerialThread: Sendable {
  private final class Queue: Sendable {
    let jobs = Mutex<(work: [@Sendable () -> Void], stopped: Bool)>(([], false))
    let ready = DispatchSemaphore(value: 0)
  }
  private let queue = Queue()

  package init(name: String) {
    let queue = self.queue
    let thread = Thread {
      while true {
        queue.ready.wait()
        let next = queue.jobs.withLock { state -> (@Sendable () -> Void)? in
          state.work.isEmpty ? nil : state.work.removeFirst()
        }
        if let next {
          next()
        } else if queue.jobs.withLock({ $0.stopped }) {
          return
        }
      }
    }
    thread.name = name
    thread.stackSize = 4 << 20
    thread.start()
  }

  deinit {
    queue.jobs.withLock { $0.stopped = true }
    queue.ready.signal()
  }

  package func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
      queue.jobs.withLock { $0.work.append { continuation.resume(with: Result { try body() }) } }
      queue.ready.signal()
    }
  }

  /// Queues `body` without waiting for it.
  package func submit(_ body: @escaping @Sendable () -> Void) {
    queue.jobs.withLock { $0.work.append(body) }
    queue.ready.signal()
  }
}
