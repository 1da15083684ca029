import WhatsAppCloud
import Yams

/// `text: "Hello {{contact.name}}"` or `text: { body: …, preview_url: true }`: a plain text message.
public struct TextStep: Hashable, Sendable {
    public var body: TextTemplate
    /// Asks WhatsApp to render a preview of the first URL in the body.
    public var previewURL: Bool

    static func read(key: String, value: Yams.Node, node: MappingReader, flow: FlowContext) -> TextStep? {
        let context = node.context
        if value.scalar != nil {
            return context.text(value, "'text'").map { TextStep(body: $0, previewURL: false) }
        }
        guard let reader = context.mapping(value, "'text'") else { return nil }
        let body = reader.text("body", required: true, hint: "write the message under `body:`")
        let preview = reader.bool("preview_url") ?? false
        reader.reportUnknownKeys(in: "a text message")
        return body.map { TextStep(body: $0, previewURL: preview) }
    }

    func checkLimits(_ check: inout LimitCheck, in flow: Flow) {
        check.text(body, max: WhatsAppLimits.textBody, rule: .textLength, what: "text body")
    }
}

extension TextStep: StepKind {
    static let keys = ["text"]
    var step: Step { .text(self) }
    var isFreeForm: Bool { true }
    var texts: [TextTemplate] { [body] }
}
