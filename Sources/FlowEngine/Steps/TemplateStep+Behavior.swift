import FlowModel
import WhatsAppCloud

extension TemplateStep: StepBehavior {
    /// The template with its parameters filled in, and a payload on each quick-reply button that
    /// names this node, so a tap routes even after the flow has moved on.
    func render(_ node: FlowNode, with renderer: inout MessageRenderer) -> MessageRenderer.Rendered? {
        guard let definition = renderer.flow.templates[template.value] else { return nil }
        let lookup = renderer.lookup
        var components: [TemplateObject.Component] = []
        if !params.header.isEmpty {
            let parameters: [TemplateObject.Parameter]
            if case .media(let kind) = definition.header {
                parameters = params.header.map { .media(kind.rawValue, link: $0.render(lookup)) }
            } else {
                parameters = params.header.map { .text($0.render(lookup)) }
            }
            components.append(.init(type: "header", parameters: parameters))
        }
        if !params.body.isEmpty {
            components.append(.init(type: "body", parameters: params.body.map { .text($0.render(lookup)) }))
        }
        for (value, index) in zip(params.buttons, definition.dynamicURLButtonIndices) {
            components.append(.init(type: "button", subType: "url", index: index, parameters: [.text(value.render(lookup))]))
        }
        let object = definition.object(sentFrom: node.id, components: components)
        return renderer.rendered(OutboundMessage(to: renderer.to, template: object), category: definition.category.rawValue)
    }

    func enter(_ node: FlowNode, in sprint: inout Sprint) -> String? {
        guard sprint.send(node) else {
            sprint.templateNotSent(node)
            return nil
        }
        guard waitsForReply else { return node.next?.name ?? Target.endName }
        sprint.wait(at: node, for: .templateReply, timer: node.input.timeout?.after)
        return nil
    }
}
