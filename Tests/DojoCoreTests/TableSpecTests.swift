import DojoCore
import Foundation
import Testing

/// The `table:` and `public:` keys: what they read, and that every mistake is refused at load
/// with the file, the line and the key path.
@Suite("Manifest table and public keys")
struct TableSpecTests {
  /// A random split of a table with id `id` and target `label`; `keys` is appended.
  static func manifest(_ keys: String, split: String = "  strategy: random\n  test_fraction: 0.2")
    -> String
  {
    """
    id: fixture
    title: Fixture
    source:
      url: fixture.zip
    files:
      train: train.csv
      test: test.csv
    split:
    \(split)
    answers:
      id: id
      targets: [label]
    metric:
      name: accuracy
    \(keys)
    """
  }

  @Test func readsEveryTableAndPublicKey() throws {
    let m = try ManifestLoader.parse(
      Self.manifest(
        """
        table:
          delimiter: "\\t"
          quoting: none
          escape: "\\\\"
          encoding: Latin1
          rename_first: key
          row_id: id
          id_parts: [a, b]
          drop_unlabelled: true
          scored_where: { column: u_out, value: "0" }
        public:
          train: cs-training.csv
          test: cs-test.csv
          drop: [leaky]
        """))
    let table = try #require(m.table)
    #expect(table.format == .csv)
    #expect(table.delimiter == "\t")
    #expect(table.quoting == .none)
    #expect(table.escape == "\\")
    #expect(table.encoding == "latin-1")
    #expect(table.renameFirst == "key")
    #expect(table.rowID == "id")
    #expect(table.idParts == ["a", "b"])
    #expect(table.dropUnlabelled)
    #expect(table.scoredWhere == Manifest.Table.ScoredWhere(column: "u_out", value: "0"))
    #expect(!table.isPlainCSV)
    #expect(m.publicTrainName == "cs-training.csv")
    #expect(m.publicTestName == "cs-test.csv")
    #expect(m.publicFiles?.drop == ["leaky"])
  }

  @Test func defaultsArePlainCSVAndTrainTestNames() throws {
    let m = try ManifestLoader.parse(Self.manifest(""))
    #expect(m.table == nil)
    #expect(m.publicTrainName == "train.csv")
    #expect(m.publicTestName == "test.csv")
    let json = try ManifestLoader.parse(
      Self.manifest("table:\n  format: json_records\npublic:\n  test_fields: kaggle"))
    #expect(json.table?.format == .jsonRecords)
    #expect(json.publicTrainName == "train.json")
    #expect(json.publicTestName == "test.json")
    #expect(json.publicFiles?.testFields == .kaggle)
  }

  struct Refusal: CustomTestStringConvertible, Sendable {
    var name: String
    var keys: String
    var expected: String
    var split = "  strategy: random\n  test_fraction: 0.2"
    var testDescription: String { name }
  }

  // The fixture's `keys` start on line 16.
  static let refusals: [Refusal] = [
    Refusal(
      name: "unknown table key", keys: "table:\n  delimter: \";\"",
      expected: "manifest.yaml:17: table.delimter is not a known key here"),
    Refusal(
      name: "two-character delimiter", keys: "table:\n  delimiter: \"::\"",
      expected: "manifest.yaml:17: table.delimiter must be one ASCII character"),
    Refusal(
      name: "quote as delimiter", keys: "table:\n  delimiter: '\"'",
      expected: "manifest.yaml:17: table.delimiter must be one ASCII character other than a quote"),
    Refusal(
      name: "unknown quoting", keys: "table:\n  quoting: all",
      expected: "manifest.yaml:17: table.quoting must be one of minimal, none (got \"all\")"),
    Refusal(
      name: "escape equal to delimiter", keys: "table:\n  delimiter: \";\"\n  escape: \";\"",
      expected:
        "manifest.yaml:18: table.escape must be one ASCII character other than the delimiter"),
    Refusal(
      name: "unsupported encoding", keys: "table:\n  encoding: cp1252",
      expected: "manifest.yaml:17: table.encoding must be one of utf-8, latin-1 (got \"cp1252\")"),
    Refusal(
      name: "unknown format", keys: "table:\n  format: feather",
      expected: "manifest.yaml:17: table.format must be one of csv, json_records"),
    Refusal(
      name: "parquet with a text dialect", keys: "table:\n  format: parquet\n  delimiter: \";\"",
      expected: "manifest.yaml:18: table.delimiter does not apply to format parquet"),
    Refusal(
      name: "row id that is not the answers' id", keys: "table:\n  row_id: row",
      expected: "manifest.yaml:17: table.row_id \"row\" must be the answers' id"),
    Refusal(
      name: "id parts without row id", keys: "table:\n  id_parts: [a, b]",
      expected: "manifest.yaml:17: table.id_parts needs row_id"),
    Refusal(
      name: "id part that is a target", keys: "table:\n  row_id: id\n  id_parts: [a, label]",
      expected: "manifest.yaml:18: table.id_parts[1] must not be a target column"),
    Refusal(
      name: "scored subset keyed by the target",
      keys: "table:\n  scored_where: { column: label, value: x }",
      expected: "manifest.yaml:17: table.scored_where.column must name an input column"),
    Refusal(
      name: "drop_unlabelled not a boolean", keys: "table:\n  drop_unlabelled: maybe",
      expected: "manifest.yaml:17: table.drop_unlabelled must be true or false"),
    Refusal(
      name: "public drop of the id", keys: "public:\n  drop: [x, id]",
      expected: "manifest.yaml:17: public.drop[1] names \"id\", the id or a target"),
    Refusal(
      name: "public name with a folder", keys: "public:\n  test: ../private/answers.csv",
      expected: "manifest.yaml:17: public.test must be a file name in public/ (relative, no \"..\""),
    Refusal(
      name: "public name of the sample submission", keys: "public:\n  train: sample_submission.csv",
      expected: "manifest.yaml:17: public.train must be a file name in public/"),
    Refusal(
      name: "same public names", keys: "public:\n  train: a.csv\n  test: a.csv",
      expected: "manifest.yaml:18: public.test must differ from public.train"),
    Refusal(
      name: "test fields on a CSV", keys: "public:\n  test_fields: kaggle",
      expected: "manifest.yaml:17: public.test_fields applies only to table.format json_records"),
    Refusal(
      name: "delimiter on JSON records", keys: "table:\n  format: json_records\n  delimiter: \";\"",
      expected: "manifest.yaml:18: table.delimiter is not supported with format json_records"),
    Refusal(
      name: "a column derived twice",
      keys: "table:\n  derive:\n    - { column: w, from: a }\n    - { column: w, from: b }",
      expected: "manifest.yaml:19: table.derive[1] derives column \"w\" twice"),
    Refusal(
      name: "then without when", keys: "table:\n  derive:\n    - { column: w, from: a, then: x }",
      expected: "manifest.yaml:18: table.derive[0].then needs when"),
    Refusal(
      name: "when without else",
      keys: "table:\n  derive:\n    - { column: w, from: a, when: [b], then: x }",
      expected: "manifest.yaml:18: table.derive[0].when needs then and else"),
    Refusal(
      name: "table keys under a script split", keys: "table:\n  row_id: id",
      expected: "manifest.yaml:16: table applies to the engine's own splits",
      split: "  strategy: script\n  script: prepare.py"),
  ]

  @Test(arguments: refusals)
  func refusesWithFileLineAndKey(_ r: Refusal) throws {
    do {
      _ = try ManifestLoader.parse(Self.manifest(r.keys, split: r.split))
      Issue.record("parsed although \(r.name)")
    } catch let error as DojoError {
      #expect(error.code == .invalidManifest)
      #expect(error.message.hasPrefix(r.expected), "\(error.message)")
    }
  }
}
