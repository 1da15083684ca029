import FlowModel
import WhatsAppCloud

extension AskStep: StepBehavior {
    func render(_ node: FlowNode, with renderer: inout MessageRenderer) -> MessageRenderer.Rendered? {
        renderer.rendered(OutboundMessage(to: renderer.to, text: TextObject(body: renderer.fit(prompt, WhatsAppLimits.textBody, "question"))))
    }

    func enter(_ node: FlowNode, in sprint: inout Sprint) -> String? { sprint.sendAndWait(node, for: .answer) }
}
