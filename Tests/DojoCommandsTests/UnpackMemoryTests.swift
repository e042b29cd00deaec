import DojoCore
import Foundation
import Ingest
import Testing

/// What `dojo unpack` keeps in memory per archive entry: its peak resident size, measured on
/// generated archives of many small entries, grows by a few dozen bytes an entry (two hashes
/// of its name; its record goes to a run file on disk, the `.manifest.json` is merged from the
/// runs), so the largest archives of the catalogue (millions of images) stay within reach.
@Suite("Unpack memory per entry")
struct UnpackMemoryTests {
  /// Runs python3 with `arguments`, returning its exit status and standard output.
  static func python(_ arguments: [String]) throws -> (status: Int32, stdout: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3"] + arguments
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }

  /// Writes a zip (or a tar) of `count` one-byte entries, spread over 100 folders as image
  /// archives are.
  static func archive(_ count: Int, tar: Bool = false, in folder: URL) throws -> URL {
    let url = folder.appendingPathComponent("many\(count).\(tar ? "tar" : "zip")")
    let script =
      tar
      ? """
      import io, sys, tarfile
      with tarfile.open(sys.argv[1], "w") as t:
          for i in range(int(sys.argv[2])):
              info = tarfile.TarInfo(f"images/{i % 100:02d}/{i:08d}.jpg")
              info.size = 1
              t.addfile(info, io.BytesIO(b"x"))
      """
      : """
      import sys, zipfile
      with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_STORED) as z:
          for i in range(int(sys.argv[2])):
              z.writestr(f"images/{i % 100:02d}/{i:08d}.jpg", b"x")
      """
    let made = try python(["-c", script, url.path, "\(count)"])
    #expect(made.status == 0, "could not write \(url.path)")
    return url
  }

  /// The peak resident size in KiB of `dojo unpack archive --out out`, read by a Python parent
  /// from its children's resource usage (the only child it has), so other tests' processes
  /// do not count.
  static func peakKiB(unpacking archive: URL, into out: URL) throws -> Int {
    let script = """
      import resource, subprocess, sys
      done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
      print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
      """
    let run = try python([
      "-c", script, CLI.executable.path, "unpack", archive.path, "--out", out.path,
    ])
    let fields = run.stdout.split(separator: " ").compactMap {
      Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
    }
    #expect(fields.count == 2 && fields[0] == 0, "dojo unpack: \(run.stdout)")
    return fields.count == 2 ? fields[1] : 0
  }

  /// The peak memory per extra entry between a small and a large archive of one format,
  /// with the large one's manifest checked whole (sorted, one record a file) and nothing
  /// left beside the output folder (the run files' folder is removed).
  static func bytesPerEntry(tar: Bool) throws -> Double {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "dojo-unpack-memory-\(UUID())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    // Both are past the ledger's batch (8,192 records, a fixed cost), so what grows between
    // them is what grows with every entry; the large one's manifest is merged from 4 runs.
    let (small, large) = (10_000, 40_000)
    let smallPeak = try peakKiB(
      unpacking: try archive(small, tar: tar, in: folder), into: folder.appendingPathComponent("s"))
    let largePeak = try peakKiB(
      unpacking: try archive(large, tar: tar, in: folder), into: folder.appendingPathComponent("l"))
    let manifest = try JSONDecoder().decode(
      UnpackManifest.self,
      from: Data(contentsOf: folder.appendingPathComponent("l/.manifest.json")))
    let expected = (0..<large).map { String(format: "images/%02d/%08d.jpg", $0 % 100, $0) }.sorted()
    #expect(manifest.files.map(\.path) == expected)
    #expect(manifest.files.allSatisfy { $0.size == 1 && $0.sha256 == SHA256Hasher.hash("x") })
    let left = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    #expect(
      left == ["l", "many10000.\(tar ? "tar" : "zip")", "many40000.\(tar ? "tar" : "zip")", "s"])
    return Double(largePeak - smallPeak) * 1024 / Double(large - small)
  }

  // Bytes of peak memory per extra entry: about 1,240 when the manifest was built whole by
  // JSONEncoder, about 460 streamed with every record and name held, about 40 of Dojo's own
  // now (a zip adds libarchive's directory, about 155 an entry, which bsdtar holds too). The
  // bounds leave room for allocator noise and a table doubling, not for the old costs.
  @Test func peakMemoryOfATarGrowsByAFewDozenBytesPerEntry() throws {
    let perEntry = try Self.bytesPerEntry(tar: true)
    #expect(perEntry < 150, "peak memory grows by \(Int(perEntry)) bytes an entry")
  }

  @Test func peakMemoryOfAZipGrowsByLibarchivesDirectoryAndAFewDozenBytesPerEntry() throws {
    let perEntry = try Self.bytesPerEntry(tar: false)
    #expect(perEntry < 300, "peak memory grows by \(Int(perEntry)) bytes an entry")
  }
}
