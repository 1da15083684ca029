/// One send request body for `POST /{version}/{phone_number_id}/messages`, exactly as the Cloud API
/// takes it: encode it with ``jsonData()`` and the bytes are the request body.
///
/// Exactly one of the type objects is set, and `type` names it.
public struct OutboundMessage: Codable, Hashable, Sendable {
    public var messagingProduct = "whatsapp"
    public var recipientType = "individual"
    /// The recipient: a WhatsApp id (phone number) or, for username contacts, the business-scoped user id.
    public var to: String
    public var type: MessageType
    public var text: TextObject?
    public var image: MediaObject?
    public var video: MediaObject?
    public var audio: MediaObject?
    public var document: MediaObject?
    public var sticker: MediaObject?
    public var location: LocationObject?
    public var contacts: [ContactObject]?
    public var interactive: InteractiveObject?
    public var template: TemplateObject?
    public var context: ContextObject?

    public enum MessageType: String, Codable, Hashable, Sendable {
        case text, image, video, audio, document, sticker, location, contacts, interactive, template
    }

    enum CodingKeys: String, CodingKey {
        case messagingProduct = "messaging_product"
        case recipientType = "recipient_type"
        case to, type, text, image, video, audio, document, sticker, location, contacts, interactive, template, context
    }

    public init(to: String, text: TextObject) {
        self.to = to
        type = .text
        self.text = text
    }

    public init(to: String, media: MediaObject, kind: MessageType) {
        self.to = to
        type = kind
        switch kind {
        case .image: image = media
        case .video: video = media
        case .audio: audio = media
        case .document: document = media
        default: sticker = media
        }
    }

    public init(to: String, location: LocationObject) {
        self.to = to
        type = .location
        self.location = location
    }

    public init(to: String, contacts: [ContactObject]) {
        self.to = to
        type = .contacts
        self.contacts = contacts
    }

    public init(to: String, interactive: InteractiveObject) {
        self.to = to
        type = .interactive
        self.interactive = interactive
    }

    public init(to: String, template: TemplateObject) {
        self.to = to
        type = .template
        self.template = template
    }

    /// Template messages may be sent at any time; every other type needs an open customer
    /// service window.
    public var isTemplate: Bool { type == .template }
}

public struct TextObject: Codable, Hashable, Sendable {
    public var body: String
    public var previewURL: Bool?

    enum CodingKeys: String, CodingKey {
        case body
        case previewURL = "preview_url"
    }

    public init(body: String, previewURL: Bool? = nil) {
        self.body = body
        self.previewURL = previewURL
    }
}

/// Media by uploaded `id` or public `link`.
public struct MediaObject: Codable, Hashable, Sendable {
    public var id: String?
    public var link: String?
    public var caption: String?
    public var filename: String?

    public init(id: String? = nil, link: String? = nil, caption: String? = nil, filename: String? = nil) {
        self.id = id
        self.link = link
        self.caption = caption
        self.filename = filename
    }
}

public struct LocationObject: Codable, Hashable, Sendable {
    public var latitude: Double
    public var longitude: Double
    public var name: String?
    public var address: String?

    public init(latitude: Double, longitude: Double, name: String? = nil, address: String? = nil) {
        self.latitude = latitude
        self.longitude = longitude
        self.name = name
        self.address = address
    }
}

public struct ContextObject: Codable, Hashable, Sendable {
    public var messageID: String

    enum CodingKeys: String, CodingKey { case messageID = "message_id" }

    public init(messageID: String) { self.messageID = messageID }
}
