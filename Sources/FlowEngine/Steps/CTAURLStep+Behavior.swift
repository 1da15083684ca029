import FlowModel
import WhatsAppCloud

extension CTAURLStep: StepBehavior {
    func render(_ node: FlowNode, with renderer: inout MessageRenderer) -> MessageRenderer.Rendered? {
        let object = InteractiveObject.ctaURL(
            header: renderer.header(header),
            body: renderer.fit(body, WhatsAppLimits.interactiveBody, "body"),
            footer: footer.map { renderer.fit($0, WhatsAppLimits.footer, "footer") },
            displayText: renderer.fit(displayText, WhatsAppLimits.ctaDisplayText, "display text"),
            url: url.render(renderer.lookup)
        )
        return renderer.rendered(OutboundMessage(to: renderer.to, interactive: object))
    }

    func enter(_ node: FlowNode, in sprint: inout Sprint) -> String? { sprint.sendAndGoOn(node) }
}
