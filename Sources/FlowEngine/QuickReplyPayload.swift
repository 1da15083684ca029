import FlowModel
import WhatsAppCloud

/// The payload Flowgate puts on a template's quick-reply buttons: it names the template node and
/// the button's label (`fg1:<node>:<label>`), so a tap routes even on an older template after the
/// flow has moved on. Taps carrying any other payload are matched by their label as before.
public struct QuickReplyPayload: Hashable, Sendable {
    static let prefix = "fg1:"

    /// The template node that sent the button.
    public var node: String
    /// The button's label.
    public var label: String

    public static func make(node: String, label: String) -> String {
        prefix + node + ":" + label
    }

    /// The node and label a payload names, or nil for a payload Flowgate did not make.
    public static func parse(_ payload: String) -> QuickReplyPayload? {
        guard payload.hasPrefix(prefix) else { return nil }
        let rest = payload.dropFirst(prefix.count)
        guard let colon = rest.firstIndex(of: ":") else { return nil }
        let node = String(rest[..<colon])
        guard !node.isEmpty else { return nil }
        return QuickReplyPayload(node: node, label: String(rest[rest.index(after: colon)...]))
    }

    /// The label a tap carries: from Flowgate's payload, else the payload itself.
    public static func label(_ payload: String) -> String {
        parse(payload)?.label ?? payload
    }
}

extension TemplateDefinition {
    /// The template sent from `node` with `components`, and a payload naming `node` on each of its
    /// quick-reply buttons: the flow's template steps and a person's templates at the desk alike.
    func object(sentFrom node: String, components: [TemplateObject.Component]) -> TemplateObject {
        var components = components
        for (index, button) in buttons.enumerated() {
            if case .quickReply(let label) = button {
                let payload = QuickReplyPayload.make(node: node, label: label.value)
                components.append(.init(type: "button", subType: "quick_reply", index: index, parameters: [.payload(payload)]))
            }
        }
        return TemplateObject(name: name.value, languageCode: language, components: components)
    }
}
