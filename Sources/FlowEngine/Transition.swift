import FlowModel
import WhatsAppCloud

/// What one event did: the contact's new state, the messages to send in order, the timers to set
/// or cancel, and a trace of what happened and why.
public struct Transition: Sendable {
    /// The time the event was handled at.
    public var time: Timestamp
    public var state: ContactState
    public var messages: [Outbound]
    public var timers: [TimerChange]
    public var trace: [TraceEvent]
}

/// A message the engine wants sent: the exact Cloud API payload, and the reference statuses use.
public struct Outbound: Codable, Hashable, Sendable {
    /// The engine's own reference, unique per contact (`<contact id>-<sequence>`).
    public var ref: String
    /// The node that sent it.
    public var node: String
    public var payload: OutboundMessage
    /// For templates: the category it is priced by.
    public var category: String?
}
