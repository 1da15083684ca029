import Yams

/// `branch:`: goes to the first case whose condition holds, else to the node's `goto`. Sends nothing.
///
/// ```yaml
/// route:
///   branch:
///     - { if: { window: closed }, goto: reconnect }
///     - { if: { var: order_id, exists: true }, goto: status }
///   goto: ask_order
/// ```
public struct BranchStep: Hashable, Sendable {
    public struct Case: Hashable, Sendable {
        public var condition: Condition
        public var target: Target
    }

    public var cases: [Case]

    static func read(key: String, value: Yams.Node, node: MappingReader, flow: FlowContext) -> BranchStep? {
        let context = flow.context
        guard let items = context.list(value, "'branch'") else { return nil }
        let cases = items.compactMap { item -> Case? in
            guard let reader = context.mapping(item, "a branch case") else { return nil }
            let condition = reader.value("if", required: true, hint: "write the test under `if:`").flatMap { Condition.read($0, flow: flow) }
            let target = reader.target("goto", required: true)
            reader.reportUnknownKeys(
                in: "a branch case",
                elsewhere: { key in
                    key == "else" ? "no case: write the fallback as the node's own `goto:`" : nil
                }
            )
            guard let condition, let target else { return nil }
            return Case(condition: condition, target: target)
        }
        return BranchStep(cases: cases)
    }
}

extension BranchStep: StepKind {
    static let keys = ["branch"]
    var step: Step { .branch(self) }
    var isFreeForm: Bool { false }
    var shape: GraphShape { .decision }
    var texts: [TextTemplate] { cases.flatMap { $0.condition.texts } }

    /// Cases are tried in order: each sees only the window states no earlier case claimed.
    func edges(of node: FlowNode) -> [Edge] {
        var remaining = Set(Condition.WindowState.allCases)
        var edges: [Edge] = []
        for item in cases {
            let states = item.condition.windowStates
            edges += Edge.to(item.target, .branch, item.condition.summary, windowStates: remaining.intersection(states.may))
            remaining.subtract(states.must)
        }
        return edges + Edge.to(node.next, .branch, "else", windowStates: remaining)
    }

    func deadEnd(of node: FlowNode) -> Diagnostic? { nil }
}
