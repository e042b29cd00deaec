public import DojoCore
public import Tabular

/// Which side of the split a row lands on.
public enum RowSide: UInt8, Sendable {
  /// Left out of both sides (the `gap` of a time split).
  case dropped = 0
  case train = 1
  case test = 2
}

/// Every row's side, a byte a row: the bytes are ``RowSide``'s raw values, so the split's
/// writer takes them as they are (``takeRaw()``) instead of a second array of them.
public struct Sides: RandomAccessCollection, Equatable, ExpressibleByArrayLiteral, Sendable {
  private var raw: [UInt8]

  public init(arrayLiteral sides: RowSide...) { raw = sides.map(\.rawValue) }

  public init(repeating side: RowSide, count: Int) {
    raw = [UInt8](repeating: side.rawValue, count: count)
  }

  public var startIndex: Int { 0 }
  public var endIndex: Int { raw.count }

  public subscript(row: Int) -> RowSide {
    get { RowSide(rawValue: raw[row]) ?? .dropped }
    set { raw[row] = newValue.rawValue }
  }

  /// The raw bytes, moved out: this value is left empty.
  public mutating func takeRaw() -> [UInt8] {
    var out: [UInt8] = []
    swap(&out, &raw)
    return out
  }
}

/// Decides, for every labelled row, whether it goes to train or test: the declarative part
/// of `dojo prepare`, free of any file I/O so that each strategy is tested on its own.
public struct SplitPlanner: Sendable {
  public var split: Manifest.Split

  public init(_ split: Manifest.Split) { self.split = split }

  /// The columns a strategy reads, besides none for random/count.
  public var columnsNeeded: [String] {
    [split.stratify, split.group, split.time].compactMap { $0 }
  }

  /// How many rows the test side should get out of `rowCount`: `test_rows`, or
  /// `ceil(test_fraction × rows)` as scikit-learn's `train_test_split` counts it.
  public func testSize(rowCount: Int) -> Int {
    if let rows = split.testRows { return rows }
    let fraction = split.testFraction ?? 0.1
    // Subtract a hair so that 0.1 × 1000 is 100, not 101 through a rounding error.
    return Int((fraction * Double(rowCount) - 1e-9).rounded(.up))
  }

  /// Assigns a side to each of `rowCount` rows.
  ///
  /// - Parameter column: the values of a column the strategy needs (by name), one per row
  ///   (coded: stratified and grouped splits read a class per row, never the text).
  /// - Throws: ``DojoError`` `.invalidManifest` naming the manifest key when the split cannot
  ///   be made (an empty side, a class that cannot be on both sides, a missing column).
  public func assign(rowCount: Int, column: (String) throws -> CodedColumn) throws -> Sides {
    guard rowCount >= 2 else {
      throw DojoError(
        .invalidData, "the training table has \(rowCount) rows; a split needs at least 2")
    }
    let target = testSize(rowCount: rowCount)
    guard target >= 1 else {
      throw DojoError(
        .invalidManifest,
        "split.test_fraction gives an empty test side for \(rowCount) rows; raise it or set split.test_rows"
      )
    }
    guard target < rowCount else {
      throw DojoError(
        .invalidManifest,
        "split asks for \(target) test rows out of \(rowCount); leave some rows for train")
    }
    if split.strategy == .stratified || split.strategy == .group, rowCount >= Int(UInt32.max) {
      throw DojoError(
        .invalidData,
        "the training table has \(rowCount) rows; a \(split.strategy.rawValue) split counts at most 4,294,967,294"
      )
    }
    var generator = SeededGenerator(seed: split.seed)
    let sides: Sides
    switch split.strategy {
    case .random, .count:
      sides =
        split.sampler == .sequential
        ? Self.sequential(rowCount: rowCount, testRows: target, generator: &generator)
        : Self.random(rowCount: rowCount, testRows: target, generator: &generator)
    case .stratified:
      let name = split.stratify ?? ""
      sides = try Self.stratified(
        labels: try column(name), column: name, testRows: target, sampler: split.sampler,
        generator: &generator)
    case .group:
      let name = split.group ?? ""
      sides = Self.grouped(groups: try column(name), testRows: target, generator: &generator)
    case .time:
      let name = split.time ?? ""
      sides = try Self.byTime(
        values: try column(name), column: name, testRows: target, gap: split.gap)
    case .provided, .script:
      throw DojoError(
        .internalError, "split strategy \(split.strategy.rawValue) does not assign rows")
    }
    let testCount = sides.lazy.filter { $0 == .test }.count
    let trainCount = sides.lazy.filter { $0 == .train }.count
    if testCount == 0 {
      throw DojoError(.invalidManifest, "split leaves the test side empty; check split.\(keyName)")
    }
    if trainCount == 0 {
      throw DojoError(.invalidManifest, "split leaves the train side empty; check split.\(keyName)")
    }
    return sides
  }

  private var keyName: String {
    switch split.strategy {
    case .stratified: return "stratify"
    case .group: return "group"
    case .time: return "time and split.gap"
    default: return "test_fraction"
    }
  }

  /// What the curator should know about the sampler for a table of `rowCount` rows: nil
  /// unless a shuffle of that many rows is large. The advice never changes the split: the
  /// sequential sampler draws another test set, so it is the curator's choice.
  public func samplerAdvice(rowCount: Int) -> String? {
    typealias Sampler = Manifest.Split.Sampler
    guard Sampler.applies(to: split.strategy), split.sampler == .shuffle,
      rowCount >= Sampler.sequentialAdviceRows
    else { return nil }
    let megabytes = Sampler.shuffleMegabytes(rows: rowCount)
    return
      "the shuffle held \(megabytes) MB of row numbers for \(rowCount) rows; split.sampler: sequential draws the same number of test rows in one pass without them (a different test set, so a new version)"
  }

  /// Shuffles row numbers and sends the first `testRows` to test.
  static func random(rowCount: Int, testRows: Int, generator: inout SeededGenerator) -> Sides {
    var sides = Sides(repeating: .train, count: rowCount)
    // Row numbers as 4 bytes where they fit rather than 8: the permutation is the largest
    // thing a random split holds. The draws, and so the split, are the same either way.
    // Shuffled in place: a copy would hold the permutation twice.
    if rowCount <= Int(UInt32.max) {
      var order = Array(0..<UInt32(rowCount))
      sendShuffledPrefix(&order, testRows: testRows, to: &sides, generator: &generator)
    } else {
      var order = Array(0..<rowCount)
      sendShuffledPrefix(&order, testRows: testRows, to: &sides, generator: &generator)
    }
    return sides
  }

  private static func sendShuffledPrefix<Row: BinaryInteger>(
    _ order: inout [Row], testRows: Int, to sides: inout Sides,
    generator: inout SeededGenerator
  ) {
    generator.shuffle(&order)
    for row in order.prefix(testRows) { sides[Int(row)] = .test }
  }

  /// Selection sampling: row by row in file order, a row goes to test with probability
  /// (test rows still wanted) / (rows not yet seen), one draw a row. Exactly `testRows` go
  /// to test (the last rows are taken for certain once the wanted equal the rows left), and
  /// every set of that size is equally likely; nothing but the sides is held.
  static func sequential(rowCount: Int, testRows: Int, generator: inout SeededGenerator) -> Sides {
    selectionSample(
      rowCount: rowCount, classOf: { _ in 0 }, sizes: [rowCount], wanted: [testRows],
      generator: &generator)
  }

  /// Selection sampling within classes, in one pass of row order: row `r` of class `c` goes
  /// to test with probability (class `c`'s test rows still wanted) / (its rows not yet
  /// seen), one draw a row while the class still wants rows. A random split is one class.
  /// Inlined so a random split's single class costs no call a row.
  @inline(__always)
  private static func selectionSample(
    rowCount: Int, classOf: (Int) -> Int, sizes: [Int], wanted: [Int],
    generator: inout SeededGenerator
  ) -> Sides {
    var sides = Sides(repeating: .train, count: rowCount)
    var left = sizes
    var wanted = wanted
    for row in 0..<rowCount {
      let c = classOf(row)
      if wanted[c] > 0 && generator.below(left[c]) < wanted[c] {
        sides[row] = .test
        wanted[c] -= 1
      }
      left[c] -= 1
    }
    return sides
  }

  /// Each class's share of `testRows`, proportional to its size (largest remainder), with at
  /// least one row on each side for every class of two or more rows and none from a class
  /// of one row.
  static func quotas(sizes: [Int], testRows: Int) -> [Int] {
    let total = sizes.reduce(0, +)
    let quota = sizes.map { Double($0) * Double(testRows) / Double(total) }
    var take = quota.map { Int($0.rounded(.down)) }
    // Largest remainder: hand out the rows still missing to the largest fractional parts.
    var missing = testRows - take.reduce(0, +)
    let byRemainder = quota.indices.sorted {
      let a = quota[$0] - Double(take[$0])
      let b = quota[$1] - Double(take[$1])
      return a != b ? a > b : $0 < $1
    }
    for i in byRemainder where missing > 0 {
      take[i] += 1
      missing -= 1
    }
    for i in sizes.indices where sizes[i] >= 2 {
      take[i] = min(max(take[i], 1), sizes[i] - 1)
    }
    for i in sizes.indices where sizes[i] == 1 {
      take[i] = 0  // a lone row stays in train: a test class unseen in train cannot be learnt.
    }
    return take
  }

  /// Gives each class its quota of the test side (``quotas(sizes:testRows:)``), drawn from
  /// its rows by the sampler: the first rows of a shuffle of each class in turn, or one pass
  /// of selection sampling in row order with a quota and a count of rows left per class.
  static func stratified(
    labels: CodedColumn, column: String, testRows: Int, sampler: Manifest.Split.Sampler,
    generator: inout SeededGenerator
  ) throws -> Sides {
    // Classes in first-appearance order: deterministic without relying on hashing order.
    if sampler == .sequential {
      let classes = labels.classes()
      var sizes = [Int](repeating: 0, count: classes.names.count)
      for row in labels.indices { sizes[classes.of(row)] += 1 }
      return selectionSample(
        rowCount: labels.count, classOf: classes.of, sizes: sizes,
        wanted: quotas(sizes: sizes, testRows: testRows), generator: &generator)
    }
    let members = Members(labels)
    let take = quotas(sizes: members.indices.map { members[$0].count }, testRows: testRows)
    var sides = Sides(repeating: .train, count: labels.count)
    for i in members.indices {
      var rows = Array(members[i])
      generator.shuffle(&rows)
      for row in rows.prefix(take[i]) { sides[Int(row)] = .test }
    }
    return sides
  }

  /// Each class's rows, in row order, classes in first-appearance order: one array of row
  /// numbers (4 bytes a row) ordered by class, not an array per class.
  struct Members {
    private let rows: [UInt32]
    private let starts: [Int]

    init(_ column: CodedColumn) {
      let classes = column.classes()
      var counts = [Int](repeating: 0, count: classes.names.count)
      for row in column.indices { counts[classes.of(row)] += 1 }
      var starts = [0]
      starts.reserveCapacity(counts.count + 1)
      for c in counts { starts.append(starts[starts.count - 1] + c) }
      var next = starts
      var rows = [UInt32](repeating: 0, count: column.count)
      for row in column.indices {
        let c = classes.of(row)
        rows[next[c]] = UInt32(truncatingIfNeeded: row)
        next[c] += 1
      }
      self.rows = rows
      self.starts = starts
    }

    var indices: Range<Int> { 0..<(starts.count - 1) }
    subscript(c: Int) -> ArraySlice<UInt32> { rows[starts[c]..<starts[c + 1]] }
  }

  /// Shuffles the groups and moves whole groups to test until it holds `testRows` rows.
  static func grouped(groups: CodedColumn, testRows: Int, generator: inout SeededGenerator)
    -> Sides
  {
    let members = Members(groups)
    var order = Array(members.indices)
    generator.shuffle(&order)
    var sides = Sides(repeating: .train, count: groups.count)
    var taken = 0
    for g in order where taken < testRows {
      // Skip a group that would overshoot by more than it helps, unless test is still empty.
      let size = members[g].count
      if taken > 0 && taken + size - testRows > testRows - taken { continue }
      // Never move the last train group.
      if groups.count - taken - size <= 0 { continue }
      for row in members[g] { sides[Int(row)] = .test }
      taken += size
    }
    return sides
  }

  /// `YYYY-MM-DD`, optionally followed by a time: text that sorts in time order.
  static func looksLikeISODate(_ value: String) -> Bool {
    let b = Array(value.utf8.prefix(10))
    guard b.count == 10, b[4] == 0x2D, b[7] == 0x2D else { return false }
    for i in [0, 1, 2, 3, 5, 6, 8, 9] where !(0x30...0x39).contains(b[i]) { return false }
    return true
  }

  /// When a time split's cut falls inside a run of equal times: that time and how many of
  /// its rows land on each side (file order decides which). Nil when the cut is clean or the
  /// strategy is not time.
  public func tieAtTimeCut(sides: Sides, times: CodedColumn) -> (
    value: String, before: Int, test: Int
  )? {
    guard split.strategy == .time, sides.count == times.count else { return nil }
    var testTimes = Set<String>()
    for (i, side) in sides.enumerated() where side == .test { testTimes.insert(times[i]) }
    // The earliest test time is the only one the cut can split.
    let numeric = !times.contains { Double($0) == nil }
    let earliest = testTimes.min { a, b in
      numeric ? (Double(a) ?? 0) < (Double(b) ?? 0) : a.utf8.lexicographicallyPrecedes(b.utf8)
    }
    guard let earliest else { return nil }
    var before = 0
    var test = 0
    for (i, value) in times.enumerated() where value == earliest {
      if sides[i] == .test { test += 1 } else { before += 1 }
    }
    return before > 0 ? (earliest, before, test) : nil
  }

  /// Sorts rows by `values` (numbers if every value is one, else text, which orders ISO-8601
  /// dates correctly), sends the latest `testRows` to test and drops `gap` rows before them.
  static func byTime(values: CodedColumn, column: String, testRows: Int, gap: Int) throws
    -> Sides
  {
    let numbers = values.map { Double($0) }
    let numeric = !numbers.contains(nil)
    if !numeric, let bad = values.firstIndex(where: { $0.isEmpty }) {
      throw DojoError(
        .invalidData,
        "split.time column \"\(column)\" is empty on data row \(bad + 1); every row needs a time")
    }
    if !numeric, let bad = values.firstIndex(where: { !Self.looksLikeISODate($0) }) {
      throw DojoError(
        .invalidData,
        "split.time column \"\(column)\" holds \"\(values[bad].prefix(40))\" on data row \(bad + 1), neither a number nor an ISO date (YYYY-MM-DD, optionally with a time); text would be ordered alphabetically, not in time: name a column of numbers or ISO dates, or derive one"
      )
    }
    var order = Array(values.indices)
    if numeric {
      let keys = numbers.map { $0 ?? 0 }
      order.sort { keys[$0] != keys[$1] ? keys[$0] < keys[$1] : $0 < $1 }
    } else {
      order.sort {
        values[$0] != values[$1]
          ? values[$0].utf8.lexicographicallyPrecedes(values[$1].utf8) : $0 < $1
      }
    }
    let rowCount = values.count
    guard testRows + gap < rowCount else {
      throw DojoError(
        .invalidManifest,
        "split.gap of \(gap) rows plus \(testRows) test rows leaves no train rows out of \(rowCount)"
      )
    }
    var sides = Sides(repeating: .train, count: rowCount)
    for (rank, row) in order.enumerated() {
      if rank >= rowCount - testRows {
        sides[row] = .test
      } else if rank >= rowCount - testRows - gap {
        sides[row] = .dropped
      }
    }
    return sides
  }
}
