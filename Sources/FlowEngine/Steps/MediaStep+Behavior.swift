import FlowModel
import WhatsAppCloud

extension MediaStep: StepBehavior {
    func render(_ node: FlowNode, with renderer: inout MessageRenderer) -> MessageRenderer.Rendered? {
        var media = renderer.mediaObject(source)
        media.caption = caption.map { renderer.fit($0, WhatsAppLimits.caption, "caption") }
        media.filename = filename?.render(renderer.lookup)
        let type = OutboundMessage.MessageType(rawValue: kind.rawValue) ?? .image
        return renderer.rendered(OutboundMessage(to: renderer.to, media: media, kind: type))
    }

    func enter(_ node: FlowNode, in sprint: inout Sprint) -> String? { sprint.sendAndGoOn(node) }
}
