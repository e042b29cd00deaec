import Tabular
import Testing

@Suite struct TabularModuleTests {
  @Test func moduleLinks() {}
}
