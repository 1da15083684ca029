import ArgumentParser
import Foundation
import FlowModel

/// `flowgate validate PATH...`: checks flows and prints compiler-style diagnostics.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check flows against WhatsApp's limits, the flow graph and the 24-hour window.",
        discussion: "Prints `file:line:column: error|warning: message [rule]` lines and exits non-zero on any error."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Argument(help: "Flow files or folders of them.")
    var paths: [String]

    @Option(help: "Output format: text or json.")
    var format: Format = .text

    @Flag(help: "Treat warnings as errors.")
    var strict = false

    func run() throws {
        let (flows, diagnostics) = FlowLoader.load(paths: paths)
        let sorted = diagnostics.sortedByLocation()
        let files = FlowLoader.expand(paths)
        if files.isEmpty { throw ValidationError("no flow files found in \(paths.joined(separator: " "))") }
        let failed = sorted.hasErrors || (strict && !sorted.isEmpty)
        switch format {
        case .text:
            for diagnostic in sorted { print(diagnostic) }
            let errors = sorted.errors.count, warnings = sorted.warnings.count
            let summary = "\(files.count) file\(files.count == 1 ? "" : "s"), \(flows.count) flow\(flows.count == 1 ? "" : "s"): "
                + "\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")"
            printError(summary)
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let report = Report(files: files, flows: flows.map(\.name.value), diagnostics: sorted, ok: !failed)
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        }
        if failed { throw ExitCode.failure }
    }

    struct Report: Encodable {
        var files: [String]
        var flows: [String]
        var diagnostics: [Diagnostic]
        var ok: Bool
    }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
