/// The `template` object: an approved template by name and language, with its parameters.
public struct TemplateObject: Codable, Hashable, Sendable {
    public struct Language: Codable, Hashable, Sendable {
        public var code: String
    }

    public struct Parameter: Codable, Hashable, Sendable {
        public var type: String
        public var text: String?
        public var payload: String?
        public var image: MediaObject?
        public var video: MediaObject?
        public var document: MediaObject?

        public static func text(_ text: String) -> Parameter { Parameter(type: "text", text: text) }
        public static func payload(_ payload: String) -> Parameter { Parameter(type: "payload", payload: payload) }

        public static func media(_ kind: String, link: String) -> Parameter {
            var parameter = Parameter(type: kind)
            let media = MediaObject(link: link)
            switch kind {
            case "image": parameter.image = media
            case "video": parameter.video = media
            default: parameter.document = media
            }
            return parameter
        }
    }

    public struct Component: Codable, Hashable, Sendable {
        public var type: String
        public var subType: String?
        public var index: String?
        public var parameters: [Parameter]

        enum CodingKeys: String, CodingKey {
            case type
            case subType = "sub_type"
            case index, parameters
        }

        public init(type: String, subType: String? = nil, index: Int? = nil, parameters: [Parameter]) {
            self.type = type
            self.subType = subType
            self.index = index.map(String.init)
            self.parameters = parameters
        }
    }

    public var name: String
    public var language: Language
    public var components: [Component]?

    public init(name: String, languageCode: String, components: [Component]) {
        self.name = name
        language = Language(code: languageCode)
        self.components = components.isEmpty ? nil : components
    }
}
