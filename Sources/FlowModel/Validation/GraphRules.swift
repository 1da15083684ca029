/// The graph checks: targets exist, every node can be reached, no loop spins without waiting for
/// the customer, and no node ends the flow by accident.
struct GraphRules {
    let flow: Flow

    /// Every node name a target may name: read nodes and nodes whose errors were already reported.
    var names: Set<String> { Set(flow.nodes.keys).union(flow.unreadableNodes) }

    /// All edges by source node, re-entry routes included: built once, read by every rule.
    let edges: [String: [Edge]]

    init(flow: Flow) {
        self.flow = flow
        var result: [String: [Edge]] = [:]
        result.reserveCapacity(flow.nodes.count)
        for node in flow.orderedNodes {
            var list = node.edges
            if node.step.isFreeForm, let reentry = flow.reentry(for: node) {
                list.append(Edge(kind: .reentry, target: reentry, label: "window closed"))
            }
            result[node.id] = list
        }
        edges = result
    }

    /// Where a contact can enter the flow without coming from another node.
    var entries: [Target] {
        [flow.start] + flow.triggers + flow.keywords.map(\.target) + (flow.session.beforeExpiry.map { [$0.target] } ?? [])
    }

    func check() -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        let names = names
        func unknown(_ target: Target, _ what: String) {
            guard !target.isEnd, !names.contains(target.name) else { return }
            if target.isResume {
                diagnostics.append(
                    .error(
                        .unknownTarget,
                        "`resume` only works in a template's `on_reply` or `quick_replies`",
                        hint: "name a node here, or `end`",
                        at: target.location
                    )
                )
                return
            }
            diagnostics.append(
                .error(
                    what == "start" ? .unknownStart : .unknownTarget,
                    "\(what) names node '\(target.name)', which does not exist",
                    hint: Suggestion.hint(for: target.name, among: Array(names) + [Target.endName], listing: "nodes are"),
                    at: target.location
                )
            )
        }
        unknown(flow.start, "start")
        if flow.start.isEnd {
            diagnostics.append(.error(.unknownStart, "the flow cannot start at `end`", hint: "name the first node", at: flow.start.location))
        }
        for trigger in flow.triggers { unknown(trigger, "a trigger") }
        for keyword in flow.keywords { unknown(keyword.target, "a keyword") }
        if let before = flow.session.beforeExpiry { unknown(before.target, "before_expiry") }
        if let reentry = flow.session.reentry { unknown(reentry, "the session's re-entry") }
        for node in flow.orderedNodes {
            if let reentry = node.reentry { unknown(reentry, "re-entry") }
            for edge in node.edges { unknown(edge.target, "'\(node.id)'") }
        }
        // With no valid start, everything would look unreachable: report the start alone. A node
        // that could not be read hides its edges: what only it leads to would look unreachable.
        let startKnown = names.contains(flow.start.name)
        diagnostics += (startKnown && flow.unreadableNodes.isEmpty ? unreachable() : []) + busyLoops() + deadEnds()
        return diagnostics
    }

    /// Names reachable from the entries along any edge.
    func reachable() -> Set<String> {
        let edges = edges
        var seen: Set<String> = []
        var stack = entries.map(\.name)
        while let name = stack.popLast() {
            guard flow.nodes[name] != nil, seen.insert(name).inserted else { continue }
            stack += (edges[name] ?? []).map(\.target.name)
        }
        return seen
    }

    private func unreachable() -> [Diagnostic] {
        let reached = reachable()
        return flow.orderedNodes.filter { !reached.contains($0.id) }.map { node in
            .warning(
                .unreachableNode,
                "node '\(node.id)' cannot be reached from `start`, a trigger, a keyword or before_expiry",
                hint: "point a `goto` at it, or delete it",
                at: node.location
            )
        }
    }

    /// Cycles made only of edges that run at once (send-and-go-on, branch, set): they would spin.
    private func busyLoops() -> [Diagnostic] {
        var immediate: [String: [String]] = [:]
        for node in flow.orderedNodes {
            immediate[node.id] = node.edges.filter(\.kind.isImmediate).map(\.target.name).filter { flow.nodes[$0] != nil }
        }
        var diagnostics: [Diagnostic] = []
        for component in StronglyConnected.components(of: flow.nodeOrder.filter { flow.nodes[$0] != nil }, edges: immediate) {
            guard let only = component.first else { continue }
            let isCycle = component.count > 1 || (immediate[only] ?? []).contains(only)
            guard isCycle else { continue }
            let members = Set(component)
            let ordered = flow.nodeOrder.filter(members.contains)
            guard let firstName = ordered.first, let first = flow.nodes[firstName] else { continue }
            let shown = ordered.prefix(12).map { "'\($0)'" }.joined(separator: " → ")
            let more = ordered.count > 12 ? " → … (\(ordered.count) nodes in all)" : ""
            diagnostics.append(
                .error(
                    .busyLoop,
                    "nodes \(shown)\(more) form a loop that never waits for the customer",
                    hint: "break it with a node that waits (buttons, list, ask, `wait: reply`) or a `wait:` delay",
                    at: first.location
                )
            )
        }
        return diagnostics
    }

    private func deadEnds() -> [Diagnostic] {
        flow.orderedNodes.compactMap { $0.step.definition.deadEnd(of: $0) }
    }
}

/// Tarjan's strongly connected components, iterative so a long chain cannot overflow the stack.
enum StronglyConnected {
    static func components(of nodes: [String], edges: [String: [String]]) -> [[String]] {
        var index = 0
        var indices: [String: Int] = [:]
        var lowlinks: [String: Int] = [:]
        var onStack: Set<String> = []
        var stack: [String] = []
        var result: [[String]] = []
        for root in nodes where indices[root] == nil {
            var work: [(node: String, next: Int)] = [(root, 0)]
            indices[root] = index
            lowlinks[root] = index
            index += 1
            stack.append(root)
            onStack.insert(root)
            while var frame = work.popLast() {
                let successors = edges[frame.node] ?? []
                if frame.next < successors.count {
                    let successor = successors[frame.next]
                    frame.next += 1
                    work.append(frame)
                    if indices[successor] == nil {
                        indices[successor] = index
                        lowlinks[successor] = index
                        index += 1
                        stack.append(successor)
                        onStack.insert(successor)
                        work.append((successor, 0))
                    } else if onStack.contains(successor) {
                        lowlinks[frame.node] = min(lowlinks[frame.node] ?? .max, indices[successor] ?? .max)
                    }
                    continue
                }
                if let parent = work.last {
                    lowlinks[parent.node] = min(lowlinks[parent.node] ?? .max, lowlinks[frame.node] ?? .max)
                }
                if lowlinks[frame.node] == indices[frame.node] {
                    var component: [String] = []
                    while let member = stack.popLast() {
                        onStack.remove(member)
                        component.append(member)
                        if member == frame.node { break }
                    }
                    result.append(component)
                }
            }
        }
        return result
    }
}
