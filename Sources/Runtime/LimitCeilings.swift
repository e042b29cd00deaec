internal import DojoCore
internal import Foundation

/// The limits `dojo serve` was started with are ceilings: a session may ask for less,
/// never more. Every number a client sends is checked here, as the double JSON gave, before
/// it becomes an `Int` or enters any arithmetic (the sandbox multiplies MiB into bytes).
enum LimitCeilings {
  /// Bounds that hold even where the server sets no ceiling, far below any overflow.
  static let maxMemoryMB = 16 << 20  // 16 TiB
  static let maxCPUSeconds = 7 * 24 * 3600
  static let maxWallSeconds = Double(7 * 24 * 3600)
  static let maxGPUs = 64
  static let minMemoryMB = 32
  static let maxSteps = 1_000_000
  static let maxBudgetSeconds = Double(30 * 24 * 3600)

  /// The session's limits: the server's, lowered where the client asked for less.
  ///
  /// - Throws: ``DojoError`` `.invalidArgument` naming the limit, the value and the ceiling.
  static func resolve(_ given: CreateSessionRequest.Limits?, ceilings: SessionLimits) throws
    -> SessionLimits
  {
    var limits = ceilings
    guard let given else { return limits }
    if let wall = given.executionTimeoutS {
      let ceiling = min(ceilings.executionTimeoutS, maxWallSeconds)
      guard wall.isFinite, wall > 0 else {
        throw DojoError(
          .invalidArgument,
          "limits.execution_timeout_s must be a positive number of seconds, not \(wall)")
      }
      guard wall <= ceiling else {
        throw DojoError(
          .invalidArgument,
          "limits.execution_timeout_s \(wall) is above this server's ceiling of \(ceiling) s (dojo serve --timeout); ask for \(ceiling) or less"
        )
      }
      limits.executionTimeoutS = wall
    }
    if let memory = given.memoryMB {
      let ceiling = min(ceilings.memoryMB ?? maxMemoryMB, maxMemoryMB)
      limits.memoryMB = try whole(
        memory, "memory_mb", unit: "MiB", range: minMemoryMB...ceiling, option: "--memory")
    }
    if let cpu = given.cpuS {
      let ceiling = min(ceilings.cpuS ?? maxCPUSeconds, maxCPUSeconds)
      limits.cpuS = try whole(cpu, "cpu_s", unit: "s", range: 1...ceiling, option: "--cpu-s")
    }
    if let gpus = given.gpus {
      let ceiling = min(ceilings.gpus, maxGPUs)
      limits.gpus = try whole(gpus, "gpus", unit: "", range: 0...ceiling, option: "--gpus")
    }
    if let steps = given.maxSteps {
      let ceiling = min(ceilings.maxSteps ?? maxSteps, maxSteps)
      limits.maxSteps = try whole(
        steps, "max_steps", unit: "steps", range: 1...ceiling, option: "--max-steps")
    }
    if let time = given.timeBudgetS {
      limits.timeBudgetS = try seconds(
        time, "time_budget_s", ceiling: ceilings.timeBudgetS, option: "--time-budget")
    }
    if let cpu = given.cpuBudgetS {
      limits.cpuBudgetS = try seconds(
        cpu, "cpu_budget_s", ceiling: ceilings.cpuBudgetS, option: "--cpu-budget")
    }
    return limits
  }

  /// A positive number of seconds at most `ceiling` (or the absolute bound without one).
  private static func seconds(_ value: Double, _ name: String, ceiling: Double?, option: String)
    throws -> Double
  {
    let bound = min(ceiling ?? maxBudgetSeconds, maxBudgetSeconds)
    guard value.isFinite, value > 0 else {
      throw DojoError(
        .invalidArgument, "limits.\(name) must be a positive number of seconds, not \(value)")
    }
    guard value <= bound else {
      throw DojoError(
        .invalidArgument,
        "limits.\(name) \(value) is above this server's ceiling of \(bound) s (dojo serve \(option)); ask for \(bound) or less"
      )
    }
    return value
  }

  /// A whole number in `range`, checked while still a double (so 1e300 never traps).
  private static func whole(
    _ value: Double, _ name: String, unit: String, range: ClosedRange<Int>, option: String
  ) throws -> Int {
    let suffix = unit.isEmpty ? "" : " " + unit
    guard value.isFinite, value == value.rounded() else {
      throw DojoError(.invalidArgument, "limits.\(name) must be a whole number, not \(value)")
    }
    guard value >= Double(range.lowerBound) else {
      throw DojoError(
        .invalidArgument,
        "limits.\(name) must be at least \(range.lowerBound)\(suffix), not \(Self.show(value))")
    }
    guard value <= Double(range.upperBound) else {
      throw DojoError(
        .invalidArgument,
        "limits.\(name) \(Self.show(value)) is above this server's ceiling of \(range.upperBound)\(suffix) (dojo serve \(option)); ask for \(range.upperBound) or less"
      )
    }
    return Int(value)
  }

  private static func show(_ value: Double) -> String {
    abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
  }
}
