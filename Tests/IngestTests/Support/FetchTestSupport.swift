import DojoCore
import Foundation
import Ingest
import Synchronization
import Testing

/// A fresh folder under the system temp folder, removed by `cleanUp()`.
struct TempDir {
  let url: URL

  init() throws {
    url = FileManager.default.temporaryDirectory
      .appendingPathComponent("dojo-fetch-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  func cleanUp() { try? FileManager.default.removeItem(at: url) }

  /// Names of the entries in `sub` (or the root), sorted, hidden ones included.
  func listing(_ sub: String = "") -> [String] {
    let dir = sub.isEmpty ? url : url.appendingPathComponent(sub)
    return ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted()
  }
}

/// Deterministic pseudo-random bytes, so a resumed download that splices wrongly shows up.
func payload(_ count: Int, seed: UInt64 = 42) -> Data {
  var state = seed
  var data = Data(count: count)
  for i in 0..<count {
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    data[i] = UInt8(truncatingIfNeeded: state >> 33)
  }
  return data
}

/// Records every progress call, for assertions.
final class RecordingProgress: FetchProgress {
  enum Event: Equatable {
    case started(name: String, received: Int64, total: Int64?)
    case advanced(received: Int64)
    case retrying(attempt: Int)
    case finished(name: String, bytes: Int64)
  }

  private let events = Mutex<[Event]>([])

  var all: [Event] { events.withLock { $0 } }

  func started(name: String, received: Int64, total: Int64?) {
    events.withLock { $0.append(.started(name: name, received: received, total: total)) }
  }
  func advanced(received: Int64, total: Int64?) {
    events.withLock { $0.append(.advanced(received: received)) }
  }
  func retrying(attempt: Int, delay: Double, reason: String) {
    events.withLock { $0.append(.retrying(attempt: attempt)) }
  }
  func finished(name: String, bytes: Int64) {
    events.withLock { $0.append(.finished(name: name, bytes: bytes)) }
  }
}

/// Runs `body` and checks that it throws a ``DojoError`` with `code` whose message holds every
/// fragment; returns the error for further checks.
@discardableResult
func expectDojoError(
  _ code: DojoError.Code, containing fragments: [String] = [],
  sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) -> DojoError? {
  do {
    try body()
    Issue.record("expected DojoError .\(code), nothing was thrown", sourceLocation: sourceLocation)
    return nil
  } catch let error as DojoError {
    #expect(error.code == code, "\(error.message)", sourceLocation: sourceLocation)
    for fragment in fragments {
      #expect(
        error.message.contains(fragment), "'\(fragment)' missing from: \(error.message)",
        sourceLocation: sourceLocation)
    }
    #expect(
      !error.message.contains("\n"), "message is not one line", sourceLocation: sourceLocation)
    return error
  } catch {
    Issue.record("expected DojoError .\(code), got \(error)", sourceLocation: sourceLocation)
    return nil
  }
}

/// Fast retries and a short stall timeout, so fault tests finish in well under 10 s.
let testOptions = Fetcher.Options(
  connectTimeout: 5, stallTimeout: 2, maxRetries: 5, retryDelay: 0.01)
