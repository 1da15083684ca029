import FlowModel
import FlowgateTesting
import Foundation
import Simulator
import Testing

/// Every scenario in `simulator/` has its whole conversation kept as a golden transcript
/// (`testdata/transcripts/<scenario>.jsonl`, as `flowgate simulate --format json` prints it), so a
/// change in any payload or trace shows up in review even where no expectation looks. Rewrite them
/// after an intended change with `FLOWGATE_UPDATE_GOLDEN=1 swift test --filter Golden`.
@Suite struct TranscriptGoldenTests {
    static let scenarios = FlowLoader.expand([repository.appendingPathComponent("simulator").path])
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("testdata/transcripts")

    static func goldenPath(for scenario: String) -> String {
        let name = URL(fileURLWithPath: scenario).deletingPathExtension().lastPathComponent
        return directory.appendingPathComponent("\(name).jsonl").path
    }

    @Test("every golden transcript belongs to a scenario that still exists")
    func noStrayTranscripts() throws {
        let kept = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path).filter { $0.hasSuffix(".jsonl") }
        let expected = Self.scenarios.map { URL(fileURLWithPath: Self.goldenPath(for: $0)).lastPathComponent }
        #expect(Set(kept) == Set(expected))
    }

    @Test("each scenario's whole conversation matches its golden transcript", arguments: scenarios)
    func transcript(of scenario: String) {
        let result = ScenarioRunner.run(file: scenario)
        #expect(result.problems.isEmpty, "\(result.problems)")
        #expect(!result.transcript.isEmpty)
        let difference = Golden.compare(result.transcript, with: Self.goldenPath(for: scenario))
        #expect(difference == nil, "\(difference ?? "")")
    }
}
