/// The one error type every Dojo library throws at its users.
///
/// Modelled on swift-nio's `FileSystemError`: a stable ``Code`` to switch on, a message that
/// says what went wrong *and what to do about it*, and an optional underlying cause. The CLI
/// prints `error: <message>` and exits 1; the HTTP server maps ``Code`` to a status code.
public struct DojoError: Error, Sendable, CustomStringConvertible {
  /// What kind of failure this is. A struct over a private enum so that codes can grow
  /// without breaking callers' exhaustive switches.
  public struct Code: Hashable, Sendable, CustomStringConvertible {
    private enum Value: String, Sendable {
      case invalidManifest, invalidArgument, notFound, io, network, authentication,
        forbidden, checksumMismatch, unsafeArchive, unsupported, invalidData,
        invalidSubmission, graderError, diskFull, timeout, conflict, sandbox, internalError,
        damagedArchive
    }
    private let value: Value
    private init(_ value: Value) { self.value = value }

    /// A manifest key is missing, unknown, or has a value of the wrong kind.
    public static let invalidManifest = Code(.invalidManifest)
    /// A command-line argument or API parameter is malformed.
    public static let invalidArgument = Code(.invalidArgument)
    /// A file, competition, task or session does not exist.
    public static let notFound = Code(.notFound)
    /// Reading or writing the file system failed.
    public static let io = Code(.io)
    /// A transfer failed: connection refused, dropped, or too slow.
    public static let network = Code(.network)
    /// Credentials are missing or were refused.
    public static let authentication = Code(.authentication)
    /// The server refused access (for Kaggle: the competition's rules are not accepted).
    public static let forbidden = Code(.forbidden)
    /// Downloaded or stored bytes do not have the expected SHA-256.
    public static let checksumMismatch = Code(.checksumMismatch)
    /// An archive entry would escape the output folder, or the archive is a bomb.
    public static let unsafeArchive = Code(.unsafeArchive)
    /// An archive's bytes are damaged (bad checksum, truncated stream): fetch it again.
    public static let damagedArchive = Code(.damagedArchive)
    /// The input uses a format or feature Dojo does not handle.
    public static let unsupported = Code(.unsupported)
    /// A data file (CSV, leaderboard, task file) is malformed.
    public static let invalidData = Code(.invalidData)
    /// A submission broke the task's rules: the agent's fault, reported, never a crash.
    public static let invalidSubmission = Code(.invalidSubmission)
    /// The grader itself failed: our fault, never to be blamed on the submission.
    public static let graderError = Code(.graderError)
    /// The disk has no room for the output.
    public static let diskFull = Code(.diskFull)
    /// An operation ran out of its time budget.
    public static let timeout = Code(.timeout)
    /// The operation clashes with existing state (a refused publish, a stale report).
    public static let conflict = Code(.conflict)
    /// The sandbox could not be set up or was violated.
    public static let sandbox = Code(.sandbox)
    /// A bug in Dojo.
    public static let internalError = Code(.internalError)

    /// The code's stable snake-case name, as used in JSON reports.
    public var name: String {
      value.rawValue.replacing(/[A-Z]/) { "_" + $0.output.lowercased() }
    }
    public var description: String { name }
  }

  /// What kind of failure this is.
  public var code: Code
  /// One line a user can act on: what went wrong, where, and what to do next.
  public var message: String
  /// The lower-level error, if any, kept for logs.
  public var cause: (any Error & Sendable)?

  public init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil) {
    self.code = code
    self.message = message
    self.cause = cause
  }

  public var description: String { message }
}
