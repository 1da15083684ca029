import ArgumentParser
import FlowEngine
import FlowModel
import Foundation
import Simulator

/// `flowgate simulate FLOW`: play the customer at a terminal, or from a pipe.
struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Chat with a flow as the customer, on a virtual clock.",
        discussion: """
            Type messages; tap buttons, list rows and quick replies by number or title; send media; move the \
            clock with /wait and /at; trigger the flow as the business; report delivery statuses. /help lists it all. \
            The same input and --start give the same output, byte for byte.
            """
    )

    @Argument(help: "The flow file.")
    var flow: String

    @Option(help: "The customer's profile name.")
    var contact = "Ana"

    @Option(name: .customLong("wa-id"), help: "The customer's WhatsApp id.")
    var waID = "15550001234"

    @Option(help: "The virtual clock's start, e.g. 2026-11-02T10:00:00Z (default: now, to the minute).")
    var start: Timestamp?

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case chat, json
    }

    @Option(help: "chat, or json: one JSON object per line with the Cloud API payloads and the trace.")
    var format: Format = .chat

    @OptionGroup var colors: ColorOptions

    func run() throws {
        let loaded = try loadValidFlow(flow)
        let json = format == .json
        let startTime = start ?? Timestamp(millisecondsSince1970: Timestamp(Date()).millisecondsSince1970 / 60_000 * 60_000)
        var session = SimulatorSession(flow: loaded, contact: ContactIdentity(waID: waID, name: contact), start: startTime)
        let interactive = isatty(STDIN_FILENO) != 0
        var printer = ChatPrinter(flow: loaded, color: !json && colors.style.color)
        let output = Output()
        let editor = LineEditor(terminal: interactive && !json)
        if !json { output.write(printer.banner(session: session)) }
        while true {
            var prompt = ""
            if interactive, !json {
                let shown = printer.prompt(at: session.now)
                output.write(shown.lines)
                prompt = shown.text
            }
            guard let line = editor.line(prompt: prompt) else {
                // Ctrl-D at a terminal: end the prompt's line, so the shell's starts on its own.
                if interactive, !json { output.write([""]) }
                break
            }
            if !interactive { output.write(json ? JSONLines.input(line, at: session.now) : printer.input(line, at: session.now)) }
            do {
                guard let command = try Command.parse(line, choices: session.choices) else { continue }
                switch command {
                case .quit:
                    return
                case .help:
                    output.write(json ? [] : Command.helpText.split(separator: "\n").map { "   " + $0 })
                case .state:
                    output.write(json ? [JSONLines.state(session)] : printer.stateReport(session))
                case .act(let action):
                    let transitions = try session.perform(action)
                    if json {
                        output.write(JSONLines.transitions(transitions) + [JSONLines.window(session)])
                    } else {
                        if case .reset = action { output.write(["   * the contact is forgotten: the next message starts the flow afresh"]) }
                        output.write(printer.transitions(transitions) + [printer.status(session)])
                    }
                }
            } catch {
                output.write([json ? JSONLines.error(error.description, at: session.now) : "   ? \(error.description)"])
            }
        }
    }
}

/// Standard output, flushed after each write so a terminal or pipe sees each turn at once.
struct Output {
    func write(_ lines: [String]) {
        guard !lines.isEmpty else { return }
        FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }
}

extension Timestamp: ExpressibleByArgument {
    public init?(argument: String) { self.init(iso8601: argument) }
    public static var defaultCompletionKind: CompletionKind { .default }
}
