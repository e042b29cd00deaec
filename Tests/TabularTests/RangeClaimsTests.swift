import DojoCore
import Foundation
import Testing

@testable import Tabular

/// Ranges scanned from both ends: the caller from the front, helpers from the back, each
/// range once, and a range a helper holds is waited for.
@Suite struct RangeClaimsTests {
  /// Which ranges each side scanned.
  final class Scanned: @unchecked Sendable {
    private let lock = NSLock()
    private var helpers: [Int] = []
    func add(_ k: Int) { lock.withLock { helpers.append(k) } }
    var byHelpers: [Int] { lock.withLock { helpers } }
  }

  @Test(arguments: [1, 2, 3])
  func theCallerAndTheHelpersMeetAndEachRangeIsScannedOnce(helpers: Int) {
    let scanned = Scanned()
    let claims = RangeClaims<Int>(ranges: 24, helpers: helpers, name: "test-range") { k in
      scanned.add(k)
      usleep(2_000)
      return k * 10
    }
    var mine: [Int] = []
    var handed: [Int] = []
    for k in 1..<24 {
      switch claims.reach(k) {
      case .mine:
        mine.append(k)
        usleep(2_000)
      case .scanned(let piece):
        #expect(piece == k * 10)
        handed.append(k)
      }
    }
    claims.finish()
    let byHelpers = scanned.byHelpers.sorted()
    #expect(byHelpers == handed)
    #expect((mine + handed).sorted() == Array(1..<24))
    // The helpers took a run from the back; the caller the ranges before it.
    if let first = handed.first {
      #expect(handed == Array(first..<24))
      #expect(mine == Array(1..<first))
    }
  }

  @Test func aRangeAHelperIsScanningIsWaitedForAndHandedOver() {
    let started = DispatchSemaphore(value: 0)
    let go = DispatchSemaphore(value: 0)
    let claims = RangeClaims<String>(ranges: 2, helpers: 1, name: "test-range") { k in
      started.signal()
      go.wait()
      return "range \(k)"
    }
    started.wait()
    Thread.detachNewThread {
      usleep(50_000)
      go.signal()
    }
    guard case .scanned(let piece) = claims.reach(1) else {
      Issue.record("the caller took a range a helper was scanning")
      return
    }
    #expect(piece == "range 1")
    claims.finish()
  }

  /// A helper whose scan gave up hands over nil; a range passed is dropped, not scanned.
  @Test func aGivenUpRangeIsHandedOverAsNilAndAPassedOneIsDropped() {
    let claims = RangeClaims<Int>(
      ranges: 4, helpers: 1, name: "test-range", callerTakes: false
    ) { k in k == 2 ? nil : k }
    guard case .scanned(let one) = claims.reach(1), case .scanned(let two) = claims.reach(2)
    else {
      Issue.record("a range was left to the caller though helpers take them all")
      return
    }
    #expect(one == 1)
    #expect(two == nil)
    claims.pass(3)
    claims.finish()
  }

  /// Past 8 MB a file is cut four ranges a core, the caller taking those it reaches first:
  /// the index and the table are still those of one sequential pass.
  @Test func aLargeFileCutByDefaultGivesTheSequentialIndexAndTable() throws {
    let dir = try TempDir()
    defer { dir.cleanup() }
    let bytes = RangeParseTests.awkwardCSV(rows: 320_000, seed: 9)
    #expect(bytes.count >= RangeParse.minimumBytes)
    let url = try dir.file("large.csv", bytes)
    let columns = ["note", "value"]
    let one = try CSVIndex.scan(url, columns: columns, ranges: 1)
    let cut = try CSVIndex.scan(url, columns: columns)
    #expect(IndexRangeTests.same(one, cut, columns: columns))
    let sequential = try Table.parse(Data(bytes), name: "large.csv", encoding: .utf8, ranges: 1)
    let parallel = try Table.parse(Data(bytes), name: "large.csv", encoding: .utf8, ranges: nil)
    #expect(RangeParseTests.same(sequential, parallel))
  }
}
