/// A contact card in an outbound `contacts` message.
public struct ContactObject: Codable, Hashable, Sendable {
    public struct Name: Codable, Hashable, Sendable {
        public var formattedName: String
        public var firstName: String?
        public var lastName: String?

        enum CodingKeys: String, CodingKey {
            case formattedName = "formatted_name"
            case firstName = "first_name"
            case lastName = "last_name"
        }
    }

    public struct Phone: Codable, Hashable, Sendable {
        public var phone: String
        public var type: String?
    }

    public struct Email: Codable, Hashable, Sendable {
        public var email: String
        public var type: String?
    }

    public struct URL: Codable, Hashable, Sendable {
        public var url: String
        public var type: String?
    }

    public struct Org: Codable, Hashable, Sendable {
        public var company: String
    }

    public var name: Name
    public var phones: [Phone]?
    public var emails: [Email]?
    public var urls: [URL]?
    public var org: Org?

    public init(
        formattedName: String,
        firstName: String?,
        lastName: String?,
        organization: String?,
        phones: [String],
        emails: [String],
        urls: [String]
    ) {
        name = Name(formattedName: formattedName, firstName: firstName, lastName: lastName)
        self.phones = phones.isEmpty ? nil : phones.map { Phone(phone: $0, type: "WORK") }
        self.emails = emails.isEmpty ? nil : emails.map { Email(email: $0, type: "WORK") }
        self.urls = urls.isEmpty ? nil : urls.map { URL(url: $0, type: "WORK") }
        org = organization.map(Org.init)
    }
}
