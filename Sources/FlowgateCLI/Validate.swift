import ArgumentParser
import FlowModel
import Foundation

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

    @OptionGroup var colors: ColorOptions

    func run() throws {
        let set = FlowLoader.load(paths: paths)
        let flows = set.flows
        let files = FlowLoader.expand(paths)
        var diagnostics = set.diagnostics
        if files.isEmpty {
            // An empty folder is an error like any other, in the format asked for.
            diagnostics = paths.map { path in
                .error(
                    .unreadableFile,
                    "no flow files (.yaml or .yml) in '\(path)'",
                    hint: "name a flow file, or a folder that holds some",
                    at: SourceLocation(file: path, line: 1, column: 1)
                )
            }
        }
        let sorted = diagnostics.sortedByLocation()
        let failed = sorted.hasErrors || (strict && !sorted.isEmpty)
        switch format {
        case .text:
            // Diagnostics and their summary on one stream, so they can never interleave.
            let style = colors.style
            for diagnostic in sorted { print(style.diagnostic(diagnostic)) }
            print(
                "\(files.count) file\(files.count == 1 ? "" : "s"), \(flows.count) flow\(flows.count == 1 ? "" : "s"): "
                    + style.counts(errors: sorted.errors.count, warnings: sorted.warnings.count)
            )
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let perFile = files.map { file in
                let found = sorted.filter { $0.location.file == file }
                return FileReport(
                    file: file,
                    flow: flows.first { $0.file == file }?.name.value,
                    ok: !found.hasErrors && !(strict && !found.isEmpty),
                    diagnostics: found
                )
            }
            let report = Report(files: perFile, flows: flows.map(\.name.value), diagnostics: sorted, ok: !failed)
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        }
        if failed { throw ExitCode.failure }
    }

    /// One file's verdict, so a broken file does not hide the others.
    struct FileReport: Encodable {
        var file: String
        var flow: String?
        var ok: Bool
        var diagnostics: [Diagnostic]
    }

    struct Report: Encodable {
        var files: [FileReport]
        var flows: [String]
        var diagnostics: [Diagnostic]
        var ok: Bool
    }
}
