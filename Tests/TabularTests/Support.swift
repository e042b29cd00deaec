import Foundation
import Tabular

/// A deterministic generator, so generated files are the same on every run.
struct SplitMix64: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// A fresh folder under the system temporary folder, removed by `cleanup()`.
struct TempDir {
  let url: URL
  init() throws {
    url = FileManager.default.temporaryDirectory
      .appendingPathComponent("tabular-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }
  func file(_ name: String, _ bytes: [UInt8]) throws -> URL {
    let file = url.appendingPathComponent(name)
    try Data(bytes).write(to: file)
    return file
  }
  func contents(_ name: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: url.appendingPathComponent(name)))
  }
  func cleanup() { try? FileManager.default.removeItem(at: url) }
}

/// The message of the error `body` throws, or nil if it does not throw.
func errorMessage(_ body: () throws -> Void) -> String? {
  do {
    try body()
    return nil
  } catch {
    return "\(error)"
  }
}

/// Every record of a file (header first) as text, read with the given block size.
func readAll(_ url: URL, blockSize: Int, encoding: CSVEncoding = .utf8) throws -> [[String]] {
  let reader = try CSVReader(
    url: url, options: CSVReader.Options(blockSize: blockSize, encoding: encoding))
  var rows = [reader.header]
  while let record = try reader.next() { rows.append(record.strings) }
  return rows
}

/// Every record of a table (header first) as text.
func rows(of table: Table) -> [[String]] {
  [table.header]
    + (0..<table.rowCount).map { r in
      (0..<table.header.count).map { table.string(row: r, column: $0) }
    }
}

/// Block sizes that put record and field boundaries at every possible place in small inputs.
let blockSizes = [1, 2, 3, 7, 64, 4 << 20]
