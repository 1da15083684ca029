import FlowModel

/// The choices a waiting `buttons` or `list` node offers, and how a customer message picks one:
/// a tap by id, a typed title (ignoring case, accents and surrounding spaces), or its number.
struct Choices {
    struct Choice {
        var id: String
        var title: String
        var target: String?
    }

    let options: [Choice]

    init(node: FlowNode, lookup: (String) -> String?) {
        let fallback = node.next?.name
        switch node.step {
        case .buttons(let buttons):
            options = buttons.options.map { Choice(id: $0.id.value, title: $0.title.render(lookup), target: $0.target?.name ?? fallback) }
        case .list(let list):
            options = list.rows.map { Choice(id: $0.id.value, title: $0.title.render(lookup), target: $0.target?.name ?? fallback) }
        default:
            options = []
        }
    }

    func match(_ content: InboundMessage.Content) -> Choice? {
        switch content {
        case .buttonReply(let id, _), .listReply(let id, _, _):
            return options.first { $0.id == id }
        case .text(let text):
            let typed = text.foldedForMatching
            if let number = Int(typed), options.indices.contains(number - 1) { return options[number - 1] }
            return options.first { $0.title.foldedForMatching == typed }
        default:
            return nil
        }
    }
}
