import Foundation
import Tabular
import Testing

/// A split's columns kept as codes: the same values as the text, in a byte or two a row.
@Suite struct CodedColumnTests {
  @Test(arguments: [3, 300, CodedColumn.maximumDistinct, CodedColumn.maximumDistinct + 1])
  func readsBackEveryRowAtEveryWidth(distinct: Int) {
    let rows = (0..<(distinct * 2 + 5)).map { "v\(($0 * 7919) % distinct)" }
    let column = CodedColumn(rows)
    #expect(Array(column) == rows)
    #expect(column.isCoded == (distinct <= CodedColumn.maximumDistinct))
    if column.isCoded {
      #expect(column.distinct.count == distinct)
      // Codes number values in first-appearance order.
      var seen: [String] = []
      for row in rows where !seen.contains(row) && seen.count < 50 { seen.append(row) }
      #expect(Array(column.distinct.prefix(seen.count)) == seen)
      #expect(column.indices.allSatisfy { column.distinct[column.code($0)] == rows[$0] })
    }
  }

  /// Spellings of up to 5 bytes are their own tags and up to 7 are compared as one word: ones
  /// that differ only in length, in a NUL byte or in the last byte of a word stay apart.
  @Test func shortSpellingsThatDifferOnlyInLengthOrANulByteStayApart() {
    var spellings = ["", "0", "00", "000", "0000", "00000", "000000", "0000000", "00000000"]
    spellings += [
      "a", "a\u{0}", "\u{0}", "\u{0}\u{0}", "a\u{0}\u{0}\u{0}\u{0}", "a\u{0}\u{0}\u{0}\u{0}\u{0}",
    ]
    spellings += ["abcde", "abcdf", "bbcde", "abcdef", "abcdeg", "abcdefg", "abcdefh", "é", "ée"]
    // Each seen many times, interleaved, so lookups of known spellings are exercised.
    let rows = (0..<(spellings.count * 40)).map { spellings[($0 * 7) % spellings.count] }
    let column = CodedColumn(rows)
    #expect(column.isCoded)
    #expect(column.distinct.count == spellings.count)
    #expect(Array(column) == rows)
    // Tens of thousands of short numbers, past several growths of the table.
    let numbers = (0..<60_000).map { String(($0 * 7919) % 30_011) }
    let coded = CodedColumn(numbers)
    #expect(Array(coded) == numbers)
    #expect(coded.distinct.count == Set(numbers).count)
  }

  @Test func classesAndCountsAgreeForCodedAndTextColumns() {
    let rows = ["b", "a", "b", "c", "a", "b"]
    let coded = CodedColumn(rows)
    let classes = coded.classes()
    #expect(classes.names == ["b", "a", "c"])
    #expect(rows.indices.map(classes.of) == [0, 1, 0, 2, 1, 0])
    #expect(coded.counts() == [3, 2, 1])
    let many = (0..<(CodedColumn.maximumDistinct + 10)).map {
      "k\($0 % (CodedColumn.maximumDistinct + 3))"
    }
    let text = CodedColumn(many)
    #expect(!text.isCoded && text.counts() == nil)
    let textClasses = text.classes()
    #expect(textClasses.names.count == CodedColumn.maximumDistinct + 3)
    #expect(textClasses.of(CodedColumn.maximumDistinct + 3) == 0)
  }

  /// An é composed and decomposed are two spellings `String` calls equal: each row reads
  /// back in its own bytes (a media file's name must), and they make one class.
  @Test func equalSpellingsReadBackExactlyAndMakeOneClass() {
    let composed = "caf\u{E9}"
    let decomposed = "cafe\u{301}"
    let column = CodedColumn([composed, "tea", decomposed, composed])
    #expect(
      column.map { Array($0.utf8) }
        == [composed, "tea", decomposed, composed].map { Array($0.utf8) })
    let classes = column.classes()
    #expect(classes.names.count == 2)
    #expect((0..<4).map(classes.of) == [0, 1, 0, 0])
    #expect(column.histogram() == [composed: 3, "tea": 1])
  }

  /// Values that crowd the table past its probe bound (as values made to collide would) are
  /// kept apart in the seeded dictionary: every row still reads back, and each spelling has
  /// one code however many times it recurs, across the table's doublings.
  @Test(arguments: [1, 2, 32])
  func crowdedSpellingsKeepOneCodeEach(maximumProbes: Int) {
    let rows = (0..<20_000).map { "v\(($0 * 7919) % 3_000)" }
    let column = CodedColumn(rows, maximumProbes: maximumProbes)
    #expect(Array(column) == rows)
    #expect(column.distinct.count == 3_000)
    #expect(Set(column.distinct).count == 3_000)
    #expect(
      column.counts()?.allSatisfy { $0 == 20_000 / 3_000 || $0 == 20_000 / 3_000 + 1 } == true)
  }

  @Test func filteringKeepsOnlyTheValuesOfTheRowsKept() {
    let column = CodedColumn(["x", "y", "x", "z", "y"])
    let kept = column.filter { $0 != 1 && $0 != 4 }
    #expect(Array(kept) == ["x", "x", "z"])
    #expect(kept.distinct == ["x", "z"])
    #expect(kept.valueSet() == ["x", "z"])
  }

  /// Ranges of a file scanned on their own join into the column a single scan gives, codes
  /// renumbered in file order, including joins that widen the codes or turn them to text.
  @Test(arguments: [3, 400, CodedColumn.maximumDistinct / 2 + 100])
  func rangesJoinIntoTheSequentialColumn(distinct: Int) throws {
    let dir = try TempDir()
    defer { dir.cleanup() }
    var text = "id,label\n"
    let rows = 2 * distinct + 600
    // The second half brings values the first never had.
    for i in 0..<rows {
      text += "\(i),L\(i < rows / 2 ? i % (distinct / 2 + 1) : i % distinct + distinct)\n"
    }
    let url = try dir.file("l.csv", Array(text.utf8))
    let whole = try CSVIndex.scan(url, columns: ["label"], ranges: 1)
    let cut = try CSVIndex.scan(url, columns: ["label"], ranges: 4)
    let a = try #require(whole.values(of: "label"))
    let b = try #require(cut.values(of: "label"))
    #expect(Array(a) == Array(b))
    #expect(a.distinct == b.distinct)
  }
}
