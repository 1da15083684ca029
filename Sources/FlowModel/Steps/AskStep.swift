import WhatsAppCloud
import Yams

/// `ask: "What is your order number?"`: asks a question, waits for the answer, checks it against
/// `expect`, and saves it under `save_as`.
public struct AskStep: Hashable, Sendable {
    /// What counts as an answer.
    public enum Expectation: Hashable, Sendable {
        /// Any text.
        case text
        /// A number, optionally within bounds and whole (`integer: true`, for quantities); `,` is
        /// accepted as the decimal mark.
        case number(min: Double?, max: Double?, integer: Bool = false)
        case email
        /// A phone number: digits with optional `+`, spaces, dashes, dots and brackets; 7 to 15 digits.
        case phone
        /// A calendar date, saved as YYYY-MM-DD: `2026-11-21`, `21/11/2026` or `21.11.2026`.
        case date
        /// Text the pattern matches.
        case pattern(Pattern)
        /// One of a fixed set of words, ignoring case and accents; saved as written in the flow.
        case oneOf([String])
        /// A media message of one of these kinds (any kind when empty); saves its media id.
        case media([MediaKind])
        /// A shared location; saves `.latitude`, `.longitude`, `.name`, `.address`.
        case location

        public var name: String {
            switch self {
            case .text: "text"
            case .number: "number"
            case .email: "email"
            case .phone: "phone"
            case .date: "date"
            case .pattern: "pattern"
            case .oneOf: "one_of"
            case .media: "media"
            case .location: "location"
            }
        }
    }

    public var prompt: TextTemplate
    public var saveAs: Located<String>?
    public var expect: Expectation

    static let simpleExpectations: [String: Expectation] = [
        "text": .text, "number": .number(min: nil, max: nil), "email": .email, "phone": .phone,
        "date": .date, "media": .media([]), "location": .location,
    ]

    static func read(key: String, value: Yams.Node, node: MappingReader, flow: FlowContext) -> AskStep? {
        let context = node.context
        let prompt = context.text(value, "'ask'")
        let saveAs = node.string("save_as")
        var expect = Expectation.text
        if let value = node.value("expect") {
            expect = readExpectation(value, context: context) ?? .text
        }
        return prompt.map { AskStep(prompt: $0, saveAs: saveAs, expect: expect) }
    }

    private static func readExpectation(_ node: Yams.Node, context: LoadContext) -> Expectation? {
        if node.scalar != nil {
            return context.choice(node, "'expect'", simpleExpectations)?.value
        }
        guard let reader = context.mapping(node, "'expect'") else { return nil }
        defer { reader.reportUnknownKeys(in: "'expect'") }
        if let pattern = reader.string("pattern") {
            return Pattern(pattern, context: context).map(Expectation.pattern)
        }
        if let bounds = reader.value("number") {
            // `number:` alone (or `{}`) means any number; otherwise bounds.
            if bounds.isNull { return .number(min: nil, max: nil) }
            guard let limits = context.mapping(bounds, "'number'") else { return nil }
            let min = limits.double("min")?.value
            let max = limits.double("max")?.value
            let integer = limits.bool("integer") ?? false
            limits.reportUnknownKeys(
                in: "number bounds",
                elsewhere: { key in
                    ["whole", "int", "integers"].contains(key) ? "this mapping as `integer: true`" : nil
                }
            )
            return .number(min: min, max: max, integer: integer)
        }
        if let words = reader.strings("one_of") { return .oneOf(words.map(\.value)) }
        if let kinds = reader.list("media", allowSingle: true) {
            let options = Dictionary(uniqueKeysWithValues: MediaKind.allCases.map { ($0.rawValue, $0) })
            return .media(kinds.compactMap { context.choice($0, "a media kind", options)?.value })
        }
        if let key = reader.keys.first, simpleExpectations[key.value] != nil {
            reader.allow(key.value)
            context.report(
                .error(
                    .wrongType,
                    "'expect: { \(key.value): … }' is written `expect: \(key.value)`",
                    hint: "write the word alone: `expect: \(key.value)`",
                    at: key.location
                )
            )
            return nil
        }
        if reader.keys.count > 0 { return nil }  // unknown keys, reported as such
        context.report(
            .error(
                .missingKey,
                "'expect' needs one of: pattern, number, one_of, media",
                hint: "or a single word: \(simpleExpectations.keys.sorted().joined(separator: ", "))",
                at: reader.location
            )
        )
        return nil
    }

    func checkLimits(_ check: inout LimitCheck, in flow: Flow) {
        check.text(prompt, max: WhatsAppLimits.textBody, rule: .textLength, what: "question")
    }
}

extension MappingReader {
    public func allow<S: Sequence>(contentsOf keys: S) where S.Element == String {
        for key in keys { allow(key) }
    }
}

extension AskStep: StepKind {
    static let keys = ["ask"]
    static let nodeKeys = InputPolicy.keys + ["save_as", "expect"]
    var step: Step { .ask(self) }
    var isFreeForm: Bool { true }
    var waitsForCustomer: Bool { true }
    var shape: GraphShape { .question }
    var texts: [TextTemplate] { [prompt] }
    var answerVariables: [String] { saveAs.map { [$0.value] } ?? [] }
    var expectedAnswer: ExpectedAnswer? { ExpectedAnswer(expectation: expect, saveAs: saveAs?.value) }

    var definedVariables: [String] {
        guard let name = saveAs?.value else { return [] }
        switch expect {
        case .location: return [name] + Self.locationFields(of: name)
        case .media: return [name, "\(name).id", "\(name).kind", "\(name).caption"]
        default: return [name]
        }
    }

    func edges(of node: FlowNode) -> [Edge] { Edge.to(node.next, .reply) }

    /// The fields a shared location saves beside the answer itself.
    static func locationFields(of name: String) -> [String] {
        ["latitude", "longitude", "name", "address"].map { "\(name).\($0)" }
    }
}
