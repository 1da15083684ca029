import FlowEngine
import FlowModel
import Foundation
import Testing

@testable import Simulator

let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func orderSupport() throws -> Flow {
    try #require(FlowLoader.load(file: repository.appendingPathComponent("flows/order-support.yaml").path).flow)
}

/// Plays lines as `flowgate simulate` does when piped, returning the transcript.
func transcript(_ lines: [String], json: Bool = false) throws -> String {
    let flow = try orderSupport()
    var session = SimulatorSession(
        flow: flow,
        contact: ContactIdentity(waID: "15550001234", name: "Ana"),
        start: Timestamp(iso8601: "2026-11-02T10:00:00Z")!
    )
    var printer = ChatPrinter(flow: flow, color: false)
    var out = json ? [] : printer.banner(session: session)
    for line in lines {
        out += json ? JSONLines.input(line, at: session.now) : printer.input(line, at: session.now)
        do {
            guard let command = try Command.parse(line, choices: session.choices) else { continue }
            switch command {
            case .act(let action):
                let transitions = try session.perform(action)
                out +=
                    json
                    ? JSONLines.transitions(transitions) + [JSONLines.window(session)] : printer.transitions(transitions) + [printer.status(session)]
            case .state: out += printer.stateReport(session)
            case .help, .quit: break
            }
        } catch {
            out.append("   ? \(error.description)")
        }
    }
    return out.joined(separator: "\n")
}

struct SimulatorTests {
    static let script = [
        "hi", "1", "ORD-1", "ORD-12345", "/wait 25h", "/state", "/trigger delivery_today",
        "/status failed 131047", "Continue", "/image a photo", "/react 👍", "/tap 9", "/bogus",
    ]

    @Test("the same input and start time give byte-identical output, for people and as JSON")
    func deterministic() throws {
        #expect(try transcript(Self.script) == transcript(Self.script))
        #expect(try transcript(Self.script, json: true) == transcript(Self.script, json: true))
    }

    @Test("the chat shows numbered buttons, list rows, templates with category, guard notices and the window")
    func chatDrawing() throws {
        let text = try transcript(Self.script)
        #expect(text.contains("[10:00] bot #1: (image) https://cdn.acme.example/brand/support.png"))
        #expect(text.contains("[1] Track my order"))
        #expect(text.contains("  [2] Afternoon · 12:00-18:00"))
        #expect(text.contains("[template order_update · UTILITY]"))
        #expect(text.contains("! guard: 'delivery_today' [SESSION_EXPIRED]"))
        #expect(text.contains("! delivery failed: 15550001234-"))
        #expect(text.contains("⏱ 11:00 timer: no reply in 1h → slot_reminder"))
        #expect(text.contains("── window open until 2026-11-03 09:55 UTC, 10:55 in Europe/Amsterdam (23h55m left)"))
        #expect(text.contains("│ billable:"))
        #expect(text.contains("? no choice '9'"))
        #expect(text.contains("? unknown command /bogus"))
        #expect(!text.contains("\u{1B}["), "no colour codes when not at a terminal")
    }

    @Test("the status line never says 0s left while time is left")
    func lastMillisecond() throws {
        let text = try transcript(["hi", "/at 2026-11-03T09:54:59.999Z"])
        #expect(text.contains("window open until 2026-11-03 09:55 UTC, 10:55 in Europe/Amsterdam (<1s left)"))
        #expect(!text.contains("(0s left)"))
    }

    @Test(
        "late messages and statuses for any earlier message parse, and odd lines get a one-line error",
        arguments: [
            ("/late 30h hello", Command.act(.sayLate("hello", sent: .ago(.hours(30))))),
            ("/say-at 2026-11-03T09:59:30Z hello there", .act(.sayLate("hello there", sent: .at(Timestamp(iso8601: "2026-11-03T09:59:30Z")!)))),
            ("/status #3 failed 131047", .act(.status(.failed, code: 131047, message: 3))),
        ]
    )
    func guardCommands(_ line: String, _ expected: Command) throws {
        #expect(try Command.parse(line, choices: []) == expected)
    }

    @Test(
        "a lone slash and malformed guard commands are errors, not crashes",
        arguments: [
            "/", "/late", "/late soon hi", "/say-at yesterday hi", "/status #x failed", "/status #0 read",
            "/text", "/text   ", "/tap", "/late 30h", "/say-at 2026-11-03T09:59:30Z",
        ]
    )
    func badGuardCommands(_ line: String) {
        #expect(throws: SimulatorError.self) { try Command.parse(line, choices: []) }
    }

    @Test("/help names every command the docs list, and the docs every command /help names")
    func helpMatchesDocs() throws {
        let docs = try String(contentsOf: repository.appendingPathComponent("docs/simulator.md"), encoding: .utf8)
        // The commands in the docs' table of what you can type: `/word` at the start of a cell.
        let table = docs.components(separatedBy: "What you can type:").dropFirst().first?.components(separatedBy: "\n\n").dropFirst().first ?? ""
        func commands(_ text: String) -> Set<String> {
            Set(text.matches(of: /(?:^|[\s`(|,])\/([a-z][a-z-]*)/).map { String($0.1) })
        }
        let documented = commands(table)
        let helped = commands(Command.helpText)
        #expect(documented.count >= 18, "\(documented.sorted())")
        #expect(
            documented == helped,
            "only in the docs: \(documented.subtracting(helped).sorted()); only in /help: \(helped.subtracting(documented).sorted())"
        )
        for state in ["sent", "delivered", "read", "played", "failed"] { #expect(Command.helpText.contains(state)) }
    }

    @Test("--format json prints the exact Cloud API payloads and the trace, one object per line")
    func jsonLines() throws {
        let lines = try transcript(["hi"], json: true).split(separator: "\n")
        let objects = try lines.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        let message = try #require(objects.first { $0["type"] as? String == "message" })
        let payload = try #require(message["payload"] as? [String: Any])
        #expect(payload["messaging_product"] as? String == "whatsapp")
        #expect(payload["type"] as? String == "interactive")
        let events = objects.filter { $0["type"] as? String == "trace" }.compactMap { $0["event"] as? [String: Any] }
        #expect(events.contains { $0["type"] as? String == "window_opened" })
        #expect(objects.last?["type"] as? String == "window")
    }

    @Test(
        "a number or title taps when choices are shown; /text sends it as text",
        arguments: [
            ("2", Command.act(.tap("2"))), ("change DELIVERY", .act(.tap("change DELIVERY"))), ("/text 2", .act(.say("2"))),
            ("hello", .act(.say("hello"))), ("/wait 1h30m", .act(.wait(.minutes(90)))),
            ("/voice", .act(.media(.audio, caption: nil, filename: nil, voice: true))),
            ("/location 52.37,4.89 Dam Square", .act(.location(latitude: 52.37, longitude: 4.89, name: "Dam Square"))),
            ("/trigger shipped_notice order_id=ORD-1", .act(.trigger(node: "shipped_notice", parameters: ["order_id": "ORD-1"]))),
            ("/status failed 131047", .act(.status(.failed, code: 131047, message: nil))), ("/state", .state), ("/quit", .quit),
        ]
    )
    func parsing(_ line: String, _ expected: Command) throws {
        let choices = [
            SimulatorSession.Choice(kind: .button, id: "track", title: "Track my order"),
            SimulatorSession.Choice(kind: .button, id: "slot", title: "Change delivery"),
        ]
        #expect(try Command.parse(line, choices: choices) == expected)
    }

    @Test("bad commands say how to use them", arguments: ["/wait soon", "/location here", "/status lost", "/at yesterday", "/trigger"])
    func badCommands(_ line: String) {
        #expect(throws: SimulatorError.self) { try Command.parse(line, choices: []) }
    }

    @Test("every scenario in simulator/ passes")
    func scenariosPass() throws {
        let files = FlowLoader.expand([repository.appendingPathComponent("simulator").path])
        #expect(files.count >= 10)
        for file in files {
            let result = ScenarioRunner.run(file: file)
            #expect(result.passed, "\(file): \(result.failures.map(\.description).joined(separator: "\n"))")
        }
    }

    @Test("a wrong expectation fails and shows what was expected beside what came")
    func wrongExpectation() throws {
        let yaml = """
            scenario: wrong on purpose
            flow: \(repository.appendingPathComponent("flows/order-support.yaml").path)
            start: 2026-11-02T10:00:00Z
            turns:
              - say: hi
                expect:
                  - buttons: [Track my order, Change delivery, Something different]
                  - node: welcome
              - tap: Track my order
                expect:
                  - text: { contains: "tracking number" }
                  - var: { order_id: ORD-1 }
            """
        let read = Scenario.load(yaml: yaml, file: "wrong.yaml")
        let loaded = try #require(read.scenario, "\(read.diagnostics)")
        let result = ScenarioRunner.run(loaded, flow: try orderSupport())
        #expect(!result.passed)
        #expect(result.failures.count == 3)
        let buttons = try #require(result.failures.first)
        #expect(buttons.turn == 1 && buttons.location.line == 7)
        #expect(buttons.expected == "buttons [\"Track my order\", \"Change delivery\", \"Something different\"]")
        // Only the title that differs, not every message whole.
        #expect(buttons.got == ["button 3: 'Something else', not 'Something different'"])
        #expect(buttons.description.contains("expected:") && buttons.description.contains("got:"))
        #expect(result.failures[1].expected == "text containing \"tracking number\"")
        #expect(result.failures[1].got == ["What is your order number? (e.g. ORD-12345)"])
        #expect(result.failures[2].got == ["order_id = (not set)"])
    }

    @Test("a broken scenario file reports the line and column")
    func brokenScenario() {
        let read = Scenario.load(yaml: "scenario: x\nflow: f.yaml\nstart: 2026-11-02T10:00:00Z\nturns:\n  - sya: hi\n", file: "bad.yaml")
        let diagnostics = read.diagnostics
        #expect(read.scenario == nil)
        #expect(diagnostics.first?.location.line == 5)
        #expect(diagnostics.first?.location.column == 5)
        #expect(diagnostics.first?.rule == .unknownKey)
        #expect(diagnostics.first?.hint == "did you mean 'say'?")
    }

    @Test("a scenario whose flow is a folder points at its `flow:` key, in words")
    func flowIsAFolder() throws {
        let file = NSTemporaryDirectory() + "scenario-\(UUID().uuidString).yaml"
        try "scenario: x\nflow: \(NSTemporaryDirectory())\nstart: 2026-11-02T10:00:00Z\nturns: []\n".write(
            toFile: file,
            atomically: true,
            encoding: .utf8
        )
        defer { try? FileManager.default.removeItem(atPath: file) }
        let result = ScenarioRunner.run(file: file)
        let problem = try #require(result.problems.first)
        #expect(!result.passed)
        #expect(problem.location.line == 2 && problem.location.file == file)
        #expect(problem.message.contains("is a folder"))
        #expect(!problem.message.contains("NSCocoaErrorDomain"))
    }
}

@Suite struct TestReportTests {
    static let results = [
        ScenarioRunner.Result(file: "simulator/a.yaml", title: "Taps & \"quotes\" <here>", turns: 2, failures: []),
        ScenarioRunner.Result(
            file: "simulator/b.yaml",
            title: "A failure",
            turns: 3,
            failures: [
                ScenarioRunner.Failure(
                    turn: 2,
                    label: "say: hi",
                    location: SourceLocation(file: "simulator/b.yaml", line: 9, column: 7),
                    expected: "list rows [\"A\", \"B\"]",
                    got: ["row 2: 'C', not 'B'"]
                )
            ]
        ),
        ScenarioRunner.Result(
            file: "simulator/c.yaml",
            title: "(not loaded)",
            turns: 0,
            failures: [],
            problems: [
                .error(
                    .unknownKey,
                    "unknown key 'sya': a turn needs one action",
                    hint: "did you mean 'say'?",
                    at: SourceLocation(file: "simulator/c.yaml", line: 5, column: 5)
                )
            ]
        ),
    ]

    @Test("JUnit XML: a testcase per scenario, failures with the text the terminal shows, everything escaped")
    func junit() {
        let xml = TestReport.junit(Self.results)
        #expect(xml.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"flowgate test\" tests=\"3\" failures=\"2\">"))
        #expect(xml.contains("<testcase classname=\"simulator/a.yaml\" name=\"Taps &amp; &quot;quotes&quot; &lt;here&gt;\"/>"))
        #expect(
            xml.contains(
                "<failure message=\"turn 2 (say: hi): expected list rows [&quot;A&quot;, &quot;B&quot;]\">turn 2 (say: hi) at simulator/b.yaml:9:7:\n"
            )
        )
        #expect(xml.contains("<failure message=\"unknown key 'sya': a turn needs one action\">simulator/c.yaml:5:5: error:"))
        #expect(xml.components(separatedBy: "<testcase").count == 4)
        #expect(xml.components(separatedBy: "<failure").count == 3)
        #expect(TestReport.escaped("a\u{1}b\nc") == "a?b&#10;c")
    }

    @Test("JSON: every scenario with its verdict, problems and failures, and the counts")
    func json() throws {
        let data = Data(try TestReport.json(Self.results).utf8)
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(report["passed"] as? Int == 1 && report["failed"] as? Int == 2)
        let scenarios = try #require(report["scenarios"] as? [[String: Any]])
        #expect(scenarios.map { $0["passed"] as? Bool } == [true, false, false])
        let failure = try #require((scenarios[1]["failures"] as? [[String: Any]])?.first)
        #expect(failure["turn"] as? Int == 2 && failure["action"] as? String == "say: hi")
        #expect((failure["location"] as? [String: Any])?["line"] as? Int == 9)
        #expect(((scenarios[2]["problems"] as? [[String: Any]])?.first)?["rule"] as? String == "unknown-key")
    }
}
