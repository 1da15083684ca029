import FlowModel
import Foundation

/// `flowgate test`'s machine-readable reports: JSON for scripts, JUnit XML for CI systems.
public enum TestReport {
    struct Report: Encodable {
        var scenarios: [ScenarioRunner.Result]
        var passed: Int
        var failed: Int
    }

    public static func json(_ results: [ScenarioRunner.Result]) throws -> String {
        let passed = results.filter(\.passed).count
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let report = Report(scenarios: results, passed: passed, failed: results.count - passed)
        return String(decoding: try encoder.encode(report), as: UTF8.self)
    }

    /// One `<testsuite>` per run, one `<testcase>` per scenario (its class the file, its name the
    /// title), a `<failure>` holding the same text the text format prints.
    public static func junit(_ results: [ScenarioRunner.Result]) -> String {
        let failed = results.filter { !$0.passed }.count
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<testsuites name=\"flowgate test\" tests=\"\(results.count)\" failures=\"\(failed)\">\n"
        xml += "  <testsuite name=\"scenarios\" tests=\"\(results.count)\" failures=\"\(failed)\">\n"
        for result in results {
            xml += "    <testcase classname=\"\(escaped(result.file))\" name=\"\(escaped(result.title))\""
            if result.passed {
                xml += "/>\n"
                continue
            }
            let details = result.problems.map(\.description) + result.failures.map(\.description)
            let first = result.problems.first?.message ?? result.failures.first.map { "turn \($0.turn) (\($0.label)): expected \($0.expected)" } ?? ""
            xml +=
                ">\n      <failure message=\"\(escaped(first))\">\(escaped(details.joined(separator: "\n"), attribute: false))</failure>\n    </testcase>\n"
        }
        xml += "  </testsuite>\n</testsuites>\n"
        return xml
    }

    /// Text safe inside XML attributes (line breaks kept as character references) and elements;
    /// characters XML 1.0 cannot hold become `?`.
    static func escaped(_ text: String, attribute: Bool = true) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "\n", "\t": result += attribute ? "&#\(scalar.value);" : String(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF: result += "?"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
