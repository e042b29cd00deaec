import Foundation
import Testing

/// What `dojo prepare` keeps in memory per row of the table it splits: its peak resident
/// size, measured on generated tables of two sizes, grows by a few bytes a row (a side, a
/// 2-byte span, a code per target or class, the shuffle's row numbers), never by the rows'
/// text, so the catalogue's largest tables (hundreds of millions of rows) stay within reach.
@Suite("Prepare memory per row")
struct PrepareMemoryTests {
  /// Writes `rows` rows: 24-character ids (hex, in no order, or increasing integers), a
  /// label of 5 classes and two number columns.
  static func table(_ rows: Int, integerIDs: Bool, in folder: URL) throws -> URL {
    let raw = folder.appendingPathComponent("raw\(rows)\(integerIDs)")
    try FileManager.default.createDirectory(at: raw, withIntermediateDirectories: true)
    let script = """
      import random, sys
      rng = random.Random(7)
      n, integer = int(sys.argv[2]), sys.argv[3] == "1"
      with open(sys.argv[1], "w") as f:
          f.write("id,label,a,b\\n")
          for i in range(n):
              ident = str(1000 + i) if integer else "%024x" % rng.getrandbits(96)
              f.write("%s,c%d,%.6f,%d\\n" % (ident, rng.randrange(5), rng.random(), rng.randrange(10**6)))
      """
    let made = try UnpackMemoryTests.python([
      "-c", script, raw.appendingPathComponent("train.csv").path, "\(rows)",
      integerIDs ? "1" : "0",
    ])
    #expect(made.status == 0, "could not write the table")
    return raw
  }

  static func manifest(strategy: String, metric: String, sampler: String, in folder: URL) throws
    -> URL
  {
    let dir = folder.appendingPathComponent("m-\(strategy)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let stratify =
      (strategy == "stratified" ? "\n  stratify: label" : "") + "\n  sampler: \(sampler)"
    try """
    id: memory-\(strategy)
    title: memory
    source:
      kaggle: memory-\(strategy)
    files:
      train: train.csv
    split:
      strategy: \(strategy)
      seed: 3
      test_fraction: 0.1\(stratify)
    answers:
      id: id
      targets: [label]
    metric:
      name: \(metric)

    """.write(to: dir.appendingPathComponent("manifest.yaml"), atomically: true, encoding: .utf8)
    return dir
  }

  /// The peak resident size in KiB of one `dojo prepare`, read by a Python parent from its
  /// only child's resource usage.
  static func peakKiB(_ manifest: URL, raw: URL, out: URL) throws -> Int {
    let script = """
      import resource, subprocess, sys
      done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
      print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
      """
    let run = try UnpackMemoryTests.python([
      "-c", script, CLI.executable.path, "prepare", manifest.path, "--raw", raw.path, "--out",
      out.path,
    ])
    let fields = run.stdout.split(separator: " ").compactMap {
      Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
    }
    #expect(fields.count == 2 && fields[0] == 0, "dojo prepare: \(run.stdout)")
    return fields.count == 2 ? fields[1] : 0
  }

  /// Peak bytes per extra row between 300,000 and 1,200,000 rows (both tables past the
  /// size that is scanned in ranges on several cores); checks the split's sizes.
  static func bytesPerRow(strategy: String, integerIDs: Bool, sampler: String = "shuffle") throws
    -> Double
  {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "dojo-prepare-memory-\(UUID())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let manifest = try manifest(
      strategy: strategy, metric: "accuracy", sampler: sampler, in: folder)
    var peaks: [Int] = []
    let sizes = [300_000, 1_200_000]
    for rows in sizes {
      let raw = try table(rows, integerIDs: integerIDs, in: folder)
      let out = folder.appendingPathComponent("out\(rows)")
      peaks.append(try peakKiB(manifest, raw: raw, out: out))
      let task = out.appendingPathComponent("memory-\(strategy)")
      let version = try #require(
        try FileManager.default.contentsOfDirectory(atPath: task.path).first)
      let answers = try String(
        contentsOf: task.appendingPathComponent("\(version)/private/answers.csv"), encoding: .utf8)
      #expect(answers.split(separator: "\n").count == rows / 10 + 1)
      try FileManager.default.removeItem(at: raw)
    }
    return Double(peaks[1] - peaks[0]) * 1024 / Double(sizes[1] - sizes[0])
  }

  // Bytes of peak memory per extra row: about 50 when the index kept every id, target and
  // class as a string a row; the rows' text alone (24-character ids) would be over 48. What
  // is kept now is about 10 (2 for a span, 1 for a side and one more for its copy as a
  // class, 4 for the shuffle's row numbers, 1 for the label's code, about 1 for the train
  // side's codes); this debug build's allocator arenas (the ranges are scanned on their own
  // threads) add about 6. The bounds leave room for that, not for text.
  @Test func aRandomSplitWithIntegerIDsGrowsByAFewBytesPerRow() throws {
    let perRow = try Self.bytesPerRow(strategy: "random", integerIDs: true)
    #expect(perRow < 24, "peak memory grows by \(Int(perRow)) bytes a row")
  }

  /// Text ids are checked by hashes sorted in memory up to a million rows (16 bytes a row,
  /// not the text), in partitions on disk past it.
  @Test func aStratifiedSplitWithTextIDsKeepsNoTextPerRow() throws {
    let perRow = try Self.bytesPerRow(strategy: "stratified", integerIDs: false)
    #expect(perRow < 32, "peak memory grows by \(Int(perRow)) bytes a row")
  }

  /// The sequential sampler holds no permutation, and stratified no rows by class: a side, a
  /// span and the codes. In this debug build both measure 12 to 16 bytes a row, the range
  /// threads' arenas being most of it; a release build holds under 4 (the benchmark's
  /// `prepare-large` rows), which keeps the catalogue's largest table, 185M rows, under 1 GB.
  @Test func aSequentialSplitHoldsNoPermutation() throws {
    let random = try Self.bytesPerRow(strategy: "random", integerIDs: true, sampler: "sequential")
    #expect(random < 20, "random: peak memory grows by \(Int(random)) bytes a row")
    let stratified = try Self.bytesPerRow(
      strategy: "stratified", integerIDs: true, sampler: "sequential")
    #expect(stratified < 20, "stratified: peak memory grows by \(Int(stratified)) bytes a row")
  }
}
