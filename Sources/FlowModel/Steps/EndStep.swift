import Yams

/// `end: true`: finishes the flow. The contact's next message starts it again from `start`.
/// A `goto: end` anywhere does the same without a node.
public struct EndStep: Hashable, Sendable {
    static func read(key: String, value: Yams.Node, node: MappingReader, flow: FlowContext) -> EndStep? {
        let context = node.context
        guard context.bool(value, "'end'") == true else {
            context.error(.invalidValue, "'end' takes the value true", hint: "write `end: true`", at: value)
            return nil
        }
        return EndStep()
    }
}

extension EndStep: StepKind {
    static let keys = ["end"]
    var step: Step { .end(self) }
    var isFreeForm: Bool { false }
    var shape: GraphShape { .end }
    func edges(of node: FlowNode) -> [Edge] { [] }
    func deadEnd(of node: FlowNode) -> Diagnostic? { nil }
}
