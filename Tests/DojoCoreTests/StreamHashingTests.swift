import DojoCore
import Foundation
import Testing

@Suite("Hashing while writing")
struct StreamHashingTests {
  /// Chunks of every size, handed over from two alternating buffers as a writer does, hash
  /// to the digest of the whole.
  @Test func chunksHashToTheWhole() {
    var bytes = [UInt8](repeating: 0, count: 1 << 20)
    for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 2_654_435_761 >> 5) }
    var buffers = [[UInt8](repeating: 0, count: 70_000), [UInt8](repeating: 0, count: 70_000)]
    let hasher = StreamHasher()
    var at = 0
    var turn = 0
    var size = 1
    while at < bytes.count {
      let n = min(size, bytes.count - at, 70_000)
      buffers[turn].withUnsafeMutableBufferPointer { b in
        for i in 0..<n { b[i] = bytes[at + i] }
      }
      buffers[turn].withUnsafeBytes { hasher.submit(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
      at += n
      turn = 1 - turn
      size = size * 3 + 1
    }
    // Bytes the caller reuses at once are hashed before the call returns.
    bytes.withUnsafeBytes { hasher.hashNow(UnsafeRawBufferPointer(rebasing: $0[0..<10])) }
    let whole = Data(bytes + bytes[0..<10])
    #expect(hasher.byteCount == whole.count)
    #expect(hasher.finish() == SHA256Hasher.hash(whole))
  }

  @Test func nothingHashesToTheEmptyDigest() {
    #expect(StreamHasher().finish() == SHA256Hasher.hash(Data()))
  }

  /// A write that skips the flush to disk still replaces the file whole, and replaces a link
  /// planted at its name instead of writing through it.
  @Test func writeWithoutSyncReplacesALinkNotItsTarget() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dojo-nosync-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let target = dir.appendingPathComponent("host.txt")
    try Data("host".utf8).write(to: target)
    let script = dir.appendingPathComponent("main.py")
    try FileManager.default.createSymbolicLink(at: script, withDestinationURL: target)
    try AtomicFiles.writeWithoutSync(Array("print(1)".utf8), to: script)
    #expect(try String(contentsOf: target, encoding: .utf8) == "host")
    #expect(try String(contentsOf: script, encoding: .utf8) == "print(1)")
    #expect(
      try FileManager.default.attributesOfItem(atPath: script.path)[.type] as? FileAttributeType
        == .typeRegular)
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == [
        "host.txt", "main.py",
      ])
  }
}
