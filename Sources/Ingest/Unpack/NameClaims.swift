/// Relative paths seen so far, each with its folders, to refuse names that differ only by
/// Unicode normalisation (one file on some systems, one record in `.manifest.json`) and to
/// answer whether a path is a file, in a few bytes a name.
///
/// A name is kept as two 64-bit hashes, not as text, so that an archive of millions of
/// entries does not hold millions of strings: the canonical hash (Swift hashes a `String` by
/// its canonical equivalence, so two spellings of `café` hash alike) keys the exact
/// spelling's hash, whose lowest bit says whether the name is a regular file. The hasher is
/// seeded at random for every process, so no archive can be built to collide. Two different
/// spellings of one canonical hash are confirmed from the text before a name is refused: the
/// caller looks up the earlier spelling; when there is none, the hashes collided by chance and
/// the new name is kept whole in a small side table.
struct NameClaims {
  /// Canonical hash → exact spelling's hash, lowest bit set for a regular file; in 256
  /// shards by the canonical hash's top byte, so that growing the table never holds two
  /// copies of all of it at once (one dictionary doubling from 2 to 4 million slots held
  /// 100 MB for a moment).
  private var shards = [[UInt64: UInt64]](repeating: [:], count: 256)
  /// Names whose canonical hash an unrelated name had taken first, by their spelling.
  private var overflow: [String: (spelling: String, isFile: Bool)] = [:]

  struct Clash {
    var earlier: String
    var new: String
  }

  /// What a lookup found for one name.
  private enum Found {
    case absent
    case same(isFile: Bool)
    /// An earlier name equal after normalisation, spelled otherwise; `known` when the side
    /// table holds its text, nil when only its hashes are kept.
    case otherSpelling(known: String?)
  }

  /// Which bits of the canonical hash are kept: all of them, except in tests that force
  /// collisions to exercise the side table.
  private let mask: UInt64

  init(canonicalHashBits: Int = 64) {
    mask = canonicalHashBits >= 64 ? ~0 : (1 << UInt64(canonicalHashBits)) - 1
  }

  /// How many names are recorded.
  var count: Int { shards.reduce(overflow.count) { $0 + $1.count } }

  /// Records `rel` and its folders.
  ///
  /// - Parameter spelling: the earlier recorded name that equals the given one after
  ///   normalisation while differing byte for byte, or nil when there is none.
  /// - Returns: nil, or the earlier name that `rel` (or one of its folders) equals after
  ///   normalisation while differing byte for byte.
  mutating func claim(_ rel: String, spelling: (String) throws -> String?) rethrows -> Clash? {
    var end = rel.endIndex
    while true {
      // The whole name first, without a copy; its folders after, if it is new.
      let prefix = end == rel.endIndex ? rel : String(rel[..<end])
      let key = canonical(prefix)
      switch find(prefix, key: key) {
      case .same:
        // Its folders were recorded with it.
        return nil
      case .otherSpelling(let known):
        if let earlier = try known ?? spelling(prefix) {
          return Clash(earlier: earlier, new: prefix)
        }
        overflow[prefix] = (prefix, false)
      case .absent:
        shards[Self.shard(key)][key] = Self.exact(prefix)
      }
      guard let slash = rel[..<end].lastIndex(of: "/") else { return nil }
      end = slash
    }
  }

  /// Whether `rel` equals a recorded name after normalisation but not byte for byte.
  func collides(_ rel: String, spelling: (String) throws -> String?) rethrows -> Bool {
    guard case .otherSpelling(let known) = find(rel) else { return false }
    return try (known ?? spelling(rel)) != nil
  }

  /// Whether `rel`, spelled exactly so, was recorded as a regular file.
  func isFile(_ rel: String) -> Bool {
    if case .same(let isFile) = find(rel) { return isFile }
    return false
  }

  /// Marks the recorded name `rel` as a regular file, or as no longer one (an archive opened
  /// in place, whose name is free again for its contents).
  mutating func setFile(_ rel: String, _ isFile: Bool) {
    if let kept = overflow[rel], kept.spelling.utf8.elementsEqual(rel.utf8) {
      overflow[rel] = (rel, isFile)
      return
    }
    let key = canonical(rel)
    guard let value = shards[Self.shard(key)][key], value | 1 == Self.exact(rel) | 1 else { return }
    shards[Self.shard(key)][key] = isFile ? value | 1 : value & ~1
  }

  private func find(_ name: String) -> Found { find(name, key: canonical(name)) }

  /// As ``find(_:)``, with `name`'s canonical hash already taken.
  private func find(_ name: String, key: UInt64) -> Found {
    if let kept = overflow[name] {
      return kept.spelling.utf8.elementsEqual(name.utf8)
        ? .same(isFile: kept.isFile) : .otherSpelling(known: kept.spelling)
    }
    guard let value = shards[Self.shard(key)][key] else { return .absent }
    if value | 1 == Self.exact(name) | 1 { return .same(isFile: value & 1 == 1) }
    return .otherSpelling(known: nil)
  }

  private static func shard(_ key: UInt64) -> Int { Int(truncatingIfNeeded: key >> 56) }

  /// The hash of `name`'s canonical form: equal for every spelling of one name.
  private func canonical(_ name: String) -> UInt64 {
    var hasher = Hasher()
    hasher.combine(name)
    return UInt64(UInt(bitPattern: hasher.finalize())) & mask
  }

  /// The hash of `name`'s exact bytes, lowest bit clear (it carries the file mark).
  private static func exact(_ name: String) -> UInt64 {
    var hasher = Hasher()
    // A different first input from the canonical hash's, so the two are independent.
    hasher.combine(0xE7 as UInt8)
    var copy = name
    copy.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    return UInt64(UInt(bitPattern: hasher.finalize())) & ~1
  }
}
