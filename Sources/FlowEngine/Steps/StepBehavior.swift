import FlowModel

/// How a step kind runs in the engine: what it sends and what entering its node does. Each kind
/// conforms in its own file, `Steps/<Kind>Step+Behavior.swift`, beside what it declares in
/// FlowModel (`FlowModel/Steps/<Kind>Step.swift`).
protocol StepBehavior {
    /// The exact Cloud API payload the step sends, variables filled in; nil for a step that sends
    /// nothing.
    func render(_ node: FlowNode, with renderer: inout MessageRenderer) -> MessageRenderer.Rendered?

    /// Does what the node does; returns the name of the node to run next, or nil when the flow now
    /// waits or has ended. A step that sends goes through ``Sprint/send(_:)``, where the session
    /// guard sits.
    func enter(_ node: FlowNode, in sprint: inout Sprint) -> String?
}

extension StepBehavior {
    func render(_ node: FlowNode, with renderer: inout MessageRenderer) -> MessageRenderer.Rendered? { nil }
}

extension Step {
    /// How this step runs.
    var behavior: any StepBehavior {
        switch self {
        case .text(let step): step
        case .buttons(let step): step
        case .list(let step): step
        case .media(let step): step
        case .location(let step): step
        case .locationRequest(let step): step
        case .contacts(let step): step
        case .ctaURL(let step): step
        case .template(let step): step
        case .ask(let step): step
        case .branch(let step): step
        case .set(let step): step
        case .wait(let step): step
        case .handoff(let step): step
        case .end(let step): step
        }
    }
}

extension Sprint {
    /// A message step that goes straight on: sends, or holds the step back when the guard refuses.
    mutating func sendAndGoOn(_ node: FlowNode) -> String? {
        guard send(node) else { return hold(node, cause: .windowClosed) }
        return node.next?.name ?? Target.endName
    }

    /// A message step that waits for the customer: sends and waits, or holds the step back when
    /// the guard refuses.
    mutating func sendAndWait(_ node: FlowNode, for kind: ContactState.Wait) -> String? {
        guard send(node) else { return hold(node, cause: .windowClosed) }
        wait(at: node, for: kind, timer: node.input.timeout?.after)
        return nil
    }
}
