import FlowModel
import WhatsAppCloud

extension TextStep: StepBehavior {
    func render(_ node: FlowNode, with renderer: inout MessageRenderer) -> MessageRenderer.Rendered? {
        let body = renderer.fit(body, WhatsAppLimits.textBody, "text body")
        return renderer.rendered(OutboundMessage(to: renderer.to, text: TextObject(body: body, previewURL: previewURL ? true : nil)))
    }

    func enter(_ node: FlowNode, in sprint: inout Sprint) -> String? { sprint.sendAndGoOn(node) }
}
