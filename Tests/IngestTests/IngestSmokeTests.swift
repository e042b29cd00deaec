import Ingest
import Testing

@Suite struct IngestModuleTests {
  @Test func moduleLinks() {}
}
