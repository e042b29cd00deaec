import Grading
import Testing

@Suite struct GradingModuleTests {
  @Test func moduleLinks() {}
}
