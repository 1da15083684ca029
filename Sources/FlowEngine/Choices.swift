import FlowModel

/// How a customer message picks one of a `buttons` or `list` node's choices: a tap by id, a typed
/// title (ignoring case, accents and surrounding spaces), or its number.
struct Choices {
    struct Choice {
        var id: String
        var title: String
        var target: String?
    }

    let node: FlowNode
    let lookup: (String) -> String?

    private var items: [(id: String, title: TextTemplate, target: Target?)] {
        switch node.step {
        case .buttons(let buttons): buttons.options.map { ($0.id.value, $0.title, $0.target) }
        case .list(let list): list.rows.map { ($0.id.value, $0.title, $0.target) }
        default: []
        }
    }

    func match(_ content: InboundMessage.Content) -> Choice? {
        let items = items
        let index: Int?
        switch content {
        case .buttonReply(let id, _), .listReply(let id, _, _):
            index = items.firstIndex { $0.id == id }
        case .text(let text):
            let typed = text.foldedForMatching
            if let number = Int(typed), items.indices.contains(number - 1) {
                index = number - 1
            } else {
                index = items.firstIndex { $0.title.render(lookup).foldedForMatching == typed }
            }
        default:
            index = nil
        }
        guard let index else { return nil }
        let item = items[index]
        return Choice(id: item.id, title: item.title.render(lookup), target: item.target?.name ?? node.next?.name)
    }
}
