internal import DojoCore
public import Foundation

/// A Kaggle API user name and key, and where they were found.
public struct KaggleCredentials: Sendable, Equatable {
  /// The Kaggle user name.
  public var username: String
  /// The API key (the `key` of kaggle.json).
  public var key: String
  /// Where the pair came from, for error messages: `KAGGLE_USERNAME/KAGGLE_KEY` or a path.
  public var origin: String

  public init(username: String, key: String, origin: String) {
    self.username = username
    self.key = key
    self.origin = origin
  }

  /// The Kaggle site every request goes to: `https://www.kaggle.com`, or `DOJO_KAGGLE_URL`
  /// (a mirror, an air-gapped proxy, a test server).
  public static let defaultBaseURL = URL(string: "https://www.kaggle.com")!

  /// The base URL to use under `environment`.
  ///
  /// - Throws: ``DojoError`` `.invalidArgument` when `DOJO_KAGGLE_URL` is not an http(s) URL.
  public static func baseURL(environment: [String: String]) throws -> URL {
    guard let text = environment["DOJO_KAGGLE_URL"], !text.isEmpty else { return defaultBaseURL }
    var trimmed = text
    while trimmed.hasSuffix("/") { trimmed.removeLast() }
    guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(),
      scheme == "http" || scheme == "https", url.host != nil
    else {
      throw DojoError(
        .invalidArgument,
        "DOJO_KAGGLE_URL='\(text)' is not an http(s) URL: set it like http://127.0.0.1:8911 "
          + "or unset it to use https://www.kaggle.com")
    }
    return url
  }

  /// The places credentials are looked for under `environment`, in order, as shown to users.
  public static func searchedPlaces(environment: [String: String]) -> [String] {
    var places = ["the environment variables KAGGLE_USERNAME and KAGGLE_KEY"]
    if let dir = environment["KAGGLE_CONFIG_DIR"], !dir.isEmpty {
      places.append(URL(fileURLWithPath: dir).appendingPathComponent("kaggle.json").path)
    }
    places.append(homeKaggleJSON(environment: environment).path)
    return places
  }

  /// Finds credentials: `KAGGLE_USERNAME`/`KAGGLE_KEY`, else `$KAGGLE_CONFIG_DIR/kaggle.json`,
  /// else `~/.kaggle/kaggle.json`.
  ///
  /// - Parameter environment: the variables to read (the process's in the CLI; a literal
  ///   dictionary in tests, so they never change the real environment).
  /// - Returns: the credentials, or nil when none of the places has any.
  /// - Throws: ``DojoError`` `.authentication` when a kaggle.json exists but is unreadable or
  ///   malformed, naming the file.
  public static func find(environment: [String: String]) throws -> KaggleCredentials? {
    if let user = environment["KAGGLE_USERNAME"], let key = environment["KAGGLE_KEY"],
      !user.isEmpty, !key.isEmpty
    {
      return KaggleCredentials(username: user, key: key, origin: "KAGGLE_USERNAME/KAGGLE_KEY")
    }
    var files: [URL] = []
    if let dir = environment["KAGGLE_CONFIG_DIR"], !dir.isEmpty {
      files.append(URL(fileURLWithPath: dir).appendingPathComponent("kaggle.json"))
    }
    files.append(homeKaggleJSON(environment: environment))
    for file in files where FileManager.default.fileExists(atPath: file.path) {
      return try read(file)
    }
    return nil
  }

  /// Like ``find(environment:)`` but a missing pair is an error that lists every place
  /// looked at and says how to create kaggle.json.
  public static func require(environment: [String: String]) throws -> KaggleCredentials {
    if let found = try find(environment: environment) { return found }
    let places = searchedPlaces(environment: environment).joined(separator: ", ")
    let target = searchedPlaces(environment: environment).last ?? "~/.kaggle/kaggle.json"
    throw DojoError(
      .authentication,
      "no Kaggle credentials: looked in \(places); create an API token at "
        + "https://www.kaggle.com/settings (Account > API > Create New Token) and save it as "
        + "\(target) (chmod 600), or set KAGGLE_USERNAME and KAGGLE_KEY")
  }

  private static func homeKaggleJSON(environment: [String: String]) -> URL {
    let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
    return URL(fileURLWithPath: home).appendingPathComponent(".kaggle/kaggle.json")
  }

  private static func read(_ file: URL) throws -> KaggleCredentials {
    struct File: Decodable {
      var username: String
      var key: String
    }
    let data: Data
    do {
      data = try Data(contentsOf: file)
    } catch {
      throw DojoError(
        .authentication, "cannot read \(file.path): check its permissions (chmod 600 is enough)")
    }
    guard let parsed = try? JSONDecoder().decode(File.self, from: data),
      !parsed.username.isEmpty, !parsed.key.isEmpty
    else {
      throw DojoError(
        .authentication,
        "\(file.path) is not a Kaggle token: it must be JSON like "
          + "{\"username\":\"NAME\",\"key\":\"KEY\"}; download a fresh one from "
          + "https://www.kaggle.com/settings")
    }
    return KaggleCredentials(username: parsed.username, key: parsed.key, origin: file.path)
  }
}
