/// One problem found in a flow, printed the way compilers print:
/// `flows/order.yaml:12:9: error: button title is 23 characters; WhatsApp allows 20 [button-title-length]`
/// followed by an indented `hint:` line that says how to fix it.
public struct Diagnostic: Hashable, Sendable, Codable, CustomStringConvertible {
    public enum Severity: String, Hashable, Sendable, Codable {
        case error
        case warning
    }

    public var severity: Severity
    public var rule: Rule
    public var message: String
    public var hint: String?
    public var location: SourceLocation

    /// Values from the file are echoed in messages; control characters in them (newlines, escape
    /// codes, line separators) are written as `\u{…}` escapes, so a value can never forge a line
    /// of output or colour a terminal.
    public init(_ severity: Severity, _ rule: Rule, _ message: String, hint: String? = nil, at location: SourceLocation) {
        self.severity = severity
        self.rule = rule
        self.message = Self.escaped(message)
        self.hint = hint.map(Self.escaped)
        self.location = location
    }

    /// `text` with every control character, and the Unicode line and paragraph separators,
    /// written as a visible escape.
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isUnsafe) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            if isUnsafe(scalar) {
                result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\u{2028}" || scalar == "\u{2029}"
            || scalar == "\u{FEFF}" || (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
    }

    public static func error(_ rule: Rule, _ message: String, hint: String? = nil, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, rule, message, hint: hint, at: location)
    }

    public static func warning(_ rule: Rule, _ message: String, hint: String? = nil, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.warning, rule, message, hint: hint, at: location)
    }

    public var description: String {
        var text = "\(location): \(severity.rawValue): \(message) [\(rule.rawValue)]"
        if let hint { text += "\n  hint: \(hint)" }
        return text
    }
}

extension Array where Element == Diagnostic {
    public var hasErrors: Bool { contains { $0.severity == .error } }
    public var errors: [Diagnostic] { filter { $0.severity == .error } }
    public var warnings: [Diagnostic] { filter { $0.severity == .warning } }

    /// One diagnostic per rule, place and message, with a count when it was found more than once
    /// (200,000 `{{x}}` in one text give one warning, not 200,000).
    public func folded() -> [Diagnostic] {
        var order: [DiagnosticKey] = []
        var found: [DiagnosticKey: (diagnostic: Diagnostic, count: Int)] = [:]
        for diagnostic in self {
            let key = DiagnosticKey(rule: diagnostic.rule, severity: diagnostic.severity, location: diagnostic.location, message: diagnostic.message)
            if let existing = found[key] {
                found[key] = (existing.diagnostic, existing.count + 1)
            } else {
                found[key] = (diagnostic, 1)
                order.append(key)
            }
        }
        return order.compactMap { key in
            guard var entry = found[key] else { return nil }
            if entry.count > 1 { entry.diagnostic.message += " (\(entry.count) times here)" }
            return entry.diagnostic
        }
    }

    /// In file order, then line, then column: how a designer reads them.
    public func sortedByLocation() -> [Diagnostic] {
        sorted {
            ($0.location.file, $0.location.line, $0.location.column, $0.rule.rawValue)
                < ($1.location.file, $1.location.line, $1.location.column, $1.rule.rawValue)
        }
    }
}

/// What makes two diagnostics the same finding.
private struct DiagnosticKey: Hashable {
    var rule: Rule
    var severity: Diagnostic.Severity
    var location: SourceLocation
    var message: String
}

/// A diagnostic can be thrown or carried in a `Result` where reading stops at the first problem.
extension Diagnostic: Error {}
