internal import DojoCore
internal import Foundation

/// Runs blocking work (sandboxed runs, grading) on a thread of its own, so neither the
/// server's event loops nor Swift concurrency's cooperative pool wait for it: `/v1/health`
/// answers at once while code runs.
enum BlockingWork {
  static func run<T: Sendable>(
    _ name: String, _ body: @escaping @Sendable () throws -> T
  ) async throws -> T {
    try await BackgroundJob<T>.value(name, body)
  }
}
