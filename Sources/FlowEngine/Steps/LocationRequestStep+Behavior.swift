import FlowModel
import WhatsAppCloud

extension LocationRequestStep: StepBehavior {
    func render(_ node: FlowNode, with renderer: inout MessageRenderer) -> MessageRenderer.Rendered? {
        let object = InteractiveObject.locationRequest(body: renderer.fit(body, WhatsAppLimits.interactiveBody, "body"))
        return renderer.rendered(OutboundMessage(to: renderer.to, interactive: object))
    }

    func enter(_ node: FlowNode, in sprint: inout Sprint) -> String? { sprint.sendAndWait(node, for: .answer) }
}
