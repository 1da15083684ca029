import FlowModel
import WhatsAppCloud

/// Turns a node into the exact Cloud API payload, with variables filled in.
///
/// It never emits a payload WhatsApp would reject for length: a field that interpolation pushes
/// past its limit (from ``WhatsAppLimits``) is shortened to fit and ends with `…`, and a warning
/// says so.
struct MessageRenderer {
    let flow: Flow
    let to: String
    let lookup: (String) -> String?
    private(set) var warnings: [String] = []

    init(flow: Flow, to: String, lookup: @escaping (String) -> String?) {
        self.flow = flow
        self.to = to
        self.lookup = lookup
    }

    struct Rendered {
        var payload: OutboundMessage
        /// The template's category, for templates.
        var category: String?
    }

    /// The node's payload, as its step kind renders it.
    mutating func render(_ node: FlowNode) -> Rendered? {
        node.step.behavior.render(node, with: &self)
    }

    /// A rendered payload; `category` for a template.
    func rendered(_ payload: OutboundMessage, category: String? = nil) -> Rendered {
        Rendered(payload: payload, category: category)
    }

    mutating func header(_ header: InteractiveHeader?) -> InteractiveObject.Header? {
        switch header {
        case .text(let text): .text(fit(text, WhatsAppLimits.headerText, "header"))
        case .media(let kind, let source): .media(kind.rawValue, mediaObject(source))
        case nil: nil
        }
    }

    func mediaObject(_ source: MediaSource) -> MediaObject {
        switch source {
        case .link(let link): MediaObject(link: link.render(lookup))
        case .id(let id): MediaObject(id: id.render(lookup))
        }
    }

    mutating func fit(_ text: TextTemplate, _ limit: Int, _ field: String) -> String {
        fit(text.render(lookup), limit, field)
    }

    /// Shortens `text` to `limit` UTF-16 units, ending with `…`, without splitting a character.
    mutating func fit(_ text: String, _ limit: Int, _ field: String) -> String {
        guard text.utf16.count > limit else { return text }
        var result = ""
        var used = 0
        for character in text {
            let size = character.utf16.count
            if used + size > limit - 1 { break }
            result.append(character)
            used += size
        }
        result += "…"
        warnings.append("\(field) was \(text.utf16.count) characters after filling in variables; shortened to \(limit) to fit WhatsApp's limit")
        return result
    }
}
