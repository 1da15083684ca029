import Foundation

/// Golden files: output a test compares with a file kept in the repository, line by line.
///
/// When a change to the output is intended, rewrite every golden file with
///
///     FLOWGATE_UPDATE_GOLDEN=1 swift test --filter Golden
///
/// and read the diff before committing it.
public enum Golden {
    /// The environment variable that makes ``compare(_:with:)`` write the file instead.
    public static let updateVariable = "FLOWGATE_UPDATE_GOLDEN"

    /// True when golden files are being rewritten.
    public static var isUpdating: Bool { ProcessInfo.processInfo.environment[updateVariable] == "1" }

    /// Compares `lines` with the golden file at `path`; nil when they match, else what differs.
    /// While updating, writes `lines` to the file and returns nil.
    public static func compare(_ lines: [String], with path: String) -> String? {
        let text = lines.joined(separator: "\n") + "\n"
        if isUpdating {
            do {
                try text.write(toFile: path, atomically: true, encoding: .utf8)
                return nil
            } catch {
                return "could not write \(path): \(error)"
            }
        }
        guard let expected = try? String(contentsOfFile: path, encoding: .utf8) else {
            return "no golden file at \(path); write it with \(updateVariable)=1 swift test --filter Golden"
        }
        let want = expected.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        guard want != lines else { return nil }
        let line = zip(want, lines).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(want.count, lines.count)
        return """
            \(path) differs at line \(line + 1) (\(want.count) lines expected, \(lines.count) got)
              expected: \(line < want.count ? want[line] : "(end of file)")
              got:      \(line < lines.count ? lines[line] : "(end of output)")
            if the change is intended: \(updateVariable)=1 swift test --filter Golden
            """
    }
}
