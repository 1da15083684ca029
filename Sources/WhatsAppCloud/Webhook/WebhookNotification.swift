import Foundation

/// A WhatsApp Cloud API webhook notification (`POST` body), as far as Flowgate reads it.
///
/// Decoding is lenient where the platform is: unknown fields are ignored, unknown message types
/// keep their `type` name, and every object the platform may leave out is optional.
public struct WebhookNotification: Decodable, Sendable {
    public var object: String?
    public var entry: [Lossy<Entry>]

    public struct Entry: Decodable, Sendable {
        public var id: String?
        public var changes: [Lossy<Change>]
    }

    public struct Change: Decodable, Sendable {
        public var field: String
        public var value: Value
    }

    public struct Value: Decodable, Sendable {
        public var messagingProduct: String?
        public var metadata: Metadata?
        public var contacts: [Lossy<Contact>]?
        public var messages: [Lossy<Message>]?
        public var statuses: [Lossy<Status>]?

        enum CodingKeys: String, CodingKey {
            case messagingProduct = "messaging_product"
            case metadata, contacts, messages, statuses
        }
    }

    public struct Metadata: Decodable, Sendable {
        public var displayPhoneNumber: String?
        public var phoneNumberID: String

        enum CodingKeys: String, CodingKey {
            case displayPhoneNumber = "display_phone_number"
            case phoneNumberID = "phone_number_id"
        }
    }

    public struct Contact: Decodable, Sendable {
        public struct Profile: Decodable, Sendable { public var name: String? }
        public var profile: Profile?
        /// Empty for some username contacts (from 2026); `userID` then identifies them.
        public var waID: String?
        public var userID: String?

        enum CodingKeys: String, CodingKey {
            case profile
            case waID = "wa_id"
            case userID = "user_id"
        }
    }

    public struct Message: Decodable, Sendable {
        public var from: String?
        public var fromUserID: String?
        public var id: String
        /// Seconds since 1970, as a string.
        public var timestamp: String?
        public var type: String
        public var text: Text?
        public var interactive: Interactive?
        public var button: Button?
        public var image: Media?
        public var video: Media?
        public var audio: Media?
        public var document: Media?
        public var sticker: Media?
        public var location: Location?
        public var contacts: [SharedContact]?
        public var reaction: Reaction?
        public var context: Context?

        enum CodingKeys: String, CodingKey {
            case from
            case fromUserID = "from_user_id"
            case id, timestamp, type, text, interactive, button, image, video, audio, document, sticker, location, contacts, reaction, context
        }

        public struct Text: Decodable, Sendable { public var body: String }

        public struct Interactive: Decodable, Sendable {
            public struct Reply: Decodable, Sendable {
                public var id: String
                public var title: String
                public var description: String?
            }
            public var type: String
            public var buttonReply: Reply?
            public var listReply: Reply?

            enum CodingKeys: String, CodingKey {
                case type
                case buttonReply = "button_reply"
                case listReply = "list_reply"
            }
        }

        /// A template quick-reply tap.
        public struct Button: Decodable, Sendable {
            public var payload: String?
            public var text: String?
        }

        public struct Media: Decodable, Sendable {
            public var id: String?
            public var mimeType: String?
            public var caption: String?
            public var filename: String?
            public var voice: Bool?

            enum CodingKeys: String, CodingKey {
                case id
                case mimeType = "mime_type"
                case caption, filename, voice
            }
        }

        public struct Location: Decodable, Sendable {
            public var latitude: Double
            public var longitude: Double
            public var name: String?
            public var address: String?
        }

        public struct SharedContact: Decodable, Sendable {
            public struct Name: Decodable, Sendable {
                public var formattedName: String?
                enum CodingKeys: String, CodingKey { case formattedName = "formatted_name" }
            }
            public struct Phone: Decodable, Sendable { public var phone: String? }
            public var name: Name?
            public var phones: [Phone]?
        }

        public struct Reaction: Decodable, Sendable {
            public var messageID: String?
            /// Empty or missing when the customer removed the reaction.
            public var emoji: String?
            enum CodingKeys: String, CodingKey {
                case messageID = "message_id"
                case emoji
            }
        }

        public struct Context: Decodable, Sendable {
            public var from: String?
            public var id: String?
        }
    }

    public struct Status: Decodable, Sendable {
        public struct Failure: Decodable, Sendable {
            public var code: Int
            public var title: String?
            public var message: String?
        }

        /// The `wamid` of the message the status is about.
        public var id: String
        /// sent, delivered, read, played or failed.
        public var status: String
        public var timestamp: String?
        public var recipientID: String?
        public var recipientUserID: String?
        public var errors: [Failure]?
        /// How WhatsApp prices the message (since July 2025: per delivered template, by category).
        public var pricing: Pricing?

        public struct Pricing: Decodable, Sendable {
            public var billable: Bool?
            public var pricingModel: String?
            public var category: String?
            public var type: String?

            enum CodingKeys: String, CodingKey {
                case billable, category, type
                case pricingModel = "pricing_model"
            }
        }

        enum CodingKeys: String, CodingKey {
            case id, status, timestamp, errors, pricing
            case recipientID = "recipient_id"
            case recipientUserID = "recipient_user_id"
        }
    }
}

extension WebhookNotification {
    /// Decodes a notification body. A lone `\ud800` escape is valid JSON that Foundation refuses,
    /// and since each message decodes on its own it would cost only that message: such escapes
    /// become U+FFFD in `body` first (only a body with a backslash is looked at), and the message
    /// is kept.
    public static func decode(_ body: inout Data) throws -> WebhookNotification {
        // Searched as raw bytes: `Data`'s own iterator costs about 30 instructions a byte.
        if body.withUnsafeBytes({ $0.contains(0x5C) }) { body = Data(JSONRepair.replacingLoneSurrogates(Array(body))) }
        return try JSONDecoder().decode(WebhookNotification.self, from: body)
    }
}

extension WebhookNotification.Message {
    /// Reads what every message has, then only the content object its `type` names. A message
    /// carries exactly one, and asking the decoder for each of the others costs it thousands of
    /// instructions a message for nothing. A voice note's object is `audio`.
    public init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        from = try values.decodeIfPresent(String.self, forKey: .from)
        fromUserID = try values.decodeIfPresent(String.self, forKey: .fromUserID)
        id = try values.decode(String.self, forKey: .id)
        timestamp = try values.decodeIfPresent(String.self, forKey: .timestamp)
        type = try values.decode(String.self, forKey: .type)
        context = try values.decodeIfPresent(Context.self, forKey: .context)
        switch type {
        case "text": text = try values.decodeIfPresent(Text.self, forKey: .text)
        case "interactive": interactive = try values.decodeIfPresent(Interactive.self, forKey: .interactive)
        case "button": button = try values.decodeIfPresent(Button.self, forKey: .button)
        case "image": image = try values.decodeIfPresent(Media.self, forKey: .image)
        case "video": video = try values.decodeIfPresent(Media.self, forKey: .video)
        case "audio", "voice": audio = try values.decodeIfPresent(Media.self, forKey: .audio)
        case "document": document = try values.decodeIfPresent(Media.self, forKey: .document)
        case "sticker": sticker = try values.decodeIfPresent(Media.self, forKey: .sticker)
        case "location": location = try values.decodeIfPresent(Location.self, forKey: .location)
        case "contacts": contacts = try values.decodeIfPresent([SharedContact].self, forKey: .contacts)
        case "reaction": reaction = try values.decodeIfPresent(Reaction.self, forKey: .reaction)
        default: break
        }
    }
}
