import FlowModel

/// The variables a text or condition can read: the contact's fields, the last reply, saved
/// values, and the time.
struct VariableScope {
    let contact: ContactIdentity
    let reply: ContactState.Reply?
    let variables: [String: String]
    let now: Timestamp

    func lookup(_ name: String) -> String? {
        guard let builtIn = BuiltInVariable(rawValue: name) else { return variables[name] }
        switch builtIn {
        case .contactName: return contact.name
        case .contactWaID: return contact.waID
        case .contactUserID: return contact.userID
        case .contactID: return contact.id
        case .replyID: return reply?.id
        case .replyTitle: return reply?.title
        case .replyText: return reply?.text
        case .replyType: return reply?.type
        case .now: return now.description
        }
    }
}
