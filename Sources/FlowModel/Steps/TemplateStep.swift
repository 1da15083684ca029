import Yams

/// `template: order_update`: sends an approved template, the one kind of message allowed when the
/// customer service window is closed.
///
/// A template node waits for the customer when it has `on_reply` or `quick_replies`; otherwise it
/// goes on to `goto` at once. `on_reply: resume` sends the step the session guard blocked.
public struct TemplateStep: Hashable, Sendable {
    /// The parameters, by component. `params: [a, b]` is short for `params: { body: [a, b] }`.
    public struct Parameters: Hashable, Sendable {
        public var header: [TextTemplate] = []
        public var body: [TextTemplate] = []
        /// One value per URL button with a placeholder, in button order.
        public var buttons: [TextTemplate] = []

        var all: [TextTemplate] { header + body + buttons }
    }

    public struct QuickReplyRoute: Hashable, Sendable {
        public var label: Located<String>
        public var target: Target
    }

    /// The key of the template under the flow's `templates:`.
    public var template: Located<String>
    public var params: Parameters
    /// Where any reply leads (`resume`: the blocked step).
    public var onReply: Target?
    /// Where each quick-reply button leads, by its label.
    public var quickReplies: [QuickReplyRoute]

    public var waitsForReply: Bool { onReply != nil || !quickReplies.isEmpty }

    static func read(key: String, value: Yams.Node, node: MappingReader, flow: FlowContext) -> TemplateStep? {
        let context = node.context
        guard let template = context.string(value, "'template'") else { return nil }
        var params = Parameters()
        if let value = node.value("params") {
            if value.sequence != nil {
                params.body = context.list(value, "'params'")?.compactMap { context.text($0, "a parameter") } ?? []
            } else if let reader = context.mapping(value, "'params'") {
                func texts(_ key: String) -> [TextTemplate] {
                    reader.list(key, allowSingle: true)?.compactMap { context.text($0, "a \(key) parameter") } ?? []
                }
                params = Parameters(header: texts("header"), body: texts("body"), buttons: texts("buttons"))
                reader.reportUnknownKeys(in: "template parameters")
            }
        }
        let onReply = node.target("on_reply")
        var routes: [QuickReplyRoute] = []
        if let reader = node.mapping("quick_replies") {
            for (key, value) in reader.namedEntries() {
                if let target = context.string(value, "'\(key.value)'").map(Target.init) {
                    routes.append(QuickReplyRoute(label: key, target: target))
                }
            }
        }
        return TemplateStep(template: template, params: params, onReply: onReply, quickReplies: routes)
    }

    func checkLimits(_ check: inout LimitCheck, in flow: Flow) {
        guard let definition = flow.templates[template.value] else {
            check.diagnostics.append(
                .error(
                    .unknownTemplate,
                    "no template '\(template.value)' is declared in this flow",
                    hint: Suggestion.hint(
                        for: template.value,
                        among: Array(flow.templates.keys),
                        listing: "declare it under `templates:`; declared ones are"
                    ),
                    at: template.location
                )
            )
            return
        }
        let counts: [(String, Int, [TextTemplate])] = [
            ("header", definition.headerParameterCount, params.header),
            ("body", definition.bodyParameterCount, params.body),
            ("URL button", definition.dynamicURLButtonIndices.count, params.buttons),
        ]
        for (component, expected, given) in counts where expected != given.count {
            check.diagnostics.append(
                .error(
                    .templateParamCount,
                    "template '\(definition.key)' takes \(expected) \(component) parameter\(expected == 1 ? "" : "s"); \(given.count) given",
                    hint: "give one value per placeholder, in order",
                    at: given.first?.location ?? template.location
                )
            )
        }
        let labels = definition.quickReplies.map(\.value)
        for route in quickReplies where !labels.contains(route.label.value) {
            check.diagnostics.append(
                .error(
                    .unknownQuickReply,
                    "template '\(definition.key)' has no quick-reply button '\(route.label.value)'",
                    hint: Suggestion.hint(for: route.label.value, among: labels, listing: "its quick replies are"),
                    at: route.label.location
                )
            )
        }
    }
}

extension TemplateStep: StepKind {
    static let keys = ["template"]
    static let nodeKeys = InputPolicy.keys + ["params", "on_reply", "quick_replies"]
    var step: Step { .template(self) }
    var isFreeForm: Bool { false }
    var waitsForCustomer: Bool { waitsForReply }
    var shape: GraphShape { .template }
    var texts: [TextTemplate] { params.all }

    func edges(of node: FlowNode) -> [Edge] {
        guard waitsForReply else { return Edge.to(node.next, .next) }
        return quickReplies.filter { !$0.target.isResume }.flatMap { Edge.to($0.target, .choice, $0.label.value) }
            + Edge.to(onReply.flatMap { $0.isResume ? nil : $0 }, .reply, "reply") + Edge.to(node.next, .reply)
    }

    func deadEnd(of node: FlowNode) -> Diagnostic? {
        guard onReply == nil, quickReplies.isEmpty, node.next == nil else { return nil }
        return .warning(
            .deadEnd,
            "node '\(node.id)' has no `goto`, so the flow ends after it",
            hint: "add `goto: <node>`, or `goto: end` if ending here is meant",
            at: node.location
        )
    }
}
