internal import DojoCore
/// The inputs Dojo reads from strangers, as fuzzing entry points: one function per parser,
/// fed raw bytes. Each must end by returning or by throwing a ``DojoError``; anything else
/// (a trap, a crash, a hang, a file written outside its folder) is a finding.
///
/// `scripts/fuzz` drives them with libFuzzer; `FuzzRegressionTests` replays every input kept
/// under `Tests/DojoFuzzTargetsTests/Regressions/<target>/` on each test run.
public import Foundation
internal import Ingest
internal import Runtime
internal import Tabular

#if canImport(Glibc)
  import Glibc
#endif

/// A parser under fuzzing.
public enum FuzzTarget: String, CaseIterable, Sendable {
  /// `Table.parse` (UTF-8 and Latin-1) and every cell as text and as a number.
  case csv
  /// `ManifestLoader.parse`: YAML into the manifest model with its checks.
  case manifest
  /// `Unpacker.unpack` on the bytes as an archive, under small limits.
  case archive
  /// The server's request bodies: a session's limits under the ceilings, and a step.
  case http

  /// Runs one input. Errors that Dojo reports to users are the expected outcome and are
  /// swallowed; a broken invariant stops the process so the fuzzer keeps the input.
  public func run(_ data: Data) {
    switch self {
    case .csv: Self.csv(data)
    case .manifest: Self.manifest(data)
    case .archive: Self.archive(data)
    case .http: Self.http(data)
    }
  }

  static func csv(_ data: Data) {
    for encoding in CSVEncoding.allCases {
      guard let table = try? Table.parse(data, name: "fuzz.csv", encoding: encoding) else {
        continue
      }
      for column in 0..<table.header.count {
        for row in 0..<table.rowCount {
          _ = table.string(row: row, column: column)
          _ = table.double(row: row, column: column)
        }
        _ = try? table.doubles(column: column)
        _ = try? table.rowIndexByKey(column: column)
      }
    }
  }

  /// Both bodies the server decodes, from the same bytes; a granted limit above its
  /// ceiling is a finding.
  static func http(_ data: Data) {
    let ceilings = SessionLimits(executionTimeoutS: 600, memoryMB: 4096, cpuS: 600, gpus: 0)
    if let limits = try? RequestBodies.sessionLimits(body: data, ceilings: ceilings) {
      guard limits.executionTimeoutS <= 600, (limits.memoryMB ?? .max) <= 4096,
        (limits.cpuS ?? .max) <= 600, limits.gpus == 0
      else { fatalError("limits above the ceilings were granted: \(limits)") }
    }
    _ = try? RequestBodies.stepAction(body: data)
  }

  static func manifest(_ data: Data) {
    _ = try? ManifestLoader.parse(String(decoding: data, as: UTF8.self), name: "fuzz.yaml")
  }

  /// The archive is written into a fresh folder `box/`; unpacking goes to `box/out`. Any
  /// file that appears elsewhere in `box/` (a link followed, a path that escaped) is a
  /// finding, whether unpack succeeded or refused.
  static func archive(_ data: Data) {
    let fm = FileManager.default
    let box = fm.temporaryDirectory.appendingPathComponent(
      "dojo-fuzz-\(getpid())-\(UInt64.random(in: 0 ... .max))", isDirectory: true)
    defer { try? fm.removeItem(at: box) }
    do {
      try fm.createDirectory(at: box, withIntermediateDirectories: true)
      let archive = box.appendingPathComponent("input.bin")
      try data.write(to: archive)
      let limits = UnpackLimits(
        maxEntrySize: 8 << 20, maxTotalSize: 32 << 20, maxRatio: 200, ratioFloor: 1 << 20,
        maxEntries: 2000, maxDepth: 3)
      _ = try? Unpacker(limits: limits).unpack(
        archive: archive, into: box.appendingPathComponent("out", isDirectory: true))
      let left = try fm.contentsOfDirectory(atPath: box.path).sorted()
      if left != ["input.bin", "out"] && left != ["input.bin"] {
        fatalError("unpack left \(left) beside its output folder")
      }
    } catch {
      fatalError("the fuzz harness could not set up its folder: \(error)")
    }
  }
}
