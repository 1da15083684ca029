/// The customer service window checks.
///
/// For every node the validator works out the longest time that can have passed since the
/// customer's last message when the node runs: zero straight after a message (the start, a
/// keyword, a tap, an answer), plus a timeout's or a pause's length, `24h - lead` at
/// `before_expiry`, and unbounded after a business trigger or a handoff release. A free-form node
/// whose time can reach the window's end (24h less the session margin) needs a re-entry route:
/// its own `reentry:` or the flow's `session.reentry`. Every re-entry target must be a template
/// node, and should wait for the reply (`on_reply` or `quick_replies`) so the flow can resume.
struct SessionRules {
    let flow: Flow
    let graph: GraphRules
    /// The longest time since the customer's last message, per node: worked out once.
    let elapsed: [String: Elapsed]

    init(flow: Flow, graph: GraphRules) {
        self.flow = flow
        self.graph = graph
        elapsed = Self.elapsedByNode(flow: flow, graph: graph)
    }

    /// The longest time since the customer's last message, or nil when it is unbounded.
    struct Elapsed {
        var span: TimeSpan?
        var reason: String
        var raises = 0
    }

    func check() -> [Diagnostic] {
        reentryTargets() + missingReentries() + reentryLoops()
    }

    /// Every re-entry route as written: the flow's, then each node's, in file order.
    var writtenReentryTargets: [Target] {
        [flow.session.reentry].compactMap { $0 } + flow.orderedNodes.compactMap(\.reentry)
    }

    private func reentryTargets() -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        var warned: Set<String> = []
        for target in writtenReentryTargets {
            guard let node = flow.nodes[target.name] else { continue }
            guard case .template(let template) = node.step else {
                diagnostics.append(
                    .error(
                        .reentryNotTemplate,
                        "re-entry node '\(target.name)' is a \(node.step.kind) node; only a template may be sent when the window is closed",
                        hint: "point re-entry at a `template:` node",
                        at: target.location
                    )
                )
                continue
            }
            if !template.waitsForReply, warned.insert(target.name).inserted {
                diagnostics.append(
                    .warning(
                        .reentryWithoutReply,
                        "re-entry template '\(target.name)' does not wait for the reply, so the blocked step is never resumed",
                        hint: "add `on_reply: resume` to node '\(target.name)'",
                        at: node.location
                    )
                )
            }
        }
        return diagnostics
    }

    /// Where the window can no longer be trusted to be open.
    var windowEnd: TimeSpan { Self.windowEnd(flow) }

    static func windowEnd(_ flow: Flow) -> TimeSpan { .serviceWindow - flow.session.margin }

    /// The longest time since the customer's last message for each node that can run late.
    static func elapsedByNode(flow: Flow, graph: GraphRules) -> [String: Elapsed] {
        let windowEnd = windowEnd(flow)
        var result: [String: Elapsed] = [:]
        var work: [(String, Elapsed)] = []
        for trigger in flow.triggers {
            work.append(
                (
                    trigger.name,
                    Elapsed(span: nil, reason: "when the business starts the flow at '\(trigger.name)', perhaps before the contact ever wrote")
                )
            )
        }
        if let before = flow.session.beforeExpiry {
            work.append(
                (
                    before.target.name,
                    Elapsed(
                        span: windowEnd - before.lead,
                        reason: "at before_expiry, \(before.lead) before the window closes"
                    )
                )
            )
        }
        let edges = graph.edges
        var lateEdges: [(from: String, edge: Edge)] = []
        for node in flow.orderedNodes {
            for edge in edges[node.id] ?? [] where edge.kind == .timeout || edge.kind == .delay || edge.kind == .release {
                lateEdges.append((node.id, edge))
            }
        }
        // Edges that add time are applied from every node's current value; fresh edges reset to 0
        // and so never make a node late.
        func extend(_ elapsed: Elapsed?, over edge: Edge, from name: String) -> Elapsed? {
            switch edge.kind {
            case .release:
                return Elapsed(span: nil, reason: "after a person hands the contact back from '\(name)'")
            case .timeout, .delay:
                guard let node = flow.nodes[name] else { return nil }
                let added: TimeSpan
                if edge.kind == .timeout, let timeout = node.input.timeout {
                    added = timeout.after
                } else if case .wait(let wait) = node.step, case .delay(let span) = wait.mode {
                    added = span
                } else {
                    return nil
                }
                let base = elapsed ?? Elapsed(span: .zero, reason: "")
                let what = edge.kind == .timeout ? "the \(added) timeout of '\(name)'" : "the \(added) pause in '\(name)'"
                return Elapsed(span: base.span.map { $0 + added }, reason: base.reason.isEmpty ? "after \(what)" : "\(base.reason), then \(what)")
            default:
                return elapsed
            }
        }
        for (from, edge) in lateEdges {
            if let next = extend(nil, over: edge, from: from) { work.append((edge.target.name, next)) }
        }
        while let (name, candidate) = work.popLast() {
            guard let node = flow.nodes[name] else { continue }
            var value = candidate
            if let span = value.span, span >= windowEnd + .serviceWindow { value.span = nil }
            if let current = result[name] {
                guard let currentSpan = current.span else { continue }
                if let span = value.span, span <= currentSpan { continue }
                value.raises = current.raises + 1
                if value.raises > 32 { value.span = nil }  // a loop that keeps adding time
            }
            result[name] = value
            for edge in edges[name] ?? [] {
                if edge.kind.isImmediate {
                    if let next = narrow(value, over: edge, from: name, windowEnd: windowEnd) { work.append((edge.target.name, next)) }
                } else if edge.kind == .timeout || edge.kind == .delay || edge.kind == .release,
                    let next = extend(value, over: edge, from: node.id)
                {
                    work.append((edge.target.name, next))
                }
            }
        }
        return result
    }

    /// What a branch's window condition says about the time since the customer's last message.
    /// An open-window path bounds it below the window's end (later waits still add to it); a
    /// closed-window path is unbounded, and is not taken at all where the clock says the window
    /// must still be open. Nil when the edge cannot be taken.
    private static func narrow(_ value: Elapsed, over edge: Edge, from name: String, windowEnd: TimeSpan) -> Elapsed? {
        guard edge.kind == .branch, !edge.windowStates.isEmpty else { return edge.windowStates.isEmpty ? nil : value }
        if edge.requiresOpenWindow {
            let bound = windowEnd - TimeSpan(milliseconds: 1)
            guard value.span.map({ $0 > bound }) ?? true else { return value }
            return Elapsed(span: bound, reason: "\(value.reason), on the window-open branch of '\(name)' (less than \(windowEnd))")
        }
        if edge.requiresClosedWindow {
            if let span = value.span, span < windowEnd { return nil }
            return Elapsed(span: nil, reason: "on the branch of '\(name)' where the window is closed")
        }
        return value
    }

    /// A re-entry template runs with the window closed by definition, and it stays closed until the
    /// customer replies. A free-form node it leads to without a reply (`goto` of a template that
    /// does not wait, a branch, a pause, a timeout) would be held back again at once.
    private func reentryLoops() -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        var reported: Set<String> = []
        var checked: Set<String> = []
        let edges = graph.edges
        let withoutReply: Set<Edge.Kind> = [.next, .branch, .timeout, .delay]
        for name in writtenReentryTargets.map(\.name) where checked.insert(name).inserted {
            guard let start = flow.nodes[name], case .template = start.step else { continue }
            // Where each node was reached from, to name the path; linear however long the chain.
            var parent: [String: String] = [:]
            var seen: Set<String> = [name]
            var stack = [name]
            while let current = stack.popLast() {
                for edge in edges[current] ?? [] where withoutReply.contains(edge.kind) {
                    if edge.kind == .branch, edge.windowStates.isDisjoint(with: [.closed, .never]) { continue }
                    let target = edge.target.name
                    guard seen.insert(target).inserted, let node = flow.nodes[target] else { continue }
                    parent[target] = current
                    guard node.step.isFreeForm else {
                        stack.append(target)
                        continue
                    }
                    guard reported.insert(target).inserted else { continue }
                    diagnostics.append(
                        .error(
                            .reentryLoop,
                            "node '\(target)' sends a free-form \(node.step.kind) message right after re-entry template '\(name)' (\(Self.path(to: target, parents: parent))), with no customer reply between; the window is still closed there, so the step would be held back again",
                            hint:
                                "let '\(name)' wait for the reply (`on_reply: resume`), or lead from it only to template nodes until the customer answers",
                            at: node.location
                        )
                    )
                }
            }
        }
        return diagnostics
    }

    /// `a → b → c`, from the start of the walk to `node`, shortened in the middle when long.
    private static func path(to node: String, parents: [String: String]) -> String {
        var names = [node]
        while let previous = parents[names[names.count - 1]] { names.append(previous) }
        names.reverse()
        guard names.count > 8 else { return names.joined(separator: " → ") }
        return (names.prefix(4) + ["… (\(names.count - 7) more)"] + names.suffix(3)).joined(separator: " → ")
    }

    /// Nodes that can run when the window may have closed.
    func lateNodes() -> Set<String> {
        Set(elapsed.filter { $0.value.span.map { $0 >= windowEnd } ?? true }.keys)
    }

    private func missingReentries() -> [Diagnostic] {
        flow.orderedNodes.compactMap { node -> Diagnostic? in
            guard node.step.isFreeForm, flow.reentry(for: node) == nil, let late = elapsed[node.id] else { return nil }
            if let span = late.span, span < windowEnd { return nil }
            let when =
                late.span.map { span -> String in
                    // A bound just under a whole second (an open-window branch) reads as "almost".
                    let rounded = TimeSpan(milliseconds: (span.milliseconds + 999) / 1000 * 1000)
                    return rounded == span ? "up to \(span) after the customer's last message" : "almost \(rounded) after the customer's last message"
                } ?? "long after the customer's last message"
            return .error(
                .missingReentry,
                "node '\(node.id)' sends a free-form \(node.step.kind) message but can run \(when) (\(late.reason)), when the 24-hour window may have closed",
                hint: "add `reentry: <template node>` to this node, or `session: { reentry: <template node> }` to the flow",
                at: node.location
            )
        }
    }
}
