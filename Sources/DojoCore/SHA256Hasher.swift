internal import Crypto
public import Foundation

/// Streaming SHA-256 over bytes, files and folders, hex-encoded as Dojo records it everywhere.
public struct SHA256Hasher {
  private var state = SHA256()

  public init() {}

  /// Feeds more bytes into the digest.
  public mutating func update(_ bytes: UnsafeRawBufferPointer) {
    state.update(bufferPointer: bytes)
  }

  /// Feeds more bytes into the digest.
  public mutating func update(_ data: Data) {
    state.update(data: data)
  }

  /// The lowercase hex digest of everything fed so far.
  public func finalize() -> String {
    Self.hex(state.finalize())
  }

  /// The SHA-256 of a byte string, as lowercase hex.
  public static func hash(_ data: Data) -> String {
    hex(SHA256.hash(data: data))
  }

  /// The SHA-256 of a string's UTF-8 bytes, as lowercase hex.
  public static func hash(_ string: String) -> String {
    hash(Data(string.utf8))
  }

  /// The SHA-256 of a file, read in 1 MiB chunks so that memory stays flat for any size.
  ///
  /// - Throws: ``DojoError`` with code `.io` naming the file when it cannot be read.
  public static func hash(fileAt url: URL) throws -> String {
    guard let handle = FileHandle(forReadingAtPath: url.path) else {
      throw DojoError(.io, "cannot read \(url.path): check that the file exists and is readable")
    }
    defer { try? handle.close() }
    var hasher = SHA256Hasher()
    let chunk = 1 << 20
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
    defer { buffer.deallocate() }
    let fd = handle.fileDescriptor
    while true {
      let n = read(fd, buffer.baseAddress, chunk)
      if n < 0 {
        if errno == EINTR { continue }
        throw DojoError(.io, "cannot read \(url.path): \(String(cString: strerror(errno)))")
      }
      if n == 0 { break }
      hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
    }
    return hasher.finalize()
  }

  private static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(64)
    for byte in digest {
      out.append(digits[Int(byte >> 4)])
      out.append(digits[Int(byte & 0xF)])
    }
    return String(decoding: out, as: UTF8.self)
  }
}
