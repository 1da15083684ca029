/// The variables every flow can read without setting them: the one list the validator and the
/// engine both use (the engine's lookup switches over it, so a new one cannot be half added).
public enum BuiltInVariable: String, CaseIterable, Sendable {
    case contactName = "contact.name"
    case contactWaID = "contact.wa_id"
    case contactUserID = "contact.user_id"
    case contactID = "contact.id"
    case replyID = "reply.id"
    case replyTitle = "reply.title"
    case replyText = "reply.text"
    case replyType = "reply.type"
    case now

    /// When a value is sure to be there, surest first.
    public enum Availability: Int, Comparable, Sendable {
        /// Always, even for a business-initiated start (`contact.id`, `now`).
        case always
        /// Once the contact has written: the profile the webhook carries.
        case afterMessage
        /// Only after a reply, and only what that reply had.
        case afterReply

        public static func < (a: Availability, b: Availability) -> Bool { a.rawValue < b.rawValue }
    }

    public var availability: Availability {
        switch self {
        case .contactID, .now: .always
        case .contactName, .contactWaID, .contactUserID: .afterMessage
        case .replyID, .replyTitle, .replyText, .replyType: .afterReply
        }
    }

    /// The names available at least as surely as `availability`.
    public static func names(availableBy availability: Availability) -> Set<String> {
        Set(allCases.filter { $0.availability <= availability }.map(\.rawValue))
    }
}
