import WhatsAppCloud

/// Checks a loaded flow against WhatsApp's limits, the shape of its graph and the customer service
/// window, and returns every problem, errors and warnings alike.
///
/// Errors mark a flow that WhatsApp or the runtime would reject; warnings mark what is probably
/// a mistake. Each rule is documented in `docs/validation.md`. While a node cannot be read, the
/// checks that need all of its edges and variables (`unreachable-node`, `unknown-variable`,
/// `template-param-unset`) are held back: they would report consequences of that node's error.
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
        var diagnostics = check.diagnostics + graph.check() + session.check()
        // A node that could not be read (its error is reported) may set variables the checks
        // below would call unset: they wait until every node reads, rather than bury that error.
        if flow.unreadableNodes.isEmpty {
            diagnostics +=
                VariableRules(flow: flow).check()
                + TemplateParameterRules(flow: flow, graph: graph, lateNodes: session.lateNodes()).check()
        }
        return diagnostics.folded().sortedByLocation()
    }
}
