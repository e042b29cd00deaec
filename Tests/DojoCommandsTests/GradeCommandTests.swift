import Foundation
import Testing

@Suite("dojo grade and dojo metric")
struct GradeCommandTests {
  /// A prepared task with an accuracy metric, three answers and a leaderboard.
  static func task() throws -> URL {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent(
      "dojo-grade-cli-\(UUID().uuidString)")
    let priv = root.appendingPathComponent("private")
    try FileManager.default.createDirectory(at: priv, withIntermediateDirectories: true)
    let spec = """
      {"id":"tiny","version":"v","title":"Tiny","metric":{"name":"accuracy"},
      "lower_is_better":false,"id_column":"id","targets":["y"],"classes":["no","yes"],
      "submission_columns":["y"],"answers":"answers.csv","leaderboards":["lb.csv"],
      "train_rows":0,"test_rows":0,"files":{}}
      """
    try Data(spec.utf8).write(to: priv.appendingPathComponent("task.json"))
    try Data("id,y\n1,yes\n2,no\n3,no\n".utf8).write(to: priv.appendingPathComponent("answers.csv"))
    try Data("rank,score\n1,0.9\n2,0.6\n3,0.3\n".utf8).write(
      to: priv.appendingPathComponent("lb.csv"))
    return root
  }

  @Test func gradeReportsJSONWithEveryField() throws {
    let root = try Self.task()
    defer { try? FileManager.default.removeItem(at: root) }
    let sub = root.appendingPathComponent("s.csv")
    try Data("id,y\n3,no\n1,yes\n2,yes\n".utf8).write(to: sub)
    let r = try CLI.run(["grade", root.path, sub.path, "--json"])
    #expect(r.status == 0)
    let json = try #require(
      try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    let fields: Set<String> = [
      "task", "valid", "error", "score", "lower_is_better", "rank", "human_rank", "above_median",
      "gold_medal", "silver_medal", "bronze_medal", "any_medal", "thresholds", "leaderboard_size",
    ]
    #expect(Set(json.keys) == fields)
    #expect(json["valid"] as? Bool == true)
    #expect(abs((json["score"] as? Double ?? 0) - 2.0 / 3) < 1e-12)
    #expect(json["rank"] as? Int == 2)
    // Three teams: every medal's threshold is rank 1 (0.9); the median 0.6 is beaten.
    #expect(json["any_medal"] as? Bool == false)
    #expect(json["above_median"] as? Bool == true)
    #expect(json["leaderboard_size"] as? Int == 3)
  }

  @Test func invalidSubmissionIsAReportAndExitsZero() throws {
    let root = try Self.task()
    defer { try? FileManager.default.removeItem(at: root) }
    let sub = root.appendingPathComponent("s.csv")
    try Data("id,y\n1,maybe\n2,no\n3,no\n".utf8).write(to: sub)
    let r = try CLI.run(["grade", root.path, sub.path, "--json"])
    #expect(r.status == 0)
    #expect(r.stdout.contains("\"kind\" : \"invalid_submission\""))
    #expect(
      r.stdout.contains("row 2: column \\\"y\\\": \\\"maybe\\\" is not one of the task's 2 classes")
    )
  }

  @Test func graderErrorExitsOne() throws {
    let root = try Self.task()
    defer { try? FileManager.default.removeItem(at: root) }
    try FileManager.default.removeItem(at: root.appendingPathComponent("private/answers.csv"))
    let sub = root.appendingPathComponent("s.csv")
    try Data("id,y\n1,yes\n".utf8).write(to: sub)
    let json = try CLI.run(["grade", root.path, sub.path, "--json"])
    #expect(json.status == 1)
    #expect(json.stdout.contains("\"kind\" : \"grader_error\""))
    let text = try CLI.run(["grade", root.path, sub.path])
    #expect(text.status == 1)
    #expect(text.stderr.hasPrefix("error: grader error: "))
  }

  @Test func metricScoresTwoFiles() throws {
    let root = try Self.task()
    defer { try? FileManager.default.removeItem(at: root) }
    let answers = root.appendingPathComponent("a.csv")
    let sub = root.appendingPathComponent("s.csv")
    try Data("id,y\n1,a\n2,b\n".utf8).write(to: answers)
    try Data("id,y\n2,b c\n1,c a\n".utf8).write(to: sub)
    let r = try CLI.run([
      "metric", "map@k", "--answers", answers.path, "--submission", sub.path, "--id", "id",
      "--target", "y", "--param", "k=2", "--json",
    ])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("\"metric\" : \"map@k\""))
    #expect(r.stdout.contains("\"score\" : 0.75"))
    let bad = try CLI.run([
      "metric", "map@k", "--answers", answers.path, "--submission", sub.path, "--id", "id",
      "--target", "y", "--param", "q=2",
    ])
    #expect(bad.status == 1)
    #expect(bad.stderr.contains("unknown parameter \"q\""))
  }
}
