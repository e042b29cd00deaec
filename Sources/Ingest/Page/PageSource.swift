internal import DojoCore
public import Foundation

/// Where a competition page comes from: an HTML file, a `file:` URL, an `http(s)` URL, or
/// `kaggle:<slug>` (the overview at `{base}/competitions/<slug>/overview`, the base being
/// Kaggle or `DOJO_KAGGLE_URL`'s mirror).
public enum PageSource {
  /// The page's bytes and the URL its relative links resolve against.
  ///
  /// - Throws: ``DojoError`` from the download, or `.notFound` for an unreadable file.
  public static func html(
    _ source: String, currentDirectory: URL? = nil,
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) throws -> (Data, URL?) {
    switch try FetchSource(parsing: source, currentDirectory: currentDirectory) {
    case .kaggle(let slug):
      let base = try KaggleCredentials.baseURL(environment: environment)
      let url = base.appendingPathComponent("competitions").appendingPathComponent(slug)
        .appendingPathComponent("overview")
      return (try HTTPGet.data(from: url, environment: environment), url)
    case .http(let url):
      return (try HTTPGet.data(from: url, environment: environment), url)
    case .file(let url):
      do {
        return (try Data(contentsOf: url), url)
      } catch {
        throw DojoError(
          .notFound, "cannot read \(url.path): check that the HTML file exists and is readable")
      }
    }
  }

  /// The page as Markdown.
  public static func markdown(
    _ source: String, currentDirectory: URL? = nil,
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) throws -> String {
    let (html, base) = try html(
      source, currentDirectory: currentDirectory, environment: environment)
    return PageConverter.markdown(fromHTML: html, baseURL: base)
  }
}
