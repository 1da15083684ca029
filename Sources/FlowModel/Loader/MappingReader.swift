import Yams

/// Reads one YAML mapping key by key and remembers which keys were asked for, so that
/// ``reportUnknownKeys(in:)`` can name every key nobody asked for, with a did-you-mean.
public final class MappingReader {
    public let node: Yams.Node
    public let context: LoadContext
    public let location: SourceLocation
    private let entries: [(key: Located<String>, value: Yams.Node)]
    /// The first entry's index for each key (duplicate keys are refused by the parser).
    private let index: [String: Int]
    private var asked: Set<String> = []

    public init(_ node: Yams.Node, context: LoadContext) {
        self.node = node
        self.context = context
        location = context.location(of: node)
        entries = (node.mapping ?? [:]).map { pair in
            (Located(pair.key.scalar?.string ?? "", at: context.location(of: pair.key)), pair.value)
        }
        index = Dictionary(entries.enumerated().map { ($1.key.value, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Every key and value, in file order, all taken as known: for mappings whose keys are names
    /// the designer chooses (nodes, templates, schedules, variables).
    public func namedEntries() -> [(key: Located<String>, value: Yams.Node)] {
        asked.formUnion(index.keys)
        return entries
    }

    /// The keys written in the mapping, in file order.
    public var keys: [Located<String>] { entries.map(\.key) }

    public func has(_ key: String) -> Bool { index[key] != nil }

    /// Marks a key as known without reading it.
    public func allow(_ keys: String...) { asked.formUnion(keys) }

    /// The value under `key`; with `required`, a `missing-key` error when it is absent.
    public func value(_ key: String, required: Bool = false, hint: String? = nil) -> Yams.Node? {
        asked.insert(key)
        if let position = index[key] { return entries[position].value }
        guard required else { return nil }
        // A misspelling of a required key is one mistake, not two: it is reported once, as the
        // misspelling, and its value is read as the key's, so nothing that depends on the key
        // (the nodes a `start:` names, say) is reported missing as well.
        if let typo = misspelling(of: [key]) {
            context.report(
                .error(
                    .unknownKey,
                    "unknown key '\(typo.written.value)': the required key '\(key)' is missing",
                    hint: "did you mean '\(key)'?",
                    at: typo.written.location
                )
            )
            return typo.value
        }
        context.report(.error(.missingKey, "missing required key '\(key)'", hint: hint, at: location))
        return nil
    }

    /// A key written in place of one the reader knows.
    public struct Misspelling {
        /// The key as written, where it was written.
        public var written: Located<String>
        /// The key it spells.
        public var meant: String
        /// Its value.
        public var value: Yams.Node
    }

    /// A key nobody asked for that is a misspelling of one of `keys`: what was written, the key
    /// it spells, and its value. The key is taken as known (its caller reports the misspelling
    /// once and reads the value as the key it spells).
    public func misspelling(of keys: [String]) -> Misspelling? {
        for entry in entries where !asked.contains(entry.key.value) {
            guard let meant = Suggestion.closest(to: entry.key.value, among: keys) else { continue }
            asked.insert(entry.key.value)
            return Misspelling(written: entry.key, meant: meant, value: entry.value)
        }
        return nil
    }

    public func keyLocation(_ key: String) -> SourceLocation {
        index[key].map { entries[$0].key.location } ?? location
    }

    public func string(_ key: String, required: Bool = false, hint: String? = nil) -> Located<String>? {
        value(key, required: required, hint: hint).flatMap { context.string($0, "'\(key)'") }
    }

    public func text(_ key: String, required: Bool = false, hint: String? = nil) -> TextTemplate? {
        value(key, required: required, hint: hint).flatMap { context.text($0, "'\(key)'") }
    }

    public func int(_ key: String, required: Bool = false, hint: String? = nil) -> Located<Int>? {
        value(key, required: required, hint: hint).flatMap { context.int($0, "'\(key)'") }
    }

    public func double(_ key: String, required: Bool = false, hint: String? = nil) -> Located<Double>? {
        value(key, required: required, hint: hint).flatMap { context.double($0, "'\(key)'") }
    }

    public func bool(_ key: String) -> Bool? {
        value(key).flatMap { context.bool($0, "'\(key)'") }
    }

    public func span(_ key: String, required: Bool = false, hint: String? = nil) -> Located<TimeSpan>? {
        value(key, required: required, hint: hint).flatMap { context.span($0, "'\(key)'") }
    }

    /// A length of time that must lie in `range`: outside it, an error at the value with `hint`
    /// (which says the range and the default) and nil.
    public func span(_ key: String, in range: ClosedRange<TimeSpan>, hint: String) -> TimeSpan? {
        guard let span = span(key) else { return nil }
        guard range.contains(span.value) else {
            context.report(.error(.invalidValue, "'\(key)' is \(span.value)", hint: hint, at: span.location))
            return nil
        }
        return span.value
    }

    public func mapping(_ key: String, required: Bool = false, hint: String? = nil) -> MappingReader? {
        value(key, required: required, hint: hint).flatMap { context.mapping($0, "'\(key)'") }
    }

    public func list(_ key: String, required: Bool = false, allowSingle: Bool = false, hint: String? = nil) -> [Yams.Node]? {
        value(key, required: required, hint: hint).flatMap { context.list($0, "'\(key)'", allowSingle: allowSingle) }
    }

    public func strings(_ key: String, required: Bool = false, hint: String? = nil) -> [Located<String>]? {
        list(key, required: required, allowSingle: true, hint: hint)?.compactMap { context.string($0, "an item of '\(key)'") }
    }

    public func choice<T>(_ key: String, _ options: [String: T], required: Bool = false) -> Located<T>? {
        value(key, required: required).flatMap { context.choice($0, "'\(key)'", options) }
    }

    /// A `goto`-style reference to a node; checked against the flow's nodes by the validator.
    public func target(_ key: String, required: Bool = false, hint: String? = nil) -> Target? {
        string(key, required: required, hint: hint).map(Target.init)
    }

    /// Reports `unknown-key` for every key that was not asked for.
    /// - Parameter what: the thing being read, for the message ("a buttons node").
    /// - Parameter elsewhere: where a key belongs when it is valid somewhere else.
    public func reportUnknownKeys(in what: String, elsewhere: (String) -> String? = { _ in nil }) {
        for (key, _) in entries where !asked.contains(key.value) {
            var hint = Suggestion.hint(for: key.value, among: Array(asked), listing: "known keys here are")
            if let place = elsewhere(key.value) { hint = "'\(key.value)' belongs to \(place)" }
            context.report(.error(.unknownKey, "unknown key '\(key.value)' in \(what)", hint: hint, at: key.location))
        }
    }
}
