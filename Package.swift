// swift-tools-version: 6.1
import PackageDescription

/// Settings shared by every Swift target: Swift 6 mode plus the upcoming features
/// the house style asks for, so imports and existentials stay explicit.
let swiftSettings: [SwiftSetting] = [
  .enableUpcomingFeature("ExistentialAny"),
  .enableUpcomingFeature("MemberImportVisibility"),
  .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
  name: "Dojo",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "dojo", targets: ["dojo"])
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
    // The server's connection guards are NIO handlers in Hummingbird's HTTP/1 pipeline.
    .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
    .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.24.0"),
    .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
    // The runtime's structured log lines and its Prometheus metrics.
    .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
    .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.0.0"),
    // The runtime's HTTP interface and types, generated from Sources/Runtime/openapi.yaml.
    .package(url: "https://github.com/apple/swift-openapi-generator", from: "1.14.3"),
    .package(url: "https://github.com/apple/swift-openapi-runtime", from: "1.13.4"),
    .package(
      url: "https://github.com/hummingbird-project/swift-openapi-hummingbird", from: "2.1.0"),
  ],
  targets: [
    // C libraries: module maps only, each imported by exactly one Swift module.
    .systemLibrary(
      name: "DojoCArchive", pkgConfig: "libarchive",
      providers: [.apt(["libarchive-dev"])]),
    .systemLibrary(
      name: "DojoCCurl", pkgConfig: "libcurl",
      providers: [.apt(["libcurl4-openssl-dev"])]),
    .systemLibrary(
      name: "DojoCXML2", pkgConfig: "libxml-2.0",
      providers: [.apt(["libxml2-dev"])]),
    .systemLibrary(
      name: "DojoCSQLite", pkgConfig: "sqlite3",
      providers: [.apt(["libsqlite3-dev"])]),
    .systemLibrary(
      name: "DojoCSeccomp", pkgConfig: "libseccomp",
      providers: [.apt(["libseccomp-dev"])]),

    .target(
      name: "DojoCore",
      dependencies: [
        .product(name: "Yams", package: "Yams"),
        .product(name: "Crypto", package: "swift-crypto"),
      ],
      swiftSettings: swiftSettings),
    .target(
      name: "Ingest",
      dependencies: ["DojoCore", "DojoCArchive", "DojoCCurl", "DojoCXML2"],
      swiftSettings: swiftSettings),
    .target(name: "Tabular", dependencies: ["DojoCore"], swiftSettings: swiftSettings),
    .target(
      name: "Curation", dependencies: ["DojoCore", "Tabular", "Grading", "Sandbox"],
      // dojo_split.py: the library split scripts import inside the sandbox.
      resources: [.copy("ScriptSupport/dojo_split.py")],
      swiftSettings: swiftSettings),
    .target(name: "Grading", dependencies: ["DojoCore", "Tabular"], swiftSettings: swiftSettings),
    .target(
      name: "Registry",
      dependencies: [
        "DojoCore", "DojoCSQLite", .product(name: "PostgresNIO", package: "postgres-nio"),
      ],
      swiftSettings: swiftSettings),
    .target(
      name: "Sandbox", dependencies: ["DojoCore", "DojoCSeccomp"], swiftSettings: swiftSettings),
    .target(
      name: "Validation",
      dependencies: ["DojoCore", "Tabular", "Curation", "Grading", "Sandbox"],
      swiftSettings: swiftSettings),
    .target(
      name: "Pipeline",
      dependencies: ["DojoCore", "Ingest", "Curation", "Grading", "Validation", "Registry"],
      swiftSettings: swiftSettings),
    .target(
      name: "Drafting", dependencies: ["DojoCore", "Tabular", "Grading"],
      swiftSettings: swiftSettings),
    .target(
      name: "Runtime",
      dependencies: [
        "DojoCore", "Registry", "Grading", "Sandbox",
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HummingbirdCore", package: "hummingbird"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "Prometheus", package: "swift-prometheus"),
        .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
        .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
        .product(name: "Yams", package: "Yams"),
      ],
      // openapi.yaml is the API's contract: the generator plugin makes the server's interface
      // from it at build time, and GET /openapi.json serves it (from the resource bundle).
      resources: [.copy("openapi.yaml")],
      swiftSettings: swiftSettings,
      plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]),
    .target(
      name: "Report", dependencies: ["DojoCore", "Registry", "Grading", "Validation"],
      swiftSettings: swiftSettings),
    .target(
      name: "DojoCommands",
      dependencies: [
        "DojoCore", "Ingest", "Tabular", "Curation", "Grading", "Registry", "Validation",
        "Pipeline",
        "Drafting",
        "Runtime",
        "Report",
        "Sandbox",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      swiftSettings: swiftSettings),
    .executableTarget(name: "dojo", dependencies: ["DojoCommands"], swiftSettings: swiftSettings),

    // The parsers that read strangers' bytes, as fuzzing entry points; `dojo-fuzz` drives
    // them (libFuzzer under scripts/fuzz, or a replay of saved inputs).
    .target(
      name: "DojoFuzzTargets", dependencies: ["DojoCore", "Tabular", "Ingest", "Runtime"],
      swiftSettings: swiftSettings),
    .executableTarget(
      name: "dojo-fuzz", dependencies: ["DojoFuzzTargets"], swiftSettings: swiftSettings),

    // A real loopback HTTP server for tests (faults on demand); only test targets use it.
    .target(name: "DojoTestSupport", dependencies: ["DojoCore"], swiftSettings: swiftSettings),

    .testTarget(
      name: "DojoCoreTests", dependencies: ["DojoCore"], resources: [.copy("Fixtures")],
      swiftSettings: swiftSettings),
    .testTarget(
      name: "IngestTests", dependencies: ["Ingest", "DojoCore", "DojoTestSupport", "DojoCArchive"],
      resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
    .testTarget(
      name: "TabularTests", dependencies: ["Tabular", "DojoCore"], swiftSettings: swiftSettings),
    .testTarget(
      name: "CurationTests",
      dependencies: ["Curation", "Tabular", "DojoCore", "Sandbox", "DojoTestSupport"],
      swiftSettings: swiftSettings),
    .testTarget(
      name: "GradingTests", dependencies: ["Grading", "Tabular", "DojoCore"],
      resources: [.copy("Vectors")], swiftSettings: swiftSettings),
    .testTarget(
      name: "DraftingTests", dependencies: ["Drafting", "DojoCore"],
      swiftSettings: swiftSettings),
    .testTarget(
      name: "RegistryTests", dependencies: ["Registry", "DojoCore", "DojoTestSupport"],
      swiftSettings: swiftSettings),
    .testTarget(
      name: "SandboxTests", dependencies: ["Sandbox", "DojoCore"], swiftSettings: swiftSettings),
    .testTarget(
      name: "ValidationTests",
      dependencies: ["Validation", "Curation", "Grading", "DojoCore", "Sandbox"],
      swiftSettings: swiftSettings),
    .testTarget(
      name: "PipelineTests",
      dependencies: [
        "Pipeline", "Registry", "Curation", "Ingest", "DojoCore", "DojoTestSupport", "Grading",
      ],
      swiftSettings: swiftSettings),
    .testTarget(
      name: "RuntimeTests",
      dependencies: [
        "Runtime", "Registry", "Pipeline", "Curation", "Grading", "Sandbox", "DojoCore", "dojo",
        "DojoTestSupport",
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "NIOCore", package: "swift-nio"),
      ],
      swiftSettings: swiftSettings),
    .testTarget(
      name: "ReportTests", dependencies: ["Report", "Registry", "Grading", "DojoCore"],
      swiftSettings: swiftSettings),
    .testTarget(
      name: "DojoFuzzTargetsTests", dependencies: ["DojoFuzzTargets"],
      resources: [.copy("Regressions")], swiftSettings: swiftSettings),
    .testTarget(
      name: "DojoCommandsTests", dependencies: ["DojoCommands", "dojo", "DojoTestSupport"],
      swiftSettings: swiftSettings),
  ]
)
