import Synchronization
import Testing

@testable import Grading

/// The rows of a parallel pass are each visited exactly once, whatever their count, and a
/// pass large enough to be split is split.
@Suite struct RowChunksTests {
  private final class Visits: Sendable {
    let counts: Mutex<[Int]>
    let calls = Atomic<Int>(0)
    init(_ n: Int) { counts = Mutex([Int](repeating: 0, count: n)) }
  }

  @Test(arguments: [0, 1, 1000, RowChunks.threshold - 1, RowChunks.threshold, 1_000_003])
  func everyRowIsVisitedOnce(count: Int) {
    let visits = Visits(count)
    RowChunks.run(count) { rows in
      visits.calls.add(1, ordering: .relaxed)
      visits.counts.withLock { counts in for row in rows { counts[row] += 1 } }
    }
    #expect(visits.counts.withLock { $0.allSatisfy { $0 == 1 } })
    let calls = visits.calls.load(ordering: .relaxed)
    if count < RowChunks.threshold {
      #expect(calls == 1)
    } else {
      #expect(calls > 1 && calls <= RowChunks.maximumChunks)
    }
  }
}
