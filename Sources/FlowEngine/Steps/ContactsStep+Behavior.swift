import FlowModel
import WhatsAppCloud

extension ContactsStep: StepBehavior {
    func render(_ node: FlowNode, with renderer: inout MessageRenderer) -> MessageRenderer.Rendered? {
        let cards = cards.map {
            ContactObject(
                formattedName: $0.name,
                firstName: $0.firstName,
                lastName: $0.lastName,
                organization: $0.organization,
                phones: $0.phones,
                emails: $0.emails,
                urls: $0.urls
            )
        }
        return renderer.rendered(OutboundMessage(to: renderer.to, contacts: cards))
    }

    func enter(_ node: FlowNode, in sprint: inout Sprint) -> String? { sprint.sendAndGoOn(node) }
}
