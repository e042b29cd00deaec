internal import Foundation
internal import Prometheus

/// The server's Prometheus metrics, served at `GET /metrics` in the text exposition format:
/// steps taken (by action and status), step durations (by action), sandbox outcomes, and
/// the sessions open.
public final class RuntimeMetrics: Sendable {
  let registry = PrometheusCollectorRegistry()
  private let sessionsOpen: Gauge

  static let durationBuckets: [Duration] = [
    .milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250),
    .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30),
    .seconds(60), .seconds(300), .seconds(900), .seconds(3600),
  ]

  init(openSessions: Int) {
    sessionsOpen = registry.makeGauge(
      descriptor: MetricNameDescriptor(
        namespace: "dojo", metricName: "sessions_open", unitName: "",
        helpText: "Sessions opened and neither closed nor deleted"))
    sessionsOpen.set(Double(openSessions))
  }

  /// One finished step: its action, the status its observation gave, how long it took.
  func step(action: String, status: String, seconds: Double) {
    registry.makeCounter(
      descriptor: MetricNameDescriptor(
        namespace: "dojo", metricName: "steps", unitName: "total", helpText: "Steps taken"),
      labels: [("action", action), ("status", status)]
    ).increment()
    registry.makeDurationHistogram(
      descriptor: MetricNameDescriptor(
        namespace: "dojo", metricName: "step_duration", unitName: "seconds",
        helpText: "Wall time of a step, from its request to its answer"),
      labels: [("action", action)], buckets: Self.durationBuckets
    ).record(.nanoseconds(Int64(max(0, seconds) * 1e9)))
  }

  /// How a sandboxed run ended: `ok`, `error`, `timeout`, `out_of_memory`, `cpu_limit`.
  func sandboxRun(outcome: String) {
    registry.makeCounter(
      descriptor: MetricNameDescriptor(
        namespace: "dojo", metricName: "sandbox_runs", unitName: "total",
        helpText: "Sandboxed runs, by how they ended"),
      labels: [("outcome", outcome)]
    ).increment()
  }

  func sessionOpened() { sessionsOpen.increment() }
  func sessionClosed() { sessionsOpen.decrement() }

  /// The exposition text.
  func text() -> String { registry.emitToString() }

  /// How a run ended, from the `run` object of an observation.
  static func outcome(of run: JSONValue) -> String {
    if run["timed_out"]?.bool == true { return "timeout" }
    if run["out_of_memory"]?.bool == true { return "out_of_memory" }
    if run["cpu_limit_exceeded"]?.bool == true { return "cpu_limit" }
    return run["exit_code"]?.number == 0 ? "ok" : "error"
  }
}
