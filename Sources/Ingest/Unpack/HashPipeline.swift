internal import DojoCore
internal import Foundation

/// SHA-256 on a second thread, so that hashing overlaps decompressing and writing instead of
/// adding to them (it is about an eighth of the work of unpacking a deflated zip).
///
/// The caller's bytes are copied into one of a few fixed buffers (libarchive reuses its block
/// after the next read), so memory stays bounded and nothing is allocated per block.
final class HashPipeline: @unchecked Sendable {
  // Safe to share: `hasher` is only touched on `queue`; a buffer belongs to the caller until
  // it is handed to `queue` and to `queue` until it is back in `freeBuffers`, which `lock`
  // guards; `slots` counts the free buffers so the caller never takes one in use.
  private let queue = DispatchQueue(label: "dojo.unpack.sha256")
  private let slots: DispatchSemaphore
  private let lock = NSLock()
  private var freeBuffers: [UnsafeMutableRawPointer]
  private let all: [UnsafeMutableRawPointer]
  private var hasher = SHA256Hasher()

  static let bufferSize = 1 << 20

  init(buffers: Int = 4) {
    all = (0..<buffers).map { _ in
      UnsafeMutableRawPointer.allocate(byteCount: Self.bufferSize, alignment: 64)
    }
    freeBuffers = all
    slots = DispatchSemaphore(value: buffers)
  }

  deinit {
    // Every queued block holds `self`, so by now the queue is idle.
    for buffer in all { buffer.deallocate() }
  }

  /// Queues bytes for hashing; returns once they are copied.
  func update(_ bytes: UnsafeRawBufferPointer) {
    guard let base = bytes.baseAddress else { return }
    var offset = 0
    while offset < bytes.count {
      let count = min(Self.bufferSize, bytes.count - offset)
      slots.wait()
      let buffer = lock.withLock { freeBuffers.removeLast() }
      buffer.copyMemory(from: base + offset, byteCount: count)
      let chunk = Chunk(pointer: buffer, count: count)
      queue.async {
        self.hasher.update(UnsafeRawBufferPointer(start: chunk.pointer, count: chunk.count))
        self.lock.withLock { self.freeBuffers.append(chunk.pointer) }
        self.slots.signal()
      }
      offset += count
    }
  }

  /// The digest of everything queued since the last call, as lowercase hex; starts afresh.
  func finalize() -> String {
    queue.sync {
      let digest = hasher.finalize()
      hasher = SHA256Hasher()
      return digest
    }
  }

  /// A buffer handed to the hashing queue.
  private struct Chunk: @unchecked Sendable {
    // Safe: the pointer is used by exactly one side at a time (see the class comment).
    let pointer: UnsafeMutableRawPointer
    let count: Int
  }
}
