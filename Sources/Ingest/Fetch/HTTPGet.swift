internal import DojoCore
public import Foundation

/// Small in-memory GETs (competition pages, JSON), with the fetcher's error mapping.
public enum HTTPGet {
  /// The largest body kept in memory; pages are far smaller.
  static let maximumSize = 64 << 20

  /// Downloads `url` into memory, following redirects.
  ///
  /// When the URL is on the Kaggle site (`https://www.kaggle.com`, or `DOJO_KAGGLE_URL`) and
  /// credentials are found, they are sent as basic auth; elsewhere nothing is sent.
  /// - Parameters:
  ///   - environment: variables for `DOJO_KAGGLE_URL` and the Kaggle credentials.
  ///   - timeout: seconds of silence (and for connecting) before giving up.
  /// - Throws: ``DojoError`` with the same codes and messages as ``Fetcher``.
  public static func data(
    from url: URL, environment: [String: String] = ProcessInfo.processInfo.environment,
    timeout: Double = 60
  ) throws -> Data {
    guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
      throw DojoError(.unsupported, "\(url.absoluteString) is not an http(s) URL")
    }
    let base = try KaggleCredentials.baseURL(environment: environment)
    let credentials =
      isSameOrigin(url, base) ? try KaggleCredentials.find(environment: environment) : nil
    let slug = isSameOrigin(url, base) ? kaggleSlug(in: url) : nil
    let subject = TransferSubject(
      url: url, slug: slug, credentialOrigin: credentials?.origin, stallTimeout: timeout)
    let limits = TransferLimits(connectTimeout: timeout, stallTimeout: timeout)
    var retries = 0
    while true {
      var body = Data()
      let outcome = CurlTransfer.get(
        url, credentials: credentials, rangeStart: 0, limits: limits,
        begin: { _ in
          body = Data()
          return true
        },
        write: { bytes in
          guard body.count + bytes.count <= maximumSize else {
            throw DojoError(
              .invalidData,
              "\(url.absoluteString) is larger than \(maximumSize >> 20) MiB: use dojo fetch "
                + "to download it to a file")
          }
          body.append(contentsOf: bytes)
        })
      if outcome.succeeded, let status = outcome.head?.status, (200..<300).contains(status) {
        return body
      }
      if FetchErrors.isRetryable(outcome) && retries < 2 {
        retries += 1
        Thread.sleep(forTimeInterval: 0.5 * Double(retries))
        continue
      }
      throw FetchErrors.error(for: outcome, subject: subject)
    }
  }

  /// Scheme, host and port all equal: only then may Kaggle credentials be sent.
  static func isSameOrigin(_ a: URL, _ b: URL) -> Bool {
    func port(_ url: URL) -> Int? {
      url.port ?? (url.scheme?.lowercased() == "https" ? 443 : 80)
    }
    return a.scheme?.lowercased() == b.scheme?.lowercased()
      && a.host?.lowercased() == b.host?.lowercased() && port(a) == port(b)
  }

  /// The competition slug in a Kaggle page URL (`/competitions/<slug>/...` or `/c/<slug>`),
  /// so a 403 or 404 can name it.
  static func kaggleSlug(in url: URL) -> String? {
    let parts = url.pathComponents.filter { $0 != "/" }
    guard parts.count >= 2, parts[0] == "competitions" || parts[0] == "c" else { return nil }
    return FetchSource.isValidSlug(parts[1]) ? parts[1] : nil
  }
}
