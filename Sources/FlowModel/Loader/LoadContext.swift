import Yams

/// What the loader carries while it reads one file: the path, for locations, and the diagnostics
/// found so far. Reading goes on after a problem so one run reports every problem in the file.
public final class LoadContext {
    public let file: String
    public private(set) var diagnostics: [Diagnostic] = []
    /// libyaml's positions to editors', when the text is known.
    let lines: LineMap?

    public init(file: String) {
        self.file = file
        lines = nil
    }

    /// A context for `text`, whose positions are given as editors count them.
    public init(file: String, text: String) {
        self.file = file
        lines = LineMap(text)
    }

    public func location(of node: Yams.Node) -> SourceLocation {
        let mark = node.mark
        return location(line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    /// The position of libyaml's line and column, as an editor shows it, inside the file.
    public func location(line: Int, column: Int) -> SourceLocation {
        guard let lines else { return SourceLocation(file: file, line: line, column: column) }
        let position = lines.position(line: line, column: column)
        return SourceLocation(file: file, line: position.line, column: position.column)
    }

    public func report(_ diagnostic: Diagnostic) { diagnostics.append(diagnostic) }

    public func error(_ rule: Rule, _ message: String, hint: String? = nil, at node: Yams.Node) {
        report(.error(rule, message, hint: hint, at: location(of: node)))
    }

    public func warning(_ rule: Rule, _ message: String, hint: String? = nil, at node: Yams.Node) {
        report(.warning(rule, message, hint: hint, at: location(of: node)))
    }

    // MARK: Reading single values

    /// A mapping, or a `wrong-type` error naming what was expected.
    public func mapping(_ node: Yams.Node, _ what: String) -> MappingReader? {
        guard node.mapping != nil else {
            error(
                .wrongType,
                "\(what) must be a mapping of keys to values, found \(node.shapeName)",
                hint: "write it as `key: value` lines indented under it, or `{ key: value }`",
                at: node
            )
            return nil
        }
        return MappingReader(node, context: self)
    }

    /// A list, or a `wrong-type` error; a single value where a list is expected is taken as a list of one.
    public func list(_ node: Yams.Node, _ what: String, allowSingle: Bool = false) -> [Yams.Node]? {
        if let sequence = node.sequence { return Array(sequence) }
        if allowSingle, node.scalar != nil { return [node] }
        error(
            .wrongType,
            "\(what) must be a list, found \(node.shapeName)",
            hint: "write each item on its own line starting with `- `, or `[a, b]`",
            at: node
        )
        return nil
    }

    /// A scalar's text exactly as written (so `Yes`, `No` and `007` stay strings).
    public func string(_ node: Yams.Node, _ what: String) -> Located<String>? {
        guard let scalar = node.scalar, !node.isNull else {
            error(
                .wrongType,
                "\(what) must be a single value, found \(node.shapeName)",
                hint: "quote it if it contains `: ` or starts with `{`, `[` or `-`",
                at: node
            )
            return nil
        }
        return Located(scalar.string, at: location(of: node))
    }

    public func text(_ node: Yams.Node, _ what: String) -> TextTemplate? {
        string(node, what).map { TextTemplate(parsing: $0.value, at: $0.location) }
    }

    /// A whole number, written without quotes (quotes make a value text, as they do for the JSON
    /// Schema): `3`, `0x1F`, or `3.0`.
    public func int(_ node: Yams.Node, _ what: String) -> Located<Int>? {
        guard let text = plainScalar(node, what, "a whole number") else { return nil }
        guard let value = CoreScalar.integer(text.value) else {
            error(.wrongType, "\(what) must be a whole number, found '\(text.value)'", at: node)
            return nil
        }
        return Located(value, at: text.location)
    }

    /// A finite number, written without quotes: `52.37`, `-4`, `1e3`.
    public func double(_ node: Yams.Node, _ what: String) -> Located<Double>? {
        guard let text = plainScalar(node, what, "a number") else { return nil }
        guard let value = CoreScalar.number(text.value) else {
            error(.wrongType, "\(what) must be a number, found '\(text.value)'", at: node)
            return nil
        }
        guard value.isFinite else {
            error(.invalidValue, "\(what) must be a finite number, found '\(text.value)'", at: node)
            return nil
        }
        return Located(value, at: text.location)
    }

    /// `true` or `false` (also `True`, `TRUE`, `False`, `FALSE`), written without quotes.
    public func bool(_ node: Yams.Node, _ what: String) -> Bool? {
        guard let text = plainScalar(node, what, "true or false") else { return nil }
        guard let value = CoreScalar.boolean(text.value) else {
            error(.wrongType, "\(what) must be true or false, found '\(text.value)'", at: node)
            return nil
        }
        return value
    }

    /// A scalar written without quotes, or a `wrong-type` error: a quoted value is text.
    private func plainScalar(_ node: Yams.Node, _ what: String, _ expected: String) -> Located<String>? {
        guard let text = string(node, what) else { return nil }
        guard node.isPlainScalar else {
            error(
                .wrongType,
                "\(what) must be \(expected), found the text '\(text.value)'",
                hint: "remove the quotes: quoted values are text",
                at: node
            )
            return nil
        }
        return text
    }

    public func span(_ node: Yams.Node, _ what: String) -> Located<TimeSpan>? {
        guard let text = string(node, what) else { return nil }
        guard let span = TimeSpan(parsing: text.value), TimeSpan.problem(with: text.value) == nil else {
            let problem = TimeSpan.problem(with: text.value) ?? "must be a length of time"
            error(
                .invalidValue,
                "\(what) \(problem), found '\(text.value)'",
                hint: problem == "is longer than 10 years"
                    ? "Flowgate keeps every length of time within 10 years (3653d)"
                    : "write a positive number and a unit: 90s, 30m, 2h, 1d or 1h30m",
                at: node
            )
            return nil
        }
        return Located(span, at: text.location)
    }

    /// One of a fixed set of words, with a did-you-mean suggestion when it is not.
    public func choice<T>(_ node: Yams.Node, _ what: String, _ options: [String: T]) -> Located<T>? {
        guard let text = string(node, what) else { return nil }
        if let value = options[text.value] { return Located(value, at: text.location) }
        let names = options.keys.sorted()
        error(
            .invalidValue,
            "\(what) cannot be '\(text.value)'",
            hint: Suggestion.hint(for: text.value, among: names, listing: "use one of"),
            at: node
        )
        return nil
    }
}

extension Yams.Node {
    public var isNull: Bool {
        guard let scalar else { return false }
        return scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// How the node is described in errors.
    public var shapeName: String {
        switch self {
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .scalar where isNull: "nothing"
        case .scalar(let scalar): "'\(scalar.string)'"
        case .alias: "an alias"
        }
    }
}
