internal import DojoCCurl
internal import DojoCore
internal import Foundation

/// The status line and headers of the response whose body is arriving.
struct ResponseHead {
  /// The HTTP status code.
  var status: Int
  /// Header values by lowercased name (the last one wins).
  var headers: [String: String]
  /// The URL that answered, after redirects.
  var url: URL

  /// The first byte offset of a `206` answer (`Content-Range: bytes START-END/TOTAL`).
  var contentRangeStart: Int64? {
    guard let value = headers["content-range"],
      let match = value.firstMatch(of: /bytes\s+(\d+)-(\d+)\/(\d+|\*)/)
    else { return nil }
    return Int64(match.output.1)
  }

  /// The full size of the resource: `Content-Range`'s total, else `Content-Length`.
  var totalSize: Int64? {
    if let value = headers["content-range"],
      let match = value.firstMatch(of: /bytes\s+\d+-\d+\/(\d+)/)
    {
      return Int64(match.output.1)
    }
    return headers["content-length"].flatMap { Int64($0.trimmingCharacters(in: .whitespaces)) }
  }
}

/// What one libcurl transfer ended with.
struct TransferOutcome {
  /// libcurl's result code (0 is success).
  var curlCode: UInt32
  /// libcurl's error buffer text, when it has one.
  var curlMessage: String
  /// The OS errno behind a connect failure (ECONNREFUSED, ...), or 0.
  var osErrno: Int
  /// The final response's head, if a response arrived.
  var head: ResponseHead?
  /// The body of a non-2xx answer (up to 64 KiB), for error messages.
  var errorBody: Data
  /// An error thrown by the body sink (a full disk, say), which aborted the transfer.
  var sinkError: (any Error)?
  /// How many body bytes went to the sink during this transfer.
  var bodyBytes: Int64
  /// The scope of the first address connected, which later connections were judged against
  /// (nil when nothing was connected).
  var originScope: NetworkScope?
  /// A connection the address policy refused, and the URL it was for.
  var refused: (address: PeerAddress, scope: NetworkScope, url: String)?

  var succeeded: Bool { curlCode == CURLE_OK.rawValue && sinkError == nil }
}

/// Timeouts and limits for one transfer.
struct TransferLimits {
  var connectTimeout: Double
  /// Seconds with less than one byte per second before the transfer is abandoned.
  var stallTimeout: Double
  /// Which addresses may be connected to.
  var addressPolicy: AddressPolicy = .standard
  /// The origin's scope from an earlier attempt of the same download, so that a retry
  /// cannot re-resolve the origin's name into this machine; nil for the first attempt.
  var originScope: NetworkScope?
}

/// The per-transfer state libcurl's C callbacks reach through their `userdata` pointer.
///
/// It lives only for the duration of one synchronous `curl_easy_perform` on the calling
/// thread, and libcurl calls the callbacks on that same thread, so it needs no locking and is
/// not `Sendable`.
private final class TransferContext {
  let handle: UnsafeMutableRawPointer
  /// Decides, when a response body starts, whether it goes to `write` (true) or is kept as
  /// an error body (false).
  let begin: (ResponseHead) throws -> Bool
  let write: (UnsafeRawBufferPointer) throws -> Void
  let policy: AddressPolicy

  var originScope: NetworkScope?
  var refused: (address: PeerAddress, scope: NetworkScope, url: String)?
  var status = 0
  var headers: [String: String] = [:]
  var head: ResponseHead?
  var bodyStarted = false
  var toSink = false
  var errorBody = Data()
  var sinkError: (any Error)?
  var bodyBytes: Int64 = 0

  init(
    handle: UnsafeMutableRawPointer, limits: TransferLimits,
    begin: @escaping (ResponseHead) throws -> Bool,
    write: @escaping (UnsafeRawBufferPointer) throws -> Void
  ) {
    self.handle = handle
    self.policy = limits.addressPolicy
    self.originScope = limits.originScope
    self.begin = begin
    self.write = write
  }

  /// The open-socket callback: the first connection fixes the origin's scope; every later
  /// one (a redirect hop, a reconnect, a retry) must be allowed by the policy, else no
  /// socket is made and libcurl fails with CURLE_COULDNT_CONNECT.
  func openSocket(_ address: UnsafeMutablePointer<curl_sockaddr>) -> curl_socket_t {
    var ip = [UInt8](repeating: 0, count: 16)
    var port: Int32 = 0
    let count = Int(dojo_curl_sockaddr_ip(address, &ip, &port))
    guard count == 4 || count == 16 else { return CURL_SOCKET_BAD }
    let peer = PeerAddress(ip: Array(ip.prefix(count)), port: Int(port))
    let scope = policy.scope(peer)
    if let originScope {
      guard AddressPolicy.allows(origin: originScope, target: scope) else {
        var urlPointer: UnsafeMutablePointer<CChar>?
        _ = dojo_curl_getinfo_string(handle, CURLINFO_EFFECTIVE_URL, &urlPointer)
        refused = (peer, scope, urlPointer.map { String(cString: $0) } ?? "")
        return CURL_SOCKET_BAD
      }
    } else {
      originScope = scope
    }
    let kind = address.pointee.socktype | Int32(SOCK_CLOEXEC.rawValue)
    return socket(address.pointee.family, kind, address.pointee.protocol)
  }

  func headerLine(_ line: String) {
    let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
    if trimmed.hasPrefix("HTTP/") {
      // A new response (a redirect hop, a 100 Continue): forget the previous one's headers.
      let parts = trimmed.split(separator: " ", maxSplits: 2)
      status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
      headers = [:]
      bodyStarted = false
      return
    }
    guard let colon = trimmed.firstIndex(of: ":") else { return }
    let name = trimmed[..<colon].lowercased()
    let value = trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    headers[name] = value
  }

  func body(_ bytes: UnsafeRawBufferPointer) -> Bool {
    do {
      if !bodyStarted {
        bodyStarted = true
        var urlPointer: UnsafeMutablePointer<CChar>?
        _ = dojo_curl_getinfo_string(handle, CURLINFO_EFFECTIVE_URL, &urlPointer)
        let url = urlPointer.flatMap { URL(string: String(cString: $0)) } ?? URL(string: "about:")!
        let current = ResponseHead(status: status, headers: headers, url: url)
        head = current
        // Redirect bodies (curl may hand them over before following) are never data.
        toSink = (200..<300).contains(status) ? try begin(current) : false
        if !toSink { errorBody = Data() }
      }
      if toSink {
        try write(bytes)
        bodyBytes += Int64(bytes.count)
      } else if errorBody.count < 65536 {
        errorBody.append(contentsOf: bytes.prefix(65536 - errorBody.count))
      }
      return true
    } catch {
      sinkError = error
      return false
    }
  }
}

/// Thin synchronous wrapper over a libcurl easy handle: one GET, callbacks into Swift.
enum CurlTransfer {
  /// curl_global_init is not thread-safe; a `static let` runs it exactly once (Swift
  /// initialises globals under `swift_once`).
  private static let globalInit: UInt32 = dojo_curl_global_init().rawValue

  /// Redirects followed before giving up: Kaggle needs one (API to signed storage); a chain
  /// longer than this is a loop or a trap.
  static let maximumRedirects = 5

  /// Performs one GET of `url`.
  ///
  /// - Parameters:
  ///   - credentials: sent as HTTP basic auth. libcurl keeps `CURLOPT_UNRESTRICTED_AUTH` off
  ///     (its default), so a redirect to another host or port does not receive them.
  ///   - rangeStart: when above 0, asks for `Range: bytes=START-`.
  ///   - headers: extra request header lines (`Name: value`).
  ///   - begin: called when a 2xx body starts; returns whether to stream it to `write`.
  static func get(
    _ url: URL, credentials: KaggleCredentials?, rangeStart: Int64, headers: [String] = [],
    limits: TransferLimits,
    begin: @escaping (ResponseHead) throws -> Bool,
    write: @escaping (UnsafeRawBufferPointer) throws -> Void
  ) -> TransferOutcome {
    guard globalInit == CURLE_OK.rawValue, let handle = curl_easy_init() else {
      return TransferOutcome(
        curlCode: CURLE_FAILED_INIT.rawValue, curlMessage: "libcurl failed to initialise",
        osErrno: 0, head: nil, errorBody: Data(), sinkError: nil, bodyBytes: 0,
        originScope: nil, refused: nil)
    }
    defer { curl_easy_cleanup(handle) }
    let context = TransferContext(handle: handle, limits: limits, begin: begin, write: write)
    let unmanaged = Unmanaged.passRetained(context)
    defer { unmanaged.release() }
    let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    defer { errorBuffer.deallocate() }

    _ = dojo_curl_setopt_string(handle, CURLOPT_URL, url.absoluteString)
    _ = dojo_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 1)
    _ = dojo_curl_setopt_long(handle, CURLOPT_MAXREDIRS, maximumRedirects)
    _ = dojo_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https")
    _ = dojo_curl_setopt_string(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
    _ = dojo_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
    _ = dojo_curl_setopt_string(handle, CURLOPT_USERAGENT, "dojo/0.1 (libcurl)")
    _ = dojo_curl_setopt_string(handle, CURLOPT_ACCEPT_ENCODING, "identity")
    _ = dojo_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
    let connectMillis = max(1, Int(limits.connectTimeout * 1000))
    _ = dojo_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, connectMillis)
    // Less than 1 byte/s for `stallTimeout` seconds aborts: a server that stops answering
    // (before or during the body) fails in bounded time instead of hanging.
    _ = dojo_curl_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1)
    _ = dojo_curl_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, max(1, Int(limits.stallTimeout)))
    // Never send credentials to the host of a redirect (libcurl's default, made explicit:
    // with 1, a redirect to any host would receive the Kaggle key).
    _ = dojo_curl_setopt_long(handle, CURLOPT_UNRESTRICTED_AUTH, 0)
    if let credentials {
      _ = dojo_curl_setopt_string(handle, CURLOPT_USERNAME, credentials.username)
      _ = dojo_curl_setopt_string(handle, CURLOPT_PASSWORD, credentials.key)
    }
    if rangeStart > 0 {
      // CURLOPT_RANGE, not RESUME_FROM: it sends the header and leaves judging the answer
      // (206 from the offset, or a 200 that restarts) to us.
      _ = dojo_curl_setopt_string(handle, CURLOPT_RANGE, "\(rangeStart)-")
    }
    var headerList: UnsafeMutablePointer<curl_slist>?
    for line in headers { headerList = curl_slist_append(headerList, line) }
    defer { curl_slist_free_all(headerList) }
    if headerList != nil { _ = dojo_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList) }
    let userdata = unmanaged.toOpaque()
    _ = dojo_curl_setopt_data_callback(handle, CURLOPT_HEADERFUNCTION) { ptr, size, count, data in
      guard let ptr, let data else { return 0 }
      let length = size * count
      let context = Unmanaged<TransferContext>.fromOpaque(data).takeUnretainedValue()
      let line = String(
        decoding: UnsafeRawBufferPointer(start: ptr, count: length), as: UTF8.self)
      context.headerLine(line)
      return length
    }
    _ = dojo_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, userdata)
    _ = dojo_curl_setopt_data_callback(handle, CURLOPT_WRITEFUNCTION) { ptr, size, count, data in
      guard let data else { return 0 }
      let length = size * count
      let context = Unmanaged<TransferContext>.fromOpaque(data).takeUnretainedValue()
      let ok = context.body(UnsafeRawBufferPointer(start: ptr, count: length))
      return ok ? length : 0
    }
    _ = dojo_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, userdata)
    _ = dojo_curl_setopt_opensocket_callback(handle) { data, purpose, address in
      guard let data, let address, purpose == CURLSOCKTYPE_IPCXN else { return CURL_SOCKET_BAD }
      return Unmanaged<TransferContext>.fromOpaque(data).takeUnretainedValue().openSocket(address)
    }
    _ = dojo_curl_setopt_pointer(handle, CURLOPT_OPENSOCKETDATA, userdata)

    let code = curl_easy_perform(handle)
    var osErrno = 0
    _ = dojo_curl_getinfo_long(handle, CURLINFO_OS_ERRNO, &osErrno)
    if !context.bodyStarted && context.status != 0 {
      // The last answer had an empty body, so it never reached the write callback (an
      // earlier hop's body may have): record its head.
      var urlPointer: UnsafeMutablePointer<CChar>?
      _ = dojo_curl_getinfo_string(handle, CURLINFO_EFFECTIVE_URL, &urlPointer)
      let final = urlPointer.flatMap { URL(string: String(cString: $0)) } ?? url
      context.head = ResponseHead(status: context.status, headers: context.headers, url: final)
      if (200..<300).contains(context.status), code == CURLE_OK {
        do {
          _ = try begin(context.head!)
        } catch {
          context.sinkError = error
        }
      }
    }
    return TransferOutcome(
      curlCode: code.rawValue, curlMessage: String(cString: errorBuffer), osErrno: osErrno,
      head: context.head, errorBody: context.errorBody, sinkError: context.sinkError,
      bodyBytes: context.bodyBytes, originScope: context.originScope, refused: context.refused)
  }
}
