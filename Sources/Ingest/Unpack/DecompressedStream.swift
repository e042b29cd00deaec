internal import DojoCArchive
internal import DojoCore
internal import Foundation

/// The decompressed bytes of a compressed archive file (`x.tar.gz`, `x.tar.xz`, a lone
/// `x.csv.gz`), read to the very end of the compressed stream so that every checksum and
/// length it carries is verified: a damaged download is never taken for a short archive.
///
/// libarchive's formats stop reading at the archive's own end marker (tar's zero blocks), so
/// the compressed stream's trailer would go unread; and libarchive 3.6's gzip filter does not
/// check the CRC-32 or length at all. So gzip is inflated here with zlib (which checks both,
/// member by member), other compressions go through libarchive's filters, and ``drain()``
/// reads what is left once the format is done.
final class DecompressedStream {
  /// How messages name the file.
  let label: String
  private var backend: Backend
  /// Set when reading failed inside a libarchive callback, which can only return -1: a
  /// ``Damage`` or a ``DojoError``.
  var failure: (any Error)?

  /// Why the stream is damaged; the caller names the file (and entry) around it.
  struct Damage: Error {
    let reason: String
  }

  private enum Backend {
    case gzip(GzipReader)
    case filters(OpaquePointer)
  }

  /// The stream of `url`, or nil when the file is not compressed (a zip, 7z, rar or plain tar,
  /// which libarchive reads from the file directly and checks entry by entry).
  static func open(_ url: URL, label: String) throws -> DecompressedStream? {
    let fd = Foundation.open(url.path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else {
      throw DojoError(.io, "cannot open \(url.path): \(String(cString: strerror(errno)))")
    }
    var magic: [UInt8] = [0, 0]
    let n = pread(fd, &magic, 2, 0)
    if n == 2 && magic == [0x1F, 0x8B] {
      return DecompressedStream(label: label, backend: .gzip(try GzipReader(fd: fd, label: label)))
    }
    close(fd)
    guard let a = archive_read_new() else {
      throw DojoError(.internalError, "libarchive could not allocate a reader")
    }
    archive_read_support_filter_all(a)
    archive_read_support_format_raw(a)
    var entry: OpaquePointer?
    if archive_read_open_filename(a, url.path, ArchiveExtractor.readBlockSize) != ARCHIVE_OK
      || archive_read_next_header(a, &entry) != ARCHIVE_OK
    {
      // libarchive decompresses the first block to recognise the data, so a small damaged
      // stream fails here; one that starts as compressed data is damaged, anything else is
      // left for the format reader to name.
      let reason = archive_error_string(a).map { String(cString: $0) } ?? "unreadable data"
      archive_read_free(a)
      if try startsAsCompressedData(url) { throw damaged(label, reason) }
      return nil
    }
    if archive_filter_count(a) < 2 {
      archive_read_free(a)
      return nil
    }
    return DecompressedStream(label: label, backend: .filters(a))
  }

  /// The signatures of the compressions libarchive reads (xz, lzma, bzip2, zstd, lz4, lzip,
  /// compress).
  private static let signatures: [[UInt8]] = [
    [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], [0x5D, 0x00, 0x00], [0x42, 0x5A, 0x68],
    [0x28, 0xB5, 0x2F, 0xFD], [0x04, 0x22, 0x4D, 0x18], [0x4C, 0x5A, 0x49, 0x50], [0x1F, 0x9D],
  ]

  private static func startsAsCompressedData(_ url: URL) throws -> Bool {
    let fd = Foundation.open(url.path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else {
      throw DojoError(.io, "cannot open \(url.path): \(String(cString: strerror(errno)))")
    }
    defer { close(fd) }
    var head = [UInt8](repeating: 0, count: 6)
    let n = max(pread(fd, &head, 6, 0), 0)
    return signatures.contains { $0.count <= n && head.starts(with: $0) }
  }

  private init(label: String, backend: Backend) {
    self.label = label
    self.backend = backend
  }

  deinit {
    switch backend {
    case .gzip(let reader): reader.close()
    case .filters(let a): archive_read_free(a)
    }
  }

  /// Bytes read from the compressed file so far.
  var compressedBytes: Int64 {
    switch backend {
    case .gzip(let reader): reader.compressedBytes
    case .filters(let a): Int64(archive_filter_bytes(a, -1))
    }
  }

  /// The next block of decompressed bytes (valid until the next call), or nil at the verified
  /// end of the stream.
  ///
  /// - Throws: ``Damage`` for a checksum or length mismatch, a truncated stream or data that
  ///   does not decompress; ``DojoError`` `.io` when the file cannot be read.
  func read() throws -> UnsafeRawBufferPointer? {
    switch backend {
    case .gzip(let reader):
      return try reader.read()
    case .filters(let a):
      while true {
        var block: UnsafeRawPointer?
        var size = 0
        var offset: la_int64_t = 0
        let status = archive_read_data_block(a, &block, &size, &offset)
        if status == ARCHIVE_EOF { return nil }
        guard status == ARCHIVE_OK else {
          throw Damage(
            reason: archive_error_string(a).map { String(cString: $0) } ?? "unreadable data")
        }
        if let block, size > 0 { return UnsafeRawBufferPointer(start: block, count: size) }
      }
    }
  }

  /// Reads and checks whatever the archive format left unread, up to the stream's end.
  ///
  /// - Throws: ``DojoError`` `.damagedArchive` naming the file.
  func drain() throws {
    do {
      while try read() != nil {}
    } catch let damage as Damage {
      throw Self.damaged(label, damage.reason)
    }
  }

  /// The error for a damaged archive: its own code, so that callers can fetch it again.
  static func damaged(_ label: String, _ reason: String) -> DojoError {
    DojoError(
      .damagedArchive,
      "damaged archive \(label): \(reason); the file is corrupt or incomplete, re-download it")
  }

  /// Feeds a libarchive format reader from this stream.
  func attach(to a: OpaquePointer) -> Int32 {
    archive_read_open(
      a, Unmanaged.passUnretained(self).toOpaque(), nil,
      { _, client, buffer in
        let stream = Unmanaged<DecompressedStream>.fromOpaque(client!).takeUnretainedValue()
        do {
          guard let chunk = try stream.read() else { return 0 }
          buffer?.pointee = chunk.baseAddress
          return chunk.count
        } catch {
          stream.failure = error
          return -1
        }
      }, nil)
  }
}

/// zlib's inflate, resolved at run time: libarchive already loads libz, but the package links
/// only libarchive, so the few functions needed are looked up rather than linked.
private enum Zlib {
  typealias InflateInit2 =
    @convention(c) (UnsafeMutablePointer<z_stream>?, Int32, UnsafePointer<CChar>?, Int32) -> Int32
  typealias Inflate = @convention(c) (UnsafeMutablePointer<z_stream>?, Int32) -> Int32
  typealias InflateEnd = @convention(c) (UnsafeMutablePointer<z_stream>?) -> Int32

  struct Functions: @unchecked Sendable {
    // Safe: C function pointers, immutable once loaded.
    let inflateInit2: InflateInit2
    let inflate: Inflate
    let inflateReset: InflateEnd
    let inflateEnd: InflateEnd
  }

  static let functions: Functions? = {
    #if os(macOS)
      let names = ["libz.1.dylib", "libz.dylib"]
    #else
      let names = ["libz.so.1", "libz.so"]
    #endif
    for name in names {
      guard let handle = dlopen(name, RTLD_NOW) else { continue }
      guard let initFn = dlsym(handle, "inflateInit2_"), let inflateFn = dlsym(handle, "inflate"),
        let resetFn = dlsym(handle, "inflateReset"), let endFn = dlsym(handle, "inflateEnd")
      else { continue }
      return Functions(
        inflateInit2: unsafeBitCast(initFn, to: InflateInit2.self),
        inflate: unsafeBitCast(inflateFn, to: Inflate.self),
        inflateReset: unsafeBitCast(resetFn, to: InflateEnd.self),
        inflateEnd: unsafeBitCast(endFn, to: InflateEnd.self))
    }
    return nil
  }()
}

/// A gzip file, every member inflated and checked (CRC-32 and length, by zlib) to the end.
private final class GzipReader {
  private let fd: Int32
  private let label: String
  private let zlib: Zlib.Functions
  private let stream: UnsafeMutablePointer<z_stream>
  private let input: UnsafeMutablePointer<UInt8>
  private let output: UnsafeMutablePointer<UInt8>
  /// 64 KiB in and out, as libarchive's own gzip filter does: 1 MiB blocks tripled the
  /// system time of writing them out (measured on a 170 MB tar.gz).
  private static let blockSize = 64 << 10
  private(set) var compressedBytes: Int64 = 0
  private var inputEnded = false
  /// Between members: the last one ended and no other has begun.
  private var betweenMembers = false
  private var finished = false

  init(fd: Int32, label: String) throws {
    guard let zlib = Zlib.functions else {
      Foundation.close(fd)
      throw DojoError(.unsupported, "zlib could not be loaded to read \(label); install zlib1g")
    }
    self.fd = fd
    self.label = label
    self.zlib = zlib
    stream = .allocate(capacity: 1)
    stream.initialize(to: z_stream())
    input = .allocate(capacity: Self.blockSize)
    output = .allocate(capacity: Self.blockSize)
    // 15 + 16: a 32 KiB window, gzip wrapper only (its trailer is checked).
    let status = zlib.inflateInit2(
      stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
    guard status == Z_OK else {
      close()
      throw DojoError(.internalError, "zlib could not start inflating \(label) (\(status))")
    }
  }

  func close() {
    _ = zlib.inflateEnd(stream)
    stream.deallocate()
    input.deallocate()
    output.deallocate()
    Foundation.close(fd)
  }

  /// Refills the input buffer; false at the end of the file.
  private func fill() throws -> Bool {
    if inputEnded { return false }
    while true {
      let n = Foundation.read(fd, input, Self.blockSize)
      if n < 0 {
        if errno == EINTR { continue }
        throw DojoError(.io, "cannot read \(label): \(String(cString: strerror(errno)))")
      }
      if n == 0 {
        inputEnded = true
        return false
      }
      compressedBytes += Int64(n)
      stream.pointee.next_in = input
      stream.pointee.avail_in = UInt32(n)
      return true
    }
  }

  func read() throws -> UnsafeRawBufferPointer? {
    while !finished {
      if stream.pointee.avail_in == 0, !(try fill()) {
        if betweenMembers {
          finished = true
          return nil
        }
        throw DecompressedStream.Damage(
          reason: "gzip: " + "the compressed stream ends early (truncated)")
      }
      if betweenMembers {
        try startNextMember()
        continue
      }
      stream.pointee.next_out = output
      stream.pointee.avail_out = UInt32(Self.blockSize)
      let status = zlib.inflate(stream, Z_NO_FLUSH)
      let produced = Self.blockSize - Int(stream.pointee.avail_out)
      switch status {
      case Z_OK, Z_BUF_ERROR:
        break
      case Z_STREAM_END:
        // zlib has checked this member's CRC-32 and length.
        betweenMembers = true
      default:
        let reason = stream.pointee.msg.map { String(cString: $0) } ?? "inflate error \(status)"
        throw DecompressedStream.Damage(reason: "gzip: " + reason)
      }
      if produced > 0 { return UnsafeRawBufferPointer(start: output, count: produced) }
    }
    return nil
  }

  /// After a member: another member follows, or only zero padding up to the end of the file.
  private func startNextMember() throws {
    let next = stream.pointee.next_in!
    if next[0] == 0x1F {
      guard zlib.inflateReset(stream) == Z_OK else {
        throw DojoError(.internalError, "zlib could not restart on \(label)")
      }
      betweenMembers = false
      return
    }
    // Tape-style zero padding is tolerated; anything else after the data is not.
    while true {
      let count = Int(stream.pointee.avail_in)
      let bytes = UnsafeBufferPointer(start: UnsafePointer(stream.pointee.next_in), count: count)
      if bytes.contains(where: { $0 != 0 }) {
        throw DecompressedStream.Damage(
          reason: "gzip: " + "unexpected bytes follow the compressed data")
      }
      stream.pointee.avail_in = 0
      if !(try fill()) { return }
    }
  }
}
