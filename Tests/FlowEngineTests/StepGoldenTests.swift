import FlowEngine
import FlowModel
import FlowgateTesting
import Foundation
import Simulator
import Testing
import Yams

/// One golden test per step kind, as goflow keeps one per action: `testdata/steps/<kind>.yaml`
/// holds a small flow using the kind and a customer script (the lines `flowgate simulate` reads);
/// `<kind>.golden.jsonl` holds what the engine sent and traced, as `flowgate simulate --format
/// json` prints it. Rewrite the golden files after an intended change with
/// `FLOWGATE_UPDATE_GOLDEN=1 swift test --filter Golden`.
@Suite struct StepGoldenTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("testdata/steps")

    static func path(_ kind: String, _ suffix: String) -> String {
        directory.appendingPathComponent("\(kind)\(suffix)").path
    }

    @Test("every step kind has a golden file, and every golden file names a kind")
    func everyKindHasOne() throws {
        let missing = Step.kindKeys.filter { !FileManager.default.fileExists(atPath: Self.path($0, ".yaml")) }
        #expect(missing.isEmpty, "no golden test for: \(missing.joined(separator: ", ")); add testdata/steps/<kind>.yaml")
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path)
        let kinds = files.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(".yaml".count)) }
        #expect(Set(kinds).subtracting(Step.kindKeys).isEmpty, "golden files for no kind: \(Set(kinds).subtracting(Step.kindKeys))")
    }

    @Test("each step kind sends and traces exactly what its golden file holds", arguments: Step.kindKeys)
    func golden(kind: String) throws {
        let text = try String(contentsOfFile: Self.path(kind, ".yaml"), encoding: .utf8)
        let root = try #require(try Yams.compose(yaml: text))
        let script = try #require(root["script"]?.sequence).compactMap(\.string)
        let flowNode = try #require(root["flow"], "\(kind).yaml needs a `flow:`")
        let loaded = FlowLoader.load(yaml: try Yams.serialize(node: flowNode), file: "\(kind).yaml")
        let flow = try #require(loaded.flow, "\(loaded.diagnostics)")
        let errors = (loaded.diagnostics + FlowValidator.validate(flow)).errors
        #expect(errors.isEmpty, "\(errors)")

        let start = try #require(Timestamp(iso8601: "2026-11-02T10:00:00Z"))
        var session = SimulatorSession(flow: flow, contact: ContactIdentity(waID: "31612345678", name: "Ana"), start: start)
        var lines: [String] = []
        for line in script {
            lines += JSONLines.input(line, at: session.now)
            do {
                guard case .act(let action)? = try Command.parse(line, choices: session.choices) else {
                    Issue.record("'\(line)' in \(kind).yaml is not a customer action")
                    continue
                }
                lines += JSONLines.transitions(try session.perform(action))
            } catch {
                lines.append(JSONLines.error(error.description, at: session.now))
            }
        }
        #expect(lines.contains { $0.contains("entered \(kind) node") }, "the script never enters a \(kind) node")
        let difference = Golden.compare(lines, with: Self.path(kind, ".golden.jsonl"))
        #expect(difference == nil, "\(difference ?? "")")
    }
}
