internal import DojoCore
internal import Foundation
internal import Tabular

/// `answers.group_matches`: a matching task's answers, derived from the split rather than
/// read (shopee-product-matching: which postings show the same product). Each test row's
/// answer is the ids of the test rows sharing its group value, itself included, sorted and
/// space-separated; the group values never reach the agent's test table. The sample
/// submission predicts each row matches itself, which is always part of the answer.
struct GroupMatches {
  let id: String
  let group: String
  let target: String

  /// Replaces `answers` (written with the id and group columns) by the id and the derived
  /// target, and writes the sample submission (each through a temporary file and a rename:
  /// ``CSVWriter``).
  func derive(answers: URL, sample: URL) throws {
    let table = try Table.read(answers)
    guard let idColumn = table.index(of: id), let groupColumn = table.index(of: group) else {
      throw DojoError(
        .invalidData, "private/answers.csv lacks \(id) or \(group); prepare the task again")
    }
    var ids: [String] = []
    var groups: [String] = []
    ids.reserveCapacity(table.rowCount)
    groups.reserveCapacity(table.rowCount)
    var members: [String: [String]] = [:]
    for row in 0..<table.rowCount {
      let value = table.string(row: row, column: groupColumn)
      guard !value.isEmpty else {
        throw DojoError(
          .invalidData,
          "answers.group_matches: column \"\(group)\" is empty for \(id) \"\(table.string(row: row, column: idColumn))\"; every row needs a group"
        )
      }
      ids.append(table.string(row: row, column: idColumn))
      groups.append(value)
      members[value, default: []].append(ids[row])
    }
    for value in ids where value.contains(where: \.isWhitespace) {
      throw DojoError(
        .invalidData,
        "answers.group_matches: id \"\(value)\" holds whitespace, which separates the ids of a match list; ids must be single words"
      )
    }
    for key in members.keys { members[key]!.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) } }
    let answersSink = try RowSink(url: answers, header: [id, target])
    let sampleSink = try RowSink(url: sample, header: [id, target])
    for (row, value) in ids.enumerated() {
      try answersSink.append([value, members[groups[row]]!.joined(separator: " ")])
      try sampleSink.append([value, value])
    }
    try answersSink.finish()
    try sampleSink.finish()
  }
}
