import FlowModel
import WhatsAppCloud

/// What a person at the desk does to a conversation: take it over, write in it. Their messages
/// leave through ``Sprint/emit(_:node:category:purpose:)`` like the flow's, under the same guard.
extension Sprint {
    /// The node a person's messages are traced at when no flow node is in play.
    static let deskNode = "desk"

    /// A person takes the conversation: from a `handoff:` step's queue, or from the bot mid-flow,
    /// which then stays silent where it was until handed back.
    mutating func takeOver(by agent: String) {
        if var handoff = state.handoff {
            handoff.agent = agent
            state.handoff = handoff
            note(.takenOver(node: handoff.node, agent: agent))
            return
        }
        let node = state.position?.node
        state.handoff = ContactState.Handoff(node: node ?? Self.deskNode, queue: nil, since: now, agent: agent, resumesInPlace: true)
        note(.takenOver(node: node, agent: agent))
    }

    /// A person's message: only to a conversation this person holds; free-form
    /// text only while the customer service window is open; a template at any time.
    mutating func send(_ message: AgentMessage) {
        let agent = message.agent
        guard let handoff = state.handoff, handoff.agent == agent else {
            note(.agentRefused(agent: agent, why: .notHeld))
            return
        }
        let node = handoff.node
        switch message.content {
        case .text(let text):
            guard !text.allSatisfy(\.isWhitespace) else {
                note(.agentRefused(agent: agent, why: .empty))
                return
            }
            guard window.isOpen(state, at: now) else {
                note(.agentRefused(agent: agent, why: .windowClosed))
                return
            }
            var renderer = MessageRenderer(flow: flow, to: state.contact.recipient, lookup: scope.lookup)
            let body = renderer.fit(text, WhatsAppLimits.textBody, "text body")
            for warning in renderer.warnings { note(.truncated(node: node, warning: warning)) }
            emit(OutboundMessage(to: state.contact.recipient, text: TextObject(body: body)), node: node, category: nil, purpose: .person)
        case .template(let key, let parameters):
            guard let definition = flow.templates[key] else {
                note(.agentRefused(agent: agent, why: .unknownTemplate(key)))
                return
            }
            guard definition.isFillableAtDesk else {
                note(.agentRefused(agent: agent, why: .unsupportedTemplate(key)))
                return
            }
            let expected = definition.bodyParameterCount
            guard parameters.count == expected, !parameters.contains(where: { $0.allSatisfy(\.isWhitespace) }) else {
                note(.agentRefused(agent: agent, why: .parameters(template: key, expected: expected)))
                return
            }
            let body: [TemplateObject.Component] = parameters.isEmpty ? [] : [.init(type: "body", parameters: parameters.map { .text($0) })]
            let object = definition.object(sentFrom: node, components: body)
            emit(OutboundMessage(to: state.contact.recipient, template: object), node: node, category: definition.category.rawValue, purpose: .person)
        }
    }
}
