// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Flowgate",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "flowgate", targets: ["FlowgateCLI"]),
        .library(name: "FlowModel", targets: ["FlowModel"]),
        .library(name: "FlowEngine", targets: ["FlowEngine"]),
        .library(name: "WhatsAppCloud", targets: ["WhatsAppCloud"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/onevcat/Rainbow", from: "4.2.2"),
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
        // The customer's side at a terminal, and scripted conversation tests.
        .target(
            name: "Simulator",
            dependencies: ["FlowEngine", "FlowModel", "WhatsAppCloud", .product(name: "Yams", package: "Yams"),
                           .product(name: "Rainbow", package: "Rainbow")]
        ),
        // The `flowgate` command.
        .executableTarget(
            name: "FlowgateCLI",
            dependencies: [
                "FlowModel",
                "FlowEngine",
                "Simulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "FlowModelTests", dependencies: ["FlowModel"]),
        .testTarget(name: "FlowEngineTests", dependencies: ["FlowEngine", "FlowModel", "WhatsAppCloud"]),
        .testTarget(name: "SimulatorTests", dependencies: ["Simulator", "FlowEngine", "FlowModel"]),
    ]
)
