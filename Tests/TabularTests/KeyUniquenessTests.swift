import Foundation
import Tabular
import Testing

/// The id check of a split: a key column is proven unique without keeping its values, and a
/// repeat is found (first in file order, with the row it repeats) however the check ran.
@Suite struct KeyUniquenessTests {
  /// Ids `u<k>` in a scrambled order, then a repeat of the third row's, quoted.
  func scrambled(_ dir: TempDir, repeatAtEnd: Bool) throws -> URL {
    var text = "id,v\n"
    for i in 0..<5000 { text += "u\(i * 7 % 5003),\(i)\n" }
    if repeatAtEnd { text += "\"u14\",x\n" }
    return try dir.file(repeatAtEnd ? "r.csv" : "u.csv", Array(text.utf8))
  }

  @Test(arguments: [2_000_000, 700, 1])
  func findsTheFirstRepeatOfAKeyColumnInMemoryOrPartitioned(rowsInMemory: Int) throws {
    let dir = try TempDir()
    defer { dir.cleanup() }
    let unique = try CSVIndex.scan(try scrambled(dir, repeatAtEnd: false), keys: ["id"])
    #expect(unique.values(of: "id") == nil, "a key keeps no values")
    #expect(try unique.firstDuplicate(in: "id", rowsInMemory: rowsInMemory) == nil)
    let repeated = try CSVIndex.scan(try scrambled(dir, repeatAtEnd: true), keys: ["id", "v"])
    let found = try #require(try repeated.firstDuplicate(in: "id", rowsInMemory: rowsInMemory))
    #expect(found.row == 5000 && found.earlierRow == 2 && found.value == "u14")
    #expect(repeated.line(ofRow: found.row) == 5002)
    #expect(try repeated.firstDuplicate(in: "v", rowsInMemory: rowsInMemory) == nil)
  }

  @Test func aKeptColumnIsCheckedFromItsValues() throws {
    let dir = try TempDir()
    defer { dir.cleanup() }
    let index = try CSVIndex.scan(try scrambled(dir, repeatAtEnd: true), columns: ["id"])
    let found = try #require(try index.firstDuplicate(in: "id"))
    #expect(found.row == 5000 && found.earlierRow == 2 && found.value == "u14")
    #expect(throws: (any Error).self) { try index.firstDuplicate(in: "v") }
  }

  /// Increasing canonical integers are unique by their scan alone, across the ranges a large
  /// file is cut into; equal spellings of one number ("07" after "7") are not canonical and
  /// go to the exact check, which tells them apart as text.
  @Test(arguments: [1, 3])
  func increasingIntegersAreProvenByTheScan(ranges: Int) throws {
    let dir = try TempDir()
    defer { dir.cleanup() }
    var text = "id,v\n"
    for i in 0..<3000 { text += "\(1000 + i * 3),x\n" }
    let ordered = try CSVIndex.scan(
      try dir.file("o.csv", Array(text.utf8)), keys: ["id"], ranges: ranges)
    #expect(try ordered.firstDuplicate(in: "id") == nil)
    #expect(ordered.firstEmpty(in: "id") == nil)
    let spelled = try CSVIndex.scan(
      try dir.file("s.csv", Array((text + "01000,x\n").utf8)), keys: ["id"], ranges: ranges)
    #expect(try spelled.firstDuplicate(in: "id") == nil)
    let back = try CSVIndex.scan(
      try dir.file("b.csv", Array((text + "1003,x\n").utf8)), keys: ["id"], ranges: ranges)
    let found = try #require(try back.firstDuplicate(in: "id"))
    #expect(found.row == 3000 && found.earlierRow == 1 && found.value == "1003")
  }

  @Test(arguments: [1, 3])
  func notesTheFirstEmptyKey(ranges: Int) throws {
    let dir = try TempDir()
    defer { dir.cleanup() }
    var text = "id,v\n"
    for i in 0..<3000 { text += (i == 2100 || i == 2500 ? "" : "\(i)") + ",x\n" }
    let index = try CSVIndex.scan(
      try dir.file("e.csv", Array(text.utf8)), keys: ["id"], ranges: ranges)
    #expect(index.firstEmpty(in: "id") == 2100)
  }

  @Test func refusesAFileChangedBeforeTheSecondRead() throws {
    let dir = try TempDir()
    defer { dir.cleanup() }
    let url = try scrambled(dir, repeatAtEnd: true)
    let index = try CSVIndex.scan(url, keys: ["id"])
    try Data("id,v\n1,2\n".utf8).write(to: url)
    #expect(throws: (any Error).self) { try index.firstDuplicate(in: "id") }
  }
}
