internal import DojoCore
internal import Foundation

/// A recommender's archive: an interaction log (one row per entity and item, an entity on
/// many rows) and a submission listing items per entity. No row split makes its answers,
/// which are lists, so `dojo new` drafts a split script that hides each test entity's latest
/// interactions (``RecommenderScript``).
struct RecommenderLayout: Sendable, Equatable {
  /// The log (`files.train`).
  var log: String
  /// The entity column: the submission's id.
  var entity: String
  /// The log's column whose values the submission lists.
  var item: String
  /// Orders an entity's interactions; nil for file order.
  var time: String?
  /// The column that says whether an interaction counts (`rating >= good`); nil when every
  /// interaction does.
  var rating: String?
  var good: Double?
  /// The submission's list column.
  var target: String
  /// The public list of test entities (Kaggle's test table's name).
  var testName: String
  var sampleName: String
  /// Items a submission lists: the sample's longest list.
  var k: Int
  /// What each guess was made from, for the manifest's comment and the review.
  var reasons: [String]
}

extension ManifestDrafter {
  /// Words in a column name that say it orders rows in time.
  static let timeWords: Set<String> = ["time", "timestamp", "date", "datetime", "ts", "day"]
  /// Words that say a column grades an interaction.
  static let ratingWords: Set<String> = ["rating", "score", "stars", "rate", "grade"]

  /// The recommender layout, when the archive is one: the sample's one target holds
  /// space-separated lists, the id repeats in the log, and a log column holds at least half
  /// of the items those lists name.
  func recommenderLayout(
    train: String, trainTable: TableProfile, sample: String, sampleTable: TableProfile,
    test: String?, id: String, targets: [String]
  ) -> RecommenderLayout? {
    guard targets.count == 1, let lists = sampleTable.column(targets[0]), lists.filled > 0,
      2 * lists.withSpace >= lists.filled,
      let entity = trainTable.column(id), entity.distinct < trainTable.rows
    else { return nil }
    var items = Set<String>()
    var k = 0
    for value in lists.counts.keys {
      let tokens = value.split(separator: " ")
      k = max(k, tokens.count)
      items.formUnion(tokens.map(String.init))
    }
    guard !items.isEmpty else { return nil }
    let found = trainTable.columns.filter { $0.name != id }.map { column in
      (column, items.filter { column.counts[$0] != nil }.count)
    }
    guard let (item, hits) = found.max(by: { $0.1 < $1.1 }), 2 * hits >= items.count else {
      return nil
    }
    let rest = trainTable.columns.filter { $0.name != id && $0.name != item.name }
    let time = rest.first {
      $0.filled == trainTable.rows
        && ($0.isDate
          || ($0.isNumeric && Self.words($0.name).contains(where: Self.timeWords.contains)))
    }
    let rating = rest.first {
      $0.name != time?.name && $0.isNumeric
        && Self.words($0.name).contains(where: Self.ratingWords.contains)
    }
    var reasons = [
      "\(id) repeats in \(train) (\(entity.distinct) values over \(trainTable.rows) rows) and \(sample)'s \(targets[0]) lists \(item.name) values (\(hits) of \(items.count) found)"
    ]
    let good = rating.flatMap { _ in pageMarkdown.flatMap(Self.relevanceThreshold) }
    if let rating, let good {
      reasons.append(
        "an interaction counts when \(rating.name) >= \(Self.number(good)), from the page's Evaluation section"
      )
    } else if let rating {
      reasons.append(
        "every interaction counts: the page names no threshold on \(rating.name); set RATING and GOOD in prepare.py if it scores only some"
      )
    }
    reasons.append(
      time.map { "each entity's latest interactions by \($0.name) are hidden" }
        ?? "no time column: each entity's last interactions in file order are hidden")
    return RecommenderLayout(
      log: train, entity: id, item: item.name, time: time?.name,
      rating: good == nil ? nil : rating?.name, good: good, target: targets[0],
      testName: test.map { ($0 as NSString).lastPathComponent } ?? "test.csv",
      sampleName: (sample as NSString).lastPathComponent, k: max(k, 1), reasons: reasons)
  }

  /// "rated 4 or higher", "a rating of at least 3.5" in the page's Evaluation section: the
  /// threshold at which an interaction counts as relevant.
  static func relevanceThreshold(_ page: String) -> Double? {
    let text = MetricGuess.evaluationSection(of: page).lowercased()
    let patterns = [
      /(\d+(?:\.\d+)?)\s+(?:or|and)\s+(?:higher|more|above|better)/,
      /at\s+least\s+(\d+(?:\.\d+)?)/,
    ]
    for pattern in patterns {
      if let match = text.firstMatch(of: pattern), let value = Double(match.1) { return value }
    }
    return nil
  }

  static func number(_ x: Double) -> String {
    x == x.rounded() && abs(x) < 1e9 ? String(Int(x)) : String(x)
  }
}

/// The split script drafted for a ``RecommenderLayout``: Python, its constants the guesses.
enum RecommenderScript {
  /// A Python literal: a JSON string is a valid Python string.
  static func literal(_ text: String?) -> String {
    guard let text else { return "None" }
    let data = (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8)
    return String(decoding: data, as: UTF8.self)
  }

  static func text(_ layout: RecommenderLayout, id: String) -> String {
    """
    \"\"\"Split for \(id), drafted by `dojo new`: hide each test entity's latest interactions.

    The answer for an entity (a \(layout.entity)) is a list: the \(layout.item) values of its latest
    interactions\(layout.rating == nil ? "" : ", those rated at least GOOD"). No row split makes a list,
    so Dojo runs this script as `python3 prepare.py RAW OUT` in the sandbox (RAW read-only). It
    writes OUT/public/ (the log without the hidden interactions, the test entities, a popularity
    sample submission) and OUT/private/answers.csv. Test entities keep their earlier
    interactions in the public log: that is the task (answers.ids_in_train), not a leak.

    Deterministic: entities are chosen by a seeded Mersenne Twister (whose sequence Python pins)
    from a sorted list, ties in time keep file order, and every file is written in a fixed
    order. Review the constants below: each was guessed by dojo new.
    \"\"\"

    import csv
    import os
    import random
    import sys
    from collections import Counter, defaultdict

    from dojo_split import find, write_csv

    LOG = \(literal(layout.log))  # the interaction log, one row per entity and item
    ENTITY = \(literal(layout.entity))  # the id of test rows and submissions
    ITEM = \(literal(layout.item))  # the column whose values the answers list
    TIME = \(literal(layout.time))  # orders each entity's interactions (None: file order)
    RATING = \(literal(layout.rating))  # counts when RATING >= GOOD (None: every one counts)
    GOOD = \(layout.good.map { String($0) } ?? "None")
    TARGET = \(literal(layout.target))  # the submission's list column
    TEST_NAME = \(literal(layout.testName))  # the public list of test entities
    SAMPLE_NAME = \(literal(layout.sampleName))
    K = \(layout.k)  # items a submission lists
    SEED = 0
    TEST_SHARE = 0.2  # of the entities with MIN_HISTORY interactions or more
    HIDDEN_SHARE = 0.2  # of each test entity's interactions, the latest
    MIN_HISTORY = 20


    def order_key(value: str):
        \"\"\"Numbers in numeric order, anything else (ISO dates) as text.\"\"\"
        try:
            return (0, float(value), "")
        except ValueError:
            return (1, 0.0, value)


    def main(raw: str, out: str) -> None:
        with open(find(raw, LOG), newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            header = next(reader)
            rows = list(reader)
        col = {name: i for i, name in enumerate(header)}
        for name in [ENTITY, ITEM] + [c for c in (TIME, RATING) if c]:
            if name not in col:
                sys.exit(f"prepare.py: {LOG} has no column {name} (columns: {', '.join(header)})")

        by_entity = defaultdict(list)
        for i, row in enumerate(rows):
            key = order_key(row[col[TIME]]) if TIME else (0, 0.0, "")
            by_entity[row[col[ENTITY]]].append((key, i))

        def relevant(row) -> bool:
            if not RATING:
                return True
            try:
                return float(row[col[RATING]]) >= GOOD
            except ValueError:
                return False

        candidates = sorted(
            (e for e, items in by_entity.items() if len(items) >= MIN_HISTORY), key=order_key
        )
        if not candidates:
            sys.exit(f"prepare.py: no {ENTITY} has {MIN_HISTORY} interactions; lower MIN_HISTORY")
        rng = random.Random(SEED)
        chosen = sorted(
            rng.sample(candidates, max(1, round(len(candidates) * TEST_SHARE))), key=order_key
        )

        hidden = set()
        answers = {}
        for entity in chosen:
            history = sorted(by_entity[entity])
            later = history[-max(1, round(len(history) * HIDDEN_SHARE)):]
            items = sorted({rows[i][col[ITEM]] for _, i in later if relevant(rows[i])}, key=order_key)
            if not items:
                continue  # nothing to recommend against: the entity stays in train whole
            answers[entity] = items
            hidden.update(i for _, i in later)

        public = os.path.join(out, "public")
        private = os.path.join(out, "private")
        os.makedirs(public, exist_ok=True)
        os.makedirs(private, exist_ok=True)
        write_csv(
            os.path.join(public, os.path.basename(LOG)),
            header,
            (row for i, row in enumerate(rows) if i not in hidden),
        )
        popularity = Counter(
            row[col[ITEM]] for i, row in enumerate(rows) if i not in hidden and relevant(row)
        )
        ranked = sorted(popularity.items(), key=lambda kv: (-kv[1], order_key(kv[0])))
        top = [item for item, _ in ranked[:K]]
        entities = sorted(answers, key=order_key)
        write_csv(os.path.join(public, TEST_NAME), [ENTITY], ([e] for e in entities))
        write_csv(
            os.path.join(public, SAMPLE_NAME),
            [ENTITY, TARGET],
            ([e, " ".join(top)] for e in entities),
        )
        write_csv(
            os.path.join(private, "answers.csv"),
            [ENTITY, TARGET],
            ([e, " ".join(answers[e])] for e in entities),
        )


    if __name__ == "__main__":
        if len(sys.argv) != 3:
            sys.exit("usage: prepare.py RAW_DIR OUT_DIR")
        main(sys.argv[1], sys.argv[2])

    """
  }
}
