// swift-tools-version: 6.0
// Coverage-guided fuzz targets (libFuzzer). Build and run them as docs/fuzzing.md says:
//   swift build --sanitize=fuzzer -c release --product FuzzLoader
//   .build/release/FuzzLoader corpus/loader
import PackageDescription

let package = Package(
    name: "FlowgateFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "Flowgate", path: "..")],
    targets: [
        // YAML loader plus validator: any bytes as a flow file.
        .executableTarget(name: "FuzzLoader", dependencies: [.product(name: "FlowModel", package: "Flowgate")]),
        // Webhook decoding plus the engine on the example flows.
        .executableTarget(
            name: "FuzzEngine",
            dependencies: [
                "FuzzSupport", .product(name: "FlowEngine", package: "Flowgate"), .product(name: "WhatsAppCloud", package: "Flowgate"),
            ]
        ),
        // The simulator's command parser and session.
        .executableTarget(name: "FuzzCommand", dependencies: ["FuzzSupport", .product(name: "Simulator", package: "Flowgate")]),
        // The example flows, and a reader that turns fuzz bytes into small numbers and strings.
        .target(name: "FuzzSupport", dependencies: [.product(name: "FlowModel", package: "Flowgate")]),
    ]
)
