import FlowModel
import Testing

/// A flow's YAML with `»` marking where one diagnostic is expected; the marker is removed before
/// loading, and its line and column (1-based, in Unicode scalars as libyaml counts) are kept.
struct Marked {
    let yaml: String
    let line: Int
    let column: Int

    init(_ text: String) {
        var line = 1
        var column = 1
        var found: (Int, Int)?
        var output = ""
        for scalar in text.unicodeScalars {
            if scalar == "»" {
                found = (line, column)
                continue
            }
            output.unicodeScalars.append(scalar)
            if scalar == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        yaml = output
        (self.line, self.column) = found ?? (0, 0)
    }
}

/// Loads and validates YAML as `test.yaml`, returning every diagnostic.
func diagnose(_ yaml: String) -> [Diagnostic] {
    let result = FlowLoader.load(yaml: yaml, file: "test.yaml")
    guard let flow = result.flow else { return result.diagnostics }
    return (result.diagnostics + FlowValidator.validate(flow)).sortedByLocation()
}

/// Loads YAML that must be valid, failing the test with the diagnostics otherwise.
func load(_ yaml: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> Flow {
    let result = FlowLoader.load(yaml: yaml, file: "test.yaml")
    let flow = try #require(result.flow, "\(result.diagnostics)", sourceLocation: sourceLocation)
    let all = result.diagnostics + FlowValidator.validate(flow)
    #expect(all.isEmpty, "\(all.map(\.description).joined(separator: "\n"))", sourceLocation: sourceLocation)
    return flow
}
