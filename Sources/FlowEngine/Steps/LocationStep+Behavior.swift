import FlowModel
import WhatsAppCloud

extension LocationStep: StepBehavior {
    func render(_ node: FlowNode, with renderer: inout MessageRenderer) -> MessageRenderer.Rendered? {
        let location = LocationObject(
            latitude: latitude,
            longitude: longitude,
            name: name?.render(renderer.lookup),
            address: address?.render(renderer.lookup)
        )
        return renderer.rendered(OutboundMessage(to: renderer.to, location: location))
    }

    func enter(_ node: FlowNode, in sprint: inout Sprint) -> String? { sprint.sendAndGoOn(node) }
}
