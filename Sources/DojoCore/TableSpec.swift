import Foundation

/// How the split reads `files.train` and what it writes to `public/`: the manifest's `table:`
/// and `public:` keys, kept apart from ``Manifest``'s core keys because they only describe
/// the shape of a source table, never the split rule.

extension Manifest {
  /// How to read the labelled table (`table:`). Every key is optional; without any, the
  /// table is a UTF-8, comma-separated CSV with a header naming every column.
  public struct Table: Codable, Sendable, Equatable {
    /// The layout of `files.train`.
    public enum Format: String, Codable, Sendable, CaseIterable {
      /// Delimited text with a header line.
      case csv
      /// A JSON file holding a list of objects, one per row (`[{"id": ..}, ...]`).
      case jsonRecords = "json_records"
      /// A COCO-style metadata file (`images`, `annotations`, `categories`): one row per
      /// image, labelled by its annotation's `category_id`; images move with their rows.
      case coco
      /// An Apache Parquet file, converted to CSV by pyarrow in the sandbox before the split;
      /// every other `table:` key then applies as to a CSV (the dialect keys do not).
      case parquet
    }
    /// How quote characters are read.
    public enum Quoting: String, Codable, Sendable, CaseIterable {
      /// A field may be enclosed in double quotes, with `""` for a quote (RFC 4180).
      case minimal
      /// Quote characters are data; a field ends at the delimiter or the line's end.
      case none
    }
    /// The text encodings the reader decodes (to UTF-8, as every public file is written).
    public static let encodings = ["utf-8", "latin-1"]

    public var format: Format
    /// The field separator, one ASCII character (`","`, `"\t"`, `";"`, `"|"`).
    public var delimiter: String
    public var quoting: Quoting
    /// A character that makes the next one literal (a quote or delimiter inside a field).
    public var escape: String?
    /// `utf-8` or `latin-1`.
    public var encoding: String
    /// A new name for the first column, which Kaggle sometimes leaves empty.
    public var renameFirst: String?
    /// A new first column holding each row's id: its row number from 0 in the source file,
    /// or the values of `id_parts` joined by `_`. The answers' id must name it.
    public var rowID: String?
    /// The columns whose values, joined by `_`, make `row_id`.
    public var idParts: [String]
    /// Leave out rows whose target is empty (they have no label to learn or score).
    public var dropUnlabelled: Bool
    /// Score only the test rows whose `column` holds `value`; the others stay in the public
    /// test table (as inputs) but not in the answers.
    public var scoredWhere: ScoredWhere?
    /// For `format: coco`: the archive folder that images' `file_name`s are relative to
    /// (`""` for the archive's root).
    public var images: String?
    /// Columns added after the last one, each from another column's value: a copy, or
    /// `then` where the value is one of `when` and `else` elsewhere (one-hot classes, a row
    /// weight).
    public var derive: [Derived]

    /// One derived column.
    public struct Derived: Codable, Sendable, Equatable {
      /// The new column's name.
      public var column: String
      /// The column it is computed from.
      public var from: String
      /// The values of `from` that give `then`; absent: the column is a copy of `from`.
      public var when: [String]?
      public var then: String?
      public var otherwise: String?

      enum CodingKeys: String, CodingKey, CaseIterable {
        case column, from, when, then
        case otherwise = "else"
      }

      public init(
        column: String, from: String, when: [String]? = nil, then: String? = nil,
        otherwise: String? = nil
      ) {
        self.column = column
        self.from = from
        self.when = when
        self.then = then
        self.otherwise = otherwise
      }

      public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        column = try c.decode(String.self, forKey: .column)
        from = try c.decode(String.self, forKey: .from)
        when = try c.decodeIfPresent([String].self, forKey: .when)
        then = try c.decodeIfPresent(String.self, forKey: .then)
        otherwise = try c.decodeIfPresent(String.self, forKey: .otherwise)
        if column.isEmpty { throw decoder.fail(CodingKeys.column, "must name the new column") }
        if when == nil && (then != nil || otherwise != nil) {
          throw decoder.fail(
            then != nil ? CodingKeys.then : CodingKeys.otherwise,
            "needs when (the values of from that give then)")
        }
        if when != nil && (then == nil || otherwise == nil) {
          throw decoder.fail(CodingKeys.when, "needs then and else (the two values it gives)")
        }
      }

      /// The derived value for a value of `from`.
      public func value(for value: String) -> String {
        guard let when, let then, let otherwise else { return value }
        return when.contains(value) ? then : otherwise
      }
    }

    /// A test-row filter for scoring.
    public struct ScoredWhere: Codable, Sendable, Equatable {
      public var column: String
      public var value: String

      enum CodingKeys: String, CodingKey, CaseIterable { case column, value }

      public init(column: String, value: String) {
        self.column = column
        self.value = value
      }

      public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        column = try c.decode(String.self, forKey: .column)
        value = try c.decode(String.self, forKey: .value)
        if column.isEmpty { throw decoder.fail(CodingKeys.column, "must name a column") }
      }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
      case format, delimiter, quoting, escape, encoding, images, derive
      case renameFirst = "rename_first"
      case rowID = "row_id"
      case idParts = "id_parts"
      case dropUnlabelled = "drop_unlabelled"
      case scoredWhere = "scored_where"
    }

    public init(
      format: Format = .csv, delimiter: String = ",", quoting: Quoting = .minimal,
      escape: String? = nil, encoding: String = "utf-8", renameFirst: String? = nil,
      rowID: String? = nil, idParts: [String] = [], dropUnlabelled: Bool = false,
      scoredWhere: ScoredWhere? = nil, images: String? = nil, derive: [Derived] = []
    ) {
      self.format = format
      self.delimiter = delimiter
      self.quoting = quoting
      self.escape = escape
      self.encoding = encoding
      self.renameFirst = renameFirst
      self.rowID = rowID
      self.idParts = idParts
      self.dropUnlabelled = dropUnlabelled
      self.scoredWhere = scoredWhere
      self.images = images
      self.derive = derive
    }

    public init(from decoder: any Decoder) throws {
      try decoder.rejectUnknownKeys(CodingKeys.self)
      let c = try decoder.container(keyedBy: CodingKeys.self)
      format = try Self.decodeChoice(c, .format, decoder) ?? .csv
      quoting = try Self.decodeChoice(c, .quoting, decoder) ?? .minimal
      delimiter = try c.decodeIfPresent(String.self, forKey: .delimiter) ?? ","
      if !Self.isSingleASCII(delimiter) || delimiter == "\"" || delimiter == "\n"
        || delimiter == "\r"
      {
        throw decoder.fail(
          CodingKeys.delimiter,
          "must be one ASCII character other than a quote or a line break, such as \",\" or \"\\t\""
        )
      }
      escape = try c.decodeIfPresent(String.self, forKey: .escape)
      if let e = escape, !Self.isSingleASCII(e) || e == delimiter || e == "\n" || e == "\r" {
        throw decoder.fail(
          CodingKeys.escape, "must be one ASCII character other than the delimiter or a line break")
      }
      encoding = try c.decodeIfPresent(String.self, forKey: .encoding)?.lowercased() ?? "utf-8"
      let spellings = [
        "utf8": "utf-8", "latin1": "latin-1", "iso-8859-1": "latin-1", "iso8859-1": "latin-1",
      ]
      encoding = spellings[encoding] ?? encoding
      if !Self.encodings.contains(encoding) {
        throw decoder.fail(
          CodingKeys.encoding,
          "must be one of \(Self.encodings.joined(separator: ", ")) (got \"\(encoding)\")")
      }
      renameFirst = try c.decodeIfPresent(String.self, forKey: .renameFirst)
      if renameFirst?.isEmpty == true {
        throw decoder.fail(CodingKeys.renameFirst, "must be a column name, not empty")
      }
      rowID = try c.decodeIfPresent(String.self, forKey: .rowID)
      if rowID?.isEmpty == true {
        throw decoder.fail(CodingKeys.rowID, "must be a column name, not empty")
      }
      idParts = try c.decodeIfPresent([String].self, forKey: .idParts) ?? []
      if !idParts.isEmpty && rowID == nil {
        throw decoder.fail(CodingKeys.idParts, "needs row_id, the column the parts are joined into")
      }
      if Set(idParts).count != idParts.count {
        throw decoder.fail(CodingKeys.idParts, "names a column twice")
      }
      dropUnlabelled = try c.decodeIfPresent(Bool.self, forKey: .dropUnlabelled) ?? false
      scoredWhere = try c.decodeIfPresent(ScoredWhere.self, forKey: .scoredWhere)
      derive = try c.decodeIfPresent([Derived].self, forKey: .derive) ?? []
      var derivedNames = Set<String>()
      for (i, d) in derive.enumerated() where !derivedNames.insert(d.column).inserted {
        throw ManifestFieldError(
          path: decoder.codingPath + [CodingKeys.derive, AnyKey(intValue: i)],
          message: "derives column \"\(d.column)\" twice")
      }
      images = try c.decodeIfPresent(String.self, forKey: .images)
      if let images, !images.isEmpty, !Self.isContainedPath(images) {
        throw decoder.fail(
          CodingKeys.images,
          "must be a relative folder inside the archive (no \"..\", no leading \"/\"), or \"\" for its root"
        )
      }
      if format == .coco && images == nil {
        throw decoder.fail(
          CodingKeys.images,
          "is required by format coco: the folder the images' file_name entries are relative to")
      }
      if format != .coco && images != nil {
        throw decoder.fail(CodingKeys.images, "applies only to format coco")
      }
      if format == .parquet {
        // A Parquet file has typed columns, no dialect; the converter writes plain UTF-8 CSV.
        let dialect: [(CodingKeys, Bool)] = [
          (.delimiter, c.contains(.delimiter)), (.quoting, c.contains(.quoting)),
          (.escape, escape != nil), (.encoding, c.contains(.encoding)),
        ]
        for (key, present) in dialect where present {
          throw decoder.fail(key, "does not apply to format parquet (it has no text dialect)")
        }
      }
      if format != .csv && format != .parquet {
        // JSON has neither a delimiter nor a header to rename; its rows are split as they are.
        let textOnly: [(CodingKeys, Bool)] = [
          (.delimiter, c.contains(.delimiter)), (.quoting, c.contains(.quoting)),
          (.escape, escape != nil), (.renameFirst, renameFirst != nil),
          (.rowID, rowID != nil), (.dropUnlabelled, dropUnlabelled),
          (.scoredWhere, scoredWhere != nil), (.derive, !derive.isEmpty),
          (.encoding, format == .jsonRecords && encoding != "utf-8"),
        ]
        for (key, present) in textOnly where present {
          throw decoder.fail(key, "is not supported with format \(format.rawValue)")
        }
      }
    }

    /// Whether a relative path stays inside its folder: no empty, `.` or `..` component, not
    /// absolute, no NUL, no hidden component.
    public static func isContainedPath(_ path: String) -> Bool {
      if path.hasPrefix("/") || path.contains("\0") { return false }
      let parts = path.split(separator: "/", omittingEmptySubsequences: false)
      return !parts.isEmpty && parts.allSatisfy { !$0.isEmpty && !$0.hasPrefix(".") }
    }

    static func isSingleASCII(_ text: String) -> Bool {
      text.unicodeScalars.count == 1 && text.unicodeScalars.first?.isASCII == true
    }

    static func decodeChoice<T: RawRepresentable & CaseIterable, K: CodingKey>(
      _ c: KeyedDecodingContainer<K>, _ key: K, _ decoder: any Decoder
    ) throws -> T? where T.RawValue == String {
      guard let name = try c.decodeIfPresent(String.self, forKey: key) else { return nil }
      guard let value = T(rawValue: name) else {
        let names = T.allCases.map(\.rawValue).joined(separator: ", ")
        throw decoder.fail(key, "must be one of \(names) (got \"\(name)\")")
      }
      return value
    }

    /// Whether the table is read exactly as the split's fast path reads it: a UTF-8,
    /// comma-separated CSV with quotes, no escape character and nothing added or renamed.
    public var isPlainCSV: Bool {
      format == .csv && delimiter == "," && quoting == .minimal && escape == nil
        && encoding == "utf-8" && renameFirst == nil && rowID == nil && !dropUnlabelled
        && derive.isEmpty
    }
  }

  /// What the split writes to `public/` (`public:`): the tables' names and the columns the
  /// public test table leaves out besides the targets.
  public struct PublicFiles: Codable, Sendable, Equatable {
    /// The public training table's file name (default `train.csv`, or `train.json`).
    public var train: String?
    /// The public test table's file name (default `test.csv`, or `test.json`).
    public var test: String?
    /// Columns (or JSON fields) removed from the public test table besides the targets:
    /// what the test side could not know (outcomes recorded after the fact).
    public var drop: [String]
    /// For JSON records: `kaggle` keeps only the fields of Kaggle's own test records
    /// (`files.test`), which lack what was recorded after the fact.
    public var testFields: TestFields?
    /// For `table.format: coco`: the folder under `public/` for the training images (they
    /// keep their `file_name` below it) and for the test images (renamed by `test_name`).
    public var trainImages: String?
    public var testImages: String?
    /// For `table.format: coco`: a test image's new name from its number `n` (shuffled,
    /// from 0) and `k = n / 1000`: `{n}`, `{k}`, or zero-padded `{n:06d}`, `{k:03d}`.
    public var testName: String?
    /// For `table.format: coco`: the public test metadata as an `object` (`info`,
    /// `licenses`, `images`, like the training file) or a bare `list` of images.
    public var testMetadata: TestMetadata?
    /// Extra tables that describe training rows only (`files.extra` entries): each is copied
    /// with just the rows whose `column` value is on the train side, so nothing about the
    /// test rows reaches `public/` through them.
    public var trainOnly: TrainOnly?

    public struct TrainOnly: Codable, Sendable, Equatable {
      /// The column shared with `files.train` (a molecule, a user).
      public var column: String
      /// The tables, by their name in `files.extra`.
      public var files: [String]

      enum CodingKeys: String, CodingKey, CaseIterable { case column, files }

      public init(column: String, files: [String]) {
        self.column = column
        self.files = files
      }

      public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        column = try c.decode(String.self, forKey: .column)
        files = try c.decode([String].self, forKey: .files)
        if files.isEmpty { throw decoder.fail(CodingKeys.files, "must name at least one table") }
      }
    }

    public enum TestMetadata: String, Codable, Sendable, CaseIterable {
      case object, list
    }

    public enum TestFields: String, Codable, Sendable, CaseIterable {
      case kaggle
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
      case train, test, drop
      case testFields = "test_fields"
      case trainImages = "train_images"
      case testImages = "test_images"
      case testName = "test_name"
      case testMetadata = "test_metadata"
      case trainOnly = "train_only"
    }

    public init(
      train: String? = nil, test: String? = nil, drop: [String] = [], testFields: TestFields? = nil,
      trainImages: String? = nil, testImages: String? = nil, testName: String? = nil,
      testMetadata: TestMetadata? = nil, trainOnly: TrainOnly? = nil
    ) {
      self.train = train
      self.test = test
      self.drop = drop
      self.testFields = testFields
      self.trainImages = trainImages
      self.testImages = testImages
      self.testName = testName
      self.testMetadata = testMetadata
      self.trainOnly = trainOnly
    }

    public init(from decoder: any Decoder) throws {
      try decoder.rejectUnknownKeys(CodingKeys.self)
      let c = try decoder.container(keyedBy: CodingKeys.self)
      train = try c.decodeIfPresent(String.self, forKey: .train)
      test = try c.decodeIfPresent(String.self, forKey: .test)
      for (key, name) in [(CodingKeys.train, train), (.test, test)] {
        guard let name else { continue }
        let reserved = ["sample_submission.csv", "description.md"]
        if !Table.isContainedPath(name) || reserved.contains(name) {
          throw decoder.fail(
            key,
            "must be a file name in public/ (relative, no \"..\" or hidden part, not sample_submission.csv or description.md)"
          )
        }
      }
      if let train, train == test {
        throw decoder.fail(CodingKeys.test, "must differ from public.train (\"\(train)\")")
      }
      drop = try c.decodeIfPresent([String].self, forKey: .drop) ?? []
      testFields = try Table.decodeChoice(c, .testFields, decoder)
      trainImages = try c.decodeIfPresent(String.self, forKey: .trainImages)
      testImages = try c.decodeIfPresent(String.self, forKey: .testImages)
      for (key, folder) in [(CodingKeys.trainImages, trainImages), (.testImages, testImages)] {
        if let folder, !folder.isEmpty, !Table.isContainedPath(folder) {
          throw decoder.fail(
            key, "must be a relative folder in public/ (no \"..\" or hidden part), or \"\"")
        }
      }
      testName = try c.decodeIfPresent(String.self, forKey: .testName)
      if let name = testName {
        let plain = name.replacing(/\{[nk](:0[1-9]d)?\}/, with: "N")
        if !name.contains("{n") || plain.contains("{") || plain.contains("}")
          || !Table.isContainedPath(plain)
        {
          throw decoder.fail(
            CodingKeys.testName,
            "must be a relative file name holding {n} (also {k}, or zero-padded {n:06d}, {k:03d}), with no \"..\" or hidden part"
          )
        }
      }
      testMetadata = try Table.decodeChoice(c, .testMetadata, decoder)
      trainOnly = try c.decodeIfPresent(TrainOnly.self, forKey: .trainOnly)
    }
  }

  /// Checks the `table:` and `public:` keys against the rest of the manifest (called at
  /// load, so a mistake names its file, line and key before any data is read).
  func checkTableKeys(_ decoder: any Decoder) throws {
    typealias K = Manifest.CodingKeys
    typealias T = Table.CodingKeys
    typealias P = PublicFiles.CodingKeys
    func fail(_ path: [any CodingKey], _ message: String) -> ManifestFieldError {
      ManifestFieldError(path: decoder.codingPath + path, message: message)
    }
    let table = self.table ?? Table()
    let id = answers.id
    if answers.groupMatches != nil {
      // The answers are derived from one CSV table's rows by the engine's own split.
      switch split.strategy {
      case .random, .stratified, .group, .time, .count:
        if table.format != .csv {
          throw fail(
            [K.answers, Answers.CodingKeys.groupMatches],
            "applies to CSV tables, not table.format \(table.format.rawValue)")
        }
      case .provided, .script:
        throw fail(
          [K.answers, Answers.CodingKeys.groupMatches],
          "applies to the engine's own splits (random, stratified, group, time, count), not to strategy \(split.strategy.rawValue)"
        )
      }
    }
    if let rowID = table.rowID, rowID != id {
      throw fail(
        [K.table, T.rowID],
        "\"\(rowID)\" must be the answers' id (answers.id is \"\(id)\"): rows are known by it")
    }
    for (i, part) in table.idParts.enumerated() where answers.targets.contains(part) {
      throw fail(
        [K.table, T.idParts, AnyKey(intValue: i)], "must not be a target column (\"\(part)\")")
    }
    if table.format == .coco, split.strategy == .stratified, split.stratify != "category_id" {
      throw fail(
        [K.split, Split.CodingKeys.stratify],
        "must be category_id for table.format coco (the annotation's label)")
    }
    if let rule = table.scoredWhere, rule.column == id || answers.targets.contains(rule.column) {
      throw fail(
        [K.table, T.scoredWhere, Table.ScoredWhere.CodingKeys.column],
        "must name an input column, not the id or a target (\"\(rule.column)\")")
    }
    if let publicFiles {
      for (i, name) in publicFiles.drop.enumerated()
      where name == id || answers.targets.contains(name) {
        throw fail(
          [K.publicFiles, P.drop, AnyKey(intValue: i)],
          "names \"\(name)\", the id or a target; the id must stay and targets are always dropped")
      }
      if let trainOnly = publicFiles.trainOnly {
        if table.format != .csv {
          throw fail([K.publicFiles, P.trainOnly], "applies only to CSV tables")
        }
        for (i, name) in trainOnly.files.enumerated() where !files.extra.contains(name) {
          throw fail(
            [
              K.publicFiles, P.trainOnly, PublicFiles.TrainOnly.CodingKeys.files,
              AnyKey(intValue: i),
            ],
            "\"\(name)\" must also be listed in files.extra (the archive file it cuts)")
        }
      }
      if publicFiles.testFields != nil {
        if table.format != .jsonRecords {
          throw fail([K.publicFiles, P.testFields], "applies only to table.format json_records")
        }
        if files.test == nil {
          throw fail([K.publicFiles, P.testFields], "needs files.test, Kaggle's test records")
        }
      }
    }
    if self.table != nil || publicFiles != nil {
      switch split.strategy {
      case .random, .stratified, .group, .time, .count: break
      case .provided, .script:
        let key: K = self.table != nil ? .table : .publicFiles
        throw fail(
          [key],
          "applies to the engine's own splits (random, stratified, group, time, count), not to strategy \(split.strategy.rawValue)"
        )
      }
    }
    for pattern in media.map(\.pattern) where pattern.contains("{id[") {
      let stripped = pattern.replacing(/\{id\[[0-9]\]\}/, with: "")
      if stripped.contains("{id[") {
        throw fail(
          [K.media, Media.CodingKeys.pattern],
          "may use {id[N]} only with one digit N (the id's N-th character, from 0)")
      }
    }
    if table.format != .csv && !media.isEmpty {
      throw fail(
        [K.media],
        "is not supported with table.format \(table.format.rawValue) (coco moves its own images)")
    }
    let cocoKeys: [(P, Bool)] = [
      (.trainImages, publicFiles?.trainImages != nil),
      (.testImages, publicFiles?.testImages != nil),
      (.testName, publicFiles?.testName != nil), (.testMetadata, publicFiles?.testMetadata != nil),
    ]
    if table.format == .coco {
      let required: [(P, Bool)] =
        [
          (.train, publicFiles?.train != nil), (.test, publicFiles?.test != nil),
        ] + cocoKeys.prefix(3)
      if self.publicFiles == nil {
        throw fail(
          [K.table, T.format],
          "coco needs public: with train, test, train_images, test_images and test_name")
      }
      for (key, present) in required where !present {
        throw fail([K.publicFiles], "needs \(key.stringValue) for table.format coco")
      }
      if answers.targets.count != 1 {
        throw fail(
          [K.answers, Answers.CodingKeys.targets],
          "must be one column for table.format coco (the category)")
      }
      if let drop = publicFiles?.drop, !drop.isEmpty {
        throw fail([K.publicFiles, P.drop], "does not apply to table.format coco")
      }
    } else {
      for (key, present) in cocoKeys where present {
        throw fail([K.publicFiles, key], "applies only to table.format coco")
      }
    }
  }

  /// The public training table's file name.
  public var publicTrainName: String {
    publicFiles?.train ?? (table?.format == .jsonRecords ? "train.json" : "train.csv")
  }

  /// The public test table's file name.
  public var publicTestName: String {
    publicFiles?.test ?? (table?.format == .jsonRecords ? "test.json" : "test.csv")
  }
}
