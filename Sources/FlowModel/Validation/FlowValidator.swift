import WhatsAppCloud

/// Checks a loaded flow against WhatsApp's limits, the shape of its graph and the customer service
/// window, and returns every problem, errors and warnings alike.
///
/// Errors mark a flow that WhatsApp or the runtime would reject; warnings mark what is probably
/// a mistake. Each rule is documented in `docs/validation.md`.
public enum FlowValidator {
    public static func validate(_ flow: Flow) -> [Diagnostic] {
        var check = LimitCheck()
        for template in flow.templates.values.sorted(by: { $0.location.line < $1.location.line }) {
            template.checkLimits(&check)
        }
        for node in flow.orderedNodes {
            node.step.checkLimits(&check, in: flow)
            if node.step.waitsForCustomer {
                check.text(node.input.retry, max: WhatsAppLimits.textBody, rule: .textLength, what: "retry text")
            }
        }
        let graph = GraphRules(flow: flow)
        let session = SessionRules(flow: flow, graph: graph)
        let diagnostics = check.diagnostics + graph.check() + session.check() + VariableRules(flow: flow).check()
            + TemplateParameterRules(flow: flow, graph: graph, lateNodes: session.lateNodes()).check()
        return diagnostics.folded().sortedByLocation()
    }
}
