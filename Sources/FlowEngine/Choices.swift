import FlowModel

/// How a customer message picks one of a node's choices (``Step/choiceOptions``: buttons, list rows): a tap by id, a typed
/// title (ignoring case, accents and surrounding spaces), or its number.
struct Choices {
    struct Choice {
        var id: String
        var title: String
        var target: String?
    }

    let node: FlowNode
    let lookup: (String) -> String?

    func match(_ content: InboundMessage.Content) -> Choice? {
        let items = node.step.choiceOptions
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
