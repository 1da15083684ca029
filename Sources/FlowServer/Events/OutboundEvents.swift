import FlowEngine
import FlowModel
import FlowStore
import Foundation
import WhatsAppCloud

/// What a transition tells the event sinks: one outbox message per event and sink that asked for
/// it, committed with the transition, so it goes out whatever happens to the process.
enum OutboundEvents {
    /// The JSON body a sink receives.
    struct Body: Encodable {
        struct Contact: Encodable {
            var waID: String
            var name: String?
            enum CodingKeys: String, CodingKey {
                case waID = "wa_id"
                case name
            }
        }

        struct Window: Encodable {
            var open: Bool
            var closesAt: String?
            enum CodingKeys: String, CodingKey {
                case open
                case closesAt = "closes_at"
            }
        }

        /// Unique per event: a receiver that sees one twice (a retry after a lost answer) drops it.
        var id: String
        var event: String
        var at: String
        var phoneNumberID: String
        var contact: Contact
        var flow: String?
        var node: String?
        var window: Window
        /// What the event is about, by name: the message's type and text, the template, the queue…
        var detail: [String: String]

        enum CodingKeys: String, CodingKey {
            case id, event, at, contact, flow, node, window, detail
            case phoneNumberID = "phone_number_id"
        }
    }

    /// The events in a transition, each with its detail.
    static func events(in transition: Transition) -> [(kind: EventSink.Kind, node: String?, detail: [String: String])] {
        transition.trace.compactMap { event in
            switch event {
            case .handoffStarted(let node, let queue): (.handoffRequested, node, queue.map { ["queue": $0] } ?? [:])
            case .released(let node, let next): (.handoffReleased, node, ["next": next])
            case .windowClosing(let closes): (.windowClosing, nil, ["closes_at": closes.description])
            case .windowExpired(let closed): (.windowExpired, nil, ["closed_at": closed.description])
            case .messageReceived(let type, let summary, let sentAt):
                (.messageReceived, nil, ["type": type, "text": summary, "sent_at": sentAt.description])
            case .flowEnded: (.flowFinished, nil, [:])
            case .messageSent(let record) where record.category != nil:
                (
                    .templateSent, record.node,
                    ["template": record.template ?? "", "category": record.category ?? "", "purpose": record.purpose.rawValue]
                )
            default: nil
            }
        }
    }

    static func messages(
        for transition: Transition,
        contact: ContactKey,
        window: SessionWindow,
        sinks: [EventSink],
        now: Timestamp
    ) throws -> [Commit.NewMessage] {
        guard !sinks.isEmpty else { return [] }
        var messages: [Commit.NewMessage] = []
        let state = transition.state
        for (kind, node, detail) in events(in: transition) {
            for (index, sink) in sinks.enumerated() where sink.events.contains(kind) {
                let id = UUID().uuidString.lowercased()
                let body = Body(
                    id: id,
                    event: kind.rawValue,
                    at: now.description,
                    phoneNumberID: contact.phoneNumberID,
                    contact: Body.Contact(waID: contact.contactID, name: state.contact.name),
                    flow: state.flow,
                    node: node ?? state.position?.node ?? state.handoff?.node,
                    window: Body.Window(open: window.isOpen(state, at: now), closesAt: window.closesAt(state)?.description),
                    detail: detail
                )
                messages.append(
                    Commit.NewMessage(
                        contact: ContactKey(phoneNumberID: EventSink.number(forSink: index), contactID: contact.description),
                        ref: "event-" + id,
                        body: Array(try body.jsonData())
                    )
                )
            }
        }
        return messages
    }
}
