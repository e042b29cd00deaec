internal import ArgumentParser
internal import DojoCore
internal import Foundation
internal import Ingest

/// `dojo fetch SOURCE --out DIR`: download or copy an archive, checksummed.
struct FetchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fetch",
    abstract: "Download a competition archive (Kaggle, http(s) or a local file) into a folder.",
    discussion: """
      SOURCE is kaggle:<slug>, an http(s):// URL, or a file: URL or path. The file keeps the \
      server's name (Content-Disposition, else the URL), is written through NAME.part and \
      renamed when complete; a dropped connection resumes with a Range request (up to 5 \
      retries), and a run that was interrupted resumes its NAME.part, but only while the \
      server's ETag (else Last-Modified) is unchanged: otherwise it starts again from zero. \
      Prints "SHA256  PATH" on stdout. Fetching again when the file is present with the \
      recorded hash downloads nothing; --force downloads it again.

      A hostile server is held: at most 5 redirects, to http(s) only, never from a public \
      address to this machine or a private network; credentials never follow a redirect to \
      another host; a file over --max-bytes (200 GiB unless given) is refused, and nothing \
      of it is kept.

      Kaggle credentials come from KAGGLE_USERNAME and KAGGLE_KEY, else \
      $KAGGLE_CONFIG_DIR/kaggle.json, else ~/.kaggle/kaggle.json. DOJO_KAGGLE_URL replaces \
      https://www.kaggle.com (a mirror or a test server).

      Example:
        dojo fetch kaggle:titanic-survival --out raw/titanic-survival
        dojo fetch kaggle:titanic-survival --leaderboard --out raw/titanic-survival
        dojo fetch https://example.org/data.zip --out raw/example --sha256 9f86d08...
      """)

  @Argument(help: "kaggle:<slug>, an http(s):// URL, or a file: URL or path.")
  var source: String

  @Option(name: .long, help: "The folder to save into (created if needed).")
  var out: String

  @Option(name: .long, help: "The expected SHA-256 (64 hex digits); a mismatch is an error.")
  var sha256: String?

  @Flag(name: .long, help: "Fetch the competition's public leaderboard (kaggle: only).")
  var leaderboard = false

  @Option(name: .long, help: "Seconds without data before giving up on a server.")
  var timeout: Double = 60

  @Option(
    name: .long,
    help: "The largest file accepted, in bytes (default: 200 GiB); a larger one is an error.")
  var maxBytes: Int64?

  @Flag(name: .long, help: "Download again even when the file is already present.")
  var force = false

  func validate() throws {
    guard timeout > 0, timeout <= 86_400 else {
      throw ValidationError("--timeout must be between 1 and 86400 seconds")
    }
    guard (maxBytes ?? 1) > 0 else {
      throw ValidationError("--max-bytes must be a positive number")
    }
  }

  func run() throws {
    let parsed = try FetchSource(parsing: source)
    let options = Fetcher.Options(
      connectTimeout: min(timeout, 30), stallTimeout: timeout,
      maxBytes: maxBytes ?? Fetcher.defaultMaxBytes)
    let fetcher = Fetcher(
      environment: ProcessInfo.processInfo.environment, progress: ConsoleFetchProgress(),
      options: options)
    let result = try fetcher.fetch(
      parsed, into: URL(fileURLWithPath: out), expectedSHA256: sha256, leaderboard: leaderboard,
      force: force)
    if result.skipped {
      FileHandle.standardError.write(
        Data("fetch: \(result.file.lastPathComponent) already present, nothing downloaded\n".utf8))
    }
    FileHandle.standardOutput.write(Data("\(result.sha256)  \(result.file.path)\n".utf8))
  }
}
