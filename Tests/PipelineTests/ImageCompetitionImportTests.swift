import DojoCore
import Foundation
import Grading
import Pipeline
import Registry
import Testing

/// The mask and detection competitions' real manifests, imported end to end from miniatures
/// of their archives (same file names, columns and formats; tiny images), generated here: the
/// manifest's `kaggle:` source and page are swapped for the fixture archive and a local page,
/// then fetch, unpack, prepare, validate (gold, sample, refusals) and publish run as they
/// would on the real archive, and the published task grades a submission.
@Suite("Image competitions from their layout fixtures")
struct ImageCompetitionImportTests {
  /// A 1 × 1 grey PNG: the media only has to exist and move with its row.
  static let png = Data(
    base64Encoded:
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg=="
  )!

  static var repository: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
  }

  /// A competition's manifest folder copied into a scratch tree, its source pointed at
  /// `fixture.zip` and its page at a local file.
  struct Scratch {
    let root: URL
    let id: String
    var staging: URL { root.appendingPathComponent("staging") }
    var manifestDir: URL { root.appendingPathComponent("manifests/\(id)") }
    var options: ImportOptions {
      ImportOptions(
        raw: root.appendingPathComponent("raw"), curated: root.appendingPathComponent("curated"),
        registry: root.appendingPathComponent("curated/registry.sqlite"), environment: [:],
        skipReference: true)
    }

    init(_ id: String) throws {
      self.id = id
      root = FileManager.default.temporaryDirectory.appendingPathComponent("dojo-image-\(UUID())")
      let real = ImageCompetitionImportTests.repository.appendingPathComponent("manifests/\(id)")
      try AtomicFiles.createDirectory(manifestDir)
      // The leaderboards and a split script if any (scripts import only Dojo's dojo_split).
      for name in try FileManager.default.contentsOfDirectory(atPath: real.path)
      where name != "manifest.yaml" {
        try FileManager.default.copyItem(
          at: real.appendingPathComponent(name), to: manifestDir.appendingPathComponent(name))
      }
      var yaml = try String(
        contentsOf: real.appendingPathComponent("manifest.yaml"), encoding: .utf8)
      yaml = yaml.replacingOccurrences(of: "  kaggle: \(id)\n", with: "  url: fixture.zip\n")
      yaml = yaml.replacingOccurrences(of: "page: kaggle\n", with: "page: overview.html\n")
      #expect(yaml.contains("url: fixture.zip") && yaml.contains("page: overview.html"))
      try AtomicFiles.write(yaml, to: manifestDir.appendingPathComponent("manifest.yaml"))
      try AtomicFiles.write(
        "<html><body><main><h1>\(id)</h1><p>A miniature.</p></main></body></html>",
        to: manifestDir.appendingPathComponent("overview.html"))
    }

    func write(_ data: Data, _ path: String) throws {
      try AtomicFiles.write(data, to: staging.appendingPathComponent(path))
    }

    func write(_ text: String, _ path: String) throws { try write(Data(text.utf8), path) }

    /// Zips `paths` (relative to `dir`) into `dir/name` with Python's zipfile, then removes them.
    func zip(_ paths: [String], in dir: URL, name: String) throws {
      let r = try ProcessRunner.run(
        "/usr/bin/env", ["python3", "-m", "zipfile", "-c", name] + paths, directory: dir,
        limits: ProcessLimits(wallSeconds: 60))
      #expect(r.succeeded, "\(r.stderrTail)")
      for p in paths { try FileManager.default.removeItem(at: dir.appendingPathComponent(p)) }
    }

    /// Zips the staging folder into the manifest's `fixture.zip` and imports it.
    func importFixture() throws -> (ImportOutcome, Registry) {
      let top = try FileManager.default.contentsOfDirectory(atPath: staging.path).sorted()
      try zip(top, in: staging, name: "fixture.zip")
      try FileManager.default.moveItem(
        at: staging.appendingPathComponent("fixture.zip"),
        to: manifestDir.appendingPathComponent("fixture.zip"))
      let outcome = Importer(options).run(try ManifestLoader.load(manifestDir))
      return (outcome, try Registry(at: options.registry))
    }

    func remove() { try? FileManager.default.removeItem(at: root) }
  }

  struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
  }

  /// A random mask of a 101 × 101 image as Kaggle encodes it: a few column-major runs.
  static func mask(_ rng: inout SplitMix) -> String {
    guard Int.random(in: 0..<3, using: &rng) > 0 else { return "" }
    var pairs: [String] = []
    var next = Int.random(in: 1...500, using: &rng)
    while next < 101 * 101 - 200, pairs.count < 8 {
      let length = Int.random(in: 1...150, using: &rng)
      pairs.append("\(next) \(length)")
      next += length + Int.random(in: 1...900, using: &rng)
    }
    return pairs.joined(separator: " ")
  }

  /// Writes a submission of the task's test ids, each with `value(id)`.
  static func submission(_ task: URL, header: String, _ value: (String) -> String) throws -> URL {
    let sample = try String(
      contentsOf: task.appendingPathComponent("public/sample_submission.csv"), encoding: .utf8)
    let ids = sample.split(separator: "\n").dropFirst().map {
      String($0.split(separator: ",", omittingEmptySubsequences: false)[0])
    }
    let url = task.deletingLastPathComponent().appendingPathComponent("submission-\(UUID()).csv")
    try AtomicFiles.write(
      ([header] + ids.map { "\($0),\(value($0))" }).joined(separator: "\n") + "\n", to: url)
    return url
  }

  @Test func tgsSaltImportsAndGradesMasks() throws {
    let s = try Scratch("tgs-salt-identification-challenge")
    defer { s.remove() }
    var rng = SplitMix(state: 7)
    var train = "id,rle_mask\n"
    var depths = "id,z\n"
    var sample = "id,rle_mask\n"
    var truth: [String: String] = [:]
    for i in 0..<40 {
      let id = String(format: "%010x", UInt64(i) &* 0x9E37_79B9 % 0xFF_FFFF_FFFF)
      let m = Self.mask(&rng)
      truth[id] = m
      train += "\(id),\(m)\n"
      depths += "\(id),\(100 + i)\n"
      try s.write(Self.png, "competition_data/train/images/\(id).png")
      try s.write(Self.png, "competition_data/train/masks/\(id).png")
    }
    for i in 0..<5 {
      let id = "test\(i)abcde"
      depths += "\(id),\(300 + i)\n"
      sample += "\(id),1 1\n"
      try s.write(Self.png, "competition_data/test/images/\(id).png")
    }
    try s.write(train, "competition_data/train.csv")
    try s.zip(["competition_data"], in: s.staging, name: "competition_data.zip")
    try s.write(depths, "depths.csv")
    try s.write(sample, "sample_submission.csv")

    let (outcome, registry) = try s.importFixture()
    #expect(outcome.succeeded, "\(outcome.stage): \(outcome.error ?? "")")
    let task = try registry.task(s.id)
    #expect(task.testRows == 10)
    let dir = URL(fileURLWithPath: task.path)
    let images = try FileManager.default.subpathsOfDirectory(
      atPath: dir.appendingPathComponent("public").path
    ).filter { $0.hasSuffix(".png") }
    #expect(images.count == 40)

    let grader = try Grader(taskDirectory: dir)
    let perfect = try Self.submission(dir, header: "id,rle_mask") { truth[$0] ?? "" }
    #expect(grader.grade(submission: perfect).score == 1)
    let broken = try Self.submission(dir, header: "id,rle_mask") { _ in "10202 5" }
    let report = grader.grade(submission: broken)
    #expect(report.error?.kind == .invalidSubmission)
    #expect(report.error?.message.contains("past the image's 10201 pixels") == true)
  }

  @Test func kuzushijiImportsAndGradesPoints() throws {
    let s = try Scratch("kuzushiji-recognition")
    defer { s.remove() }
    var rng = SplitMix(state: 11)
    var train = "image_id,labels\n"
    var truth: [String: [(String, Int, Int, Int, Int)]] = [:]
    var pages: [String] = []
    for i in 0..<40 {
      let id = "100241706_\(String(format: "%05d", i))_1"
      var boxes: [(String, Int, Int, Int, Int)] = []
      for _ in 0..<Int.random(in: 0...5, using: &rng) {
        let label = ["U+306F", "U+304C", "U+3044"].randomElement(using: &rng)!
        boxes.append(
          (
            label, Int.random(in: 0...2000, using: &rng), Int.random(in: 0...3000, using: &rng),
            Int.random(in: 20...140, using: &rng), Int.random(in: 20...140, using: &rng)
          ))
      }
      truth[id] = boxes
      train +=
        "\(id),\(boxes.map { "\($0.0) \($0.1) \($0.2) \($0.3) \($0.4)" }.joined(separator: " "))\n"
      try s.write(Self.png, "train/\(id).jpg")
      pages.append("\(id).jpg")
    }
    try s.write(train, "train.csv")
    try s.zip(pages, in: s.staging.appendingPathComponent("train"), name: "../train_images.zip")
    try FileManager.default.removeItem(at: s.staging.appendingPathComponent("train"))
    try s.write(Self.png, "test/test_00001.jpg")
    try s.zip(
      ["test_00001.jpg"], in: s.staging.appendingPathComponent("test"), name: "../test_images.zip")
    try FileManager.default.removeItem(at: s.staging.appendingPathComponent("test"))
    try s.write("image_id,labels\ntest_00001,U+003F 1 1 U+FF2F 2 2\n", "sample_submission.csv")
    try s.write("Unicode,char\nU+306F,は\nU+304C,が\nU+3044,い\n", "unicode_translation.csv")

    let (outcome, registry) = try s.importFixture()
    #expect(outcome.succeeded, "\(outcome.stage): \(outcome.error ?? "")")
    let task = try registry.task(s.id)
    #expect(task.testRows == 4)
    let dir = URL(fileURLWithPath: task.path)
    let grader = try Grader(taskDirectory: dir)
    // Every centre, plus one stray point on the first page: TP n, FP 1, FN 0.
    var first = true
    var n = 0
    let centres = try Self.submission(dir, header: "image_id,labels") { id in
      var points = (truth[id] ?? []).map { "\($0.0) \($0.1 + $0.3 / 2) \($0.2 + $0.4 / 2)" }
      n += points.count
      if first {
        points.append("U+3044 -5 -5")
        first = false
      }
      return points.joined(separator: " ")
    }
    let score = try #require(grader.grade(submission: centres).score)
    let precision = Double(n) / Double(n + 1)
    #expect(abs(score - 2 * precision / (precision + 1)) < 1e-12)
    let broken = try Self.submission(dir, header: "image_id,labels") { _ in "U+306F 12" }
    #expect(grader.grade(submission: broken).error?.kind == .invalidSubmission)
  }
  @Test func hubmapImportsThroughItsScriptAndGradesWithPerSlideSizes() throws {
    let s = try Scratch("hubmap-kidney-segmentation")
    defer { s.remove() }
    var train = "id,encoding\n"
    var info = "image_file,width_pixels,height_pixels,patient_number\n"
    var truth: [String: String] = [:]
    for n in 0..<15 {
      let id = "\(String(n, radix: 16))e5c2a9f\(n)"
      // Slides of 40 x (20 + n) pixels: the last run ends on the last pixel.
      let pixels = 40 * (20 + n)
      truth[id] = "\(1 + n) \(7 + n) \(pixels - 9) 10"
      train += "\(id),\(truth[id]!)\n"
      info += "\(id).tiff,40,\(20 + n),\(67000 + n)\n"
      for name in ["\(id).tiff", "\(id).json", "\(id)-anatomical-structure.json"] {
        try s.write(Self.png, "train/\(name)")
      }
    }
    try s.write(train, "train.csv")
    try s.write(info, "HuBMAP-20-dataset_information.csv")
    try s.write(Self.png, "test/aa05346ff.tiff")
    try s.write("id,predicted\naa05346ff,\n", "sample_submission.csv")

    let (outcome, registry) = try s.importFixture()
    #expect(outcome.succeeded, "\(outcome.stage): \(outcome.error ?? "")")
    let task = try registry.task(s.id)
    #expect(task.testRows == 3)
    let dir = URL(fileURLWithPath: task.path)
    let grader = try Grader(taskDirectory: dir)
    let perfect = try Self.submission(dir, header: "id,encoding") { truth[$0] ?? "" }
    #expect(grader.grade(submission: perfect).score == 1)
    // Each slide's size is its own: a run past the smallest possible slide's end is refused.
    let past = try Self.submission(dir, header: "id,encoding") { _ in "\(40 * 35) 2" }
    #expect(grader.grade(submission: past).error?.kind == .invalidSubmission)
  }

  @Test func vinbigdataImportsThroughItsScriptAndGradesBoxes() throws {
    let s = try Scratch("vinbigdata-chest-xray-abnormalities-detection")
    defer { s.remove() }
    var train = "image_id,class_name,class_id,rad_id,x_min,y_min,x_max,y_max\n"
    for n in 0..<30 {
      let id = String(format: "%02d9c4ecd5a2c5e8a0f7e3b2d1c0b9a8f7", n)
      try s.write(Self.png, "train/\(id).dicom")
      if n % 3 == 0 {
        train += "\(id),No finding,14,R1,,,,\n\(id),No finding,14,R2,,,,\n"
      } else {
        train += "\(id),Aortic enlargement,0,R8,691,1375,1653,1831\n"
        train += "\(id),Aortic enlargement,0,R9,690,1370,1650,1830\n"
        train += "\(id),Lung Opacity,7,R10,\(100 + n),200,300,420.5\n"
      }
    }
    try s.write(train, "train.csv")
    try s.write(Self.png, "test/002a34c58c5b758217ed1f584ccbcfe9.dicom")
    try s.write(
      "image_id,PredictionString\n002a34c58c5b758217ed1f584ccbcfe9,14 1 0 0 1 1\n",
      "sample_submission.csv")

    let (outcome, registry) = try s.importFixture()
    #expect(outcome.succeeded, "\(outcome.stage): \(outcome.error ?? "")")
    let task = try registry.task(s.id)
    #expect(task.testRows == 3)
    let dir = URL(fileURLWithPath: task.path)
    let grader = try Grader(taskDirectory: dir)
    let answers = try String(
      contentsOf: dir.appendingPathComponent("private/answers.csv"), encoding: .utf8)
    var truth: [String: String] = [:]
    for line in answers.split(separator: "\n").dropFirst() {
      let parts = line.split(separator: ",", maxSplits: 1).map(String.init)
      truth[parts[0]] = parts[1]
    }
    let perfect = try Self.submission(dir, header: "image_id,PredictionString") { truth[$0]! }
    #expect(abs((grader.grade(submission: perfect).score ?? 0) - 1) < 1e-12)
    let malformed = try Self.submission(dir, header: "image_id,PredictionString") { _ in "14 1 0 0"
    }
    #expect(grader.grade(submission: malformed).error?.kind == .invalidSubmission)
  }
  @Test func siimImportsStudiesAndImagesAndGradesBothLevels() throws {
    let s = try Scratch("siim-covid19-detection")
    defer { s.remove() }
    var studies =
      "id,Negative for Pneumonia,Typical Appearance,Indeterminate Appearance,Atypical Appearance\n"
    var images = "id,boxes,label,StudyInstanceUID\n"
    for n in 0..<20 {
      let uid = String(format: "%02d086460a852", n)
      studies += "\(uid)_study,\((0..<4).map { $0 == n % 4 ? "1" : "0" }.joined(separator: ","))\n"
      let image = String(format: "%02da312787f2", n)
      try s.write(Self.png, "train/\(uid)/series/\(image).dcm")
      let label = n % 4 == 0 ? "none 1 0 0 1 1" : "opacity 1 \(10 + n) 20 300 400.5"
      images += "\(image)_image,,\(label),\(uid)\n"
    }
    try s.write(studies, "train_study_level.csv")
    try s.write(images, "train_image_level.csv")
    try s.write(Self.png, "test/ff0879eb20ed/x/y.dcm")
    try s.write(
      "id,PredictionString\nff0879eb20ed_study,negative 1 0 0 1 1\n", "sample_submission.csv")

    let (outcome, registry) = try s.importFixture()
    #expect(outcome.succeeded, "\(outcome.stage): \(outcome.error ?? "")")
    let task = try registry.task(s.id)
    #expect(task.testRows == 4)
    let dir = URL(fileURLWithPath: task.path)
    let grader = try Grader(taskDirectory: dir)
    let sample = try String(
      contentsOf: dir.appendingPathComponent("public/sample_submission.csv"), encoding: .utf8)
    let sampleURL = dir.deletingLastPathComponent().appendingPathComponent("sample-\(UUID()).csv")
    try AtomicFiles.write(sample, to: sampleURL)
    // The sample's "negative" and "none" guesses: a valid submission, scored below 1.
    let report = grader.grade(submission: sampleURL)
    #expect(report.error == nil && (report.score ?? 1) < 1)
  }
  @Test func globalWheatImportsThroughItsScriptAndGradesBoxes() throws {
    let s = try Scratch("global-wheat-detection")
    defer { s.remove() }
    var train = "image_id,width,height,bbox,source\n"
    for n in 0..<20 {
      let id = String(format: "b6ab7%04d", n)
      try s.write(Self.png, "train/\(id).jpg")
      for k in 0...(n % 3) {
        train += "\(id),1024,1024,\"[\(10 * k + n), 22.5, 56.0, 36.0]\",usask_1\n"
      }
    }
    try s.write(train, "train.csv")
    try s.write(Self.png, "test/2fd875eaa.jpg")
    try s.write("image_id,PredictionString\n2fd875eaa,1.0 0 0 50 50\n", "sample_submission.csv")

    let (outcome, registry) = try s.importFixture()
    #expect(outcome.succeeded, "\(outcome.stage): \(outcome.error ?? "")")
    let task = try registry.task(s.id)
    #expect(task.testRows == 4)
    let grader = try Grader(taskDirectory: URL(fileURLWithPath: task.path))
    let empty = try Self.submission(
      URL(fileURLWithPath: task.path), header: "image_id,PredictionString"
    ) { _ in "" }
    // No prediction on images with heads: every threshold scores 0.
    #expect(grader.grade(submission: empty).score == 0)
  }

  @Test func vesuviusImportsItsTestFragmentAndGradesInkMasks() throws {
    let s = try Scratch("vesuvius-challenge-ink-detection")
    defer { s.remove() }
    // A 10 x 5 ir.png header is all the script reads of it.
    var header = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13])
    header += Data("IHDR".utf8) + Data([0, 0, 0, 10, 0, 0, 0, 5, 8, 0, 0, 0, 0, 0, 0, 0, 0])
    for fragment in ["1", "2", "3"] {
      try s.write(Self.png, "train/\(fragment)/surface_volume/00.tif")
      try s.write(Self.png, "train/\(fragment)/mask.png")
      try s.write(Self.png, "train/\(fragment)/inklabels.png")
      try s.write(header, "train/\(fragment)/ir.png")
      try s.write("Id,Predicted\n\(fragment),2 4 20 3\n", "train/\(fragment)/inklabels_rle.csv")
    }
    try s.write(Self.png, "test/a/mask.png")
    try s.write("Id,Predicted\na,1 1 5 1\nb,1 1 5 1\n", "sample_submission.csv")

    let (outcome, registry) = try s.importFixture()
    #expect(outcome.succeeded, "\(outcome.stage): \(outcome.error ?? "")")
    let task = try registry.task(s.id)
    let dir = URL(fileURLWithPath: task.path)
    let grader = try Grader(taskDirectory: dir)
    // Truth 7 pixels; predicted 4 of them and 2 others: F0.5 = 1.25·4 / (1.25·4 + 0.25·3 + 2).
    let half = try Self.submission(dir, header: "Id,Predicted") { _ in "2 4 40 2" }
    let score = try #require(grader.grade(submission: half).score)
    #expect(abs(score - 5 / 7.75) < 1e-12)
    // The fragment is 50 pixels: a run to pixel 51 is refused.
    let past = try Self.submission(dir, header: "Id,Predicted") { _ in "49 3" }
    #expect(grader.grade(submission: past).error?.kind == .invalidSubmission)
  }
}
