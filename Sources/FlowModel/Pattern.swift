/// A regular expression from a flow, compiled once when the flow loads.
public struct Pattern: Hashable, @unchecked Sendable, CustomStringConvertible {
    public let source: String
    public let location: SourceLocation
    // Regex is immutable once built; it is only read after loading.
    private let regex: Regex<AnyRegexOutput>

    /// Nil when the expression does not compile; `error` says why.
    init?(_ source: Located<String>, context: LoadContext) {
        do {
            regex = try Regex(source.value)
        } catch {
            context.report(
                .error(
                    .invalidValue,
                    "'\(source.value)' is not a valid regular expression: \(error)",
                    hint: "check brackets and escapes; in YAML, single-quote a pattern with backslashes",
                    at: source.location
                )
            )
            return nil
        }
        self.source = source.value
        location = source.location
    }

    /// True when the pattern matches somewhere in `text` (anchor it with `^…$` to match the whole).
    public func matches(_ text: String) -> Bool {
        (try? regex.firstMatch(in: text)) != nil
    }

    public var description: String { source }
    public static func == (lhs: Pattern, rhs: Pattern) -> Bool { lhs.source == rhs.source }
    public func hash(into hasher: inout Hasher) { hasher.combine(source) }
}
