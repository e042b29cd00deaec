import DojoCArchive
import Foundation

/// Builds test archives with libarchive's writer, hostile entries included: the reader under
/// test must meet exactly what a malicious archive would hold.
struct TestEntry {
  enum Kind {
    case file(Data, perm: Int32 = 0o644)
    case directory
    case symlink(String)
    case hardlink(String)
    case fifo
    case characterDevice
    /// A sparse file of `size` logical bytes: `data` at offset 0, then one hole to the end
    /// (only `data` is stored in the archive).
    case sparse(size: Int64, data: Data)
  }
  var path: String
  var kind: Kind

  static func file(_ path: String, _ text: String, perm: Int32 = 0o644) -> TestEntry {
    TestEntry(path: path, kind: .file(Data(text.utf8), perm: perm))
  }
  static func file(_ path: String, _ data: Data) -> TestEntry {
    TestEntry(path: path, kind: .file(data))
  }
}

enum TestArchiveFormat: String, CaseIterable, CustomStringConvertible {
  case zip, tar, tarGz = "tar.gz", tarBz2 = "tar.bz2", tarXz = "tar.xz", tarZst = "tar.zst"
  case sevenZip = "7z"
  /// A lone gzip'd file (libarchive's raw format): exactly one regular entry.
  case gz

  var description: String { rawValue }
}

struct ArchiveWriteError: Error, CustomStringConvertible {
  var description: String
}

enum ArchiveWriter {
  static func write(_ entries: [TestEntry], format: TestArchiveFormat, to url: URL) throws {
    // As in the unpacker: libarchive needs a UTF-8 locale for non-ASCII names.
    let utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", nil)
    let previous = utf8.map { uselocale($0) }
    defer {
      if let previous { uselocale(previous) }
      if let utf8 { freelocale(utf8) }
    }
    guard let a = archive_write_new() else { throw ArchiveWriteError(description: "no writer") }
    defer { archive_write_free(a) }
    switch format {
    case .zip: archive_write_set_format_zip(a)
    case .sevenZip: archive_write_set_format_7zip(a)
    case .gz:
      archive_write_set_format_raw(a)
      archive_write_add_filter_gzip(a)
    case .tar, .tarGz, .tarBz2, .tarXz, .tarZst:
      archive_write_set_format_pax_restricted(a)
    }
    switch format {
    case .tarGz: archive_write_add_filter_gzip(a)
    case .tarBz2: archive_write_add_filter_bzip2(a)
    case .tarXz: archive_write_add_filter_xz(a)
    case .tarZst: archive_write_add_filter_zstd(a)
    default: break
    }
    try check(a, archive_write_open_filename(a, url.path))
    for item in entries {
      guard let entry = archive_entry_new() else { throw ArchiveWriteError(description: "entry") }
      defer { archive_entry_free(entry) }
      archive_entry_set_pathname_utf8(entry, item.path)
      archive_entry_set_mtime(entry, 1_700_000_000, 0)
      var payload: Data?
      switch item.kind {
      case .file(let data, let perm):
        archive_entry_set_filetype(entry, 0o100000)
        archive_entry_set_perm(entry, mode_t(perm))
        archive_entry_set_size(entry, la_int64_t(data.count))
        payload = data
      case .directory:
        archive_entry_set_filetype(entry, 0o040000)
        archive_entry_set_perm(entry, 0o755)
      case .symlink(let target):
        archive_entry_set_filetype(entry, 0o120000)
        archive_entry_set_perm(entry, 0o777)
        archive_entry_set_symlink_utf8(entry, target)
      case .hardlink(let target):
        archive_entry_set_filetype(entry, 0o100000)
        archive_entry_set_perm(entry, 0o644)
        archive_entry_set_hardlink_utf8(entry, target)
        archive_entry_set_size(entry, 0)
      case .fifo:
        archive_entry_set_filetype(entry, 0o010000)
        archive_entry_set_perm(entry, 0o644)
      case .characterDevice:
        archive_entry_set_filetype(entry, 0o020000)
        archive_entry_set_perm(entry, 0o644)
        archive_entry_set_rdev(entry, dev_t(0x0105))
      case .sparse(let size, let data):
        archive_entry_set_filetype(entry, 0o100000)
        archive_entry_set_perm(entry, 0o644)
        archive_entry_set_size(entry, la_int64_t(size))
        // The pax writer stores only the data extents (GNU sparse 1.0) and adds the final
        // hole itself; it expects the logical bytes in order, so data comes first.
        archive_entry_sparse_add_entry(entry, 0, la_int64_t(data.count))
        payload = data
      }
      try check(a, archive_write_header(a, entry))
      if let payload, !payload.isEmpty {
        let n = payload.withUnsafeBytes { archive_write_data(a, $0.baseAddress, $0.count) }
        if n != payload.count { try check(a, ARCHIVE_FATAL) }
      }
    }
    try check(a, archive_write_close(a))
  }

  private static func check(_ a: OpaquePointer, _ status: Int32) throws {
    if status < ARCHIVE_WARN {
      let reason = archive_error_string(a).map { String(cString: $0) } ?? "status \(status)"
      throw ArchiveWriteError(description: reason)
    }
  }
}

/// Builds zip files byte by byte (stored entries), for what libarchive's writer refuses to
/// write: names holding a NUL or other raw bytes.
enum HandZip {
  struct Member {
    var name: [UInt8]
    var data: Data
    /// False hides the member from the central directory (its local header and data stay).
    var listed = true
  }

  /// - Parameter comment: The archive comment after the end record (zip allows 64 KiB).
  static func build(_ members: [Member], comment: Data = Data()) -> Data {
    var out = Data()
    var central = Data()
    for member in members {
      let offset = UInt32(out.count)
      let crc = crc32(member.data)
      var local = Data([0x50, 0x4B, 3, 4])
      local.append(le16(20))  // version needed
      local.append(le16(0))  // flags
      local.append(le16(0))  // stored
      local.append(le16(0))  // time
      local.append(le16(0x21))  // date
      local.append(le32(crc))
      local.append(le32(UInt32(member.data.count)))
      local.append(le32(UInt32(member.data.count)))
      local.append(le16(UInt16(member.name.count)))
      local.append(le16(0))
      local.append(contentsOf: member.name)
      out.append(local)
      out.append(member.data)

      var entry = Data([0x50, 0x4B, 1, 2])
      entry.append(le16(0x031E))  // made by: Unix, 3.0
      entry.append(le16(20))
      entry.append(le16(0))
      entry.append(le16(0))
      entry.append(le16(0))
      entry.append(le16(0x21))
      entry.append(le32(crc))
      entry.append(le32(UInt32(member.data.count)))
      entry.append(le32(UInt32(member.data.count)))
      entry.append(le16(UInt16(member.name.count)))
      entry.append(le16(0))  // extra
      entry.append(le16(0))  // comment
      entry.append(le16(0))  // disk
      entry.append(le16(0))  // internal attributes
      entry.append(le32(0o100644 << 16))  // external: a regular file, rw-r--r--
      entry.append(le32(offset))
      entry.append(contentsOf: member.name)
      if member.listed { central.append(entry) }
    }
    let centralOffset = UInt32(out.count)
    out.append(central)
    var end = Data([0x50, 0x4B, 5, 6])
    end.append(le16(0))
    end.append(le16(0))
    let listed = UInt16(members.filter(\.listed).count)
    end.append(le16(listed))
    end.append(le16(listed))
    end.append(le32(UInt32(central.count)))
    end.append(le32(centralOffset))
    end.append(le16(UInt16(comment.count)))
    out.append(end)
    out.append(comment)
    return out
  }

  static func crc32(_ data: Data) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in data {
      crc ^= UInt32(byte)
      for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
  }

  private static func le16(_ v: UInt16) -> Data { Data([UInt8(v & 0xFF), UInt8(v >> 8)]) }
  private static func le32(_ v: UInt32) -> Data {
    Data((0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) })
  }
}

/// Builds pax tar files byte by byte, for names libarchive's writer would change (it stores
/// every name in NFC): each entry's exact name goes into a `path` record.
enum HandTar {
  static func build(_ files: [(name: [UInt8], data: Data)]) -> Data {
    var out = Data()
    for (index, file) in files.enumerated() {
      var body = Array(" path=".utf8) + file.name + [0x0A]
      // A record's length counts its own digits.
      var length = body.count + 1
      while String(length).count + body.count != length {
        length = String(length).count + body.count
      }
      body = Array(String(length).utf8) + body
      out.append(header(name: Array("PaxHeaders/\(index)".utf8), size: body.count, type: "x"))
      out.append(padded(Data(body)))
      out.append(header(name: Array("entry\(index)".utf8), size: file.data.count, type: "0"))
      out.append(padded(file.data))
    }
    out.append(Data(count: 1024))
    return out
  }

  private static func header(name: [UInt8], size: Int, type: Character) -> Data {
    var h = [UInt8](repeating: 0, count: 512)
    func put(_ text: String, at offset: Int) {
      for (i, byte) in text.utf8.enumerated() { h[offset + i] = byte }
    }
    for (i, byte) in name.prefix(100).enumerated() { h[i] = byte }
    put("0000644\0", at: 100)
    put("0000000\0", at: 108)
    put("0000000\0", at: 116)
    put(String(format: "%011o\0", size), at: 124)
    put(String(format: "%011o\0", 1_700_000_000), at: 136)
    put("        ", at: 148)
    put(String(type), at: 156)
    put("ustar\0" + "00", at: 257)
    let sum = h.reduce(0) { $0 + Int($1) }
    put(String(format: "%06o\0 ", sum), at: 148)
    return Data(h)
  }

  private static func padded(_ data: Data) -> Data {
    data + Data(count: (512 - data.count % 512) % 512)
  }
}
