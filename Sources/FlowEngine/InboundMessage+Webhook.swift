import FlowModel
import WhatsAppCloud

extension InboundMessage {
    /// A webhook message as the engine reads it. Pure, and total: every field from the wire is
    /// read without trapping (a timestamp out of range is treated as missing, so the arrival
    /// time counts).
    public init(webhook message: WebhookNotification.Message, profileName: String?) {
        self.init(
            id: message.id,
            sentAt: message.timestamp.flatMap(Self.sentAt),
            profileName: profileName,
            content: Self.content(of: message)
        )
    }

    /// The webhook's `timestamp` (seconds since 1970, as text), if it is a time in years 0000-9999.
    public static func sentAt(_ seconds: String) -> Timestamp? {
        guard let value = Int64(seconds) else { return nil }
        let (milliseconds, overflow) = value.multipliedReportingOverflow(by: 1000)
        let time = Timestamp(millisecondsSince1970: milliseconds)
        return !overflow && time.isInRange ? time : nil
    }

    /// What the message carries; types Flowgate does not know arrive as `.other(type)`.
    public static func content(of message: WebhookNotification.Message) -> Content {
        func media(_ kind: MediaKind, _ object: WebhookNotification.Message.Media?) -> Content {
            .media(kind: kind, id: object?.id ?? "", caption: object?.caption, filename: object?.filename, voice: object?.voice ?? false)
        }
        switch message.type {
        case "text": return .text(message.text?.body ?? "")
        case "interactive":
            if let reply = message.interactive?.buttonReply { return .buttonReply(id: reply.id, title: reply.title) }
            if let reply = message.interactive?.listReply { return .listReply(id: reply.id, title: reply.title, description: reply.description) }
            return .other(type: "interactive.\(message.interactive?.type ?? "unknown")")
        case "button": return .quickReply(payload: message.button?.payload ?? message.button?.text ?? "", text: message.button?.text ?? "")
        case "image": return media(.image, message.image)
        case "video": return media(.video, message.video)
        case "audio", "voice": return media(.audio, message.audio)
        case "document": return media(.document, message.document)
        case "sticker": return media(.sticker, message.sticker)
        case "location":
            guard let location = message.location, location.latitude.isFinite, location.longitude.isFinite else { return .other(type: "location") }
            return .location(latitude: location.latitude, longitude: location.longitude, name: location.name, address: location.address)
        case "contacts":
            return .contacts((message.contacts ?? []).map { .init(name: $0.name?.formattedName ?? "", phone: $0.phones?.first?.phone) })
        case "reaction":
            return .reaction(messageID: message.reaction?.messageID ?? "", emoji: message.reaction?.emoji ?? "")
        default:
            return .other(type: message.type)
        }
    }
}
