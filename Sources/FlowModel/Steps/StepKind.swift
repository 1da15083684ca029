import Yams

/// What a step kind declares to the loader, the validator and the graph export. Each kind
/// conforms in its own file, `Steps/<Kind>Step.swift`; ``Step`` lists the kinds once, and how a
/// kind runs lives beside it in the engine (`FlowEngine/Steps/<Kind>Step+Behavior.swift`).
///
/// Adding a kind: its type here, a case and a line in ``Step``, its behaviour in the engine, its
/// golden file under `Tests/FlowEngineTests/testdata/steps/`, and the docs and schema.
protocol StepKind: Hashable, Sendable {
    /// The keys that name the kind in a node (the five media kinds share one type).
    static var keys: [String] { get }
    /// Node-level keys the kind reads besides its kind key, `goto` and `reentry`.
    static var nodeKeys: [String] { get }
    /// Reads the step from the value of its kind key (`key`) and the node's other keys, reporting
    /// what is wrong to the node's load context. Nil when it cannot be read.
    static func read(key: String, value: Yams.Node, node: MappingReader, flow: FlowContext) -> Self?

    /// The step in the ``Step`` enum.
    var step: Step { get }
    /// The kind key that names this step.
    var key: String { get }
    /// Sends a message that is not a template, so it needs an open customer service window.
    var isFreeForm: Bool { get }
    /// Stops and waits for the customer's next message (or a timer) before going on.
    var waitsForCustomer: Bool { get }
    /// How the graph export draws the node.
    var shape: GraphShape { get }
    /// The texts the step renders, for the unknown-variable check.
    var texts: [TextTemplate] { get }
    /// The variables the customer's answer saves (`save_as`).
    var answerVariables: [String] { get }
    /// Every variable the step may set: the answer with its fields, or assignments.
    var definedVariables: [String] { get }
    /// The choices the node offers (buttons, list rows), in order, for a tap or a typed title or
    /// number to pick.
    var choiceOptions: [ChoiceOption] { get }
    /// What a question node accepts as an answer, and where it saves it.
    var expectedAnswer: ExpectedAnswer? { get }
    /// Checks the WhatsApp limits that apply to the step.
    func checkLimits(_ check: inout LimitCheck, in flow: Flow)
    /// The node's own ways out; the input policy's `on_fail` and `timeout` are added for every
    /// kind that waits.
    func edges(of node: FlowNode) -> [Edge]
    /// The warning for a node after which the flow ends because no `goto` says where to go, or nil
    /// when ending there is what the kind means.
    func deadEnd(of node: FlowNode) -> Diagnostic?
}

/// One of the choices a node offers: what a tap sends back, what it shows, where it leads (the
/// node's `goto` when nil).
public struct ChoiceOption: Hashable, Sendable {
    public var id: String
    public var title: TextTemplate
    public var target: Target?
}

/// What a question node accepts, and the variable the answer is saved under.
public struct ExpectedAnswer: Hashable, Sendable {
    public var expectation: AskStep.Expectation
    public var saveAs: String?
}

/// How the graph export draws a node (Mermaid and DOT each map it to their own shape).
enum GraphShape {
    case message, question, template, decision, assignment, pause, handoff, end
}

extension StepKind {
    static var nodeKeys: [String] { [] }
    var key: String { Self.keys.first ?? "" }
    var waitsForCustomer: Bool { false }
    var shape: GraphShape { .message }
    var texts: [TextTemplate] { [] }
    var answerVariables: [String] { [] }
    var definedVariables: [String] { answerVariables }
    var choiceOptions: [ChoiceOption] { [] }
    var expectedAnswer: ExpectedAnswer? { nil }
    func checkLimits(_ check: inout LimitCheck, in flow: Flow) {}
    func edges(of node: FlowNode) -> [Edge] { Edge.to(node.next, .next) }

    func deadEnd(of node: FlowNode) -> Diagnostic? {
        guard node.next == nil else { return nil }
        return .warning(
            .deadEnd,
            "node '\(node.id)' has no `goto`, so the flow ends after it",
            hint: "add `goto: <node>`, or `goto: end` if ending here is meant",
            at: node.location
        )
    }
}
