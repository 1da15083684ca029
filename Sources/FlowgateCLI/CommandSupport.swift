import ArgumentParser
import FlowModel
import Foundation

/// Loads and validates a flow for a command that runs or draws it. On errors it prints them as
/// `validate` does, on standard error (standard output may be a diagram or a transcript), and
/// exits 1.
func loadValidFlow(_ path: String) throws -> Flow {
    let result = FlowLoader.loadValid(file: path)
    guard let flow = result.flow else {
        let style = Style.standardError(noColor: false)
        for diagnostic in result.diagnostics.errors { printError(style.diagnostic(diagnostic)) }
        printError(
            "\(path): \(result.diagnostics.errors.count) error\(result.diagnostics.errors.count == 1 ? "" : "s"); `flowgate validate \(path)` shows the warnings too"
        )
        throw ExitCode.failure
    }
    return flow
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// A failure while a command runs (not a mistake in how it was called): printed as
/// `Error: …` without the usage text.
struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Refuses a count below 1 with the option's name, before the command runs.
func requirePositive(_ values: [(name: String, value: Int)]) throws {
    for (name, value) in values where value < 1 {
        throw ValidationError("--\(name) must be at least 1, not \(value)")
    }
}
