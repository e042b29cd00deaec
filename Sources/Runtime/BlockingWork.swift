internal import DojoCore
internal import Foundation

/// Runs blocking work (sandboxed runs, grading) on a thread of its own, so neither the
/// server's event loops nor Swift concurrency's cooperative pool wait for it: `/v1/health`
/// answers at once while code runs.
enum BlockingWork {
  static func run<T: Sendable>(
    _ name: String, _ body: @escaping @Sendable () throws -> T
  ) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
      // BackgroundJob owns the thread; the continuation is resumed from it, never joined.
      _ = BackgroundJob(name) { continuation.resume(with: Result { try body() }) }
    }
  }
}
