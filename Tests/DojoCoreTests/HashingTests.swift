import DojoCore
import Foundation
import Testing

@Suite("Hashing and atomic files")
struct HashingTests {
  @Test func knownDigests() throws {
    #expect(
      SHA256Hasher.hash("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(
      SHA256Hasher.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
  }

  @Test func fileHashMatchesBytesHashAcrossChunks() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dojo-hash-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    var bytes = [UInt8](repeating: 0, count: 3 << 20 + 17)
    for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 2_654_435_761 >> 7) }
    let url = dir.appendingPathComponent("blob.bin")
    try AtomicFiles.write(Data(bytes), to: url)
    #expect(try SHA256Hasher.hash(fileAt: url) == SHA256Hasher.hash(Data(bytes)))
    let entries = try FileTree.entries(under: dir)
    #expect(entries.map(\.path) == ["blob.bin"])
    #expect(entries[0].size == Int64(bytes.count))
    // No temporary sibling is left behind.
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["blob.bin"])
  }

  @Test func codesHaveSnakeCaseNames() {
    #expect(DojoError.Code.invalidSubmission.name == "invalid_submission")
    #expect(DojoError.Code.graderError.name == "grader_error")
  }
}
