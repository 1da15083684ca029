import FlowModel

/// The variables a text or condition can read: the contact's fields, the last reply, saved
/// values, and the time.
struct VariableScope {
    let contact: ContactIdentity
    let reply: ContactState.Reply?
    let variables: [String: String]
    let now: Timestamp

    func lookup(_ name: String) -> String? {
        switch name {
        case "contact.name": contact.name
        case "contact.wa_id": contact.waID
        case "contact.user_id": contact.userID
        case "contact.id": contact.id
        case "reply.id": reply?.id
        case "reply.title": reply?.title
        case "reply.text": reply?.text
        case "reply.type": reply?.type
        case "now": now.description
        default: variables[name]
        }
    }
}
