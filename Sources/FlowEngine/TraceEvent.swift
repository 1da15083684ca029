import FlowModel

/// One thing the engine did, and why. The simulator prints these; the server logs them.
public struct TraceEvent: Codable, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Codable, Hashable, Sendable {
        case messageReceived = "message_received"
        case windowOpened = "window_opened"
        case windowExtended = "window_extended"
        case flowStarted = "flow_started"
        case nodeEntered = "node_entered"
        case messageSent = "message_sent"
        /// The session guard held a free-form step back.
        case blocked
        /// The blocked step runs now that the customer answered.
        case resumed
        case waiting
        case keyword
        case choiceMade = "choice_made"
        case inputRejected = "input_rejected"
        case attemptsExhausted = "attempts_exhausted"
        case variableSaved = "variable_saved"
        case timerFired = "timer_fired"
        case timerIgnored = "timer_ignored"
        case handoffStarted = "handoff_started"
        case handoffSilent = "handoff_silent"
        case released
        case statusUpdated = "status_updated"
        case deliveryFailed = "delivery_failed"
        case truncated
        case ignored
        case flowEnded = "flow_ended"
        case error
    }

    public var kind: Kind
    public var node: String?
    /// A machine-readable reason: `SESSION_EXPIRED`, `NO_ACTIVE_SESSION`, an error code.
    public var reason: String?
    /// What happened, for people.
    public var detail: String

    public init(_ kind: Kind, node: String? = nil, reason: String? = nil, _ detail: String) {
        self.kind = kind
        self.node = node
        self.reason = reason
        self.detail = detail
    }

    public var description: String {
        var text = kind.rawValue
        if let node { text += " [\(node)]" }
        if let reason { text += " (\(reason))" }
        return text + ": " + detail
    }
}
