import Foundation

/// Designer text with `{{variable}}` placeholders, parsed once when the flow loads.
///
/// Variables are dotted paths: `contact.name`, `reply.title`, `order_id`. Spaces inside the
/// braces are ignored (`{{ order_id }}`). A literal `{{` that is not a placeholder stays as written.
public struct TextTemplate: Hashable, Sendable, CustomStringConvertible {
    public enum Segment: Hashable, Sendable {
        case literal(String)
        case variable(String)
    }

    public var segments: [Segment]
    /// Where the text starts in its file.
    public var location: SourceLocation

    public init(parsing source: String, at location: SourceLocation) {
        self.location = location
        segments = Self.parse(source)
    }

    /// The text as written, placeholders included.
    public var description: String {
        segments.map { segment in
            switch segment {
            case .literal(let text): text
            case .variable(let name): "{{\(name)}}"
            }
        }.joined()
    }

    /// The variables the text refers to, in order of appearance.
    public var variables: [String] {
        segments.compactMap { if case .variable(let name) = $0 { name } else { nil } }
    }

    /// The text with every placeholder removed: what a limit can be checked against before runtime.
    public var literalText: String {
        segments.compactMap { if case .literal(let text) = $0 { text } else { nil } }.joined()
    }

    public var isEmpty: Bool { segments.isEmpty }

    /// Fills the placeholders; an unknown variable renders as an empty string.
    public func render(_ lookup: (String) -> String?) -> String {
        if segments.count == 1, case .literal(let text) = segments[0] { return text }
        var result = ""
        for segment in segments {
            switch segment {
            case .literal(let text): result += text
            case .variable(let name): result += lookup(name) ?? ""
            }
        }
        return result
    }

    private static func parse(_ source: String) -> [Segment] {
        var segments: [Segment] = []
        var literal = ""
        var rest = Substring(source)
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else { break }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            literal += rest[..<open.lowerBound]
            if isVariableName(name) {
                if !literal.isEmpty {
                    segments.append(.literal(literal))
                    literal = ""
                }
                segments.append(.variable(name))
            } else {
                literal += rest[open.lowerBound..<close.upperBound]
            }
            rest = rest[close.upperBound...]
        }
        literal += rest
        if !literal.isEmpty { segments.append(.literal(literal)) }
        return segments
    }

    /// Letters, digits, `_` and `.`, not starting with a digit or dot.
    static func isVariableName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || first.properties.isAlphabetic else {
            return false
        }
        return name.unicodeScalars.allSatisfy { $0 == "_" || $0 == "." || $0.properties.isAlphabetic || ("0"..."9").contains($0) }
    }
}
