import Yams

/// `wait: 2h` pauses, then goes on to `goto`; `wait: reply` waits for any message from the
/// customer (saved under `save_as` when given), with an optional `timeout`.
public struct WaitStep: Hashable, Sendable {
    public enum Mode: Hashable, Sendable {
        case delay(TimeSpan)
        case reply
    }

    public var mode: Mode
    public var saveAs: Located<String>?

    static func read(key: String, value: Yams.Node, node: MappingReader, flow: FlowContext) -> WaitStep? {
        let context = node.context
        guard let text = context.string(value, "'wait'") else { return nil }
        let saveAs = node.string("save_as")
        if text.value == "reply" { return WaitStep(mode: .reply, saveAs: saveAs) }
        if let span = TimeSpan(parsing: text.value), TimeSpan.problem(with: text.value) == nil {
            return WaitStep(mode: .delay(span), saveAs: saveAs)
        }
        let problem =
            TimeSpan(parsing: text.value) != nil || TimeSpan.problem(with: text.value) == "is longer than 10 years"
            ? TimeSpan.problem(with: text.value) ?? "must be a length of time" : "must be a length of time or `reply`"
        context.report(
            .error(
                .invalidValue,
                "'wait' \(problem), found '\(text.value)'",
                hint: "e.g. `wait: 2h` to pause, or `wait: reply` with `timeout:` to wait for the customer",
                at: text.location
            )
        )
        return nil
    }
}

extension WaitStep: StepKind {
    static let keys = ["wait"]
    static let nodeKeys = InputPolicy.keys + ["save_as"]
    var step: Step { .wait(self) }
    var isFreeForm: Bool { false }
    var waitsForCustomer: Bool { mode == .reply }
    var shape: GraphShape { .pause }
    var answerVariables: [String] { saveAs.map { [$0.value] } ?? [] }

    func edges(of node: FlowNode) -> [Edge] {
        switch mode {
        case .delay(let span): Edge.to(node.next, .delay, "after \(span)")
        case .reply: Edge.to(node.next, .reply)
        }
    }
}
