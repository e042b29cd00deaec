internal import DojoCore
internal import Foundation

/// The ranges of one input, scanned from both ends: the caller walks them from the front, in
/// order, as its sequential scan reaches each one's start; helper threads take them from the
/// back. The two meet wherever the work balances, so no core waits on another for longer
/// than one range takes.
///
/// A fixed cut in one range per core left a core idle for a third of an index scan
/// (measured on `dojo prepare` of 5M rows): the range threads start later than the caller,
/// share the cores with other work and scan at different speeds.
///
/// Range 0 is the caller's from the start. A range the caller reaches before any helper has
/// taken it is the caller's ("mine"): it scans on as if there were no cut. A range a helper
/// took is waited for and handed over, whatever its outcome (nil when its scan gave up).
final class RangeClaims<Piece: Sendable>: @unchecked Sendable {
  // Safe: `states` is only read and written with `condition` locked.
  private enum State {
    case open
    case caller
    case helper
    case done(Piece?)
  }

  /// What the caller finds at a range's start.
  enum Claim {
    /// Nobody scanned it: the caller scans it itself.
    case mine
    /// A helper scanned it: its piece, or nil when that scan gave up.
    case scanned(Piece?)
  }

  /// How a scan cuts its input: into how many ranges, with how many helpers, and whether the
  /// caller takes the ranges it reaches first.
  struct Plan {
    let ranges: Int
    let helpers: Int
    let callerTakes: Bool

    /// For `bytes` of records: four ranges a core at ``RangeParse/minimumBytes`` and more
    /// (the caller and the helpers then meet within a quarter of a core's share), else one.
    /// `ranges` (for tests) forces the count and leaves every range after the first to a
    /// helper, so that the joins are exercised.
    init(bytes: Int, ranges: Int?) {
      let cores = min(ProcessInfo.processInfo.activeProcessorCount, 8)
      self.ranges = ranges ?? (bytes >= RangeParse.minimumBytes ? cores * 4 : 1)
      helpers = ranges == nil ? cores - 1 : max(cores - 1, 1)
      callerTakes = ranges == nil
    }
  }

  private let condition = NSCondition()
  private var states: [State]
  private var jobs: [BackgroundJob<Void>] = []
  /// Whether the caller takes a range no helper has taken yet; if not, it waits until one
  /// does, so that every range is scanned by a helper (for tests of the joins).
  private let callerTakes: Bool

  /// Starts `helpers` threads named `name` that scan ranges `1..<ranges` from the back with
  /// `scan` (given the range's number), until they meet the caller.
  init(
    ranges: Int, helpers: Int, name: String, callerTakes: Bool = true,
    scan: @escaping @Sendable (Int) -> Piece?
  ) {
    self.callerTakes = callerTakes || helpers < 1
    states = [.caller] + [State](repeating: .open, count: max(ranges - 1, 0))
    for _ in 0..<max(min(helpers, ranges - 1), 0) {
      jobs.append(BackgroundJob(name) { [self] in help(scan) })
    }
  }

  private func help(_ scan: (Int) -> Piece?) {
    while true {
      condition.lock()
      guard let k = states.lastIndex(where: { if case .open = $0 { true } else { false } })
      else {
        condition.unlock()
        return
      }
      states[k] = .helper
      condition.unlock()
      let piece = scan(k)
      condition.lock()
      states[k] = .done(piece)
      condition.broadcast()
      condition.unlock()
    }
  }

  /// The caller's scan reached the start of range `k` exactly: the range is the caller's if
  /// no helper took it, else the helper's piece once it is done.
  func reach(_ k: Int) -> Claim {
    condition.lock()
    defer { condition.unlock() }
    if case .open = states[k], callerTakes {
      states[k] = .caller
      return .mine
    }
    while true {
      if case .done(let piece) = states[k] {
        states[k] = .done(nil)  // handed over: the caller owns it now
        return .scanned(piece)
      }
      if case .caller = states[k] { return .mine }
      condition.wait()
    }
  }

  /// The caller passed the start of range `k` without landing on it (a cut inside a
  /// record), or stopped: no helper need scan it, and any piece of it is dropped.
  func pass(_ k: Int) {
    condition.lock()
    defer { condition.unlock() }
    switch states[k] {
    case .open, .done: states[k] = .caller
    case .caller, .helper: break
    }
  }

  /// Lets no helper start another range: the caller scans the rest itself.
  func close() {
    condition.lock()
    for k in states.indices {
      if case .open = states[k] { states[k] = .caller }
    }
    condition.unlock()
  }

  /// ``close()``, then waits for the helpers at work: every helper has stopped reading the
  /// input when this returns.
  func finish() {
    close()
    for job in jobs { _ = try? job.wait() }
  }
}
