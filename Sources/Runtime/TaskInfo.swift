internal import DojoCore
internal import Foundation
internal import Registry
internal import Sandbox

/// Answers `request_info` from the task's public files and its published metadata.
struct TaskInfo {
  let task: PublishedTask
  let spec: TaskSpec
  let publicDirectory: URL
  let options: SessionOptions
  let enforcement: LimitEnforcement
  /// The agent environment's description (``AgentEnvironment``), read only when asked for.
  let environment: JSONValue

  func info(_ type: InfoType) throws -> JSONValue {
    switch type {
    case .overview:
      return .string(try read("description.md", limit: 256 * 1024))
    case .sampleSubmission:
      return .string(try head("sample_submission.csv", lines: 20))
    case .dataStructure:
      return .string(tree())
    case .dataPath:
      return .string(SessionManager.dataPath)
    case .outputPath:
      return .string(SessionManager.outputPath)
    case .name:
      return .string(task.id)
    case .metadata:
      return .object([
        "id": .string(task.id), "version": .string(task.version), "title": .string(task.title),
        "metric": .string(task.metric), "lower_is_better": .bool(task.lowerIsBetter),
        "id_column": .string(spec.idColumn), "targets": .array(spec.targets.map(JSONValue.string)),
        "submission_columns": .array(spec.submissionColumns.map(JSONValue.string)),
        "train_rows": .number(Double(task.trainRows)), "test_rows": .number(Double(task.testRows)),
        "limits": try JSONValue.encoding(options.limits),
        "score_mode": .string(options.scoreMode.rawValue),
        "limits_enforced_by": .string(enforcement.rawValue),
      ])
    case .environment:
      return environment
    case .all:
      var all: [String: JSONValue] = [:]
      for type in InfoType.allCases where type != .all { all[type.rawValue] = try info(type) }
      return .object(all)
    }
  }

  private func read(_ name: String, limit: Int) throws -> String {
    let url = publicDirectory.appendingPathComponent(name)
    guard let handle = try? FileHandle(forReadingFrom: url) else {
      throw DojoError(
        .notFound, "task \(task.id) \(task.version) has no public/\(name); publish it again")
    }
    defer { try? handle.close() }
    let data = (try? handle.read(upToCount: limit)) ?? nil
    return String(decoding: data ?? Data(), as: UTF8.self)
  }

  private func head(_ name: String, lines: Int) throws -> String {
    let text = try read(name, limit: 64 * 1024)
    return text.split(separator: "\n", omittingEmptySubsequences: false).prefix(lines)
      .joined(separator: "\n")
  }

  /// An indented listing of `public/` with sizes, at most 200 entries.
  private func tree() -> String {
    var lines = [SessionManager.dataPath + "/"]
    let fm = FileManager.default
    func walk(_ dir: URL, depth: Int) {
      guard lines.count < 200,
        let names = try? fm.contentsOfDirectory(atPath: dir.path).sorted()
      else { return }
      for name in names {
        if lines.count >= 200 {
          lines.append(String(repeating: "  ", count: depth) + "...")
          return
        }
        let url = dir.appendingPathComponent(name)
        let attributes = try? fm.attributesOfItem(atPath: url.path)
        let indent = String(repeating: "  ", count: depth)
        if attributes?[.type] as? FileAttributeType == .typeDirectory {
          lines.append(indent + name + "/")
          walk(url, depth: depth + 1)
        } else {
          let size = (attributes?[.size] as? NSNumber)?.int64Value ?? 0
          lines.append(indent + name + " (\(size) bytes)")
        }
      }
    }
    walk(publicDirectory, depth: 1)
    return lines.joined(separator: "\n")
  }
}
