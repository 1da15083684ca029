import Yams

/// A test in a `branch` case.
///
/// ```yaml
/// - if: { var: order_id, matches: "^ORD-" }
/// - if: { window: open }                  # open, closed or never (the contact never wrote)
/// - if: { schedule: office }              # inside opening hours
/// - if: { silent_for: 7d }                # first message, or none for 7 days before this one
/// - if: { within: 1h, of: last_ack }      # a saved time is less than an hour ago
/// - if: { all: [ … ] }  /  { any: [ … ] }  /  { not: { … } }
/// ```
public indirect enum Condition: Hashable, Sendable {
    public enum WindowState: String, Hashable, Sendable, CaseIterable {
        case open, closed, never
    }

    public enum Test: Hashable, Sendable {
        case equals(TextTemplate)
        case notEquals(TextTemplate)
        case contains(TextTemplate)
        case oneOf([String])
        case matches(Pattern)
        case exists(Bool)
        case greaterThan(Double)
        case lessThan(Double)
    }

    case variable(Located<String>, Test)
    case window(WindowState)
    case schedule(Schedule)
    case silentFor(TimeSpan)
    case within(TimeSpan, variable: Located<String>)
    case all([Condition])
    case any([Condition])
    case not(Condition)

    static let keys = ["var", "window", "schedule", "silent_for", "within", "all", "any", "not"]

    /// The variables the condition reads.
    var variables: [Located<String>] {
        switch self {
        case .variable(let name, _): [name]
        case .within(_, let name): [name]
        case .all(let list), .any(let list): list.flatMap(\.variables)
        case .not(let inner): inner.variables
        case .window, .schedule, .silentFor: []
        }
    }

    var texts: [TextTemplate] {
        switch self {
        case .variable(_, .equals(let text)), .variable(_, .notEquals(let text)), .variable(_, .contains(let text)): [text]
        case .all(let list), .any(let list): list.flatMap(\.texts)
        case .not(let inner): inner.texts
        default: []
        }
    }

    /// The window states for which the condition may hold, and those for which it must, as far
    /// as the window alone decides (tests of variables, schedules and times may go either way).
    /// The session check reads branches with it: `{ not: { window: open } }`, `any`, `all` and
    /// case order all narrow where the window can be on each path.
    public var windowStates: WindowStates {
        let all = Set(WindowState.allCases)
        switch self {
        case .window(let state):
            return WindowStates(may: [state], must: [state])
        case .not(let inner):
            let states = inner.windowStates
            return WindowStates(may: all.subtracting(states.must), must: all.subtracting(states.may))
        case .all(let list):
            return list.map(\.windowStates).reduce(WindowStates(may: all, must: all)) {
                WindowStates(may: $0.may.intersection($1.may), must: $0.must.intersection($1.must))
            }
        case .any(let list):
            return list.map(\.windowStates).reduce(WindowStates(may: [], must: [])) {
                WindowStates(may: $0.may.union($1.may), must: $0.must.union($1.must))
            }
        case .variable, .schedule, .silentFor, .within:
            return WindowStates(may: all, must: [])
        }
    }

    /// The window states in which a condition may hold, and those in which it must.
    public struct WindowStates: Hashable, Sendable {
        public var may: Set<WindowState>
        public var must: Set<WindowState>
    }

    static func read(_ node: Yams.Node, flow: FlowContext) -> Condition? {
        let context = flow.context
        guard let reader = context.mapping(node, "a condition") else { return nil }
        defer { reader.reportUnknownKeys(in: "a condition") }
        let present = keys.filter(reader.has)
        if present.count != 1 {
            reader.allow(contentsOf: keys)
            reader.allow("equals", "not_equals", "contains", "one_of", "matches", "exists", "gt", "lt", "of")
            context.report(
                .error(
                    present.isEmpty ? .missingKey : .invalidValue,
                    present.isEmpty
                        ? "a condition needs one of: \(keys.joined(separator: ", "))"
                        : "a condition tests one thing; found \(present.joined(separator: ", "))",
                    hint: "combine tests with `all: [ … ]` or `any: [ … ]`",
                    at: reader.location
                )
            )
            return nil
        }
        switch present[0] {
        case "var":
            guard let name = reader.string("var") else { return nil }
            return readTest(reader).map { .variable(name, $0) }
        case "window":
            let states = Dictionary(uniqueKeysWithValues: WindowState.allCases.map { ($0.rawValue, $0) })
            return reader.choice("window", states).map { .window($0.value) }
        case "schedule":
            guard let value = reader.value("schedule") else { return nil }
            if value.scalar != nil, let name = context.string(value, "'schedule'") {
                guard let schedule = flow.schedules[name.value] else {
                    context.report(
                        .error(
                            .unknownTarget,
                            "no schedule '\(name.value)' is declared in this flow",
                            hint: Suggestion.hint(
                                for: name.value,
                                among: Array(flow.schedules.keys),
                                listing: "declare it under `schedules:`; declared ones are"
                            ),
                            at: name.location
                        )
                    )
                    return nil
                }
                return .schedule(schedule)
            }
            return Schedule.read(value, defaultZone: flow.timeZone, flowNamesZone: flow.timeZoneWritten, context: context).map(Condition.schedule)
        case "silent_for":
            return reader.span("silent_for").map { .silentFor($0.value) }
        case "within":
            let span = reader.span("within")
            let name = reader.string("of", required: true, hint: "name the variable that holds the time, e.g. `of: last_ack`")
            guard let span, let name else { return nil }
            return .within(span.value, variable: name)
        case "not":
            return reader.value("not").flatMap { read($0, flow: flow) }.map(Condition.not)
        default:
            let key = present[0]
            let items = reader.list(key)?.compactMap { read($0, flow: flow) } ?? []
            return key == "all" ? .all(items) : .any(items)
        }
    }

    private static func readTest(_ reader: MappingReader) -> Test? {
        let context = reader.context
        if let text = reader.text("equals") { return .equals(text) }
        if let text = reader.text("not_equals") { return .notEquals(text) }
        if let text = reader.text("contains") { return .contains(text) }
        if let words = reader.strings("one_of") { return .oneOf(words.map(\.value)) }
        if let pattern = reader.string("matches") { return Pattern(pattern, context: context).map(Test.matches) }
        if let exists = reader.bool("exists") { return .exists(exists) }
        if let number = reader.double("gt") { return .greaterThan(number.value) }
        if let number = reader.double("lt") { return .lessThan(number.value) }
        context.report(
            .error(
                .missingKey,
                "a `var` condition needs a test",
                hint: "add one of: equals, not_equals, contains, one_of, matches, exists, gt, lt",
                at: reader.location
            )
        )
        return nil
    }
}
