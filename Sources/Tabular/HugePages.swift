internal import Glibc

/// Transparent huge pages for large buffers about to be written for the first time.
///
/// The kernel zeroes every fresh page a process touches; on this kind of virtual machine a
/// 4 KiB page at a time ran at about 1 GB/s, and filling 100 MB of fresh memory took 54 ms
/// where the same memory in 2 MiB pages took 8 ms (a C loop touching each page, `madvise`
/// mode, 2 cores). Grading a million rows fills a few hundred megabytes of field offsets,
/// numbers and join arrays once each, so this was the largest share of its time.
package enum HugePages {
  /// Regions smaller than this are left alone: a huge page would cover little of them.
  package static let threshold = 4 << 20
  private static let size = 2 << 20

  /// Asks for huge pages over the 2 MiB-aligned part of `bytes` bytes at `start`; a hint
  /// only, harmless where the kernel gives none.
  package static func advise(_ start: UnsafeMutableRawPointer, bytes: Int) {
    guard bytes >= threshold else { return }
    let first = (Int(bitPattern: start) + size - 1) & ~(size - 1)
    let end = (Int(bitPattern: start) + bytes) & ~(size - 1)
    guard end > first, let aligned = UnsafeMutableRawPointer(bitPattern: first) else { return }
    _ = madvise(aligned, end - first, MADV_HUGEPAGE)
  }

  /// An array of `count` elements filled by `fill`, which must initialize every one, in
  /// memory advised as above. `fill` is the caller's own code, compiled for its element type:
  /// a fill inside this generic function (`initialize(repeating:)`) was not specialized
  /// across the module boundary and copied each element through the type's value witness,
  /// about 6 ms of CPU in a grade of a million rows.
  @inlinable
  package static func array<Element>(
    count: Int, _ fill: (UnsafeMutableBufferPointer<Element>) throws -> Void
  ) rethrows -> [Element] {
    try [Element](unsafeUninitializedCapacity: count) { buffer, made in
      if let base = buffer.baseAddress {
        advise(UnsafeMutableRawPointer(base), bytes: count * MemoryLayout<Element>.stride)
      }
      try fill(buffer)
      made = count
    }
  }
}
