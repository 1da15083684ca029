import FlowEngine
import FlowModel
import Yams

/// One thing a scenario turn expects. Message expectations match the turn's messages in order (as
/// a subsequence: other messages may come between); the rest check the contact after the turn.
public struct Expectation: Sendable {
    public enum Check: Sendable {
        case text(exact: String?, contains: String?)
        case buttons([String])
        case list([String])
        case template(name: String, category: String?)
        case media(MediaKind)
        case ctaURL(String)
        case locationRequest
        case location
        case contacts
        case nothing
        case sent(Int)
        case blocked(node: String?, reason: String?)
        case notBlocked
        case node(String?)
        case variables([String: String])
        case window(Condition.WindowState)
        case handoff(Bool)
        /// Templates WhatsApp charges for so far, by category (delivered ones only).
        case billable([String: Int])
        case trace(kind: String, contains: String?)
    }

    public var check: Check
    public var location: SourceLocation
    /// How the expectation reads in a report.
    public var summary: String

    var isMessage: Bool {
        switch check {
        case .text, .buttons, .list, .template, .media, .ctaURL, .locationRequest, .location, .contacts: true
        default: false
        }
    }

    static let keys = [
        "text", "buttons", "list", "template", "media", "cta_url", "location_request", "location", "contacts",
        "nothing", "sent", "blocked", "node", "var", "window", "handoff", "trace", "billable",
    ]

    /// Expectations that take no value and may be written as a bare word: `- location_request`.
    static let flags = ["location_request", "location", "contacts", "nothing"]

    static func flag(_ word: String) -> (Check, String)? {
        switch word {
        case "location_request": (.locationRequest, "a location request")
        case "location": (.location, "a location")
        case "contacts": (.contacts, "contact cards")
        case "nothing": (.nothing, "nothing sent")
        default: nil
        }
    }

    static func read(_ node: Yams.Node, context: LoadContext) -> Expectation? {
        if let word = node.scalar?.string, let check = flag(word) {
            return Expectation(check: check.0, location: context.location(of: node), summary: check.1)
        }
        guard let reader = context.mapping(node, "an expectation") else { return nil }
        defer { reader.reportUnknownKeys(in: "an expectation") }
        let present = keys.filter(reader.has)
        guard present.count == 1, let key = present.first, let value = reader.value(key) else {
            reader.allow(contentsOf: keys)
            context.report(
                .error(
                    present.isEmpty ? .missingKey : .invalidValue,
                    present.isEmpty
                        ? "an expectation needs one of: \(keys.joined(separator: ", "))"
                        : "one expectation per item; found \(present.joined(separator: ", "))",
                    hint: "write each as its own `- key: value` item",
                    at: reader.location
                )
            )
            return nil
        }
        let location = context.location(of: node)
        func make(_ check: Check, _ summary: String) -> Expectation { Expectation(check: check, location: location, summary: summary) }
        func strings() -> [String]? { context.list(value, "'\(key)'")?.compactMap { context.string($0, "an item")?.value } }
        switch key {
        case "text":
            if value.scalar != nil {
                return context.string(value, "'text'").map { make(.text(exact: $0.value, contains: nil), "text \"\($0.value)\"") }
            }
            guard let fields = context.mapping(value, "'text'") else { return nil }
            let contains = fields.string("contains", required: true)?.value
            fields.reportUnknownKeys(in: "a text expectation")
            return contains.map { make(.text(exact: nil, contains: $0), "text containing \"\($0)\"") }
        case "buttons": return strings().map { make(.buttons($0), "buttons \($0)") }
        case "list": return strings().map { make(.list($0), "list rows \($0)") }
        case "template":
            if value.scalar != nil {
                return context.string(value, "'template'").map { make(.template(name: $0.value, category: nil), "template \($0.value)") }
            }
            guard let fields = context.mapping(value, "'template'") else { return nil }
            let name = fields.string("name", required: true)?.value
            let category = fields.string("category")?.value
            fields.reportUnknownKeys(in: "a template expectation")
            return name.map { make(.template(name: $0, category: category), "template \($0)\(category.map { " (\($0))" } ?? "")") }
        case "media":
            let kinds = Dictionary(uniqueKeysWithValues: MediaKind.allCases.map { ($0.rawValue, $0) })
            return context.choice(value, "'media'", kinds).map { make(.media($0.value), "\($0.value.rawValue) message") }
        case "cta_url": return context.string(value, "'cta_url'").map { make(.ctaURL($0.value), "CTA button \"\($0.value)\"") }
        case "location_request", "location", "contacts":
            return flag(key).map { make($0.0, $0.1) }
        case "nothing":
            guard context.bool(value, "'nothing'") == true else {
                context.error(.invalidValue, "'nothing' takes true", hint: "to expect some message, expect it by kind, or `sent: N`", at: value)
                return nil
            }
            return make(.nothing, "nothing sent")
        case "sent": return context.int(value, "'sent'").map { make(.sent($0.value), "\($0.value) message(s) sent") }
        case "blocked":
            if value.scalar != nil {
                guard let text = context.string(value, "'blocked'") else { return nil }
                if text.value == "false" { return make(.notBlocked, "no step blocked") }
                return make(.blocked(node: text.value == "true" ? nil : text.value, reason: nil), "a blocked step \(text.value)")
            }
            guard let fields = context.mapping(value, "'blocked'") else { return nil }
            let node = fields.string("node")?.value
            let reason = fields.string("reason")?.value
            fields.reportUnknownKeys(in: "a blocked expectation")
            return make(.blocked(node: node, reason: reason), "step \(node ?? "any") blocked\(reason.map { " (\($0))" } ?? "")")
        case "node":
            guard let text = context.string(value, "'node'") else { return nil }
            return make(.node(text.value == "none" ? nil : text.value), "the contact at node \(text.value)")
        case "var":
            guard let fields = context.mapping(value, "'var'") else { return nil }
            var values: [String: String] = [:]
            for (name, item) in fields.namedEntries() { values[name.value] = context.string(item, "'\(name.value)'")?.value }
            return make(.variables(values), "variables \(values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))")
        case "window":
            let states = Dictionary(uniqueKeysWithValues: Condition.WindowState.allCases.map { ($0.rawValue, $0) })
            return context.choice(value, "'window'", states).map { make(.window($0.value), "window \($0.value.rawValue)") }
        case "handoff":
            return context.bool(value, "'handoff'").map { make(.handoff($0), $0 ? "with a person" : "not with a person") }
        case "billable":
            guard let fields = context.mapping(value, "'billable'") else { return nil }
            var counts: [String: Int] = [:]
            for (name, item) in fields.namedEntries() { counts[name.value] = context.int(item, "'\(name.value)'")?.value }
            let text = counts.isEmpty ? "nothing" : counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            return make(.billable(counts), "billable: \(text)")
        default:
            if value.scalar != nil {
                return context.string(value, "'trace'").map { make(.trace(kind: $0.value, contains: nil), "trace \($0.value)") }
            }
            guard let fields = context.mapping(value, "'trace'") else { return nil }
            let kind = fields.string("kind", required: true)?.value
            let contains = fields.string("contains")?.value
            fields.reportUnknownKeys(in: "a trace expectation")
            return kind.map { make(.trace(kind: $0, contains: contains), "trace \($0)\(contains.map { " containing \"\($0)\"" } ?? "")") }
        }
    }
}
