import Yams

/// `handoff: support` (or `handoff: true`): hands the conversation to a person. The bot stays
/// silent, keywords included, until the contact is released; then it goes on to `goto`.
public struct HandoffStep: Hashable, Sendable {
    /// The queue or team to route to, passed on to the agent system.
    public var queue: String?

    static func read(_ value: Yams.Node, context: LoadContext) -> HandoffStep? {
        guard let text = context.string(value, "'handoff'") else { return nil }
        return HandoffStep(queue: text.value == "true" ? nil : text.value)
    }
}
