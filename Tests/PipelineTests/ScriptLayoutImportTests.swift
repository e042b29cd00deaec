import DojoCore
import Foundation
import Grading
import Pipeline
import Registry
import Testing

/// The competitions whose layout needs a split script (labels in file or folder names, one
/// row per object), imported end to end from miniatures of their archives through their real
/// manifests and scripts. A fixture file holds its own label as text, so the test can tell
/// whether the published names hide the label and whether the answers agree with the files.
extension ImageCompetitionImportTests {
  /// The answers of a prepared task, `id → target` (two columns, no quoting).
  static func answers(_ dir: URL) throws -> [(String, String)] {
    let text = try String(
      contentsOf: dir.appendingPathComponent("private/answers.csv"), encoding: .utf8)
    return text.split(separator: "\n").dropFirst().map { line in
      let parts = line.split(separator: ",", maxSplits: 1).map(String.init)
      return (parts[0], parts.count > 1 ? parts[1] : "")
    }
  }

  static func contents(_ url: URL) throws -> String {
    try String(contentsOf: url, encoding: .utf8)
  }

  @Test func draperRenamesEachTestSetSoItsNamesHideTheDaysAndGradesByDay() throws {
    let s = try Scratch("draper-satellite-image-chronology")
    defer { s.remove() }
    for set in 1...10 {
      for day in 1...5 {
        try s.write("set \(set) day \(day) tif", "train/set\(set)_\(day).tif")
        try s.write("set \(set) day \(day) jpeg", "train_sm/set\(set)_\(day).jpeg")
      }
    }
    for k in 1...5 {
      try s.write("scrambled \(k)", "test/set200_\(k).tif")
      try s.write("scrambled \(k)", "test_sm/set200_\(k).jpeg")
    }
    for folder in ["train", "train_sm", "test", "test_sm"] {
      try s.zip([folder], in: s.staging, name: "\(folder).zip")
    }
    try s.write("setId,day\n200,1 2 3 4 5\n", "sample_submission.csv")

    let (outcome, registry) = try s.importFixture()
    #expect(outcome.succeeded, "\(outcome.stage): \(outcome.error ?? "")")
    let task = try registry.task(s.id)
    #expect(task.testRows == 4)
    let dir = URL(fileURLWithPath: task.path)
    let answers = try Self.answers(dir)
    // Each test image shown as setN_k holds the day the answer gives for k, in both formats,
    // and the kept sets' images keep their names.
    for (set, days) in answers {
      for (k, day) in days.split(separator: " ").enumerated() {
        let tif = dir.appendingPathComponent("public/test/set\(set)_\(k + 1).tif")
        let jpeg = dir.appendingPathComponent("public/test_sm/set\(set)_\(k + 1).jpeg")
        #expect(try Self.contents(tif) == "set \(set) day \(day) tif")
        #expect(try Self.contents(jpeg) == "set \(set) day \(day) jpeg")
      }
    }
    // The seeded renaming moves at least one test image off its day's number.
    #expect(answers.contains { $0.1 != "1 2 3 4 5" })
    let train = try FileManager.default.contentsOfDirectory(
      atPath: dir.appendingPathComponent("public/train").path)
    #expect(train.count == 30)
    for name in train {
      let day = name.split(separator: "_")[1].prefix(1)
      #expect(
        try Self.contents(dir.appendingPathComponent("public/train/\(name)")).contains("day \(day)")
      )
    }
    #expect(
      !FileManager.default.fileExists(
        atPath: dir.appendingPathComponent("public/test/set200_1.tif").path))

    let grader = try Grader(taskDirectory: dir)
    let truth = Dictionary(uniqueKeysWithValues: answers)
    let perfect = try Self.submission(dir, header: "setId,day") { truth[$0]! }
    #expect(abs((grader.grade(submission: perfect).score ?? 0) - 1) < 1e-12)
    // Every set reversed: Spearman -1 per set.
    let reversed = try Self.submission(dir, header: "setId,day") {
      truth[$0]!.split(separator: " ").map { String(6 - Int($0)!) }.joined(separator: " ")
    }
    #expect(abs((grader.grade(submission: reversed).score ?? 0) + 1) < 1e-12)
    let short = try Self.submission(dir, header: "setId,day") { _ in "1 2 3 4" }
    #expect(grader.grade(submission: short).error?.kind == .invalidSubmission)
  }

  @Test func alaska2DrawsEachTestImageFromOneFolderAndLabelsItByThatFolder() throws {
    let s = try Scratch("alaska2-image-steganalysis")
    defer { s.remove() }
    let folders = ["Cover", "JMiPOD", "JUNIWARD", "UERD"]
    for n in 1...60 {
      for folder in folders {
        try s.write("\(folder) \(n)", String(format: "\(folder)/%05d.jpg", n))
      }
    }
    for n in 1...3 { try s.write("unlabelled \(n)", String(format: "Test/%04d.jpg", n)) }
    try s.write("Id,Label\n0001.jpg,0\n0002.jpg,0\n0003.jpg,0\n", "sample_submission.csv")

    let (outcome, registry) = try s.importFixture()
    #expect(outcome.succeeded, "\(outcome.stage): \(outcome.error ?? "")")
    let task = try registry.task(s.id)
    #expect(task.testRows == 4)
    let dir = URL(fileURLWithPath: task.path)
    let answers = try Self.answers(dir)
    #expect(answers.map(\.0) == ["0001.jpg", "0002.jpg", "0003.jpg", "0004.jpg"])
    #expect(answers.filter { $0.1 == "1" }.count == 2)
    var held: Set<String> = []
    for (image, label) in answers {
      let text = try Self.contents(dir.appendingPathComponent("public/Test/\(image)"))
      // A cover is labelled 0, any algorithm's version 1.
      #expect(text.hasPrefix("Cover ") == (label == "0"), "\(image): \(text) labelled \(label)")
      held.insert(String(format: "%05d.jpg", Int(text.split(separator: " ")[1])!))
    }
    // A held-out image leaves all four folders; the others stay in all four.
    for folder in folders {
      let kept = Set(
        try FileManager.default.contentsOfDirectory(
          atPath: dir.appendingPathComponent("public/\(folder)").path))
      #expect(kept.count == 56 && kept.isDisjoint(with: held))
    }

    let grader = try Grader(taskDirectory: dir)
    let truth = Dictionary(uniqueKeysWithValues: answers)
    let perfect = try Self.submission(dir, header: "Id,Label") { truth[$0]! }
    #expect(grader.grade(submission: perfect).score == 1)
    let inverted = try Self.submission(dir, header: "Id,Label") { truth[$0] == "1" ? "0" : "1" }
    #expect(grader.grade(submission: inverted).score == 0)
  }

  @Test func airbusGradesOneRowPerShipAndRefusesOverlapsAndJoinedCells() throws {
    let s = try Scratch("airbus-ship-detection")
    defer { s.remove() }
    var table = "ImageId,EncodedPixels\n"
    for n in 0..<60 {
      let image = String(format: "%05x1b9c.jpg", n * 7919)
      try s.write("image \(n)", "train_v2/\(image)")
      if n % 3 == 0 {
        table += "\(image),\n"
      } else {
        // One or two ships, each a few column-major runs of a 768 x 768 image.
        for k in 0..<(n % 3) {
          let start = 1 + 3000 * n + 800 * k
          table += "\(image),\(start) 12 \(start + 768) 12 \(start + 1536) 10\n"
        }
      }
    }
    try s.write(table, "train_ship_segmentations_v2.csv")
    try s.write("test", "test_v2/00002bd58.jpg")
    try s.write("ImageId,EncodedPixels\n00002bd58.jpg,1 2\n", "sample_submission_v2.csv")

    let (outcome, registry) = try s.importFixture()
    #expect(outcome.succeeded, "\(outcome.stage): \(outcome.error ?? "")")
    let task = try registry.task(s.id)
    #expect(task.testRows == 4)
    let dir = URL(fileURLWithPath: task.path)
    let answers = try Self.answers(dir)
    #expect(answers.contains { $0.1.contains(";") }, "no held-out image with two ships")
    for (image, _) in answers {
      #expect(
        FileManager.default.fileExists(
          atPath: dir.appendingPathComponent("public/test_v2/\(image)").path))
    }
    let train = try Self.contents(
      dir.appendingPathComponent("public/train_ship_segmentations_v2.csv"))
    // The table keeps every row of the images left in train (a held-out image had one row
    // per ship, or one empty row).
    let heldRows: Int = answers.map { max(1, $0.1.split(separator: ";").count) }.reduce(0, +)
    let tableRows: Int = table.split(separator: "\n").count - 1
    #expect(train.split(separator: "\n").count - 1 == tableRows - heldRows)

    let grader = try Grader(taskDirectory: dir)
    // One row per ship, the images' rows interleaved and reversed; an image with none: "".
    var rows: [String] = []
    for (image, ships) in answers {
      let objects = ships.split(separator: ";")
      rows += objects.isEmpty ? ["\(image),"] : objects.map { "\(image),\($0)" }
    }
    let perfect = dir.deletingLastPathComponent().appendingPathComponent("perfect-\(UUID()).csv")
    try AtomicFiles.write(
      (["ImageId,EncodedPixels"] + rows.reversed()).joined(separator: "\n") + "\n", to: perfect)
    let report = grader.grade(submission: perfect)
    #expect(report.score == 1, "\(report.error?.message ?? "")")
    // The same ships joined in one cell are refused: each ship is its own row.
    let joined = try Self.submission(dir, header: "ImageId,EncodedPixels") {
      image in answers.first { $0.0 == image }!.1
    }
    let refused = grader.grade(submission: joined)
    #expect(refused.error?.kind == .invalidSubmission)
    #expect(refused.error?.message.contains("each object goes on its own row") == true)
    // Two rows of one image sharing a pixel are refused.
    let overlapping = dir.deletingLastPathComponent().appendingPathComponent(
      "overlap-\(UUID()).csv")
    try AtomicFiles.write(
      (["ImageId,EncodedPixels", "\(answers[0].0),1 10", "\(answers[0].0),5 10"]
        + answers.dropFirst().map { "\($0.0)," }).joined(separator: "\n") + "\n", to: overlapping)
    #expect(
      grader.grade(submission: overlapping).error?.message.contains("must not overlap") == true)
  }

  @Test func uwMadisonKeysRowsByIdAndClassAndGradesVolumes() throws {
    let s = try Scratch("uw-madison-gi-tract-image-segmentation")
    defer { s.remove() }
    var train = "id,class,segmentation\n"
    var rows = 0
    for c in 1...10 {
      // Case 3 has six days: its fifth and sixth go to the test side.
      let (width, height) = c % 2 == 0 ? (6, 4) : (5, 5)
      for day in (c == 3 ? [1, 2, 3, 4, 5, 6] : [1, 2]) {
        for slice in 1...3 {
          let id = String(format: "case\(c)_day\(day)_slice_%04d", slice)
          try s.write(
            "scan \(c) \(day) \(slice)",
            String(
              format:
                "train/case\(c)/case\(c)_day\(day)/scans/slice_%04d_\(width)_\(height)_1.50_1.50.png",
              slice))
          for (k, organ) in ["large_bowel", "small_bowel", "stomach"].enumerated() {
            let mask = (slice + k + c) % 3 == 0 ? "" : "\(1 + k * 6) \(1 + slice)"
            train += "\(id),\(organ),\(mask)\n"
            rows += 1
          }
        }
      }
    }
    try s.write(train, "train.csv")
    try s.write("id,class,predicted\n", "sample_submission.csv")

    let (outcome, registry) = try s.importFixture()
    #expect(outcome.succeeded, "\(outcome.stage): \(outcome.error ?? "")")
    let task = try registry.task(s.id)
    let dir = URL(fileURLWithPath: task.path)
    let answers = try Self.answers(dir)
    // Case 10 whole (the seed's pick) and case 3's days 5 and 6: three slices of three organs.
    #expect(answers.count == 36)
    #expect(answers.contains { $0.0 == "case10_day2_slice_0003_large_bowel" })
    #expect(answers.contains { $0.0 == "case3_day5_slice_0001_stomach" })
    #expect(answers.allSatisfy { !$0.0.hasPrefix("case3_day4_") })
    #expect(
      FileManager.default.fileExists(
        atPath: dir.appendingPathComponent(
          "public/test/case3/case3_day6/scans/slice_0002_5_5_1.50_1.50.png"
        ).path))
    let publicTrain = try Self.contents(dir.appendingPathComponent("public/train.csv"))
    #expect(publicTrain.split(separator: "\n").count == 1 + rows - answers.count)
    #expect(!publicTrain.contains("case3_day5_"))

    let grader = try Grader(taskDirectory: dir)
    let truth = Dictionary(
      uniqueKeysWithValues: answers.map {
        ($0.0, String($0.1.split(separator: ",", omittingEmptySubsequences: false)[0]))
      })
    let perfect = try Self.submission(dir, header: "row_id,predicted") { truth[$0]! }
    #expect(grader.grade(submission: perfect).score == 1)
    // Every organ everywhere missed: Dice 0 and distance 1 wherever the answers mark anything.
    let empty = try Self.submission(dir, header: "row_id,predicted") { _ in "" }
    #expect(grader.grade(submission: empty).score == 0)
    // A 5 x 5 slice has 25 pixels.
    let past = try Self.submission(dir, header: "row_id,predicted") { _ in "25 2" }
    #expect(grader.grade(submission: past).error?.kind == .invalidSubmission)
  }
}
