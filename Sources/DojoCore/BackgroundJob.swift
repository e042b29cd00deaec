internal import Foundation
internal import Glibc
import Synchronization

/// One piece of synchronous work run on a thread of its own while the caller goes on, then
/// joined with ``wait()``: for overlapping an I/O-and-CPU-bound step (hashing a file) with
/// another on a second core. A plain thread, not Dispatch's global queues, which Swift
/// concurrency shares on Linux and which must not be held by long work.
public final class BackgroundJob<Value: Sendable>: Sendable {
  private let result = Mutex<Result<Value, any Error>?>(nil)
  private let done = DispatchSemaphore(value: 0)

  /// Starts `body` at once on a new thread named `name`.
  ///
  /// - Parameter yielding: run at the lowest priority (nice 19), so the work takes only the
  ///   CPU time the process's other threads leave idle: for work whose result is needed
  ///   late (a hash wanted only at the end), which should not slow what runs beside it.
  public init(
    _ name: String, yielding: Bool = false, _ body: @escaping @Sendable () throws -> Value
  ) {
    // The thread holds the job until the work ends, so a job nobody waits for still
    // finishes cleanly.
    let thread = Thread { [self] in
      // Linux's nice value is per thread, and `who` 0 names the calling one: this lowers
      // only the job's own thread.
      if yielding { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19) }
      let outcome = Result { try body() }
      result.withLock { $0 = outcome }
      done.signal()
    }
    thread.name = name
    thread.stackSize = 4 << 20
    thread.start()
  }

  /// Waits for the work to end and returns its value or rethrows its error. May be called
  /// more than once (an error path can join a job whose value nobody needs).
  @discardableResult
  public func wait() throws -> Value {
    done.wait()
    done.signal()  // Leaves the semaphore open for any later wait.
    return try result.withLock { $0! }.get()
  }
}

extension BackgroundJob {
  /// Runs `body` on a thread of its own and awaits its value, so blocking work (C libraries,
  /// processes, file I/O) never holds one of Swift concurrency's few cooperative threads:
  /// N of these run N at once whatever the core count.
  public static func value(
    _ name: String, _ body: @escaping @Sendable () throws -> Value
  ) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
      // The job owns the thread; the continuation is resumed from it, never joined.
      _ = BackgroundJob<Void>(name) { continuation.resume(with: Result { try body() }) }
    }
  }
}
