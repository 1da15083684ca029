import WhatsAppCloud
import Yams

/// `contacts:`: sends one to five contact cards.
///
/// ```yaml
/// contacts:
///   - { name: Acme Support, phones: ["+31 20 123 4567"], emails: [help@acme.example] }
/// ```
public struct ContactsStep: Hashable, Sendable {
    public struct Card: Hashable, Sendable {
        public var name: String
        public var firstName: String?
        public var lastName: String?
        public var organization: String?
        public var phones: [String]
        public var emails: [String]
        public var urls: [String]
    }

    public var cards: [Card]
    public var location: SourceLocation

    static func read(key: String, value: Yams.Node, node: MappingReader, flow: FlowContext) -> ContactsStep? {
        let context = node.context
        guard let items = context.list(value, "'contacts'") else { return nil }
        let cards = items.compactMap { item -> Card? in
            guard let reader = context.mapping(item, "a contact card") else { return nil }
            let name = reader.string("name", required: true, hint: "the name shown on the card, e.g. `name: Acme Support`")
            let card = Card(
                name: name?.value ?? "",
                firstName: reader.string("first_name")?.value,
                lastName: reader.string("last_name")?.value,
                organization: reader.string("organization")?.value,
                phones: reader.strings("phones")?.map(\.value) ?? [],
                emails: reader.strings("emails")?.map(\.value) ?? [],
                urls: reader.strings("urls")?.map(\.value) ?? []
            )
            reader.reportUnknownKeys(in: "a contact card")
            if card.phones.isEmpty, card.emails.isEmpty {
                context.warning(
                    .invalidValue,
                    "this contact card has no phone and no email",
                    hint: "add `phones: [\"+…\"]` so the customer can reach the contact",
                    at: item
                )
            }
            return name == nil ? nil : card
        }
        return ContactsStep(cards: cards, location: context.location(of: value))
    }

    func checkLimits(_ check: inout LimitCheck, in flow: Flow) {
        check.count(
            cards.count,
            in: 1...WhatsAppLimits.contactsPerMessage,
            rule: .contactsCount,
            what: "contact cards",
            at: location
        )
    }
}

extension ContactsStep: StepKind {
    static let keys = ["contacts"]
    var step: Step { .contacts(self) }
    var isFreeForm: Bool { true }
}
