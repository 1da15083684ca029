import FlowModel
import Foundation
import Testing

struct LoaderTests {
    /// The repository's `flows/` folder, found from this file's path.
    static let flowsFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("flows").path

    @Test("the example flows load and validate without a diagnostic")
    func examplesAreClean() {
        let set = FlowLoader.load(paths: [Self.flowsFolder])
        let (flows, diagnostics) = (set.flows, set.diagnostics)
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.description).joined(separator: "\n"))")
        #expect(Set(flows.map(\.name.value)).isSuperset(of: ["order-support", "auto-ack"]))
    }

    @Test("order-support uses every node kind")
    func everyKind() throws {
        let flows = FlowLoader.load(paths: [Self.flowsFolder]).flows
        let flow = try #require(flows.first { $0.name.value == "order-support" })
        let kinds = Set(flow.orderedNodes.map(\.step.kind))
        #expect(Set(Step.kindKeys).subtracting(kinds).isEmpty, "missing: \(Set(Step.kindKeys).subtracting(kinds))")
    }

    @Test("a folder loads as one set, and two flows with one name are an error")
    func duplicateFlowNames() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flowgate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let yaml = "flow: same\nstart: n\nnodes:\n  n: { text: hi, goto: end }\n"
        try yaml.write(to: folder.appendingPathComponent("a.yaml"), atomically: true, encoding: .utf8)
        try yaml.write(to: folder.appendingPathComponent("b.yml"), atomically: true, encoding: .utf8)
        try "not a flow".write(to: folder.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let set = FlowLoader.load(paths: [folder.path])
        let (flows, diagnostics) = (set.flows, set.diagnostics)
        #expect(flows.count == 1)
        let duplicate = try #require(diagnostics.first { $0.rule == .duplicateFlow })
        #expect(duplicate.location.file.hasSuffix("b.yml"))
        #expect(duplicate.location.line == 1 && duplicate.location.column == 7)
        #expect(duplicate.hint?.contains("a.yaml:1:7") == true)
    }

    @Test("a missing file is reported, not thrown")
    func missingFile() {
        let result = FlowLoader.load(file: "/nonexistent/flow.yaml")
        #expect(result.flow == nil)
        #expect(result.diagnostics.first?.rule == .unreadableFile)
    }

    @Test("one file reports all its problems, not just the first")
    func manyProblems() {
        let diagnostics = diagnose("flow: t\nstart: n\nnodes:\n  n: { text: hi, gto: end }\n  m: { buttons: { body: x, options: [] }, goto: n }\n")
        #expect(diagnostics.contains { $0.rule == .unknownKey && $0.location.line == 4 })
        #expect(diagnostics.contains { $0.rule == .buttonCount && $0.location.line == 5 })
    }

    @Test("strings stay strings: Yes, No, 007 and on are titles, not booleans or numbers")
    func scalarsStayStrings() throws {
        let flow = try load(
            """
            flow: t
            start: n
            nodes:
              n:
                buttons:
                  body: Sure?
                  options: [{ title: Yes, goto: end }, { title: No, goto: end }, { title: 007, goto: end }]
            """
        )
        guard case .buttons(let buttons) = flow[node: "n"]?.step else {
            Issue.record("not buttons")
            return
        }
        #expect(buttons.options.map(\.title.description) == ["Yes", "No", "007"])
        #expect(buttons.options.map(\.id.value) == ["Yes", "No", "007"])
    }

    @Test("text templates find variables and literal text")
    func textTemplates() {
        let location = SourceLocation(file: "f", line: 1, column: 1)
        let text = TextTemplate(parsing: "Hi {{ contact.name }}, order {{order_id}} {{1}} {{", at: location)
        #expect(text.variables == ["contact.name", "order_id"])
        #expect(text.literalText == "Hi , order  {{1}} {{")
        #expect(text.render { ["contact.name": "Ana", "order_id": "ORD-1"][$0] } == "Hi Ana, order ORD-1 {{1}} {{")
    }

    @Test(
        "time spans parse the way designers write them",
        arguments: [
            ("90s", 90_000), ("30m", 1_800_000), ("2h", 7_200_000), ("1d", 86_400_000), ("1h30m", 5_400_000), ("500ms", 500),
        ] as [(String, Int64)]
    )
    func timeSpans(_ text: String, _ milliseconds: Int64) {
        #expect(TimeSpan(parsing: text)?.milliseconds == milliseconds)
        #expect(TimeSpan(parsing: TimeSpan(milliseconds: milliseconds).description)?.milliseconds == milliseconds)
    }

    @Test("bad time spans are refused", arguments: ["", "2", "h", "2x", "-1h", "1h 2"])
    func badTimeSpans(_ text: String) {
        #expect(TimeSpan(parsing: text) == nil)
    }

    @Test("timestamps print and parse ISO 8601 in UTC")
    func timestamps() throws {
        let stamp = try #require(Timestamp(iso8601: "2026-11-21T10:00:00Z"))
        #expect(stamp.millisecondsSince1970 == 1_795_255_200_000)
        #expect(stamp.description == "2026-11-21T10:00:00Z")
        #expect(Timestamp(iso8601: "2026-11-21T11:00:00.250+01:00")?.description == "2026-11-21T10:00:00.250Z")
        #expect(Timestamp(iso8601: "1969-12-31T23:59:59Z")?.millisecondsSince1970 == -1000)
        #expect(Timestamp(iso8601: "2026-13-01T00:00:00Z") == nil)
        #expect(Timestamp(iso8601: "2026-11-21T10:00:00.5Z")?.description == "2026-11-21T10:00:00.500Z")
        #expect(Timestamp(iso8601: "2026-11-21T10:00:00.123456Z")?.description == "2026-11-21T10:00:00.123Z")
        #expect(Timestamp(iso8601: "2026-11-21 10:00")?.description == "2026-11-21T10:00:00Z")
        #expect(Timestamp(iso8601: "2026-11-21")?.description == "2026-11-21T00:00:00Z")
        #expect(Timestamp(iso8601: "2026-11-21T10:00:00-0230")?.description == "2026-11-21T12:30:00Z")
        for bad in ["", "2026-11", "2026-11-21T", "2026-11-21T10", "2026-11-21T10:00:00.Z", "2026-11-21T10:00:00Zjunk", "x2026-11-21"] {
            #expect(Timestamp(iso8601: bad) == nil, "\(bad)")
        }
    }

    @Test("a generated 1,000-node flow is valid")
    func generatedFlow() throws {
        let flow = try load(FlowGenerator.yaml(nodes: 1000))
        #expect(flow.nodes.count == 1000)
    }
}
