internal import Foundation

/// Reads a tar's entry names as stored, to name both spellings when two names differ only by
/// Unicode normalisation: libarchive hands both over in NFC, so the extractor sees one name
/// twice and only the stored bytes tell what the archive really held.
///
/// Run only on that refusal path (never while unpacking), and best effort: anything it cannot
/// read leaves the refusal's message as it was.
enum TarNames {
  /// The distinct stored spellings of entries whose path equals `rel` after normalisation, in
  /// archive order; empty when the file cannot be read as a tar.
  static func spellings(of rel: String, in url: URL, label: String) -> [String] {
    guard let source = try? BlockSource(url, label: label) else { return [] }
    var found: [String] = []
    var pendingPath: [UInt8]?
    var longName: [UInt8]?
    while let header = source.take(512) {
      if header.allSatisfy({ $0 == 0 }) { break }
      guard header[257..<262].elementsEqual(Array("ustar".utf8)), let size = Self.size(header),
        size >= 0
      else { break }
      let padded = (size + 511) / 512 * 512
      switch header[156] {
      case UInt8(ascii: "x"):
        guard padded <= 1 << 20, let data = source.take(padded) else { return found }
        pendingPath = Self.paxPath(Array(data.prefix(size))) ?? pendingPath
      case UInt8(ascii: "L"):
        guard padded <= 1 << 20, let data = source.take(padded) else { return found }
        longName = Array(data.prefix(size).prefix { $0 != 0 })
      case UInt8(ascii: "g"), UInt8(ascii: "K"):
        guard source.skip(padded) else { return found }
      default:
        let name = pendingPath ?? longName ?? Self.ustarName(header)
        pendingPath = nil
        longName = nil
        if let text = String(validating: name, as: UTF8.self),
          let joined = (try? EntryPath.components(of: text))?.joined(separator: "/"),
          joined == rel, !found.contains(where: { $0.utf8.elementsEqual(joined.utf8) })
        {
          found.append(joined)
        }
        guard source.skip(padded) else { return found }
      }
    }
    return found
  }

  /// The size field: octal text, or base-256 when its first byte has the high bit set.
  private static func size(_ header: [UInt8]) -> Int? {
    let field = header[124..<136]
    if field.first! & 0x80 != 0 {
      var value = 0
      for byte in field.dropFirst() {
        guard value < Int.max >> 8 else { return nil }
        value = value << 8 | Int(byte)
      }
      return value
    }
    let digits = field.drop { $0 == 0x20 }.prefix { (0x30...0x37).contains($0) }
    guard !digits.isEmpty else { return 0 }
    return Int(String(decoding: digits, as: UTF8.self), radix: 8)
  }

  private static func ustarName(_ header: [UInt8]) -> [UInt8] {
    let name = Array(header[0..<100].prefix { $0 != 0 })
    let prefix = Array(header[345..<500].prefix { $0 != 0 })
    return prefix.isEmpty ? name : prefix + [UInt8(ascii: "/")] + name
  }

  /// The `path` (or GNU sparse `GNU.sparse.name`) of pax records `len key=value\n`.
  private static func paxPath(_ data: [UInt8]) -> [UInt8]? {
    var path: [UInt8]?
    var p = 0
    while p < data.count {
      guard let space = data[p...].firstIndex(of: 0x20),
        let length = Int(String(decoding: data[p..<space], as: UTF8.self)), length > 0,
        p + length <= data.count, let equals = data[space..<(p + length)].firstIndex(of: 0x3D)
      else { return path }
      let key = String(decoding: data[(space + 1)..<equals], as: UTF8.self)
      if key == "path" || key == "GNU.sparse.name" {
        path = Array(data[(equals + 1)..<(p + length - 1)])
      }
      p += length
    }
    return path
  }

  /// The tar's bytes in order: decompressed (unchecked: this only names entries) or as stored.
  private final class BlockSource {
    private let stream: DecompressedStream?
    private let handle: FileHandle?
    private var buffer: [UInt8] = []
    private var position = 0

    init(_ url: URL, label: String) throws {
      stream = try DecompressedStream.open(url, label: label)
      handle = stream == nil ? try FileHandle(forReadingFrom: url) : nil
    }

    deinit { try? handle?.close() }

    /// Refills until `count` bytes are buffered; false at the end of the data.
    private func fill(_ count: Int) -> Bool {
      while buffer.count - position < count {
        if position > 0 {
          buffer.removeFirst(position)
          position = 0
        }
        if let stream {
          guard let chunk = try? stream.read() else { return false }
          buffer.append(contentsOf: chunk)
        } else {
          guard let data = try? handle?.read(upToCount: 1 << 20), !data.isEmpty else {
            return false
          }
          buffer.append(contentsOf: data)
        }
      }
      return true
    }

    func take(_ count: Int) -> [UInt8]? {
      guard fill(count) else { return nil }
      defer { position += count }
      return Array(buffer[position..<position + count])
    }

    func skip(_ count: Int) -> Bool {
      var left = count
      while left > 0 {
        let step = min(left, 1 << 20)
        guard fill(step) else { return false }
        position += step
        left -= step
      }
      return true
    }
  }
}
