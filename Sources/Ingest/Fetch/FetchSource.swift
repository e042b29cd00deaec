internal import DojoCore
public import Foundation

/// Where `dojo fetch` gets an archive from.
public enum FetchSource: Sendable, Hashable, CustomStringConvertible {
  /// A Kaggle competition, by the slug in its URL (`https://www.kaggle.com/c/<slug>`).
  case kaggle(slug: String)
  /// An `http://` or `https://` URL.
  case http(URL)
  /// A local file (a `file:` URL or a plain path), copied rather than downloaded.
  case file(URL)

  /// Parses `kaggle:<slug>`, an `http(s)://` URL, a `file:` URL or a plain path.
  ///
  /// Relative paths are resolved against `currentDirectory` (the process's by default).
  /// - Throws: ``DojoError`` `.invalidArgument` for an empty or malformed source,
  ///   `.unsupported` for another URL scheme.
  public init(parsing text: String, currentDirectory: URL? = nil) throws {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    guard !trimmed.isEmpty else {
      throw DojoError(
        .invalidArgument,
        "the source is empty: give kaggle:<slug>, an http(s):// URL, or a file path")
    }
    let lower = trimmed.lowercased()
    if lower.hasPrefix("kaggle:") {
      let slug = String(trimmed.dropFirst("kaggle:".count))
      guard Self.isValidSlug(slug) else {
        throw DojoError(
          .invalidArgument,
          "'\(trimmed)' is not a Kaggle source: write kaggle:<slug> with the slug from "
            + "https://www.kaggle.com/c/<slug> (letters, digits, '-', '_', '.')")
      }
      self = .kaggle(slug: slug)
      return
    }
    if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
      guard let url = URL(string: trimmed), let host = url.host, !host.isEmpty else {
        throw DojoError(
          .invalidArgument, "'\(trimmed)' is not a valid URL: check its spelling and escaping")
      }
      self = .http(url)
      return
    }
    let base = currentDirectory ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    if lower.hasPrefix("file:") {
      var path: String
      if lower.hasPrefix("file://") {
        guard let url = URL(string: trimmed), url.isFileURL else {
          throw DojoError(
            .invalidArgument, "'\(trimmed)' is not a valid file URL: write file:///absolute/path")
        }
        path = url.path
      } else {
        // `file:relative/path` or `file:/abs/path`, the forms people type by hand.
        path = String(trimmed.dropFirst("file:".count))
        path = path.removingPercentEncoding ?? path
      }
      guard !path.isEmpty else {
        throw DojoError(.invalidArgument, "'\(trimmed)' names no file: write file:///absolute/path")
      }
      self = .file(Self.resolve(path, against: base))
      return
    }
    if let match = trimmed.firstMatch(of: /^([A-Za-z][A-Za-z0-9+.-]*):\/\//) {
      throw DojoError(
        .unsupported,
        "'\(match.output.1)://' sources are not supported: use kaggle:<slug>, http(s)://, "
          + "file: or a plain path")
    }
    self = .file(Self.resolve(trimmed, against: base))
  }

  /// The canonical spelling, also the key of the `.fetch.json` record.
  public var description: String {
    switch self {
    case .kaggle(let slug): "kaggle:\(slug)"
    case .http(let url): url.absoluteString
    case .file(let url): url.absoluteString
    }
  }

  /// Kaggle slugs are short URL path segments; anything with a slash or a space would build
  /// a different API path than the user meant.
  static func isValidSlug(_ slug: String) -> Bool {
    !slug.isEmpty && slug.count <= 200 && slug != "." && slug != ".."
      && slug.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
  }

  private static func resolve(_ path: String, against base: URL) -> URL {
    let expanded = (path as NSString).expandingTildeInPath
    if expanded.hasPrefix("/") { return URL(fileURLWithPath: expanded).standardizedFileURL }
    return base.appendingPathComponent(expanded).standardizedFileURL
  }
}
