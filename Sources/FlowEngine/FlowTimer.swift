import FlowModel

/// A timer the engine asks the shell to keep: plain data, so a store can persist it and fire it
/// after a restart. A contact has at most one timer of each kind; setting one replaces the last.
public struct FlowTimer: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Hashable, Sendable, CaseIterable {
        /// A node's reply timeout, or the end of a `wait:` pause.
        case wait
        /// `session.before_expiry`.
        case beforeExpiry = "before_expiry"
        /// ``Engine/windowNotice`` before the window closes: the shell tells people (event webhooks).
        case windowClosing = "window_closing"
        /// The moment the window closes.
        case windowExpired = "window_expired"
    }

    public var kind: Kind
    public var due: Timestamp
    /// The state it was set for: the wait's sequence number, or the inbound time that set
    /// before_expiry. When it fires and the contact's state has moved on, it is ignored.
    public var token: Int64

    public init(kind: Kind, due: Timestamp, token: Int64) {
        self.kind = kind
        self.due = due
        self.token = token
    }
}

/// What the shell must do with a contact's timers after an event.
public enum TimerChange: Hashable, Sendable {
    case set(FlowTimer)
    case cancel(FlowTimer.Kind)
}
