internal import DojoCore
internal import Synchronization
internal import Tabular

/// Runs `body` over rows `0..<count` on two threads (the caller and a helper) when there are
/// enough rows to pay for the thread; a grading in the runtime of a few thousand rows stays
/// on its caller.
///
/// The rows are cut into chunks that each thread claims in turn, not into two halves: on a
/// machine whose second core is busy with other work, a half would leave the caller waiting
/// for the slower thread; with chunks the faster thread takes more of them.
enum RowChunks {
  static let threshold = 1 << 16

  /// At most this many chunks: each costs an atomic increment.
  static let maximumChunks = 32

  /// Calls `body` with disjoint ranges that together cover `0..<count`, on the calling
  /// thread and one helper. The calls may come in any order and at the same time.
  static func run(_ count: Int, _ body: @escaping @Sendable (Range<Int>) -> Void) {
    guard count >= threshold else { return body(0..<count) }
    let size = max(threshold / 4, (count + maximumChunks - 1) / maximumChunks)
    let chunks = (count + size - 1) / size
    let next = Counter()
    @Sendable func work() {
      while true {
        let k = next.take()
        guard k < chunks else { return }
        body(k * size..<min((k + 1) * size, count))
      }
    }
    let helper = BackgroundJob("dojo-grade-rows") { work() }
    work()
    _ = try? helper.wait()
  }

  /// `table`'s `column` as numbers in file order, NaN where a cell does not parse: the
  /// answers' truth and a submission's early numbers alike.
  static func numbers(_ table: Table, column: Int) -> [Double] {
    HugePages.array(count: table.rowCount) { buffer in
      let out = SharedBuffer(buffer)
      run(table.rowCount) { rows in
        for row in rows { out.initialize(row, to: table.double(row: row, column: column) ?? .nan) }
      }
    }
  }

  /// The next chunk to take, shared by the threads.
  private final class Counter: Sendable {
    private let value = Atomic<Int>(0)
    func take() -> Int { value.add(1, ordering: .relaxed).oldValue }
  }
}

/// Whether every part of a parallel pass found what it looked for; any part may clear it.
final class AllFlag: Sendable {
  private let value = Atomic<Bool>(true)
  func clear() { value.store(false, ordering: .relaxed) }
  var isSet: Bool { value.load(ordering: .relaxed) }
}
