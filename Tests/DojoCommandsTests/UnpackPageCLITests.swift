import Foundation
import Testing

/// A zip with stored (uncompressed) entries, written by hand so that this test target needs
/// no C library: enough to drive `dojo unpack` end to end.
enum StoredZip {
  static func make(_ files: [(String, Data)]) -> Data {
    var out = Data()
    var central = Data()
    func le16(_ v: Int, _ d: inout Data) { d.append(contentsOf: [UInt8(v & 0xFF), UInt8(v >> 8)]) }
    func le32(_ v: UInt32, _ d: inout Data) {
      d.append(contentsOf: (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) })
    }
    for (name, data) in files {
      let offset = UInt32(out.count)
      let crc = crc32(data)
      let nameBytes = Data(name.utf8)
      le32(0x0403_4B50, &out)
      le16(20, &out); le16(0x0800, &out); le16(0, &out); le16(0, &out); le16(0x21, &out)
      le32(crc, &out); le32(UInt32(data.count), &out); le32(UInt32(data.count), &out)
      le16(nameBytes.count, &out); le16(0, &out)
      out.append(nameBytes)
      out.append(data)
      le32(0x0201_4B50, &central)
      le16(20, &central); le16(20, &central); le16(0x0800, &central); le16(0, &central)
      le16(0, &central); le16(0x21, &central)
      le32(crc, &central); le32(UInt32(data.count), &central); le32(UInt32(data.count), &central)
      le16(nameBytes.count, &central); le16(0, &central); le16(0, &central); le16(0, &central)
      le16(0, &central); le32(0, &central); le32(offset, &central)
      central.append(nameBytes)
    }
    let centralOffset = out.count
    out.append(central)
    le32(0x0605_4B50, &out)
    le16(0, &out); le16(0, &out); le16(files.count, &out); le16(files.count, &out)
    le32(UInt32(central.count), &out); le32(UInt32(centralOffset), &out); le16(0, &out)
    return out
  }

  static func crc32(_ data: Data) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in data {
      crc ^= UInt32(byte)
      for _ in 0..<8 { crc = (crc >> 1) ^ (crc & 1 == 1 ? 0xEDB8_8320 : 0) }
    }
    return ~crc
  }
}

@Suite("dojo unpack and dojo page")
struct UnpackPageCLITests {
  let dir: URL

  init() throws {
    dir = FileManager.default.temporaryDirectory
      .appendingPathComponent("dojo-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  }

  @Test func unpackPrintsASummaryAndWritesTheManifest() throws {
    defer { try? FileManager.default.removeItem(at: dir) }
    let zip = dir.appendingPathComponent("c.zip")
    try StoredZip.make([("train.csv", Data("id,y\n1,0\n".utf8)), ("d/é.txt", Data("x".utf8))])
      .write(to: zip)
    let out = dir.appendingPathComponent("files")
    let r = try CLI.run(["unpack", zip.path, "--out", out.path])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.hasPrefix("unpacked 2 files, 10 bytes in "), "\(r.stdout)")
    #expect(try Data(contentsOf: out.appendingPathComponent("d/é.txt")) == Data("x".utf8))
    let manifest = try String(
      contentsOf: out.appendingPathComponent(".manifest.json"), encoding: .utf8)
    #expect(manifest.contains("\"path\" : \"train.csv\""))
  }

  @Test func unpackRefusalIsOneErrorLine() throws {
    defer { try? FileManager.default.removeItem(at: dir) }
    let zip = dir.appendingPathComponent("evil.zip")
    try StoredZip.make([("../../evil.txt", Data("x".utf8))]).write(to: zip)
    let r = try CLI.run(["unpack", zip.path, "--out", dir.appendingPathComponent("o").path])
    #expect(r.status == 1)
    #expect(r.stderr.hasPrefix("error: refused evil.zip: entry '../../evil.txt'"), "\(r.stderr)")
    #expect(r.stderr.split(separator: "\n").count == 1)
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["evil.zip"])
  }

  @Test(arguments: [
    (["unpack", "/nonexistent/a.zip", "--out", "/tmp/x"], "does not exist"),
    (["unpack", "a.zip", "--out", "o", "--max-entry-size", "lots"], "--max-entry-size lots"),
    (["page", "/nonexistent/page.html"], "cannot read /nonexistent/page.html"),
  ])
  func errors(arguments: [String], expected: String) throws {
    defer { try? FileManager.default.removeItem(at: dir) }
    let r = try CLI.run(arguments, cwd: dir)
    #expect(r.status == 1)
    #expect(r.stderr.hasPrefix("error: "), "\(r.stderr)")
    #expect(r.stderr.contains(expected), "\(r.stderr)")
  }

  @Test func pagePrintsMarkdown() throws {
    defer { try? FileManager.default.removeItem(at: dir) }
    let page = dir.appendingPathComponent("overview.html")
    try Data(
      "<html><body><nav>Home</nav><h1>Comp</h1><p>Predict <b>y</b>. <a href=\"data\">Data</a></p></body></html>"
        .utf8
    ).write(to: page)
    for source in [page.path, page.absoluteString] {
      let r = try CLI.run(["page", source])
      #expect(r.status == 0, "\(r.stderr)")
      #expect(
        r.stdout
          == "# Comp\n\nPredict **y**. [Data](\(dir.appendingPathComponent("data").absoluteString))\n"
      )
    }
  }

  @Test(arguments: ["unpack", "page"])
  func helpHasAnExample(command: String) throws {
    defer { try? FileManager.default.removeItem(at: dir) }
    let r = try CLI.run([command, "--help"])
    #expect(r.status == 0)
    #expect(r.stdout.contains("Example:\n  dojo \(command) "))
  }
}
