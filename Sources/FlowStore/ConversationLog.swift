import FlowEngine
import FlowModel

/// One line of a conversation as a person at the desk reads it: a customer's message, a message
/// sent to them, or a notice of what the bot or the guard did.
public struct LogEntry: Sendable, Hashable {
    public enum Direction: String, Sendable, Hashable {
        case inbound = "in"
        case outbound = "out"
        /// What the bot, the guard or a person did (held back, resumed, taken over…).
        case notice
    }

    public var contact: ContactKey
    public var at: Timestamp
    public var direction: Direction
    /// The message type (`text`, `image`, `button_reply`, `template`…) or the notice's trace type.
    public var kind: String
    /// The text, or a summary of interactive and media content, or the notice in words.
    public var text: String
    /// An outbound template's name.
    public var template: String?
    /// An outbound message's engine reference, which its statuses name.
    public var ref: String?
    /// The person who sent it from the desk.
    public var agent: String?

    public init(
        contact: ContactKey,
        at: Timestamp,
        direction: Direction,
        kind: String,
        text: String,
        template: String? = nil,
        ref: String? = nil,
        agent: String? = nil
    ) {
        self.contact = contact
        self.at = at
        self.direction = direction
        self.kind = kind
        self.text = text
        self.template = template
        self.ref = ref
        self.agent = agent
    }
}

/// A delivery status for a logged outbound message. Statuses arrive out of order; a stored one
/// only moves forward (sent, delivered, read), and a failure overrides them all.
public struct LogStatus: Sendable, Hashable {
    public var contact: ContactKey
    public var ref: String
    public var state: DeliveryStatus.State
    public var at: Timestamp
    /// The failure's code and title.
    public var error: String?

    public init(contact: ContactKey, ref: String, state: DeliveryStatus.State, at: Timestamp, error: String? = nil) {
        self.contact = contact
        self.ref = ref
        self.state = state
        self.at = at
        self.error = error
    }

    /// The order statuses move in: a lower rank never replaces a higher one.
    public var rank: Int {
        switch state {
        case .sent: 1
        case .delivered: 2
        case .read, .played: 3
        case .failed: 4
        }
    }
}

/// A stored log entry with its id and the latest status it has had.
public struct LoggedMessage: Sendable, Hashable {
    public var id: Int64
    public var entry: LogEntry
    public var status: DeliveryStatus.State?
    public var statusAt: Timestamp?
    public var error: String?

    public init(id: Int64, entry: LogEntry, status: DeliveryStatus.State? = nil, statusAt: Timestamp? = nil, error: String? = nil) {
        self.id = id
        self.entry = entry
        self.status = status
        self.statusAt = statusAt
        self.error = error
    }
}

/// A conversation in the desk's list: the contact's state and its latest log entry.
public struct ConversationSummary: Sendable {
    public var contact: ContactKey
    public var state: ContactState
    public var updatedAt: Timestamp
    public var last: LoggedMessage?

    public init(contact: ContactKey, state: ContactState, updatedAt: Timestamp, last: LoggedMessage?) {
        self.contact = contact
        self.state = state
        self.updatedAt = updatedAt
        self.last = last
    }
}
