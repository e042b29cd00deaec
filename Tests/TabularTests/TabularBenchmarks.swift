import Foundation
import Tabular
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Timings on a large generated CSV, run only on request (they take seconds and need data in
/// /tmp), one benchmark per process so that peak memory is per benchmark: the engine alone,
/// without the CLI. `scripts/bench` compares the CLI (`dojo prepare`, `dojo grade`) with
/// pandas and Polars.
///
/// Environment: `DOJO_BENCH=1`, `DOJO_BENCH_CSV` (input path), `DOJO_BENCH_OUT` (a folder for
/// split outputs). Prints one JSON line per benchmark.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["DOJO_BENCH"] == "1"))
struct TabularBenchmarks {
  let input = URL(fileURLWithPath: ProcessInfo.processInfo.environment["DOJO_BENCH_CSV"] ?? "")
  let out = URL(
    fileURLWithPath: ProcessInfo.processInfo.environment["DOJO_BENCH_OUT"] ?? "/tmp/dojo-bench-out")

  /// Peak resident memory of this process, in MiB.
  func peakRSS() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
  }

  func report(_ name: String, _ seconds: Double, _ extra: String = "") {
    print(
      "BENCH {\"name\": \"\(name)\", \"seconds\": \(seconds), \"peak_rss_mb\": \(peakRSS())\(extra)}"
    )
  }

  /// The `dojo prepare` hot path for a random 10% split: index the id column, draw the test
  /// rows, write train (verbatim), test (target dropped) and answers (id, target).
  @Test func prepareSplit() throws {
    let clock = ContinuousClock()
    let start = clock.now
    let index = try CSVIndex.scan(input, columns: ["id"])
    let scanned = (clock.now - start) / .seconds(1)
    let n = index.rowCount
    var rng = SplitMix64(seed: 0)
    var order = Array(0..<n)
    order.shuffle(using: &rng)
    var assignments = [UInt8](repeating: CSVSplitter.train, count: n)
    for row in order.prefix(n / 10) { assignments[row] = CSVSplitter.test }
    let target = index.header[index.header.count - 1]
    let assigned = (clock.now - start) / .seconds(1)
    let counts = try CSVSplitter.write(
      source: input, assignments: assignments,
      outputs: [
        SplitOutput(url: out.appendingPathComponent("train.csv"), rowClass: CSVSplitter.train),
        SplitOutput(
          url: out.appendingPathComponent("test.csv"), rowClass: CSVSplitter.test,
          columns: .dropping([target])),
        SplitOutput(
          url: out.appendingPathComponent("answers.csv"), rowClass: CSVSplitter.test,
          columns: .only(["id", target])),
      ], index: index)
    let seconds = (clock.now - start) / .seconds(1)
    report(
      "prepare_split", seconds,
      ", \"scan_s\": \(scanned), \"assign_s\": \(assigned - scanned), \"write_s\": \(seconds - assigned)"
        + ", \"train\": \(counts[0]), \"test\": \(counts[1])")
    #expect(counts[0] + counts[1] == n)
  }

  /// The grading read: the whole file, every numeric column as doubles, and the id index.
  @Test func tableReadDoubles() throws {
    let clock = ContinuousClock()
    let start = clock.now
    let table = try Table.read(input)
    var sum = 0.0
    for column in 1..<table.header.count - 2 {
      sum += try table.doubles(column: column).reduce(0, +)
    }
    let read = (clock.now - start) / .seconds(1)
    // The grader's join: index the answers' ids, then look up every submission id (here
    // the same file; probing by key bytes in reverse order defeats the same-row shortcut,
    // the worst case of a shuffled submission).
    let index = try table.keyIndex(column: 0)
    var matched = 0
    for row in stride(from: table.rowCount - 1, through: 0, by: -1) {
      let found = table.withFieldBytes(row: row, column: 0) { index.row(forKeyBytes: $0) }
      if found == row { matched += 1 }
    }
    let total = (clock.now - start) / .seconds(1)
    report("table_read_doubles", read, ", \"with_join\": \(total), \"checksum\": \(sum)")
    #expect(matched == table.rowCount)
  }
}
