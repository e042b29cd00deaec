internal import DojoCore
public import Foundation

/// Thrown inside a transfer whose partial answer does not fit the `.part`.
private struct RestartFromZero: Error {}

/// What a fetch produced.
public struct FetchResult: Sendable, Equatable {
  /// The file in the output folder.
  public var file: URL
  /// Its SHA-256, lowercase hex.
  public var sha256: String
  /// Its size in bytes.
  public var size: Int64
  /// True when the file was already there with the recorded hash and nothing was downloaded.
  public var skipped: Bool

  public init(file: URL, sha256: String, size: Int64, skipped: Bool) {
    self.file = file
    self.sha256 = sha256
    self.size = size
    self.skipped = skipped
  }
}

/// Downloads (libcurl) or copies an archive into a folder, exactly and safely.
///
/// The file is written to `NAME.part`, hashed while it streams, and renamed into place only
/// when complete (and, with an expected SHA-256, only when it matches). A dropped connection
/// resumes from the `.part` with a `Range` request, with exponential backoff, but only while
/// the server's validator (strong ETag, else Last-Modified; recorded in `.NAME.part.json`)
/// is unchanged; otherwise the download restarts from zero. A second fetch of a source
/// already saved with the recorded hash downloads nothing.
///
/// Against a hostile server: at most ``CurlTransfer/maximumRedirects`` redirects, http(s)
/// only, never from a public address into this machine or a private network
/// (``AddressPolicy``), credentials never sent to a redirect's host, and no more than
/// ``Options/maxBytes`` bytes.
public struct Fetcher: Sendable {
  /// Timeouts and retry policy.
  public struct Options: Sendable {
    /// Seconds to wait for a TCP (and TLS) connection.
    public var connectTimeout: Double
    /// Seconds without any data (less than 1 byte/s) before a transfer is abandoned.
    public var stallTimeout: Double
    /// How many times a dropped transfer is resumed before giving up.
    public var maxRetries: Int
    /// The first retry's delay in seconds; each further retry doubles it.
    public var retryDelay: Double
    /// The largest file accepted: a declared size above it is refused before any byte is
    /// saved, and a body that grows past it is cut off and deleted.
    public var maxBytes: Int64
    /// Which addresses a download may connect to (tests inject a classification).
    public var addressPolicy: AddressPolicy

    public init(
      connectTimeout: Double = 30, stallTimeout: Double = 60, maxRetries: Int = 5,
      retryDelay: Double = 1, maxBytes: Int64 = Fetcher.defaultMaxBytes,
      addressPolicy: AddressPolicy = .standard
    ) {
      self.connectTimeout = connectTimeout
      self.stallTimeout = stallTimeout
      self.maxRetries = maxRetries
      self.retryDelay = retryDelay
      self.maxBytes = maxBytes
      self.addressPolicy = addressPolicy
    }
  }

  /// The size cap when none is given: 200 GiB, above any Kaggle competition's archive.
  public static let defaultMaxBytes: Int64 = 200 << 30

  /// The cap's error, naming the URL and the cap.
  static func tooLarge(_ url: URL, cap: Int64, declared: Int64?) -> DojoError {
    let what =
      declared.map { "declares \($0) bytes" } ?? "sent more than that"
    return DojoError(
      .invalidData,
      "\(url.absoluteString) is over the size cap of \(cap) bytes (it \(what)); nothing was "
        + "kept: raise --max-bytes if the file really is that large")
  }

  /// The environment read for Kaggle credentials and `DOJO_KAGGLE_URL`.
  public var environment: [String: String]
  /// Observes transfers; nil for silence.
  public var progress: (any FetchProgress)?
  /// Timeouts and retries.
  public var options: Options

  /// - Parameters:
  ///   - environment: variables for credentials and the Kaggle base URL (pass a literal
  ///     dictionary in tests rather than changing the process's).
  ///   - progress: where progress goes, e.g. ``ConsoleFetchProgress``.
  public init(
    environment: [String: String] = ProcessInfo.processInfo.environment,
    progress: (any FetchProgress)? = nil, options: Options = Options()
  ) {
    self.environment = environment
    self.progress = progress
    self.options = options
  }

  /// Fetches `source` into `dir`.
  ///
  /// - Parameters:
  ///   - source: a Kaggle competition, an http(s) URL or a local file.
  ///   - dir: the output folder, created if needed.
  ///   - expectedSHA256: when given, a file with another hash is an error and is not kept.
  ///   - leaderboard: for `kaggle:` sources, fetch the public leaderboard zip (saved as
  ///     `<slug>-publicleaderboard.zip`, so it never overwrites the data archive) instead of
  ///     the data.
  ///   - force: download (or copy) again even when the file is present with the recorded
  ///     hash, and ignore any interrupted `.part`.
  /// - Returns: the file, its SHA-256 and size, and whether the download was skipped.
  /// - Throws: ``DojoError``: `.authentication` (no or refused credentials), `.forbidden`
  ///   (rules not accepted), `.notFound`, `.network`, `.timeout`, `.diskFull`, `.io`,
  ///   `.checksumMismatch`, `.invalidArgument`.
  public func fetch(
    _ source: FetchSource, into dir: URL, expectedSHA256: String? = nil,
    leaderboard: Bool = false, force: Bool = false
  ) throws -> FetchResult {
    let expected = try expectedSHA256.map(Self.normalizedHash)
    if leaderboard {
      guard case .kaggle = source else {
        throw DojoError(
          .invalidArgument, "--leaderboard needs a kaggle:<slug> source, not \(source)")
      }
    }
    try AtomicFiles.createDirectory(dir)
    let key = leaderboard ? "\(source) --leaderboard" : source.description
    var record = FetchRecord.load(from: dir)
    if !force, let done = try alreadyPresent(record.entries[key], in: dir, expected: expected) {
      return done
    }

    let result: FetchResult
    switch source {
    case .file(let url):
      result = try copy(url, into: dir, expected: expected)
    case .http(let url):
      let subject = TransferSubject(
        url: url, slug: nil, credentialOrigin: nil, stallTimeout: options.stallTimeout)
      result = try download(
        subject, credentials: nil, fixedName: nil, into: dir, expected, key: key, force: force)
    case .kaggle(let slug):
      let base = try KaggleCredentials.baseURL(environment: environment)
      let credentials = try KaggleCredentials.require(environment: environment)
      let path =
        leaderboard
        ? "api/v1/competitions/\(slug)/leaderboard/download"
        : "api/v1/competitions/data/download-all/\(slug)"
      let subject = TransferSubject(
        url: base.appendingPathComponent(path), slug: slug, credentialOrigin: credentials.origin,
        stallTimeout: options.stallTimeout)
      result = try download(
        subject, credentials: credentials,
        fixedName: leaderboard ? "\(slug)-publicleaderboard.zip" : nil, into: dir, expected,
        key: key, force: force)
    }
    record = FetchRecord.load(from: dir)
    record.entries[key] = FetchRecord.Entry(
      file: result.file.lastPathComponent, sha256: result.sha256, size: result.size)
    try record.save(to: dir)
    return result
  }

  /// Lowercase 64-digit hex, or an error that says what a SHA-256 looks like.
  static func normalizedHash(_ text: String) throws -> String {
    let hex = text.trimmingCharacters(in: .whitespaces).lowercased()
    guard hex.count == 64, hex.allSatisfy({ $0.isHexDigit }) else {
      throw DojoError(
        .invalidArgument,
        "'\(text)' is not a SHA-256: give 64 hex digits, as printed by sha256sum")
    }
    return hex
  }

  /// The recorded file, if it is still there with the recorded size and hash (and the
  /// expected one, when given).
  private func alreadyPresent(_ entry: FetchRecord.Entry?, in dir: URL, expected: String?) throws
    -> FetchResult?
  {
    guard let entry, FileNames.sanitize(entry.file) == entry.file else { return nil }
    if let expected, expected != entry.sha256 { return nil }
    let file = dir.appendingPathComponent(entry.file)
    guard
      let attributes = try? FileManager.default.attributesOfItem(atPath: file.path),
      attributes[.type] as? FileAttributeType == .typeRegular,
      (attributes[.size] as? NSNumber)?.int64Value == entry.size,
      (try? SHA256Hasher.hash(fileAt: file)) == entry.sha256
    else { return nil }
    return FetchResult(file: file, sha256: entry.sha256, size: entry.size, skipped: true)
  }

  /// Puts a finished `.part` under its final name, or deletes it when its hash is wrong.
  private func complete(_ part: PartFile, name: String, in dir: URL, expected: String?) throws
    -> FetchResult
  {
    let sha: String
    do {
      sha = try part.finish()
    } catch {
      part.discard()
      throw error
    }
    if let expected, sha != expected {
      part.discard()
      throw DojoError(
        .checksumMismatch,
        "\(name) has SHA-256 \(sha), not the expected \(expected); the download was "
          + "discarded: check --sha256 (or the manifest), or the source changed")
    }
    let final = dir.appendingPathComponent(name)
    do {
      try AtomicFiles.rename(part.url, to: final)
    } catch {
      part.discard()
      throw error
    }
    PartRecord.remove(beside: part.url)
    progress?.finished(name: name, bytes: part.size)
    return FetchResult(file: final, sha256: sha, size: part.size, skipped: false)
  }

  /// Streams a local file into `dir` through `NAME.part`.
  private func copy(_ source: URL, into dir: URL, expected: String?) throws -> FetchResult {
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: source.path, isDirectory: &isDir) else {
      throw DojoError(.notFound, "no file at \(source.path): check the path")
    }
    guard !isDir.boolValue else {
      throw DojoError(
        .invalidArgument, "\(source.path) is a folder: give the archive file inside it")
    }
    guard let name = FileNames.sanitize(source.lastPathComponent) else {
      throw DojoError(.invalidArgument, "\(source.path) has no usable file name")
    }
    let final = dir.appendingPathComponent(name)
    if final.standardizedFileURL.resolvingSymlinksInPath()
      == source.standardizedFileURL.resolvingSymlinksInPath()
    {
      throw DojoError(
        .invalidArgument, "\(source.path) is already in \(dir.path): choose another --out")
    }
    let input = open(source.path, O_RDONLY | O_CLOEXEC)
    guard input >= 0 else {
      throw DojoError(
        .io, "cannot read \(source.path): \(String(cString: strerror(errno))); check permissions")
    }
    defer { close(input) }
    let total = (try? FileManager.default.attributesOfItem(atPath: source.path)[.size])
      .flatMap { ($0 as? NSNumber)?.int64Value }
    if let total, total > options.maxBytes {
      throw Self.tooLarge(source, cap: options.maxBytes, declared: total)
    }
    let part = try PartFile(url: dir.appendingPathComponent(name + ".part"))
    progress?.started(name: name, received: 0, total: total)
    let chunk = 1 << 20
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
    defer { buffer.deallocate() }
    do {
      while true {
        let n = read(input, buffer.baseAddress, chunk)
        if n < 0 {
          if errno == EINTR { continue }
          throw DojoError(.io, "cannot read \(source.path): \(String(cString: strerror(errno)))")
        }
        if n == 0 { break }
        if part.size + Int64(n) > options.maxBytes {
          throw Self.tooLarge(source, cap: options.maxBytes, declared: nil)
        }
        try part.write(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        progress?.advanced(received: part.size, total: total)
      }
    } catch {
      part.discard()
      throw error
    }
    return try complete(part, name: name, in: dir, expected: expected)
  }

  /// Downloads through `NAME.part`, resuming with `Range` after a dropped connection (or
  /// from the `.part` an interrupted run left) while the server's validator is unchanged.
  ///
  /// When the cap is hit the `.part` is deleted, not kept for a resume: a body over the cap
  /// is not the file asked for (or never ends), so resuming it would only hit the cap again.
  private func download(
    _ subject: TransferSubject, credentials: KaggleCredentials?, fixedName: String?,
    into dir: URL, _ expected: String?, key: String, force: Bool
  ) throws -> FetchResult {
    var limits = TransferLimits(
      connectTimeout: options.connectTimeout, stallTimeout: options.stallTimeout,
      addressPolicy: options.addressPolicy)
    let cap = options.maxBytes
    let url = subject.url
    // These live across attempts: the name is chosen from the first answer, every retry
    // appends to the same `.part`, and `record` (also on disk beside the `.part`) says which
    // version of the file its bytes belong to.
    var part: PartFile?
    var name: String?
    var record: PartRecord?
    if let found = PartRecord.find(source: key, in: dir) {
      let partURL = dir.appendingPathComponent(found.name + ".part")
      if !force, let resumed = PartFile.resume(url: partURL) {
        part = resumed
        name = found.name
        record = found.record
      } else {
        unlink(partURL.path)
        PartRecord.remove(beside: partURL)
      }
    }
    var retries = 0
    let progress = self.progress
    while true {
      if let part, part.size > 0,
        record?.validator == nil || part.size > cap || part.size > (record?.size ?? Int64.max)
      {
        // Nothing vouches for these bytes (no validator), or they cannot be a prefix of the
        // file: start over rather than splice.
        try part.reset()
      }
      let offset = part?.size ?? 0
      var total: Int64?
      // If-Range: a server whose file changed sends it whole (200) instead of splicing new
      // bytes onto old ones; the answer's validator is checked again below.
      let ifRange = offset > 0 ? record?.validator.map { ["If-Range: \($0.ifRange)"] } ?? [] : []
      let outcome = CurlTransfer.get(
        url, credentials: credentials, rangeStart: offset, headers: ifRange, limits: limits,
        begin: { head in
          if let declared = head.totalSize, declared > cap {
            throw Self.tooLarge(url, cap: cap, declared: declared)
          }
          if part == nil {
            let chosen =
              fixedName
              ?? head.headers["content-disposition"].flatMap(FileNames.fromContentDisposition)
              ?? FileNames.fromURL(head.url) ?? FileNames.fromURL(url) ?? "download"
            name = chosen
            part = try PartFile(url: dir.appendingPathComponent(chosen + ".part"))
          }
          guard let part else { return false }
          if offset > 0 {
            // Keep the bytes only if the answer starts where the `.part` ends and is the
            // same version (validator) and size of the file.
            let continues =
              head.status == 206 && head.contentRangeStart == offset
              && record?.validator?.matches(head) == true
              && (record?.size == nil || head.totalSize == record?.size)
            if !continues {
              try part.reset()
              // A partial answer that does not continue the `.part` cannot be written at
              // byte 0: drop it and ask for the whole file.
              if head.status == 206 { throw RestartFromZero() }
            }
          } else if head.status == 206 {
            throw DojoError(
              .network,
              "\(url.absoluteString) answered 206 Partial Content to a request for the whole "
                + "file; the server is misbehaving: try again later or use another URL")
          }
          if part.size == 0 {
            let fresh = PartRecord(
              source: key, validator: ResourceValidator(head: head), size: head.totalSize)
            try fresh.save(besidePart: part.url)
            record = fresh
          }
          total = head.totalSize
          progress?.started(name: name ?? "", received: part.size, total: total)
          return true
        },
        write: { bytes in
          guard let part else { return }
          guard part.size + Int64(bytes.count) <= cap else {
            throw Self.tooLarge(url, cap: cap, declared: nil)
          }
          try part.write(bytes)
          progress?.advanced(received: part.size, total: total)
        })
      // Later attempts judge every address against the first attempt's origin.
      limits.originScope = limits.originScope ?? outcome.originScope
      if outcome.succeeded, let status = outcome.head?.status, (200..<300).contains(status),
        let part, let name
      {
        guard let total, part.size != total else {
          return try complete(part, name: name, in: dir, expected: expected)
        }
        // A clean end short of the declared size (a 206 that stopped before the end): ask
        // for the rest, as after a dropped connection.
        if part.size < total && retries < options.maxRetries {
          retries += 1
          continue
        }
        part.discard()
        throw DojoError(
          .network,
          "\(url.absoluteString) ended at byte \(part.size) of the \(total) it declared; "
            + "nothing was kept: try again later")
      }
      if outcome.sinkError is RestartFromZero && retries < options.maxRetries {
        retries += 1
        continue
      }
      if outcome.succeeded, outcome.head?.status == 416, let part, part.size > 0 {
        // The `.part` already ends where the file does, or the file changed size: start over.
        try part.reset()
        if retries < options.maxRetries {
          retries += 1
          continue
        }
      }
      if FetchErrors.isRetryable(outcome) && retries < options.maxRetries {
        retries += 1
        let delay = options.retryDelay * pow(2, Double(retries - 1))
        let reason = FetchErrors.retryReason(outcome, stallTimeout: options.stallTimeout)
        progress?.retrying(attempt: retries, delay: delay, reason: reason)
        Thread.sleep(forTimeInterval: delay)
        continue
      }
      part?.discard()
      if outcome.sinkError is RestartFromZero {
        throw DojoError(
          .network,
          "\(url.absoluteString) kept changing while it downloaded (its size, ETag or "
            + "Last-Modified differed between attempts); try again later")
      }
      throw FetchErrors.error(for: outcome, subject: subject)
    }
  }
}
