/// The `interactive` object: reply buttons, a list, a CTA URL button or a location request.
public struct InteractiveObject: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Hashable, Sendable {
        case button
        case list
        case ctaURL = "cta_url"
        case locationRequest = "location_request_message"
    }

    public struct Header: Codable, Hashable, Sendable {
        public var type: String
        public var text: String?
        public var image: MediaObject?
        public var video: MediaObject?
        public var document: MediaObject?

        public static func text(_ text: String) -> Header { Header(type: "text", text: text) }

        public static func media(_ kind: String, _ media: MediaObject) -> Header {
            var header = Header(type: kind)
            switch kind {
            case "image": header.image = media
            case "video": header.video = media
            default: header.document = media
            }
            return header
        }
    }

    public struct Body: Codable, Hashable, Sendable {
        public var text: String
    }

    public struct Footer: Codable, Hashable, Sendable {
        public var text: String
    }

    public struct Reply: Codable, Hashable, Sendable {
        public var id: String
        public var title: String
    }

    public struct Button: Codable, Hashable, Sendable {
        public var type = "reply"
        public var reply: Reply

        public init(id: String, title: String) { reply = Reply(id: id, title: title) }
    }

    public struct Row: Codable, Hashable, Sendable {
        public var id: String
        public var title: String
        public var description: String?

        public init(id: String, title: String, description: String?) {
            self.id = id
            self.title = title
            self.description = description
        }
    }

    public struct Section: Codable, Hashable, Sendable {
        public var title: String?
        public var rows: [Row]

        public init(title: String?, rows: [Row]) {
            self.title = title
            self.rows = rows
        }
    }

    public struct Parameters: Codable, Hashable, Sendable {
        public var displayText: String
        public var url: String

        enum CodingKeys: String, CodingKey {
            case displayText = "display_text"
            case url
        }
    }

    public struct Action: Codable, Hashable, Sendable {
        public var buttons: [Button]?
        public var button: String?
        public var sections: [Section]?
        public var name: String?
        public var parameters: Parameters?
    }

    public var type: Kind
    public var header: Header?
    public var body: Body?
    public var footer: Footer?
    public var action: Action

    public static func buttons(header: Header?, body: String, footer: String?, buttons: [Button]) -> InteractiveObject {
        InteractiveObject(
            type: .button,
            header: header,
            body: Body(text: body),
            footer: footer.map(Footer.init),
            action: Action(buttons: buttons)
        )
    }

    public static func list(header: String?, body: String, footer: String?, button: String, sections: [Section]) -> InteractiveObject {
        InteractiveObject(
            type: .list,
            header: header.map(Header.text),
            body: Body(text: body),
            footer: footer.map(Footer.init),
            action: Action(button: button, sections: sections)
        )
    }

    public static func ctaURL(header: Header?, body: String, footer: String?, displayText: String, url: String) -> InteractiveObject {
        InteractiveObject(
            type: .ctaURL,
            header: header,
            body: Body(text: body),
            footer: footer.map(Footer.init),
            action: Action(name: "cta_url", parameters: Parameters(displayText: displayText, url: url))
        )
    }

    public static func locationRequest(body: String) -> InteractiveObject {
        InteractiveObject(type: .locationRequest, body: Body(text: body), action: Action(name: "send_location"))
    }
}
