import FlowModel

/// A message a person at the desk sends to a contact they hold. It goes through the engine, so
/// the session guard that holds back the flow's free-form steps refuses a person's free-form
/// message outside the customer service window too; a template may go at any time.
public struct AgentMessage: Hashable, Sendable {
    public enum Content: Hashable, Sendable {
        /// Free-form text: only while the window is open.
        case text(String)
        /// A template declared under the flow's `templates:`, by its key, with its body
        /// parameters in order.
        case template(key: String, parameters: [String])
    }

    /// The person's name, as configured for the desk.
    public var agent: String
    public var content: Content

    public init(agent: String, content: Content) {
        self.agent = agent
        self.content = content
    }
}
