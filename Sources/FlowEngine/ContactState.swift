import FlowModel
import Foundation
import WhatsAppCloud

/// Everything the engine knows about one contact, between events. Stores keep it in a form of
/// their own (FlowStore's `StoredStateCoding`); it is `Codable` to read states an earlier Flowgate
/// stored as JSON, and carries a version:
/// ``ContactState/currentVersion`` changes when the shape does.
public struct ContactState: Codable, Hashable, Sendable {
    /// 2: held steps replace the single blocked step; a refusal records the refused message's
    /// send time; accounting counts delivered templates.
    public static let currentVersion = 2
    /// How many held-back steps are kept; past it the oldest is dropped with a trace entry.
    public static let heldLimit = 16
    /// How many sent messages are kept awaiting a status.
    public static let awaitingStatusLimit = 12
    /// How long a sent message is kept awaiting a status.
    public static let statusHorizon = TimeSpan.days(2)

    public var version: Int
    public var contact: ContactIdentity
    /// The flow the contact is in.
    public var flow: String?
    /// Where the contact is, and what it waits for; nil when the flow has not started or has ended.
    public var position: Position?
    /// Saved answers, `set` values and trigger parameters.
    public var variables: [String: String]
    /// The last customer message, for `reply.*`.
    public var reply: Reply?
    /// Answers that did not fit at the current node.
    public var failedAttempts: Int
    /// When the customer last wrote: the customer service window runs 24 hours from here.
    public var lastInboundAt: Timestamp?
    /// When the customer wrote before that, for `silent_for`.
    public var previousInboundAt: Timestamp?
    /// The send time of the latest free-form message WhatsApp refused with 131047. WhatsApp found
    /// the window closed at that moment, so it is closed until the customer writes *after* it.
    public var refusedSentAt: Timestamp?
    /// Steps the session guard held back, in send order, delivered when the customer reopens the
    /// window. At most one is a flow step (the node to run on); the others are refused messages
    /// to send again as they were.
    public var held: [HeldStep]
    /// Where the flow waited when a refusal interrupted it; restored after the held steps go.
    public var heldPosition: Position?
    /// The re-entry template sent for the window that is closed now: one per closed window until
    /// the customer writes again.
    public var reentry: ReentryMark?
    /// Counts held steps, for their ids.
    public var heldSequence: Int64
    /// A person has the conversation.
    public var handoff: Handoff?
    /// Messages sent and not yet delivered, read or failed: the newest ``awaitingStatusLimit``, at
    /// most ``statusHorizon`` old. Every contact's state is stored on every event, so this stays small.
    public var awaitingStatus: [SentMessage]
    /// When before_expiry is due, if set.
    public var beforeExpiryDue: Timestamp?
    /// Counts every wait, so a timer set for an earlier wait is recognised and ignored.
    public var waitSequence: Int64
    /// Counts outbound messages, for their references.
    public var outboundSequence: Int64
    public var accounting: Accounting

    public init(contact: ContactIdentity) {
        version = Self.currentVersion
        self.contact = contact
        variables = [:]
        failedAttempts = 0
        awaitingStatus = []
        held = []
        heldSequence = 0
        waitSequence = 0
        outboundSequence = 0
        accounting = Accounting()
    }

    public struct Position: Codable, Hashable, Sendable {
        public var node: String
        public var waitingFor: Wait
        /// When the node's timeout or pause ends, if it has one.
        public var timerDue: Timestamp?

        public init(node: String, waitingFor: Wait, timerDue: Timestamp? = nil) {
            self.node = node
            self.waitingFor = waitingFor
            self.timerDue = timerDue
        }
    }

    /// What a waiting contact waits for.
    public enum Wait: String, Codable, Hashable, Sendable {
        /// A button tap or list row (typed titles and numbers count).
        case choice
        /// An answer to `ask` or `location_request`.
        case answer
        /// A reply to a template.
        case templateReply = "template_reply"
        /// Any message (`wait: reply`).
        case reply
        /// The end of a pause (`wait: 2h`).
        case pause
        /// A person to release the contact.
        case handoff
        /// The customer's next message, to resume a blocked step that had no re-entry route.
        case blocked

        /// How traces say it.
        public var phrase: String {
            switch self {
            case .choice: "a choice"
            case .answer: "an answer"
            case .templateReply: "a reply to the template"
            case .reply: "a reply"
            case .pause: "the pause to end"
            case .handoff: "a person to release the contact"
            case .blocked: "the customer to write"
            }
        }
    }

    public struct Reply: Codable, Hashable, Sendable {
        public var type: String
        public var id: String?
        public var title: String?
        public var text: String?

        public init(type: String, id: String? = nil, title: String? = nil, text: String? = nil) {
            self.type = type
            self.id = id
            self.title = title
            self.text = text
        }
    }

    /// A step the session guard held back.
    public struct HeldStep: Codable, Hashable, Sendable {
        /// Unique per contact, so a trace entry names exactly which step resumed or dropped.
        public var id: Int64
        /// The node it belongs to.
        public var node: String
        public var reason: BlockReason
        /// When it was held: the block's time, or the refused message's send time.
        public var at: Timestamp
        /// For a message WhatsApp refused: the message, sent again as it was. Nil for a flow step
        /// the guard stopped before sending, which runs again from its node.
        public var message: RefusedMessage?

        public init(id: Int64, node: String, reason: BlockReason, at: Timestamp, message: RefusedMessage? = nil) {
            self.id = id
            self.node = node
            self.reason = reason
            self.at = at
            self.message = message
        }

        public var isFlowStep: Bool { message == nil }
    }

    /// A free-form message WhatsApp refused, kept to be sent again.
    public struct RefusedMessage: Codable, Hashable, Sendable {
        public var ref: String
        public var sequence: Int64
        public var payload: OutboundMessage

        public init(ref: String, sequence: Int64, payload: OutboundMessage) {
            self.ref = ref
            self.sequence = sequence
            self.payload = payload
        }
    }

    /// A re-entry template sent for a closed window.
    public struct ReentryMark: Codable, Hashable, Sendable {
        /// The template node.
        public var node: String
        public var at: Timestamp

        public init(node: String, at: Timestamp) {
            self.node = node
            self.at = at
        }
    }

    public struct Handoff: Codable, Hashable, Sendable {
        public var node: String
        public var queue: String?
        public var since: Timestamp
        /// The person at the desk who has the conversation; nil while it waits in the queue.
        public var agent: String?
        /// True when a person took the conversation from the bot mid-flow (not at a `handoff:`
        /// step): handing it back leaves the flow waiting where it was.
        public var resumesInPlace: Bool?

        public init(node: String, queue: String? = nil, since: Timestamp, agent: String? = nil, resumesInPlace: Bool? = nil) {
            self.node = node
            self.queue = queue
            self.since = since
            self.agent = agent
            self.resumesInPlace = resumesInPlace
        }
    }

    public struct SentMessage: Codable, Hashable, Sendable {
        public var ref: String
        public var node: String
        public var sequence: Int64
        public var isTemplate: Bool
        public var sentAt: Timestamp
        public var state: DeliveryStatus.State?
        /// For templates: the pricing category, and whether WhatsApp's own window (no margin)
        /// was open when it went, which makes a utility template free.
        public var category: String?
        public var insideWhatsAppWindow: Bool?
        /// For a free-form message: exactly what went, to send again as it was if WhatsApp refuses
        /// it (variables may have changed since). Kept by reference: the engine copies the state on
        /// every event, and this keeps that copy cheap.
        public var payload: SharedPayload?

        public init(
            ref: String,
            node: String,
            sequence: Int64,
            isTemplate: Bool,
            sentAt: Timestamp,
            state: DeliveryStatus.State? = nil,
            category: String? = nil,
            insideWhatsAppWindow: Bool? = nil,
            payload: SharedPayload? = nil
        ) {
            self.ref = ref
            self.node = node
            self.sequence = sequence
            self.isTemplate = isTemplate
            self.sentAt = sentAt
            self.state = state
            self.category = category
            self.insideWhatsAppWindow = insideWhatsAppWindow
            self.payload = payload
        }
    }
}

/// Who the contact is. `id` is the key: the WhatsApp id, or the business-scoped user id for a
/// username contact whose `wa_id` is empty.
public struct ContactIdentity: Codable, Hashable, Sendable {
    public var id: String
    public var waID: String?
    public var userID: String?
    public var name: String?

    public init(waID: String?, userID: String? = nil, name: String? = nil) {
        let wa = waID.flatMap { $0.isEmpty ? nil : $0 }
        let user = userID.flatMap { $0.isEmpty ? nil : $0 }
        id = wa ?? user ?? ""
        self.waID = wa
        self.userID = user
        self.name = name
    }

    /// Where to send: the WhatsApp id, else the user id.
    public var recipient: String { waID ?? userID ?? id }
}

/// Why the session guard held a step back.
public enum BlockReason: String, Codable, Hashable, Sendable {
    /// The window has expired: more than 24 hours since the customer's last message (or WhatsApp
    /// refused the message with 131047).
    case sessionExpired = "SESSION_EXPIRED"
    /// The contact has never written, so no window was ever open.
    case noActiveSession = "NO_ACTIVE_SESSION"
    /// A person had the conversation when WhatsApp refused the message; the bot sends nothing then.
    case handoff = "HANDOFF"
}

/// What a conversation has sent, for cost. Since July 2025 WhatsApp charges per *delivered*
/// template, by category; free-form messages inside the window are free, and so are utility
/// templates sent while WhatsApp's own window is open (Flowgate's margin does not count).
public struct Accounting: Codable, Hashable, Sendable {
    public var freeFormMessages = 0
    /// Templates sent, by category (`MARKETING`, `UTILITY`, `AUTHENTICATION`).
    public var templates: [String: Int] = [:]
    /// Templates reported delivered (or read, or played), by category.
    public var templatesDelivered: [String: Int] = [:]
    /// Of those, the ones WhatsApp charges for, by category.
    public var billableTemplates: [String: Int] = [:]
    /// Templates refused or failed: never charged.
    public var templatesFailed = 0
    /// Windows opened by the customer writing when none was open.
    public var windowsOpened = 0
    /// Steps the session guard held back.
    public var blockedSteps = 0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case freeFormMessages, templates, templatesDelivered, billableTemplates, templatesFailed, windowsOpened, blockedSteps
    }

    /// Empty tallies and zero counts are left out (they read back the same): the state is written
    /// on every event, and each value written costs the encoder thousands of instructions.
    public func encode(to encoder: any Encoder) throws {
        var values = encoder.container(keyedBy: CodingKeys.self)
        if freeFormMessages != 0 { try values.encode(freeFormMessages, forKey: .freeFormMessages) }
        if !templates.isEmpty { try values.encode(templates, forKey: .templates) }
        if !templatesDelivered.isEmpty { try values.encode(templatesDelivered, forKey: .templatesDelivered) }
        if !billableTemplates.isEmpty { try values.encode(billableTemplates, forKey: .billableTemplates) }
        if templatesFailed != 0 { try values.encode(templatesFailed, forKey: .templatesFailed) }
        if windowsOpened != 0 { try values.encode(windowsOpened, forKey: .windowsOpened) }
        if blockedSteps != 0 { try values.encode(blockedSteps, forKey: .blockedSteps) }
    }

    public init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        freeFormMessages = try values.decodeIfPresent(Int.self, forKey: .freeFormMessages) ?? 0
        templates = try values.decodeIfPresent([String: Int].self, forKey: .templates) ?? [:]
        templatesDelivered = try values.decodeIfPresent([String: Int].self, forKey: .templatesDelivered) ?? [:]
        billableTemplates = try values.decodeIfPresent([String: Int].self, forKey: .billableTemplates) ?? [:]
        templatesFailed = try values.decodeIfPresent(Int.self, forKey: .templatesFailed) ?? 0
        windowsOpened = try values.decodeIfPresent(Int.self, forKey: .windowsOpened) ?? 0
        blockedSteps = try values.decodeIfPresent(Int.self, forKey: .blockedSteps) ?? 0
    }
}

/// An outbound payload kept by reference inside ``ContactState``: copying the state copies one
/// reference, not every field of the message.
///
/// Stored as its JSON text, one string, encoded once when the message is sent: a contact's state
/// is written on every event and keeps up to ``ContactState/awaitingStatusLimit`` of these, and
/// encoding each as an object again every time cost more than the rest of the event together.
/// A state written before keeps the payload as an object; it is read as well.
public final class SharedPayload: Codable, Hashable, Sendable {
    public let message: OutboundMessage
    /// `message` as compact JSON with sorted keys: exactly the body sent to the Graph API.
    public let json: String

    public init(_ message: OutboundMessage) {
        self.message = message
        json = message.jsonString()
    }

    /// A payload kept as `json` (what ``json`` held when it was stored).
    public init(json: String) throws {
        message = try OutboundMessage(jsonText: json)
        self.json = json
    }

    public init(from decoder: any Decoder) throws {
        if let text = try? decoder.singleValueContainer().decode(String.self) {
            message = try OutboundMessage(jsonText: text)
            json = text
        } else {
            message = try OutboundMessage(from: decoder)
            json = message.jsonString()
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(json)
    }

    public static func == (lhs: SharedPayload, rhs: SharedPayload) -> Bool {
        lhs === rhs || lhs.message == rhs.message
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(message)
    }
}
