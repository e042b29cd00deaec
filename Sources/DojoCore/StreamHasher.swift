internal import Foundation

/// The SHA-256 of a stream of bytes, hashed on a thread of its own while the caller goes
/// on: a writer hands over each buffer it has just written and fills another, so hashing
/// what is written costs the writer no time and no second read of the file.
///
/// One buffer is in flight at a time: ``submit(_:)`` first waits for the previous one, so
/// a writer that alternates two buffers may refill the one it submitted before. Not for use
/// from several threads at once. The thread runs until ``finish()``, which every owner must
/// call (also on a path that gives up).
public final class StreamHasher: @unchecked Sendable {
  // Handed between the caller and the hashing thread under the semaphores' ordering.
  private var pending: UnsafeRawBufferPointer?
  private var stopping = false
  private var inFlight = false
  private let work = DispatchSemaphore(value: 0)
  private let hashed = DispatchSemaphore(value: 0)
  private var job: BackgroundJob<String>!
  /// Bytes submitted so far.
  public private(set) var byteCount = 0

  public init() {
    job = BackgroundJob("dojo-stream-hash") { [self] in
      var hasher = SHA256Hasher()
      while true {
        work.wait()
        if stopping { return hasher.finalize() }
        if let bytes = pending { hasher.update(bytes) }
        hashed.signal()
      }
    }
  }

  /// Hands over `bytes`, which must stay unchanged until the next call to this hasher.
  public func submit(_ bytes: UnsafeRawBufferPointer) {
    settle()
    pending = bytes
    byteCount += bytes.count
    inFlight = true
    work.signal()
  }

  /// Hashes `bytes` before returning: for bytes the caller is about to reuse.
  public func hashNow(_ bytes: UnsafeRawBufferPointer) {
    submit(bytes)
    settle()
  }

  /// Waits for the buffer in flight, if any.
  private func settle() {
    if inFlight {
      hashed.wait()
      inFlight = false
    }
  }

  /// The lowercase hex digest of everything submitted; ends the thread. Call once.
  public func finish() -> String {
    settle()
    stopping = true
    work.signal()
    return (try? job.wait()) ?? ""
  }
}
