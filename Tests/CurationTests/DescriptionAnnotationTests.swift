import Testing

@testable import Curation

@Suite("description.md tells the truth about the task's files")
struct DescriptionAnnotationTests {
  static let page = """
    # Ames

    ## Submission File

    ```
    Id,Sale_Price
    12236,179985.4
    10560,179985.4
    ...
    ```

    ## Data

    - `sample_submission.csv` — 733 rows
    - `test.csv` — 733 rows
    - `train.csv` — 2197 rows
    - `data_description.txt`
    """

  @Test func rowCountsOfTheTasksFilesGetTheTasksFigures() {
    let out = DescriptionWriter.annotate(
      Self.page, rows: ["train.csv": 1757, "test.csv": 440, "sample_submission.csv": 440],
      idColumn: "Id", testIDs: ["12236", "10560"])
    #expect(out.contains("- `train.csv` — 2197 rows *(in this task: 1757 rows)*"))
    #expect(out.contains("- `test.csv` — 733 rows *(in this task: 440 rows)*"))
    #expect(out.contains("- `sample_submission.csv` — 733 rows *(in this task: 440 rows)*"))
    #expect(out.hasSuffix("- `data_description.txt`"))
    // The example ids are this task's test ids: nothing to say.
    #expect(!out.contains("the page's example"))
  }

  @Test func exampleIdsThatAreNotTestIdsAreAnnotated() {
    let out = DescriptionWriter.annotate(
      Self.page, rows: [:], idColumn: "Id", testIDs: ["1", "2"])
    #expect(out.contains("these Id values are the page's example, not this task's test ids"))
  }
}
