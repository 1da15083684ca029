import Yams

/// `handoff: support` (or `handoff: true`): hands the conversation to a person. The bot stays
/// silent, keywords included, until the contact is released; then it goes on to `goto`.
public struct HandoffStep: Hashable, Sendable {
    /// The queue or team to route to, passed on to the agent system.
    public var queue: String?

    static func read(key: String, value: Yams.Node, node: MappingReader, flow: FlowContext) -> HandoffStep? {
        let context = node.context
        guard let text = context.string(value, "'handoff'") else { return nil }
        guard value.isPlainScalar, let flag = CoreScalar.boolean(text.value) else { return HandoffStep(queue: text.value) }
        guard flag else {
            context.error(
                .invalidValue,
                "'handoff: false' hands nothing over",
                hint: "write `handoff: true`, or name the queue: `handoff: support`",
                at: value
            )
            return nil
        }
        return HandoffStep(queue: nil)
    }
}

extension HandoffStep: StepKind {
    static let keys = ["handoff"]
    var step: Step { .handoff(self) }
    var isFreeForm: Bool { false }
    var waitsForCustomer: Bool { true }
    var shape: GraphShape { .handoff }
    func edges(of node: FlowNode) -> [Edge] { Edge.to(node.next, .release, "released") }
    func deadEnd(of node: FlowNode) -> Diagnostic? { nil }
}
