import FlowEngine
import FlowModel
import FlowStore
import WhatsAppCloud

/// One thing for one contact, read from a webhook (or made by the server itself).
struct Incoming: Sendable {
    enum Kind: Sendable {
        /// Something the engine handles as it is.
        case event(Event)
        /// A delivery status, by WhatsApp's message id; the engine's reference is looked up.
        case status(wamid: String, DeliveryStatus.State, [DeliveryStatus.Failure])
    }

    var contact: ContactKey
    /// Who the contact is, from the webhook's `contacts` (name, wa_id, user_id).
    var identity: ContactIdentity?
    var kind: Kind
    /// The inbound message id, for deduplication.
    var dedupeID: String?
}

/// Turns a notification into per-contact work, in the order the platform listed it.
enum WebhookEvents {
    /// The work, the message types Flowgate does not know, and the pricing categories of
    /// billable statuses (for the billing metric).
    static func incoming(from notification: WebhookNotification) -> (items: [Incoming], unknownTypes: [String], billable: [String]) {
        var items: [Incoming] = []
        var unknown: [String] = []
        var billable: [String] = []
        for entry in notification.entry {
            for change in entry.changes where change.field == "messages" {
                let value = change.value
                guard let number = value.metadata?.phoneNumberID else { continue }
                let contacts = value.contacts ?? []
                for message in value.messages ?? [] {
                    let waID = message.from.flatMap { $0.isEmpty ? nil : $0 }
                    let profile = contacts.first { ($0.waID.map { !$0.isEmpty && $0 == waID } ?? false) || ($0.userID != nil && $0.userID == message.fromUserID) }
                        ?? (contacts.count == 1 ? contacts.first : nil)
                    let identity = ContactIdentity(waID: waID ?? profile?.waID, userID: message.fromUserID ?? profile?.userID,
                                                   name: profile?.profile?.name)
                    guard !identity.id.isEmpty else { continue }
                    let inbound = InboundMessage(webhook: message, profileName: profile?.profile?.name)
                    if case .other(let type) = inbound.content { unknown.append(type) }
                    items.append(Incoming(contact: ContactKey(phoneNumberID: number, contactID: identity.id), identity: identity,
                                          kind: .event(.inbound(inbound)), dedupeID: message.id))
                }
                for status in value.statuses ?? [] {
                    if status.pricing?.billable == true { billable.append(status.pricing?.category ?? "unknown") }
                    guard let state = DeliveryStatus.State(rawValue: status.status) else { continue }
                    let recipient = [status.recipientID, status.recipientUserID].compactMap { $0 }.first { !$0.isEmpty } ?? ""
                    let errors = (status.errors ?? []).map { DeliveryStatus.Failure(code: $0.code, title: $0.title ?? $0.message ?? "") }
                    items.append(Incoming(contact: ContactKey(phoneNumberID: number, contactID: recipient), identity: nil,
                                          kind: .status(wamid: status.id, state, errors), dedupeID: nil))
                }
            }
        }
        return (items, unknown, billable)
    }
}
