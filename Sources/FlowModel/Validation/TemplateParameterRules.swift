/// Warns where a template parameter may render empty: the Cloud API refuses empty parameters, so
/// at run time such a template is not sent (the trace says why). For every node it works out the
/// variables set on *every* path that reaches it (answers saved, `set`, branch tests such as
/// `exists: true`, the trigger's declared `params:`), and a parameter made only of variables none
/// of which is among them gets `template-param-unset`.
struct TemplateParameterRules {
    let flow: Flow
    let graph: GraphRules
    /// Nodes the session check says can run with the window closed: only their re-entry routes
    /// count (a refusal could reroute any node, but that is rare and the trace reports it).
    let lateNodes: Set<String>

    /// Always filled: the contact's key and the clock.
    static let alwaysSet = BuiltInVariable.names(availableBy: .always)

    func check() -> [Diagnostic] {
        let sets = definitelySet()
        var diagnostics: [Diagnostic] = []
        for node in flow.orderedNodes {
            guard case .template(let template) = node.step, let known = sets[node.id] else { continue }
            for parameter in template.params.all {
                let names = parameter.variables
                guard !names.isEmpty, parameter.literalText.allSatisfy(\.isWhitespace),
                    !names.contains(where: known.contains)
                else { continue }
                let list = names.map { "'\($0)'" }.joined(separator: ", ")
                diagnostics.append(
                    .warning(
                        .templateParamUnset,
                        "template parameter '\(parameter)' of node '\(node.id)' may be empty: \(list) is not set on every path to it, and WhatsApp refuses empty parameters, so the template would not be sent",
                        hint:
                            "set it on every path (`save_as:`, `set:`), branch on `{ var: \(names[0]), exists: true }` first, or declare it under `params:` and pass it with every trigger (a trigger may pass `contact.name` too)",
                        at: parameter.location
                    )
                )
            }
        }
        return diagnostics
    }

    /// The variables set on every path to each reachable node.
    func definitelySet() -> [String: Set<String>] {
        var result: [String: Set<String>] = [:]
        var work: [(String, Set<String>)] = []
        let afterMessage = BuiltInVariable.names(availableBy: .afterMessage)
        work.append((flow.start.name, afterMessage))
        for keyword in flow.keywords { work.append((keyword.target.name, afterMessage)) }
        if let before = flow.session.beforeExpiry { work.append((before.target.name, afterMessage)) }
        let declared = Set(flow.params.map(\.value))
        for trigger in flow.triggers { work.append((trigger.name, Self.alwaysSet.union(declared))) }
        let edges = graph.edges
        while let (name, incoming) = work.popLast() {
            guard let node = flow.nodes[name] else { continue }
            let known: Set<String>
            if let current = result[name] {
                let narrowed = current.intersection(incoming)
                guard narrowed != current else { continue }
                known = narrowed
            } else {
                known = incoming
            }
            result[name] = known
            let nodeEdges = edges[name] ?? []
            if case .branch(let branch) = node.step {
                for (item, edge) in zip(branch.cases, nodeEdges) {
                    work.append((edge.target.name, known.union(item.condition.guaranteedVariables)))
                }
                for edge in nodeEdges.dropFirst(branch.cases.count) { work.append((edge.target.name, known)) }
                continue
            }
            for edge in nodeEdges where edge.kind != .reentry || lateNodes.contains(name) {
                var out = known
                switch edge.kind {
                case .choice, .reply:
                    out.insert("contact.name")
                    out.formUnion(node.step.answerVariables)
                case .fail:
                    out.insert("contact.name")
                case .next:
                    if case .set(let set) = node.step { out.formUnion(set.assignments.map(\.name.value)) }
                default:
                    break
                }
                work.append((edge.target.name, out))
            }
        }
        return result
    }
}

extension Condition {
    /// Variables the condition guarantees are non-empty when it holds.
    var guaranteedVariables: Set<String> {
        switch self {
        case .variable(let name, let test):
            switch test {
            case .exists(true): return [name.value]
            case .equals(let text) where !text.literalText.isEmpty: return [name.value]
            case .oneOf(let words) where !words.contains(""): return [name.value]
            default: return []
            }
        case .all(let list): return list.reduce(into: Set()) { $0.formUnion($1.guaranteedVariables) }
        default: return []
        }
    }
}
