internal import Foundation

/// libarchive converts entry names through the current locale, and a Swift process runs in
/// the "C" locale, where any non-ASCII name fails to convert (libarchive then returns no name
/// at all). Switching only this thread to a UTF-8 locale for the duration of one call leaves
/// the rest of the process alone.
enum UTF8Locale {
  /// A UTF-8 LC_CTYPE locale, created once; nil when the system has none.
  /// `nonisolated(unsafe)` because `locale_t` is a raw pointer: it is written once by the
  /// lazy initialiser (which Swift runs exactly once) and only read after that.
  nonisolated(unsafe) private static let locale: locale_t? = {
    for name in ["C.UTF-8", "C.utf8", "en_US.UTF-8"] {
      if let l = newlocale(LC_CTYPE_MASK, name, nil) { return l }
    }
    return nil
  }()

  static func run<T>(_ body: () throws -> T) rethrows -> T {
    guard let locale else { return try body() }
    let previous = uselocale(locale)
    defer { uselocale(previous) }
    return try body()
  }
}
