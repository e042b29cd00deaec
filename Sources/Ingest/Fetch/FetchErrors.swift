internal import DojoCCurl
internal import DojoCore
internal import Foundation

/// What a failed transfer was about, so errors can name the competition and the credentials.
struct TransferSubject {
  /// The URL asked for (before redirects).
  var url: URL
  /// The Kaggle competition, for Kaggle requests.
  var slug: String?
  /// Where the credentials came from, when some were sent.
  var credentialOrigin: String?
  /// The stall timeout in force, for the timeout message.
  var stallTimeout: Double
}

/// Turns libcurl results and HTTP statuses into one-line, actionable ``DojoError``s.
enum FetchErrors {
  /// Whether another attempt may succeed: the connection dropped, or the server is briefly
  /// unwell. A stall counts only when that attempt had received some bytes, so a server that
  /// never answers fails after one stall timeout instead of six.
  static func isRetryable(_ outcome: TransferOutcome) -> Bool {
    if outcome.sinkError != nil || outcome.refused != nil { return false }
    if outcome.curlCode == CURLE_OK.rawValue {
      guard let status = outcome.head?.status else { return false }
      return status == 408 || status == 429 || (500..<600).contains(status)
    }
    switch outcome.curlCode {
    case CURLE_PARTIAL_FILE.rawValue, CURLE_RECV_ERROR.rawValue, CURLE_GOT_NOTHING.rawValue,
      CURLE_SEND_ERROR.rawValue, CURLE_HTTP2.rawValue, CURLE_HTTP2_STREAM.rawValue:
      return true
    case CURLE_OPERATION_TIMEDOUT.rawValue:
      return outcome.bodyBytes > 0
    default:
      return false
    }
  }

  /// Why a retry is happening, in a few words for the progress output.
  static func retryReason(_ outcome: TransferOutcome, stallTimeout: Double) -> String {
    if outcome.curlCode == CURLE_OPERATION_TIMEDOUT.rawValue {
      return "no data for \(Int(stallTimeout.rounded())) s"
    }
    if outcome.curlCode == CURLE_OK.rawValue {
      return "the server answered HTTP \(outcome.head?.status ?? 0)"
    }
    return outcome.curlMessage.isEmpty
      ? "the connection dropped" : "the connection dropped (\(outcome.curlMessage))"
  }

  /// The error for a transfer that did not deliver a 2xx body.
  static func error(for outcome: TransferOutcome, subject: TransferSubject) -> DojoError {
    if let sinkError = outcome.sinkError {
      if let dojo = sinkError as? DojoError { return dojo }
      return DojoError(.io, "\(sinkError)")
    }
    let target = hostAndPort(subject.url)
    if let refused = outcome.refused, let origin = outcome.originScope {
      let place = refused.url.isEmpty ? "" : " for \(refused.url)"
      return DojoError(
        .forbidden,
        "refused to connect to \(refused.address) (a \(refused.scope) address)\(place): "
          + "\(subject.url.absoluteString) is on a \(origin) address, and a download may not "
          + "move from there into this machine or a private network; fetch from the final "
          + "URL directly if you trust it")
    }
    if outcome.curlCode != CURLE_OK.rawValue {
      let detail = outcome.curlMessage.isEmpty ? "" : " (\(outcome.curlMessage))"
      switch outcome.curlCode {
      case CURLE_COULDNT_CONNECT.rawValue:
        if outcome.osErrno == Int(ECONNREFUSED) {
          return DojoError(
            .network,
            "cannot connect to \(target): connection refused; check that the server is "
              + "running and the URL\(subject.slug == nil ? "" : " (or DOJO_KAGGLE_URL)") "
              + "is right")
        }
        return DojoError(
          .network,
          "cannot connect to \(target)\(detail); check the network and the URL, then run again")
      case CURLE_COULDNT_RESOLVE_HOST.rawValue:
        return DojoError(
          .network,
          "cannot resolve the host name in \(subject.url.absoluteString); check its spelling "
            + "and the network")
      case CURLE_OPERATION_TIMEDOUT.rawValue:
        let seconds = Int(subject.stallTimeout.rounded())
        return DojoError(
          .timeout,
          "\(target) stopped answering: no data for \(seconds) s\(detail); try again later, "
            + "or allow longer with --timeout")
      case CURLE_PARTIAL_FILE.rawValue, CURLE_RECV_ERROR.rawValue, CURLE_GOT_NOTHING.rawValue,
        CURLE_SEND_ERROR.rawValue:
        return DojoError(
          .network,
          "the connection to \(target) kept dropping\(detail); the download was retried and "
            + "gave up: try again later")
      case CURLE_TOO_MANY_REDIRECTS.rawValue:
        return DojoError(
          .network,
          "\(subject.url.absoluteString) redirects more than \(CurlTransfer.maximumRedirects) "
            + "times (a loop or a trap); check the URL")
      case CURLE_UNSUPPORTED_PROTOCOL.rawValue:
        return DojoError(
          .unsupported,
          "\(subject.url.absoluteString) redirected to a non-HTTP URL\(detail); only http(s) "
            + "is followed")
      case CURLE_PEER_FAILED_VERIFICATION.rawValue, CURLE_SSL_CONNECT_ERROR.rawValue:
        return DojoError(
          .network,
          "TLS with \(target) failed\(detail); check the system clock and CA certificates")
      default:
        let text = String(cString: curl_easy_strerror(CURLcode(outcome.curlCode)))
        return DojoError(
          .network, "downloading \(subject.url.absoluteString) failed: \(text)\(detail)")
      }
    }
    let status = outcome.head?.status ?? 0
    let body = String(decoding: outcome.errorBody.prefix(4096), as: UTF8.self)
    return httpError(status: status, body: body, subject: subject, finalURL: outcome.head?.url)
  }

  /// The error for an HTTP status outside 2xx.
  static func httpError(status: Int, body: String, subject: TransferSubject, finalURL: URL?)
    -> DojoError
  {
    let url = subject.url.absoluteString
    switch status {
    case 401:
      if let slug = subject.slug {
        let origin = subject.credentialOrigin.map { " from \($0)" } ?? ""
        return DojoError(
          .authentication,
          "Kaggle refused the credentials\(origin) for kaggle:\(slug) (HTTP 401): check the "
            + "username and key, or create a new token at https://www.kaggle.com/settings")
      }
      return DojoError(
        .authentication,
        "\(url) needs credentials (HTTP 401): download it by hand, or use kaggle:<slug> "
          + "for Kaggle data")
    case 403:
      let lower = body.lowercased()
      if let slug = subject.slug, lower.contains("accept") && lower.contains("rules") {
        return DojoError(
          .forbidden,
          "you must accept the rules of kaggle:\(slug) before downloading: open "
            + "https://www.kaggle.com/c/\(slug)/rules, accept them, and run again")
      }
      let what = subject.slug.map { "kaggle:\($0)" } ?? url
      return DojoError(
        .forbidden,
        "the server refused access to \(what) (HTTP 403): check that your account may "
          + "download it\(finalURL.map { $0 != subject.url ? " (at \($0.absoluteString))" : "" } ?? "")"
      )
    case 404:
      if let slug = subject.slug {
        return DojoError(
          .notFound,
          "Kaggle has no competition or file for kaggle:\(slug) (HTTP 404): check the slug "
            + "against https://www.kaggle.com/c/\(slug)")
      }
      return DojoError(
        .notFound, "\(url) does not exist (HTTP 404): check the URL")
    default:
      let snippet = body.split(whereSeparator: \.isNewline).first.map { ": \($0.prefix(200))" }
      return DojoError(
        .network,
        "\(url) answered HTTP \(status)\(snippet ?? ""); try again later or check the URL")
    }
  }

  static func hostAndPort(_ url: URL) -> String {
    guard let host = url.host else { return url.absoluteString }
    return url.port.map { "\(host):\($0)" } ?? host
  }

  /// A write error for `path`, recognising a full disk.
  static func writeError(_ path: String, errno code: Int32) -> DojoError {
    if code == ENOSPC || code == EDQUOT {
      return DojoError(
        .diskFull,
        "cannot write \(path): the disk is full; free some space (or use another --out) and "
          + "run again")
    }
    return DojoError(.io, "cannot write \(path): \(String(cString: strerror(code)))")
  }
}
