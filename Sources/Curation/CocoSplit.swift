internal import DojoCore
internal import Foundation
internal import Tabular

extension Preparer {
  /// Splits a COCO-style metadata file (`table.format: coco`) by image with the same planner
  /// as a table: each image is a row labelled by its one annotation's `category_id` (so
  /// `split.strategy: stratified` with `stratify: category_id` keeps every category's
  /// share). Public train is the metadata with only the training images and annotations,
  /// the images kept at their `file_name` under `public.train_images`. Test images are
  /// shuffled (by the split's seed), numbered from 0 and renamed by `public.test_name` under
  /// `public.test_images`, so neither their order nor their names tell their category; the
  /// public test metadata lists them without annotations. The answers map each number to
  /// its category.
  func writeCocoSplit(files: RawFiles, work: TaskLayout) throws -> (
    (train: Int, test: Int), [[String]]
  ) {
    guard let spec = manifest.publicFiles, let trainImages = spec.trainImages,
      let testImages = spec.testImages, let testName = spec.testName,
      let trainMeta = spec.train, let testMeta = spec.test
    else {
      throw DojoError(
        .invalidManifest,
        "public.train, public.test, public.train_images, public.test_images and public.test_name are required by table.format coco"
      )
    }
    let table = manifest.table ?? Manifest.Table(format: .coco)
    let url = try files.one(manifest.files.train, key: "files.train")
    let file = url.lastPathComponent
    let value = try JSONRecords.loadValue(url, latin1: table.encoding == "latin-1")
    guard case .object(var meta) = value else {
      throw DojoError(
        .invalidData, "\(file): is not a COCO metadata object (expected {\"images\": [...], ...})")
    }
    func objects(_ key: String) throws -> [JSONRecords.Record] {
      guard case .array(let items)? = meta[key] else {
        throw DojoError(.invalidData, "\(file): has no \"\(key)\" list; COCO metadata needs one")
      }
      return try items.enumerated().map { i, item in
        guard case .object(let record) = item else {
          throw DojoError(.invalidData, "\(file): \(key)[\(i)] is not an object")
        }
        return record
      }
    }
    let images = try objects("images")
    let annotations = try objects("annotations")
    // Each image's one annotation, by image id.
    var annotationOf: [String: Int] = [:]
    for (i, annotation) in annotations.enumerated() {
      guard let imageID = annotation["image_id"]?.cell, annotation["category_id"]?.cell != nil
      else {
        throw DojoError(
          .invalidData, "\(file): annotations[\(i)] needs an image_id and a category_id")
      }
      if annotationOf.updateValue(i, forKey: imageID) != nil {
        throw DojoError(
          .invalidData,
          "\(file): image \"\(imageID)\" has more than one annotation; the split needs one label per image"
        )
      }
    }
    var labels: [String] = []
    var names: [String] = []
    var seen = Set<String>()
    for (i, image) in images.enumerated() {
      guard let id = Self.cocoImageID(image), !id.isEmpty,
        case .string(let name)? = image["file_name"]
      else {
        throw DojoError(
          .invalidData, "\(file): images[\(i)] needs an id (or image_id) and a file_name")
      }
      if !seen.insert(id).inserted {
        throw DojoError(.invalidData, "\(file): image id \"\(id)\" appears twice in images")
      }
      guard Manifest.Table.isContainedPath(name) else {
        throw DojoError(
          .invalidData,
          "\(file): images[\(i)].file_name \"\(name)\" leaves its folder; it must be a relative path without \"..\""
        )
      }
      guard let a = annotationOf[id], let label = annotations[a]["category_id"]?.cell else {
        throw DojoError(.invalidData, "\(file): image \"\(id)\" (images[\(i)]) has no annotation")
      }
      labels.append(label)
      names.append(name)
    }
    let sides = try SplitPlanner(manifest.split).assign(rowCount: images.count) { column in
      if column == "category_id" { return CodedColumn(labels) }
      return CodedColumn(
        try images.enumerated().map { i, image in
          guard let value = image[column]?.cell else {
            throw DojoError(
              .invalidManifest, "split: images[\(i)] of \(file) has no value \"\(column)\"")
          }
          return value
        })
    }
    let imageRoot = table.images ?? ""
    func source(_ row: Int) throws -> URL {
      let relative = imageRoot.isEmpty ? names[row] : imageRoot + "/" + names[row]
      let url = files.root.appendingPathComponent(relative)
      guard FileManager.default.fileExists(atPath: url.path) else {
        throw DojoError(
          .invalidData,
          "\(file): image file \(relative) (images[\(row)]) is not in the archive; check table.images"
        )
      }
      return url
    }
    func inPublic(_ folder: String, _ name: String) -> URL {
      work.publicDir.appendingPathComponent(folder.isEmpty ? name : folder + "/" + name)
    }
    // Train: the metadata with only its images and their annotations; images keep their path.
    var trainIDs = Set<String>()
    var trainTargets: [String] = []
    var trainImageList: [JSONRecordValue] = []
    for row in images.indices where sides[row] == .train {
      try MediaMover.linkOrCopy(try source(row), to: inPublic(trainImages, names[row]))
      trainIDs.insert(Self.cocoImageID(images[row]) ?? "")
      trainImageList.append(.object(images[row]))
      trainTargets.append(labels[row])
    }
    meta["images"] = .array(trainImageList)
    meta["annotations"] = .array(
      annotations.filter { trainIDs.contains($0["image_id"]?.cell ?? "") }.map { .object($0) })
    try JSONRecords.writeValue(.object(meta), to: work.publicDir.appendingPathComponent(trainMeta))
    // Test: shuffled, numbered, renamed; the metadata lists the images only.
    var testRows = images.indices.filter { sides[$0] == .test }
    var generator = SeededGenerator(seed: manifest.split.seed)
    generator.shuffle(&testRows)
    let answers = try RowSink(
      url: work.answers, header: [manifest.answers.id] + manifest.answers.targets)
    var shown: [JSONRecordValue] = []
    for (n, row) in testRows.enumerated() {
      let name = Self.testName(testName, n)
      try MediaMover.linkOrCopy(try source(row), to: inPublic(testImages, name))
      var image = images[row].filter { !["id", "image_id", "file_name"].contains($0.key) }
      // Numbered under the key the archive's metadata uses for image ids.
      image[images[row]["id"] == nil && images[row]["image_id"] != nil ? "image_id" : "id"] =
        .string(String(n))
      image["file_name"] = .string(name)
      shown.append(.object(image))
      try answers.append([String(n), labels[row]])
    }
    try answers.finish()
    let testValue: JSONRecordValue
    if spec.testMetadata == .list {
      testValue = .array(shown)
    } else {
      var object: JSONRecords.Record = ["images": .array(shown)]
      for key in ["info", "licenses"] { object[key] = meta[key] }
      testValue = .object(object)
    }
    try JSONRecords.writeValue(testValue, to: work.publicDir.appendingPathComponent(testMeta))
    return ((trainImageList.count, testRows.count), [trainTargets])
  }

  /// A test image's name from its number: `{n}`, `{k}` (n / 1000) and their zero-padded
  /// forms `{n:06d}`, `{k:03d}`.
  static func testName(_ pattern: String, _ n: Int) -> String {
    pattern.replacing(/\{([nk])(?::0([1-9])d)?\}/) { match in
      let value = match.output.1 == "k" ? n / 1000 : n
      let text = String(value)
      guard let width = match.output.2.flatMap({ Int($0) }), text.count < width else { return text }
      return String(repeating: "0", count: width - text.count) + text
    }
  }

  /// An image's id: COCO's `id`, or `image_id` where the metadata names it so (Herbarium
  /// 2022's `train_metadata.json` keys images and annotations alike by `image_id`).
  static func cocoImageID(_ image: JSONRecords.Record) -> String? {
    (image["id"] ?? image["image_id"])?.cell
  }
}
