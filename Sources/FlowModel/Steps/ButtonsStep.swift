import WhatsAppCloud
import Yams

/// `buttons:`: an interactive message with one to three reply buttons, and the node waits for a tap.
public struct ButtonsStep: Hashable, Sendable {
    public struct Option: Hashable, Sendable {
        /// Sent back by WhatsApp when the button is tapped; the title when not written.
        public var id: Located<String>
        /// The id was written in the flow (not defaulted to the title).
        public var hasExplicitID: Bool
        public var title: TextTemplate
        /// Where a tap leads; the node's `goto` when nil.
        public var target: Target?
    }

    public var header: InteractiveHeader?
    public var body: TextTemplate
    public var footer: TextTemplate?
    public var options: [Option]
    public var location: SourceLocation

    static func read(key: String, value: Yams.Node, node: MappingReader, flow: FlowContext) -> ButtonsStep? {
        let context = node.context
        guard let reader = context.mapping(value, "'buttons'") else { return nil }
        let header = reader.value("header").flatMap { InteractiveHeader.read($0, context: context, allowMedia: true) }
        let body = reader.text("body", required: true, hint: "write the question the buttons answer under `body:`")
        let footer = reader.text("footer")
        let options = reader.list("options", required: true)?.compactMap { readOption($0, context: context) }
        reader.reportUnknownKeys(in: "a buttons message")
        guard let body, let options else { return nil }
        return ButtonsStep(header: header, body: body, footer: footer, options: options, location: reader.location)
    }

    private static func readOption(_ node: Yams.Node, context: LoadContext) -> Option? {
        guard let reader = context.mapping(node, "a button") else { return nil }
        let title = reader.text("title", required: true, hint: "a button needs the words it shows, at most 20 characters")
        let id = reader.string("id")
        let target = reader.target("goto")
        reader.reportUnknownKeys(in: "a button")
        guard let title else { return nil }
        return Option(id: id ?? Located(title.description, at: title.location), hasExplicitID: id != nil, title: title, target: target)
    }

    var texts: [TextTemplate] {
        [body, footer].compactMap { $0 } + options.map(\.title) + (header.map { [$0.text] } ?? [])
    }

    func checkLimits(_ check: inout LimitCheck, in flow: Flow) {
        check.count(
            options.count,
            in: 1...WhatsAppLimits.replyButtonsMax,
            rule: .buttonCount,
            what: "reply buttons",
            at: location
        )
        for option in options {
            check.text(option.title, max: WhatsAppLimits.replyButtonTitle, rule: .buttonTitleLength, what: "button title")
            check.plain(option.id, max: WhatsAppLimits.replyButtonID, rule: .buttonIDLength, what: "button id")
        }
        check.unique(
            options.map { Located($0.title.description, at: $0.title.location) },
            rule: .buttonTitleUnique,
            what: "button title",
            foldCase: true
        )
        check.unique(options.filter(\.hasExplicitID).map(\.id), rule: .buttonIDUnique, what: "button id")
        header?.checkLimits(&check)
        check.text(body, max: WhatsAppLimits.interactiveBody, rule: .bodyLength, what: "body")
        check.text(footer, max: WhatsAppLimits.footer, rule: .footerLength, what: "footer")
    }
}

extension InteractiveHeader {
    /// The text rendered into the header (the link, for media).
    var text: TextTemplate {
        switch self {
        case .text(let text): text
        case .media(_, let source): source.text
        }
    }

    func checkLimits(_ check: inout LimitCheck) {
        if case .text(let text) = self {
            check.text(text, max: WhatsAppLimits.headerText, rule: .headerLength, what: "header text")
        }
    }
}

extension ButtonsStep: StepKind {
    static let keys = ["buttons"]
    static let nodeKeys = InputPolicy.keys
    var step: Step { .buttons(self) }
    var isFreeForm: Bool { true }
    var waitsForCustomer: Bool { true }
    var shape: GraphShape { .question }
    var choiceOptions: [ChoiceOption] { options.map { ChoiceOption(id: $0.id.value, title: $0.title, target: $0.target) } }

    func edges(of node: FlowNode) -> [Edge] {
        options.flatMap { Edge.to($0.target ?? node.next, .choice, $0.title.description) }
    }

    func deadEnd(of node: FlowNode) -> Diagnostic? {
        guard node.next == nil, let option = options.first(where: { $0.target == nil }) else { return nil }
        return .warning(
            .deadEnd,
            "tapping '\(option.title)' ends the flow: the button has no `goto` and neither has the node",
            hint: "add `goto:` to the button or the node (`goto: end` if ending is meant)",
            at: option.title.location
        )
    }
}
