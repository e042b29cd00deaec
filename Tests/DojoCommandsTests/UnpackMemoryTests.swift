import Foundation
import Testing

/// What `dojo unpack` keeps in memory per archive entry: its peak resident size, measured on
/// two generated archives of many small entries, grows by a bounded number of bytes an entry
/// (the entry's path and record; the `.manifest.json` is streamed, never built whole), so the
/// largest archives of the catalogue (millions of images) stay within reach.
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

  /// Writes a zip of `count` one-byte entries, spread over 100 folders as image archives are.
  static func archive(_ count: Int, in folder: URL) throws -> URL {
    let url = folder.appendingPathComponent("many\(count).zip")
    let script = """
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

  @Test func peakMemoryGrowsByABoundedNumberOfBytesPerEntry() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "dojo-unpack-memory-\(UUID())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let (small, large) = (2_000, 20_000)
    let smallPeak = try Self.peakKiB(
      unpacking: try Self.archive(small, in: folder), into: folder.appendingPathComponent("s"))
    let largePeak = try Self.peakKiB(
      unpacking: try Self.archive(large, in: folder), into: folder.appendingPathComponent("l"))
    let manifest = try String(
      contentsOf: folder.appendingPathComponent("l/.manifest.json"), encoding: .utf8)
    #expect(manifest.components(separatedBy: "\"sha256\"").count == large + 1)
    // Bytes of peak memory per extra entry: about 1,240 when the manifest was built whole by
    // JSONEncoder (20,000 to 200,000 entries), about 460 streamed (2,000 to 20,000). What is
    // left is each entry's path, record and name claim, kept to order the manifest and refuse
    // names that collide; the bound leaves room for allocator noise, not for the old cost.
    let perEntry = Double(largePeak - smallPeak) * 1024 / Double(large - small)
    #expect(perEntry < 900, "peak memory grows by \(Int(perEntry)) bytes an entry")
  }
}
