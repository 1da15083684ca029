import ArgumentParser
import FlowModel
import Foundation
import Rainbow

/// How the commands style their text: ANSI colour only when standard output is a terminal, and
/// never with `--no-color` or the `NO_COLOR` environment variable set (no-color.org).
struct Style {
    let color: Bool

    static func standardOutput(noColor: Bool) -> Style { Style(descriptor: STDOUT_FILENO, noColor: noColor) }

    static func standardError(noColor: Bool) -> Style { Style(descriptor: STDERR_FILENO, noColor: noColor) }

    private init(descriptor: Int32, noColor: Bool) {
        let disabled = noColor || !(ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
        color = !disabled && isatty(descriptor) != 0
    }

    init(color: Bool) { self.color = color }

    static let plain = Style(color: false)

    private func paint(_ text: String, _ style: (String) -> String) -> String { color ? style(text) : text }

    func red(_ text: String) -> String { paint(text) { $0.red.bold } }
    func yellow(_ text: String) -> String { paint(text) { $0.yellow.bold } }
    func green(_ text: String) -> String { paint(text) { $0.green.bold } }
    func dim(_ text: String) -> String { paint(text) { $0.dim } }
    func bold(_ text: String) -> String { paint(text) { $0.bold } }

    /// A diagnostic as `validate` prints it, the severity and hint coloured at a terminal.
    func diagnostic(_ diagnostic: Diagnostic) -> String {
        guard color else { return diagnostic.description }
        let severity = diagnostic.severity == .error ? red("error:") : yellow("warning:")
        var text = "\(bold("\(diagnostic.location):")) \(severity) \(diagnostic.message) \(dim("[\(diagnostic.rule.rawValue)]"))"
        if let hint = diagnostic.hint { text += "\n  \(dim("hint:")) \(hint)" }
        return text
    }

    /// "N errors, N warnings", each part coloured when non-zero.
    func counts(errors: Int, warnings: Int) -> String {
        let errorText = "\(errors) error\(errors == 1 ? "" : "s")"
        let warningText = "\(warnings) warning\(warnings == 1 ? "" : "s")"
        return "\(errors > 0 ? red(errorText) : errorText), \(warnings > 0 ? yellow(warningText) : warningText)"
    }
}

/// The `--no-color` flag, for the commands that colour their output.
struct ColorOptions: ParsableArguments {
    @Flag(name: .customLong("no-color"), help: "Plain text even at a terminal (also: the NO_COLOR environment variable).")
    var noColor = false

    var style: Style { .standardOutput(noColor: noColor) }
}
