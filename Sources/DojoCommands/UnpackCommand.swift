internal import ArgumentParser
internal import DojoCore
internal import Foundation
internal import Ingest

/// `dojo unpack ARCHIVE --out DIR`: safe extraction with nested archives opened in place.
struct UnpackCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "unpack",
    abstract: "Unpack an archive safely, opening archives inside it, and list every file.",
    discussion: """
      Reads zip, tar (plain, gz, bz2, xz, zst), 7z, rar and lone .gz/.bz2/.xz/.zst files. \
      Archives inside the archive (train.csv.zip, images.tar.gz) are replaced by their \
      contents. Entries that would escape DIR (../, absolute paths, links out), device \
      files, FIFOs and zip bombs are refused with the entry's name, and nothing is left \
      behind. DIR is replaced atomically and gets a .manifest.json with every file's path, \
      size and SHA-256.

      Example:
        dojo unpack raw/titanic/titanic.zip --out raw/titanic/files
      """)

  @Argument(help: "The archive to unpack.")
  var archive: String

  @Option(help: "The output folder; replaced if it exists.")
  var out: String

  @Option(help: "Refuse a file larger than this (bytes, or with K/M/G/T suffix).")
  var maxEntrySize: String = "128G"

  @Option(help: "Refuse an archive unpacking to more than this in total (bytes or K/M/G/T).")
  var maxTotalSize: String = "1T"

  @Option(help: "Refuse an archive whose output is more than this many times its size.")
  var maxRatio: Double = 200

  @Option(help: "Refuse an archive with more entries than this.")
  var maxEntries: Int = 8_000_000

  @Option(help: "How many levels of archives inside archives to open.")
  var maxDepth: Int = 3

  func run() throws {
    let limits = UnpackLimits(
      maxEntrySize: try Self.size(maxEntrySize, flag: "--max-entry-size"),
      maxTotalSize: try Self.size(maxTotalSize, flag: "--max-total-size"),
      maxRatio: maxRatio, maxEntries: maxEntries, maxDepth: maxDepth)
    guard maxRatio >= 1, maxEntries >= 1, maxDepth >= 0 else {
      throw DojoError(
        .invalidArgument,
        "--max-ratio and --max-entries must be at least 1 and --max-depth at least 0")
    }
    let start = ContinuousClock.now
    let report = try Unpacker(limits: limits).unpack(
      archive: URL(fileURLWithPath: archive), into: URL(fileURLWithPath: out))
    let elapsed = ContinuousClock.now - start
    let seconds =
      Double(elapsed.components.seconds)
      + Double(elapsed.components.attoseconds) / 1e18
    let nested =
      report.nestedArchives == 0 ? "" : ", \(report.nestedArchives) nested archives opened"
    print(
      "unpacked \(report.fileCount) files, \(report.totalBytes) bytes in "
        + String(format: "%.2f", seconds) + " s\(nested) into \(report.directory.path)")
  }

  /// Parses `123`, `10K`, `1.5G` (binary units) into bytes.
  static func size(_ text: String, flag: String) throws -> Int64 {
    let units: [Character: Double] = ["K": 0x1p10, "M": 0x1p20, "G": 0x1p30, "T": 0x1p40]
    var number = Substring(text.uppercased())
    if number.hasSuffix("B") { number = number.dropLast() }
    var scale = 1.0
    if let last = number.last, let unit = units[last] {
      scale = unit
      number = number.dropLast()
    }
    guard let value = Double(number), value > 0, value * scale < 9e18 else {
      throw DojoError(
        .invalidArgument, "\(flag) \(text) is not a size; write bytes or e.g. 500M, 20G")
    }
    return Int64(value * scale)
  }
}
