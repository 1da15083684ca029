// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Flowgate",
    platforms: [.macOS(.v14)],
    products: [
        // The designer's tools (simulate, test, validate, graph, bench): no server stack to build.
        .executable(name: "flowgate", targets: ["FlowgateCLI"]),
        // The webhook server, its own executable so the first `swift run flowgate …` is quick.
        .executable(name: "flowgate-server", targets: ["FlowgateServerCLI"]),
        .library(name: "FlowModel", targets: ["FlowModel"]),
        .library(name: "FlowEngine", targets: ["FlowEngine"]),
        .library(name: "WhatsAppCloud", targets: ["WhatsAppCloud"]),
        .library(name: "Simulator", targets: ["Simulator"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/onevcat/Rainbow", from: "4.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        // The desk's server-rendered pages (logic-less templates that escape HTML by default).
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        // The HTTP request and response parts Hummingbird's channel handlers see (a connection's read deadline).
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // The store for several replicas on one database.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // The stored form of a contact's state, written on every event (see stored_state.proto).
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // WhatsApp Cloud API facts: the limits table, and (later) payload and webhook types.
        .target(name: "WhatsAppCloud"),
        // The flow language: model, YAML loader with source positions, validator, graph export.
        .target(
            name: "FlowModel",
            dependencies: ["WhatsAppCloud", .product(name: "Yams", package: "Yams")]
        ),
        // The pure engine: one contact, one event, the current time in; new state, messages,
        // timers and a trace out. No clock, store or network.
        .target(name: "FlowEngine", dependencies: ["FlowModel", "WhatsAppCloud"]),
        // Random conversations with every event kind WhatsApp sends, checked against the session
        // guard's promises (the property test and `flowgate bench guard`).
        .target(name: "GuardAudit", dependencies: ["FlowEngine", "FlowModel", "WhatsAppCloud"]),
        // The customer's side at a terminal, and scripted conversation tests.
        .target(
            name: "Simulator",
            dependencies: [
                "FlowEngine", "FlowModel", "WhatsAppCloud", .product(name: "Yams", package: "Yams"),
                .product(name: "Rainbow", package: "Rainbow"),
            ]
        ),
        // Durable storage behind a protocol: contact state, seen message ids, outbox, timers.
        .target(
            name: "FlowStore",
            dependencies: ["FlowEngine", "FlowModel", "WhatsAppCloud", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["StoredState/stored_state.proto"]
        ),
        // The embedded default store: SQLite through GRDB, in WAL mode.
        .target(name: "FlowStoreSQLite", dependencies: ["FlowStore", .product(name: "GRDB", package: "GRDB.swift")]),
        // The store for several replicas: PostgreSQL through PostgresNIO.
        .target(
            name: "FlowStorePostgres",
            dependencies: [
                "FlowStore", .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The webhook server: Hummingbird routes, per-contact ordering, the outbound dispatcher,
        // timers, the admin API and metrics.
        .target(
            name: "FlowServer",
            dependencies: [
                "FlowEngine", "FlowModel", "FlowStore", "WhatsAppCloud",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Mustache", package: "swift-mustache"),
            ]
        ),
        // The `flowgate` command: the designer's tools.
        .executableTarget(
            name: "FlowgateCLI",
            dependencies: [
                "FlowModel",
                "FlowEngine",
                "GuardAudit",
                "Simulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Rainbow", package: "Rainbow"),
            ]
        ),
        // The `flowgate-server` command: `serve`, and filling a store for memory measurements.
        .executableTarget(
            name: "FlowgateServerCLI",
            dependencies: [
                "FlowModel",
                "FlowEngine",
                "FlowStore",
                "FlowServer",
                "FlowStoreSQLite",
                "FlowStorePostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // What several test targets share: golden files.
        .target(name: "FlowgateTesting"),
        // The server's test support, as HummingbirdTesting is Hummingbird's: a fake Graph API,
        // signed webhook bodies, a test server on a manual clock, a PostgreSQL schema per test.
        .target(
            name: "FlowServerTesting",
            dependencies: [
                "FlowServer", "FlowStore", "FlowStoreSQLite", "FlowEngine", "FlowModel", "WhatsAppCloud",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "FlowModelTests", dependencies: ["FlowModel"], exclude: ["schema-probes"]),
        .testTarget(
            name: "FlowEngineTests",
            dependencies: [
                "FlowEngine", "FlowModel", "WhatsAppCloud", "GuardAudit", "Simulator", "FlowgateTesting",
                .product(name: "Yams", package: "Yams"),
            ],
            exclude: ["testdata"]
        ),
        .testTarget(
            name: "SimulatorTests",
            dependencies: ["Simulator", "FlowEngine", "FlowModel", "FlowgateTesting"],
            exclude: ["testdata"]
        ),
        .testTarget(
            name: "FlowStoreTests",
            dependencies: [
                "FlowStore", "FlowStoreSQLite", "FlowStorePostgres", "FlowEngine", "FlowModel", "FlowServerTesting", "GuardAudit",
                "WhatsAppCloud", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .testTarget(
            name: "FlowServerTests",
            dependencies: [
                "FlowServer", "FlowStore", "FlowStoreSQLite", "FlowStorePostgres", "FlowEngine", "FlowModel", "WhatsAppCloud",
                "FlowServerTesting",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
    ]
)

// Every target: a member is visible only in files that import its module (SE-0444), so each file
// says what it uses.
for target in package.targets {
    target.swiftSettings = (target.swiftSettings ?? []) + [.enableUpcomingFeature("MemberImportVisibility")]
}
