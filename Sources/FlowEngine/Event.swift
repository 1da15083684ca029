import FlowModel
import WhatsAppCloud

/// Something that happens to one contact. The engine takes one at a time, with the current time.
public enum Event: Hashable, Sendable {
    /// The customer sent a message.
    case inbound(InboundMessage)
    /// The business starts the flow at a node, e.g. a shipping notice.
    case trigger(BusinessTrigger)
    /// A timer the engine asked for has come due.
    case timer(FlowTimer)
    /// WhatsApp reported on a message the engine sent.
    case status(DeliveryStatus)
    /// A person hands the contact back to the bot after a handoff.
    case release
    /// A person at the desk takes the conversation from the bot, or from a `handoff:` queue.
    case takeOver(agent: String)
    /// A person at the desk sends a message to a conversation they hold.
    case agentMessage(AgentMessage)
}

/// A customer message, as the webhook delivers it, reduced to what a flow reads.
public struct InboundMessage: Hashable, Sendable {
    /// WhatsApp's message id (`wamid…`).
    public var id: String
    /// When the customer sent it, from the webhook's `timestamp`; the window counts from here.
    public var sentAt: Timestamp?
    /// The customer's profile name, when the webhook carries it.
    public var profileName: String?
    public var content: Content

    public init(id: String, sentAt: Timestamp? = nil, profileName: String? = nil, content: Content) {
        self.id = id
        self.sentAt = sentAt
        self.profileName = profileName
        self.content = content
    }

    public enum Content: Hashable, Sendable {
        case text(String)
        /// A reply button tap (`interactive.button_reply`).
        case buttonReply(id: String, title: String)
        /// A list row pick (`interactive.list_reply`).
        case listReply(id: String, title: String, description: String?)
        /// A template quick-reply tap (`type: button`).
        case quickReply(payload: String, text: String)
        /// Image, video, audio (voice when `voice`), document or sticker.
        case media(kind: MediaKind, id: String, caption: String?, filename: String?, voice: Bool)
        case location(latitude: Double, longitude: Double, name: String?, address: String?)
        /// Shared contact cards, by formatted name and first phone.
        case contacts([SharedContact])
        /// A reaction to one of our messages; an empty emoji removes it.
        case reaction(messageID: String, emoji: String)
        /// Anything else (`order`, `system`, `unsupported`, types not known yet), by its type name.
        case other(type: String)

        /// The webhook's type name for it.
        public var typeName: String {
            switch self {
            case .text: "text"
            case .buttonReply: "button_reply"
            case .listReply: "list_reply"
            case .quickReply: "button"
            case .media(let kind, _, _, _, let voice): voice ? "voice" : kind.rawValue
            case .location: "location"
            case .contacts: "contacts"
            case .reaction: "reaction"
            case .other(let type): type
            }
        }
    }

    public struct SharedContact: Hashable, Sendable {
        public var name: String
        public var phone: String?

        public init(name: String, phone: String?) {
            self.name = name
            self.phone = phone
        }
    }
}

/// `start flow F at node N with parameters`: a business-initiated message.
public struct BusinessTrigger: Hashable, Sendable {
    public var node: String
    public var parameters: [String: String]

    public init(node: String, parameters: [String: String] = [:]) {
        self.node = node
        self.parameters = parameters
    }
}

/// A delivery report for a message the engine sent, by the engine's own reference.
public struct DeliveryStatus: Hashable, Sendable {
    public enum State: String, Codable, Hashable, Sendable {
        case sent, delivered, read, played, failed
    }

    public struct Failure: Hashable, Sendable, Codable {
        public var code: Int
        public var title: String

        public init(code: Int, title: String) {
            self.code = code
            self.title = title
        }
    }

    /// The ``Outbound/ref`` of the message.
    public var ref: String
    public var state: State
    public var errors: [Failure]

    public init(ref: String, state: State, errors: [Failure] = []) {
        self.ref = ref
        self.state = state
        self.errors = errors
    }
}
