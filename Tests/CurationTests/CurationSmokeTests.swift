import Curation
import Testing

@Suite struct CurationModuleTests {
  @Test func moduleLinks() {}
}
