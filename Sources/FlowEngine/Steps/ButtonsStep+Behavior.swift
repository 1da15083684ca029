import FlowModel
import WhatsAppCloud

extension ButtonsStep: StepBehavior {
    func render(_ node: FlowNode, with renderer: inout MessageRenderer) -> MessageRenderer.Rendered? {
        let buttons = options.map {
            InteractiveObject.Button(id: $0.id.value, title: renderer.fit($0.title, WhatsAppLimits.replyButtonTitle, "button title"))
        }
        let object = InteractiveObject.buttons(
            header: renderer.header(header),
            body: renderer.fit(body, WhatsAppLimits.interactiveBody, "body"),
            footer: footer.map { renderer.fit($0, WhatsAppLimits.footer, "footer") },
            buttons: buttons
        )
        return renderer.rendered(OutboundMessage(to: renderer.to, interactive: object))
    }

    func enter(_ node: FlowNode, in sprint: inout Sprint) -> String? { sprint.sendAndWait(node, for: .choice) }
}
