internal import DojoCore
internal import Foundation

/// What agent code runs with: the Python environment's packages and versions, and the
/// machine's CPUs, memory and GPUs, so an agent can plan without probing.
struct AgentEnvironment: Sendable {
  var pythonVersion: String?
  /// Distribution name → version, as `importlib.metadata` lists them.
  var packages: [(name: String, version: String)]
  /// Why the packages could not be read, if they could not.
  var problem: String?
  var cpus: Int
  var memoryBytes: UInt64
  var gpus: [String]

  /// Lists the packages of `python` (outside the sandbox: it is the server's own
  /// interpreter, and nothing of an agent's runs in it) and reads the machine.
  ///
  /// Blocking: call it through ``BlockingWork``.
  static func read(python: String) -> AgentEnvironment {
    var environment = AgentEnvironment(
      pythonVersion: nil, packages: [], problem: nil,
      cpus: ProcessInfo.processInfo.activeProcessorCount,
      memoryBytes: ProcessInfo.processInfo.physicalMemory, gpus: gpuDevices())
    let script = """
      import importlib.metadata as m, json, platform
      names = {}
      for d in m.distributions():
          name = d.metadata["Name"]
          if name:
              names[name] = d.version
      print(json.dumps({"python": platform.python_version(), "packages": names}))
      """
    do {
      let run = try ProcessRunner.run(
        python, ["-I", "-c", script], environment: ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"],
        limits: ProcessLimits(wallSeconds: 60, outputTailBytes: 1 << 20))
      guard run.succeeded else {
        environment.problem = "listing the packages failed: \(run.summary): \(run.stderrTail)"
        return environment
      }
      let parsed = try JSONValue.parse(run.stdoutTail)
      environment.pythonVersion = parsed["python"]?.string
      if case .object(let names)? = parsed["packages"] {
        environment.packages = names.compactMap { name, version in
          version.string.map { (name, $0) }
        }.sorted { $0.name.lowercased() < $1.name.lowercased() }
      }
    } catch {
      environment.problem = "listing the packages failed: \(error)"
    }
    return environment
  }

  /// NVIDIA device nodes present on the host (`/dev/nvidia0`, ...).
  static func gpuDevices() -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: "/dev")) ?? []
    return names.filter { $0.hasPrefix("nvidia") && $0.dropFirst(6).allSatisfy(\.isNumber) }
      .filter { $0.count > 6 }.sorted().map { "/dev/" + $0 }
  }

  /// As `request_info` answers it, with what this session may use of the machine.
  func json(limits: SessionLimits) -> JSONValue {
    .object([
      "python": .string(pythonVersion),
      "packages": .object(
        Dictionary(packages.map { ($0.name, JSONValue.string($0.version)) }) { a, _ in a }),
      "packages_error": .string(problem),
      "cpu": .object([
        "machine_cpus": .number(Double(cpus)),
        "cpu_seconds_per_process": .number(limits.cpuS.map(Double.init)),
      ]),
      "memory": .object([
        "machine_bytes": .number(Double(memoryBytes)),
        "session_limit_mb": .number(limits.memoryMB.map(Double.init)),
      ]),
      "gpus": .object([
        "machine_devices": .array(gpus.map(JSONValue.string)),
        "session_gpus": .number(Double(limits.gpus)),
      ]),
    ])
  }
}
