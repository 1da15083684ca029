import FlowModel
import Foundation
import Testing

/// The probes in `schema-probes/` pin down each structural leniency once: `.ci/schema-parity.py`
/// requires the JSON Schema to give each probe the verdict on its first line, and this test requires
/// the same of the loader and validator. Together they keep editors and `flowgate validate` agreeing.
@Suite struct SchemaProbeTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("schema-probes")

    static var probes: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
    }

    @Test func theCorpusIsThere() {
        #expect(Self.probes.count >= 50)
    }

    @Test(arguments: probes)
    func validatorGivesTheProbesVerdict(_ name: String) throws {
        let text = try String(contentsOf: Self.folder.appendingPathComponent(name), encoding: .utf8)
        let expected = try #require(text.split(separator: "\n").first.map(String.init))
        let errors = diagnose(text).filter { $0.severity == .error }
        switch expected {
        case "# expect: valid":
            #expect(errors.isEmpty, "\(name): \(errors.map(\.description))")
        case "# expect: invalid":
            #expect(!errors.isEmpty, "\(name) should be refused")
        default:
            Issue.record("\(name): the first line must be `# expect: valid` or `# expect: invalid`")
        }
    }
}
