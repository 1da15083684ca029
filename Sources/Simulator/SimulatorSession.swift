import FlowEngine
import FlowModel
import Foundation
import WhatsAppCloud

/// A simulated conversation with one contact on a virtual clock. Pure: the output depends only on
/// the flow, the start time and the actions.
public struct SimulatorSession: Sendable {
    public struct Choice: Hashable, Sendable {
        public enum Kind: Sendable { case button, row, quickReply }
        public var kind: Kind
        public var id: String
        public var title: String
        public var description: String?

        public init(kind: Kind, id: String, title: String, description: String? = nil) {
            self.kind = kind
            self.id = id
            self.title = title
            self.description = description
        }
    }

    public let flow: Flow
    public private(set) var contact: VirtualContact
    /// The bot's latest message, for `/status` and `/react`.
    public private(set) var lastMessage: Outbound?
    /// What the customer can tap now, from the bot's latest interactive message or template.
    public private(set) var choices: [Choice] = []
    private var inboundCount = 0
    /// Every message the bot sent, by its number in the transcript (`#1`, `#2`, …), the last few
    /// hundred, for `/status #N`.
    public private(set) var sent: [(sequence: Int64, message: Outbound)] = []
    static let sentKept = 500

    public init(flow: Flow, contact identity: ContactIdentity, start: Timestamp) {
        self.flow = flow
        contact = VirtualContact(engine: Engine(flow: flow), contact: identity, start: start)
    }

    public var now: Timestamp { contact.now }
    public var state: ContactState { contact.state }
    public var window: SessionWindow { contact.engine.window }

    /// Performs an action and returns what the engine did, in order (a clock move can fire several timers).
    public mutating func perform(_ action: Action) throws(SimulatorError) -> [Transition] {
        let transitions: [Transition]
        switch action {
        case .say(let text):
            transitions = [inbound(.text(text))]
        case .sayLate(let text, let sent):
            let sentAt: Timestamp
            switch sent {
            case .ago(let span):
                guard let time = contact.now.adding(TimeSpan.zero - span) else {
                    throw SimulatorError("a message cannot be sent before 0000-01-01; the clock is at \(contact.now)")
                }
                sentAt = time
            case .at(let time): sentAt = time
            }
            guard sentAt <= contact.now else {
                throw SimulatorError("a message cannot be sent after now (\(contact.now)); move the clock with /at first")
            }
            transitions = [inbound(.text(text), sentAt: sentAt)]
        case .tap(let label):
            transitions = [inbound(try tapContent(label))]
        case .media(let kind, let caption, let filename, let voice):
            transitions = [inbound(.media(kind: kind, id: "media.\(inboundCount + 1)", caption: caption, filename: filename, voice: voice))]
        case .location(let latitude, let longitude, let name):
            transitions = [inbound(.location(latitude: latitude, longitude: longitude, name: name, address: nil))]
        case .contact(let name, let phone):
            transitions = [inbound(.contacts([.init(name: name, phone: phone)]))]
        case .react(let emoji):
            guard let last = lastMessage else { throw SimulatorError("the bot has sent nothing to react to") }
            transitions = [inbound(.reaction(messageID: last.ref, emoji: emoji))]
        case .wait(let span):
            guard let target = contact.now.adding(span) else {
                throw SimulatorError("the clock cannot go past 9999-12-31T23:59:59.999Z; it is at \(contact.now)")
            }
            transitions = contact.advance(to: target)
        case .at(let time):
            guard time >= contact.now else { throw SimulatorError("\(time) is in the past; the clock is at \(contact.now)") }
            transitions = contact.advance(to: time)
        case .trigger(let node, let parameters):
            guard flow.nodes[node] != nil else {
                throw SimulatorError("no node '\(node)' in flow '\(flow.name.value)'; triggers: \(flow.triggers.map(\.name).joined(separator: ", "))")
            }
            transitions = [contact.handle(.trigger(BusinessTrigger(node: node, parameters: parameters)))]
        case .status(let state, let code, let number):
            let message: Outbound
            if let number {
                guard let found = sent.first(where: { $0.sequence == number }) else {
                    throw SimulatorError("the bot has no message #\(number); its messages are #1 to #\(sent.last?.sequence ?? 0)")
                }
                message = found.message
            } else {
                guard let last = lastMessage else { throw SimulatorError("the bot has sent nothing to report on") }
                message = last
            }
            let errors = state == .failed ? [DeliveryStatus.Failure(code: code ?? 131026, title: Self.errorTitle(code ?? 131026))] : []
            transitions = [contact.handle(.status(DeliveryStatus(ref: message.ref, state: state, errors: errors)))]
        case .release:
            transitions = [contact.handle(.release)]
        case .reset:
            contact.reset(to: ContactState(contact: contact.state.contact))
            lastMessage = nil
            choices = []
            sent = []
            transitions = []
        }
        for transition in transitions { remember(transition) }
        return transitions
    }

    private mutating func inbound(_ content: InboundMessage.Content, sentAt: Timestamp? = nil) -> Transition {
        inboundCount += 1
        let message = InboundMessage(
            id: "wamid.sim.\(inboundCount)",
            sentAt: sentAt ?? contact.now,
            profileName: contact.state.contact.name,
            content: content
        )
        return contact.handle(.inbound(message))
    }

    private mutating func remember(_ transition: Transition) {
        for message in transition.messages {
            lastMessage = message
            sent.append((Self.number(of: message), message))
            if sent.count > Self.sentKept { sent.removeFirst(sent.count - Self.sentKept) }
            if let offered = Self.choices(in: message.payload) { choices = offered }
        }
        // Choices stay tappable while the contact waits for one (a re-prompt keeps them).
        let waiting = transition.state.position?.waitingFor
        if waiting != .choice, waiting != .templateReply { choices = [] }
    }

    /// Resolves `2`, `Track my order` or `track` to a tap on what the bot offered.
    func tapContent(_ label: String) throws(SimulatorError) -> InboundMessage.Content {
        let wanted = label.trimmingCharacters(in: .whitespaces)
        if let old = olderQuickReply(wanted) { return old }
        guard !choices.isEmpty else { throw SimulatorError("there is nothing to tap; the bot has not offered buttons, a list or quick replies") }
        let choice: Choice
        if let number = Int(wanted), choices.indices.contains(number - 1) {
            choice = choices[number - 1]
        } else if let match = choices.first(where: { $0.title.lowercased() == wanted.lowercased() || $0.id == wanted }) {
            choice = match
        } else {
            let listed = choices.enumerated().map { "\($0.offset + 1) \($0.element.title)" }.joined(separator: ", ")
            throw SimulatorError("no choice '\(label)'; the choices are \(listed)")
        }
        switch choice.kind {
        case .button: return .buttonReply(id: choice.id, title: choice.title)
        case .row: return .listReply(id: choice.id, title: choice.title, description: choice.description)
        case .quickReply: return .quickReply(payload: choice.id, text: choice.title)
        }
    }

    /// A quick reply on an earlier template, by its title, when what is on screen now has none
    /// by that name: customers scroll up and tap old buttons.
    func olderQuickReply(_ title: String) -> InboundMessage.Content? {
        guard !choices.contains(where: { $0.title.lowercased() == title.lowercased() || $0.id == title }), Int(title) == nil else { return nil }
        for (_, message) in sent.reversed() {
            guard message.payload.isTemplate, let offered = Self.choices(in: message.payload),
                let match = offered.first(where: { $0.title.lowercased() == title.lowercased() })
            else { continue }
            return .quickReply(payload: match.id, text: match.title)
        }
        return nil
    }

    /// A message's number in the transcript: the sequence at the end of its reference.
    public static func number(of message: Outbound) -> Int64 {
        message.ref.split(separator: "-").last.flatMap { Int64($0) } ?? 0
    }

    static func choices(in payload: OutboundMessage) -> [Choice]? {
        if let buttons = payload.interactive?.action.buttons {
            return buttons.map { Choice(kind: .button, id: $0.reply.id, title: $0.reply.title) }
        }
        if let sections = payload.interactive?.action.sections {
            return sections.flatMap(\.rows).map { Choice(kind: .row, id: $0.id, title: $0.title, description: $0.description) }
        }
        if let components = payload.template?.components {
            let replies = components.filter { $0.subType == "quick_reply" }.compactMap { $0.parameters.first?.payload }
            return replies.isEmpty ? nil : replies.map { Choice(kind: .quickReply, id: $0, title: QuickReplyPayload.label($0)) }
        }
        return nil
    }

    static func errorTitle(_ code: Int) -> String {
        switch code {
        case GraphErrorCode.reEngagement: "Re-engagement message"
        case 131026: "Message undeliverable"
        case 131049: "Not delivered to maintain healthy ecosystem engagement"
        case 130429: "Rate limit hit"
        case 131056: "Pair rate limit hit"
        default: "Error \(code)"
        }
    }
}

/// A simulator action that cannot be done, said plainly.
public struct SimulatorError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
