import WhatsAppCloud
import Yams

/// `text: "Hello {{contact.name}}"` or `text: { body: …, preview_url: true }`: a plain text message.
public struct TextStep: Hashable, Sendable {
    public var body: TextTemplate
    /// Asks WhatsApp to render a preview of the first URL in the body.
    public var previewURL: Bool

    static func read(_ value: Yams.Node, context: LoadContext) -> TextStep? {
        if value.scalar != nil {
            return context.text(value, "'text'").map { TextStep(body: $0, previewURL: false) }
        }
        guard let reader = context.mapping(value, "'text'") else { return nil }
        let body = reader.text("body", required: true, hint: "write the message under `body:`")
        let preview = reader.bool("preview_url") ?? false
        reader.reportUnknownKeys(in: "a text message")
        return body.map { TextStep(body: $0, previewURL: preview) }
    }

    func checkLimits(_ check: inout LimitCheck) {
        check.text(body, max: WhatsAppLimits.textBody, rule: .textLength, what: "text body")
    }
}
