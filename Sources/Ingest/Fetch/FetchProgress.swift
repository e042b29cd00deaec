public import Foundation
internal import Synchronization

/// Observes a download or copy. The fetcher calls it from the thread running the transfer.
public protocol FetchProgress: Sendable {
  /// A transfer of `name` starts or resumes, with `received` bytes already on disk, out of
  /// `total` when the server said.
  func started(name: String, received: Int64, total: Int64?)
  /// More bytes are on disk.
  func advanced(received: Int64, total: Int64?)
  /// The transfer was cut off and will be retried after `delay` seconds.
  func retrying(attempt: Int, delay: Double, reason: String)
  /// `name` is complete with `bytes` bytes.
  func finished(name: String, bytes: Int64)
}

extension FetchProgress {
  public func retrying(attempt: Int, delay: Double, reason: String) {}
}

/// Progress on standard error: an updating bar on a terminal, plain lines otherwise.
///
/// On a terminal one line is redrawn at most ten times a second (bytes, percentage, rate,
/// ETA); when stderr is a file or a pipe a line is printed at most every 5 s or every 10 %,
/// so logs stay short.
public final class ConsoleFetchProgress: FetchProgress {
  private struct State {
    var name = ""
    var startTime = 0.0
    var startBytes: Int64 = 0
    var lastDraw = -Double.infinity
    var lastFraction = -1.0
    var drewBar = false
  }

  private let interactive: Bool
  private let output: @Sendable (String) -> Void
  private let clock: @Sendable () -> Double
  private let state = Mutex(State())

  /// - Parameters:
  ///   - interactive: draw a bar (true) or print lines; by default, whether stderr is a
  ///     terminal.
  ///   - output: where text goes; standard error by default.
  ///   - clock: seconds on a monotonic clock, injectable for tests.
  public init(
    interactive: Bool = isatty(STDERR_FILENO) != 0,
    output: @escaping @Sendable (String) -> Void = {
      FileHandle.standardError.write(Data($0.utf8))
    },
    clock: @escaping @Sendable () -> Double = {
      Double(DispatchTime.now().uptimeNanoseconds) / 1e9
    }
  ) {
    self.interactive = interactive
    self.output = output
    self.clock = clock
  }

  public func started(name: String, received: Int64, total: Int64?) {
    let now = clock()
    state.withLock {
      $0.name = name
      $0.startTime = now
      $0.startBytes = received
    }
    if !interactive {
      let size = total.map { " (\(Self.bytes($0)))" } ?? ""
      let resume = received > 0 ? " from \(Self.bytes(received))" : ""
      output("fetch: \(name)\(size)\(resume)\n")
    }
  }

  public func advanced(received: Int64, total: Int64?) {
    let now = clock()
    let line: String? = state.withLock { s in
      let fraction = total.map { $0 > 0 ? Double(received) / Double($0) : 1 } ?? -1
      let elapsed = now - s.startTime
      if interactive {
        guard now - s.lastDraw >= 0.1 || fraction >= 1 else { return nil }
      } else {
        let stepDone = fraction >= 0 && fraction - s.lastFraction >= 0.1
        guard now - s.lastDraw >= 5 || stepDone else { return nil }
      }
      s.lastDraw = now
      s.lastFraction = fraction
      let rate = elapsed > 0 ? Double(received - s.startBytes) / elapsed : 0
      var parts = [Self.bytes(received) + (total.map { " / " + Self.bytes($0) } ?? "")]
      if fraction >= 0 { parts.append(String(format: "%3.0f%%", fraction * 100)) }
      parts.append(Self.bytes(Int64(rate)) + "/s")
      if let total, rate > 0, received < total {
        parts.append("ETA " + Self.duration(Double(total - received) / rate))
      }
      if interactive {
        s.drewBar = true
        let bar =
          fraction >= 0
          ? "[" + String(repeating: "#", count: Int(fraction * 24))
            + String(repeating: ".", count: 24 - Int(fraction * 24)) + "] " : ""
        // \r plus erase-to-end-of-line keeps a single line that updates in place.
        return "\r\u{1B}[K\(s.name) \(bar)\(parts.joined(separator: "  "))"
      }
      return "fetch: \(s.name) \(parts.joined(separator: ", "))\n"
    }
    if let line { output(line) }
  }

  public func retrying(attempt: Int, delay: Double, reason: String) {
    let drewBar = state.withLock { s in
      defer { s.drewBar = false }
      return s.drewBar
    }
    let prefix = interactive && drewBar ? "\n" : ""
    output(
      "\(prefix)fetch: \(reason); retry \(attempt) in \(String(format: "%.1f", delay)) s\n")
  }

  public func finished(name: String, bytes: Int64) {
    let (drewBar, elapsed, startBytes) = state.withLock { s in
      defer { s.drewBar = false }
      return (s.drewBar, clock() - s.startTime, s.startBytes)
    }
    let rate = elapsed > 0 ? " at \(Self.bytes(Int64(Double(bytes - startBytes) / elapsed)))/s" : ""
    output(
      "\(interactive && drewBar ? "\n" : "")fetch: \(name) done, \(Self.bytes(bytes))\(rate)\n")
  }

  /// A byte count in binary units, one decimal.
  static func bytes(_ n: Int64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(n)
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
      value /= 1024
      unit += 1
    }
    return unit == 0 ? "\(n) B" : String(format: "%.1f", value) + " " + units[unit]
  }

  /// A duration as `m:ss` or `h:mm:ss`.
  static func duration(_ seconds: Double) -> String {
    let s = Int(seconds.rounded(.up))
    return s >= 3600
      ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
      : String(format: "%d:%02d", s / 60, s % 60)
  }
}
