import WhatsAppCloud
import Yams

/// `cta_url:`: an interactive message with one button that opens a URL.
public struct CTAURLStep: Hashable, Sendable {
    public var header: InteractiveHeader?
    public var body: TextTemplate
    public var footer: TextTemplate?
    public var displayText: TextTemplate
    public var url: TextTemplate

    static func read(key: String, value: Yams.Node, node: MappingReader, flow: FlowContext) -> CTAURLStep? {
        let context = node.context
        guard let reader = context.mapping(value, "'cta_url'") else { return nil }
        let header = reader.value("header").flatMap { InteractiveHeader.read($0, context: context, allowMedia: true) }
        let body = reader.text("body", required: true)
        let footer = reader.text("footer")
        let displayText = reader.text("display_text", required: true, hint: "the button's label, at most 20 characters")
        let url = reader.text("url", required: true)
        reader.reportUnknownKeys(in: "a cta_url message")
        guard let body, let displayText, let url else { return nil }
        return CTAURLStep(header: header, body: body, footer: footer, displayText: displayText, url: url)
    }

    var texts: [TextTemplate] { [body, footer, displayText, url].compactMap { $0 } + (header.map { [$0.text] } ?? []) }

    func checkLimits(_ check: inout LimitCheck, in flow: Flow) {
        header?.checkLimits(&check)
        check.text(body, max: WhatsAppLimits.interactiveBody, rule: .bodyLength, what: "body")
        check.text(footer, max: WhatsAppLimits.footer, rule: .footerLength, what: "footer")
        check.text(displayText, max: WhatsAppLimits.ctaDisplayText, rule: .ctaDisplayTextLength, what: "display text")
    }
}

extension CTAURLStep: StepKind {
    static let keys = ["cta_url"]
    var step: Step { .ctaURL(self) }
    var isFreeForm: Bool { true }
}
