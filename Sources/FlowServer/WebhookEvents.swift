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
        /// `at` is the status's own time, when the webhook gave a readable one.
        case status(wamid: String, DeliveryStatus.State, [DeliveryStatus.Failure], at: Timestamp?)
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
    /// Where in the notification a part sits, for pulling it out as a dead letter.
    enum Step: Sendable, Equatable {
        case key(String)
        case index(Int)
    }

    /// A part of a notification Flowgate could not act on: kept as a dead letter, never dropped.
    struct Rejected: Sendable {
        var reason: String
        var path: [Step]
    }

    /// What a notification holds.
    struct Reading: Sendable {
        var items: [Incoming] = []
        /// Message types Flowgate does not know (the engine sees them as `other`).
        var unknownTypes: [String] = []
        /// Pricing categories of billable statuses, for the billing metric.
        var billable: [String] = []
        /// Status values Flowgate does not act on (counted and logged).
        var unknownStatuses: [String] = []
        var rejected: [Rejected] = []
    }

    static func incoming(from notification: WebhookNotification) -> Reading {
        var reading = Reading()
        for (e, entry) in notification.entry.enumerated() {
            let entryPath: [Step] = [.key("entry"), .index(e)]
            guard let entry = entry.value else {
                reading.rejected.append(Rejected(reason: "entry: \(entry.failure ?? "")", path: entryPath))
                continue
            }
            for (c, change) in entry.changes.enumerated() {
                let changePath = entryPath + [.key("changes"), .index(c)]
                guard let change = change.value else {
                    reading.rejected.append(Rejected(reason: "change: \(change.failure ?? "")", path: changePath))
                    continue
                }
                guard change.field == "messages" else { continue }
                read(change.value, at: changePath + [.key("value")], into: &reading)
            }
        }
        return reading
    }

    private static func read(_ value: WebhookNotification.Value, at path: [Step], into reading: inout Reading) {
        let hasContent = !(value.messages ?? []).isEmpty || !(value.statuses ?? []).isEmpty
        guard let number = value.metadata?.phoneNumberID, !number.isEmpty else {
            if hasContent { reading.rejected.append(Rejected(reason: "no metadata.phone_number_id: the business number is unknown", path: path)) }
            return
        }
        let contacts = (value.contacts ?? []).compactMap(\.value)
        for (m, message) in (value.messages ?? []).enumerated() {
            let messagePath = path + [.key("messages"), .index(m)]
            guard let message = message.value else {
                reading.rejected.append(Rejected(reason: "message: \(message.failure ?? "")", path: messagePath))
                continue
            }
            let waID = message.from.flatMap { $0.isEmpty ? nil : $0 }
            let profile =
                contacts.first { ($0.waID.map { !$0.isEmpty && $0 == waID } ?? false) || ($0.userID != nil && $0.userID == message.fromUserID) }
                ?? (contacts.count == 1 ? contacts.first : nil)
            let identity = ContactIdentity(
                waID: waID ?? profile?.waID,
                userID: message.fromUserID ?? profile?.userID,
                name: profile?.profile?.name
            )
            guard !identity.id.isEmpty else {
                reading.rejected.append(
                    Rejected(reason: "message \(message.id) names no sender (no from, from_user_id or contact)", path: messagePath)
                )
                continue
            }
            let inbound = InboundMessage(webhook: message, profileName: profile?.profile?.name)
            if case .other(let type) = inbound.content { reading.unknownTypes.append(type) }
            reading.items.append(
                Incoming(
                    contact: ContactKey(phoneNumberID: number, contactID: identity.id),
                    identity: identity,
                    kind: .event(.inbound(inbound)),
                    dedupeID: message.id
                )
            )
        }
        for (s, status) in (value.statuses ?? []).enumerated() {
            let statusPath = path + [.key("statuses"), .index(s)]
            guard let status = status.value else {
                reading.rejected.append(Rejected(reason: "status: \(status.failure ?? "")", path: statusPath))
                continue
            }
            if status.pricing?.billable == true { reading.billable.append(status.pricing?.category ?? "unknown") }
            guard let state = DeliveryStatus.State(rawValue: status.status) else {
                reading.unknownStatuses.append(status.status)
                continue
            }
            let recipient = [status.recipientID, status.recipientUserID].compactMap { $0 }.first { !$0.isEmpty } ?? ""
            let errors = (status.errors ?? []).map { DeliveryStatus.Failure(code: $0.code, title: $0.title ?? $0.message ?? "") }
            reading.items.append(
                Incoming(
                    contact: ContactKey(phoneNumberID: number, contactID: recipient),
                    identity: nil,
                    kind: .status(wamid: status.id, state, errors, at: status.timestamp.flatMap(InboundMessage.sentAt)),
                    dedupeID: nil
                )
            )
        }
    }
}
