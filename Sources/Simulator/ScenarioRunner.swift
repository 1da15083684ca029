import FlowEngine
import FlowModel
import WhatsAppCloud

/// Plays a scenario against its flow and compares what came with what was expected.
public enum ScenarioRunner {
    /// A turn's expectation that did not hold. Encoded (for `flowgate test --format json`) with
    /// its label as `action`.
    public struct Failure: Sendable, Encodable, CustomStringConvertible {
        public var turn: Int
        public var label: String
        public var location: SourceLocation
        public var expected: String
        public var got: [String]

        public var description: String {
            var lines = ["turn \(turn) (\(label)) at \(location):", "  expected: \(expected)"]
            let shown = got.isEmpty ? ["nothing"] : got
            lines.append("  got:      \(shown[0])")
            lines += shown.dropFirst().map { "            \($0)" }
            return lines.joined(separator: "\n")
        }

        enum CodingKeys: String, CodingKey {
            case turn, location, expected, got
            case label = "action"
        }
    }

    public struct Result: Sendable, Encodable {
        public var file: String
        public var title: String
        public var turns: Int
        public var failures: [Failure]
        /// Errors that stopped the scenario before its first turn: in the scenario file, or in
        /// the flow it names.
        public var problems: [Diagnostic] = []
        /// The conversation as `flowgate simulate --format json` prints it: each turn's input, then
        /// the payloads sent and the trace. Not part of the report.
        public var transcript: [String] = []
        public var passed: Bool { failures.isEmpty && problems.isEmpty }

        enum CodingKeys: String, CodingKey { case file, title, turns, passed, problems, failures }

        public func encode(to encoder: any Encoder) throws {
            var values = encoder.container(keyedBy: CodingKeys.self)
            try values.encode(file, forKey: .file)
            try values.encode(title, forKey: .title)
            try values.encode(turns, forKey: .turns)
            try values.encode(passed, forKey: .passed)
            try values.encode(problems, forKey: .problems)
            try values.encode(failures, forKey: .failures)
        }
    }

    /// Runs one scenario file: loads it and its flow (errors in either fail the scenario).
    public static func run(file: String) -> Result {
        let loaded = Scenario.load(file: file)
        guard let scenario = loaded.scenario else {
            return Result(file: file, title: "(not loaded)", turns: 0, failures: [], problems: loaded.diagnostics.errors.sortedByLocation())
        }
        let flowLoaded = FlowLoader.loadValid(file: scenario.flowPath)
        guard let flow = flowLoaded.flow else {
            // A flow that cannot be read at all is the scenario's mistake: point at its `flow:`.
            let problems = flowLoaded.diagnostics.errors.map { problem in
                var problem = problem
                if problem.rule == .unreadableFile { problem.location = scenario.flowLocation }
                return problem
            }
            return Result(file: file, title: scenario.title, turns: 0, failures: [], problems: problems)
        }
        return run(scenario, flow: flow)
    }

    public static func run(_ scenario: Scenario, flow: Flow) -> Result {
        var session = SimulatorSession(flow: flow, contact: scenario.contact, start: scenario.start)
        var failures: [Failure] = []
        var transcript: [String] = []
        for (index, turn) in scenario.turns.enumerated() {
            let number = index + 1
            let transitions: [Transition]
            transcript += JSONLines.input(turn.label, at: session.now)
            do {
                transitions = try session.perform(turn.action)
                transcript += JSONLines.transitions(transitions)
            } catch {
                transcript.append(JSONLines.error(error.description, at: session.now))
                failures.append(
                    Failure(
                        turn: number,
                        label: turn.label,
                        location: turn.location,
                        expected: "the action to be possible",
                        got: [error.description]
                    )
                )
                continue
            }
            let messages = transitions.flatMap(\.messages)
            let trace = transitions.flatMap(\.trace)
            let got = messages.map { describe($0, flow: flow) }
            var cursor = 0
            for expectation in turn.expectations {
                func fail(_ got: [String]) {
                    failures.append(Failure(turn: number, label: turn.label, location: expectation.location, expected: expectation.summary, got: got))
                }
                if expectation.isMessage {
                    if let found = messages[cursor...].firstIndex(where: { matches(expectation.check, $0, flow: flow) }) {
                        cursor = found + 1
                    } else if let difference = difference(expectation.check, messages[cursor...]) {
                        fail(difference)
                    } else {
                        fail(cursor == 0 ? got : ["(after the messages already matched)"] + got[cursor...])
                    }
                    continue
                }
                if let problem = check(expectation.check, session: session, messages: messages, trace: trace, got: got) {
                    fail(problem)
                }
            }
        }
        return Result(
            file: scenario.file,
            title: scenario.title,
            turns: scenario.turns.count,
            failures: failures,
            transcript: transcript
        )
    }

    /// For buttons and list rows: when a message of that kind was sent with other titles, just
    /// the titles that differ, rather than every message whole.
    static func difference(_ check: Expectation.Check, _ messages: ArraySlice<Outbound>) -> [String]? {
        let expected: [String]
        let actual: [String]
        let what: String
        switch check {
        case .buttons(let titles):
            guard let sent = messages.lazy.compactMap({ $0.payload.interactive?.action.buttons?.map(\.reply.title) }).first else { return nil }
            (expected, actual, what) = (titles, sent, "button")
        case .list(let titles):
            guard let sent = messages.lazy.compactMap({ $0.payload.interactive?.action.sections?.flatMap(\.rows).map(\.title) }).first else {
                return nil
            }
            (expected, actual, what) = (titles, sent, "row")
        default:
            return nil
        }
        var lines: [String] = []
        for index in 0..<max(expected.count, actual.count) {
            let want = index < expected.count ? "'\(expected[index])'" : "nothing"
            let have = index < actual.count ? "'\(actual[index])'" : "nothing"
            if want != have { lines.append("\(what) \(index + 1): \(have), not \(want)") }
        }
        return lines
    }

    static func matches(_ check: Expectation.Check, _ message: Outbound, flow: Flow) -> Bool {
        let payload = message.payload
        switch check {
        case .text(let exact, let contains):
            guard let body = payload.text?.body else { return false }
            return exact.map { body == $0 } ?? contains.map { body.contains($0) } ?? false
        case .buttons(let titles):
            return payload.interactive?.action.buttons?.map(\.reply.title) == titles
        case .list(let titles):
            return payload.interactive?.action.sections?.flatMap(\.rows).map(\.title) == titles
        case .template(let name, let category):
            guard let template = payload.template else { return false }
            let keys = flow.templates.values.filter { $0.name.value == template.name }.map(\.key)
            return (template.name == name || keys.contains(name)) && (category == nil || category == message.category)
        case .media(let kind):
            return payload.type.rawValue == kind.rawValue
        case .ctaURL(let text):
            return payload.interactive?.action.parameters?.displayText == text
        case .locationRequest:
            return payload.interactive?.type == .locationRequest
        case .location:
            return payload.type == .location
        case .contacts:
            return payload.type == .contacts
        default:
            return false
        }
    }

    /// Nil when the check holds; else what was found instead.
    static func check(_ check: Expectation.Check, session: SimulatorSession, messages: [Outbound], trace: [TraceEvent], got: [String]) -> [String]? {
        let state = session.state
        switch check {
        case .nothing:
            return messages.isEmpty ? nil : got
        case .sent(let count):
            return messages.count == count ? nil : ["\(messages.count) message(s)"] + got
        case .blocked(let node, let reason):
            let blocks = trace.filter { if case .held = $0 { true } else { false } }
            let hit = blocks.contains { (node == nil || $0.node == node) && (reason == nil || $0.reason == reason) }
            if hit { return nil }
            return blocks.isEmpty ? ["no step blocked"] : blocks.map(\.description)
        case .notBlocked:
            let blocks = trace.filter { if case .held = $0 { true } else { false } }
            return blocks.isEmpty ? nil : blocks.map(\.description)
        case .node(let node):
            return state.position?.node == node ? nil : ["the contact at \(state.position?.node ?? "no node (flow not running)")"]
        case .variables(let expected):
            let wrong = expected.filter { state.variables[$0.key] != $0.value }
            return wrong.isEmpty
                ? nil : wrong.sorted { $0.key < $1.key }.map { "\($0.key) = \(state.variables[$0.key].map { "\"\($0)\"" } ?? "(not set)")" }
        case .window(let expected):
            let open = session.window.isOpen(state, at: session.now)
            var actual = Condition.WindowState.never
            if state.lastInboundAt != nil { actual = open ? .open : .closed }
            return actual == expected ? nil : ["window \(actual.rawValue)"]
        case .billable(let expected):
            let actual = state.accounting.billableTemplates.filter { $0.value > 0 }
            let listed = actual.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            return actual == expected ? nil : ["billable: " + (actual.isEmpty ? "nothing" : listed)]
        case .handoff(let expected):
            let holder = state.handoff == nil ? "not with a person" : "with a person"
            return (state.handoff != nil) == expected ? nil : [holder]
        case .trace(let kind, let contains):
            let hit = trace.contains { Self.traceType($0, is: kind) && (contains.map($0.detail.contains) ?? true) }
            return hit ? nil : trace.map(\.description)
        default:
            return nil
        }
    }

    /// Matches a trace type; `blocked` is kept as another name for `held`.
    static func traceType(_ event: TraceEvent, is name: String) -> Bool {
        event.type == name || (name == "blocked" && event.type == "held")
    }

    /// One line per message, as the chat shows it.
    static func describe(_ message: Outbound, flow: Flow) -> String {
        MessageText.lines(message, flow: flow).joined(separator: " ⏎ ")
    }
}
