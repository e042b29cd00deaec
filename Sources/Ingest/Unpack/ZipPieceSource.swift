internal import DojoCArchive
internal import DojoCore
internal import Foundation

/// Where a zip's central directory lies and how it is cut into pieces (``ZipNames/pieces(in:piece:)``).
struct ZipLayout {
  /// The archive's size in bytes.
  var fileSize: Int64
  /// How far the directory lies past the offset its end record gives (the bytes prepended
  /// to the zip, as self-extractors have); libarchive shifts every recorded offset by it.
  var correction: Int64
  /// Whether the archive's end record is zip64's.
  var zip64: Bool
  /// Each piece: its records' bytes in the file, and how many records they are.
  var pieces: [(bytes: Range<Int64>, count: Int)]
}

/// One piece of a zip's central directory shown to libarchive's seeking zip reader as a zip
/// of its own: the whole archive file as it is, then that piece's directory records copied
/// from the file, then an end record pointing at them.
///
/// libarchive's seeking reader holds every directory entry it reads (about 155 bytes each:
/// 311 MB for a zip of 2 million images), so a zip of millions of entries is read one piece
/// at a time, each by a reader of its own. Each reader sees exactly the entries of its
/// records and reads every local header and all data from the archive's own bytes at their
/// own offsets, so the entries, their names (checked by ``ZipNames`` beforehand), modes and
/// contents are what one reader of the whole file would give. Only bytes past the archive's
/// end differ: a header or data pointing there is damage either way.
final class ZipPieceSource {
  private let fd: Int32
  /// Where the archive's own bytes end and the piece's records begin.
  private let fileSize: Int64
  private let records: Range<Int64>
  private let trailer: [UInt8]
  private var position: Int64 = 0
  private var buffer = [UInt8](repeating: 0, count: ArchiveExtractor.readBlockSize)
  /// Bytes served to libarchive by every piece of the archive, shared between them: the
  /// compressed bytes the ratio check measures output against.
  let served: ServedBytes

  /// A count shared by the pieces of one archive.
  final class ServedBytes {
    var total: Int64 = 0
  }

  /// - Throws: ``DojoError`` `.io` when the archive cannot be opened; `.invalidData` when the
  ///   piece cannot be given an end record libarchive reads the same way as the archive's.
  init(
    archive: URL, label: String, layout: ZipLayout, piece: Int, served: ServedBytes
  ) throws {
    self.served = served
    fileSize = layout.fileSize
    records = layout.pieces[piece].bytes
    trailer = try Self.endRecord(
      layout: layout, count: layout.pieces[piece].count, size: Int64(records.count))
    fd = open(archive.path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else {
      throw DojoError(.io, "cannot open \(label): \(String(cString: strerror(errno)))")
    }
  }

  deinit { close(fd) }

  /// The end record after the piece's records (which start at `fileSize`): the classic one,
  /// giving the recorded directory offset so that libarchive finds the same shift for
  /// prepended bytes as in the archive; zip64's where the archive has one or a number does
  /// not fit (libarchive takes a zip64 offset as it is, as it does for the archive).
  static func endRecord(layout: ZipLayout, count: Int, size: Int64) throws -> [UInt8] {
    let start = layout.fileSize
    // libarchive takes the shift as where the records lie less the offset recorded.
    let classicOffset = start - layout.correction
    var out: [UInt8] = []
    func le(_ value: UInt64, _ bytes: Int) {
      for i in 0..<bytes { out.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) }
    }
    // The classic record: one disk, `entries` on it and in all, no comment.
    func classic(entries: UInt64, size: UInt64, offset: UInt64) {
      out += [0x50, 0x4B, 5, 6]
      le(0, 2)
      le(0, 2)
      le(entries, 2)
      le(entries, 2)
      le(size, 4)
      le(offset, 4)
      le(0, 2)
    }
    let fits = count < 0xFFFF && size < 0xFFFF_FFFF && (0..<0xFFFF_FFFF).contains(classicOffset)
    if !layout.zip64 && fits {
      classic(entries: UInt64(count), size: UInt64(size), offset: UInt64(classicOffset))
      return out
    }
    guard layout.correction == 0 else {
      throw DojoError(
        .invalidData,
        "cannot read the zip in pieces: bytes are prepended to it and its directory is past "
          + "4 GiB; repack it with a zip tool")
    }
    // zip64 end record, its locator, then the classic record pointing to them.
    out += [0x50, 0x4B, 6, 6]
    le(44, 8)
    le(45, 2)
    le(45, 2)
    le(0, 4)
    le(0, 4)
    le(UInt64(count), 8)
    le(UInt64(count), 8)
    le(UInt64(size), 8)
    le(UInt64(start), 8)
    out += [0x50, 0x4B, 6, 7]
    le(0, 4)
    le(UInt64(start + size), 8)
    le(1, 4)
    classic(entries: 0xFFFF, size: 0xFFFF_FFFF, offset: 0xFFFF_FFFF)
    return out
  }

  private var end: Int64 { fileSize + Int64(records.count) + Int64(trailer.count) }

  /// Opens `a` (a new reader with the zip seeking format) on this piece.
  func attach(to a: OpaquePointer) -> Int32 {
    archive_read_set_read_callback(a, zipPieceRead)
    archive_read_set_seek_callback(a, zipPieceSeek)
    archive_read_set_callback_data(a, Unmanaged.passUnretained(self).toOpaque())
    return archive_read_open1(a)
  }

  fileprivate func read(_ out: UnsafeMutablePointer<UnsafeRawPointer?>) -> Int {
    guard position < end else { return 0 }
    let n: Int
    if position < fileSize + Int64(records.count) {
      // The archive's bytes, then the piece's records read from where they lie in it.
      let (from, limit) =
        position < fileSize
        ? (position, fileSize - position)
        : (records.lowerBound + position - fileSize, fileSize + Int64(records.count) - position)
      let want = Int(min(Int64(buffer.count), limit))
      n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, want, off_t(from)) }
      if n < 0 && errno == EINTR { return read(out) }
      guard n > 0 else {
        failure = n < 0 ? String(cString: strerror(errno)) : "the file shrank while being read"
        return -1
      }
    } else {
      let from = Int(position - fileSize - Int64(records.count))
      n = trailer.count - from
      buffer.withUnsafeMutableBytes { raw in
        trailer.withUnsafeBytes {
          raw.baseAddress!.copyMemory(from: $0.baseAddress! + from, byteCount: n)
        }
      }
    }
    position += Int64(n)
    served.total += Int64(n)
    buffer.withUnsafeBytes { out.pointee = $0.baseAddress }
    return n
  }

  fileprivate func seek(_ offset: Int64, _ whence: Int32) -> Int64 {
    let base: Int64
    switch whence {
    case SEEK_SET: base = 0
    case SEEK_CUR: base = position
    case SEEK_END: base = end
    default: return Int64(ARCHIVE_FATAL)
    }
    let (target, overflow) = base.addingReportingOverflow(offset)
    guard !overflow, target >= 0 else { return Int64(ARCHIVE_FATAL) }
    position = target
    return target
  }

  /// Why reading the archive failed, when it did (libarchive only learns that it did).
  private(set) var failure: String?
}

private func zipPieceRead(
  _ a: OpaquePointer?, _ client: UnsafeMutableRawPointer?,
  _ buffer: UnsafeMutablePointer<UnsafeRawPointer?>?
) -> la_ssize_t {
  guard let client, let buffer else { return -1 }
  return la_ssize_t(Unmanaged<ZipPieceSource>.fromOpaque(client).takeUnretainedValue().read(buffer))
}

private func zipPieceSeek(
  _ a: OpaquePointer?, _ client: UnsafeMutableRawPointer?, _ offset: la_int64_t, _ whence: Int32
) -> la_int64_t {
  guard let client else { return la_int64_t(ARCHIVE_FATAL) }
  return Unmanaged<ZipPieceSource>.fromOpaque(client).takeUnretainedValue().seek(offset, whence)
}
