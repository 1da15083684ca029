import Yams

/// What a node does: exactly one of these kinds, named by the node's kind key.
///
/// The enum keeps every `switch` over kinds exhaustive; what a kind declares lives in its own
/// type (see ``StepKind``), and the members here forward to it.
public enum Step: Hashable, Sendable {
    case text(TextStep)
    case buttons(ButtonsStep)
    case list(ListStep)
    case media(MediaStep)
    case location(LocationStep)
    case locationRequest(LocationRequestStep)
    case contacts(ContactsStep)
    case ctaURL(CTAURLStep)
    case template(TemplateStep)
    case ask(AskStep)
    case branch(BranchStep)
    case set(SetStep)
    case wait(WaitStep)
    case handoff(HandoffStep)
    case end(EndStep)

    /// Every kind, in the order the docs list them.
    static let kinds: [any StepKind.Type] = [
        TextStep.self, ButtonsStep.self, ListStep.self, MediaStep.self, LocationStep.self, LocationRequestStep.self,
        ContactsStep.self, CTAURLStep.self, TemplateStep.self, AskStep.self, BranchStep.self, SetStep.self,
        WaitStep.self, HandoffStep.self, EndStep.self,
    ]

    /// The step's own type, which declares what the kind is.
    var definition: any StepKind {
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

    /// Every kind key a node may have, in the order the docs list them.
    public static let kindKeys = kinds.flatMap { $0.keys }

    /// The kind key that names this step.
    public var kind: String { definition.key }

    /// Sends a message that is not a template, so it needs an open customer service window.
    public var isFreeForm: Bool { definition.isFreeForm }

    /// Stops and waits for the customer's next message (or a timer) before going on.
    public var waitsForCustomer: Bool { definition.waitsForCustomer }

    /// The choices the node offers (buttons, list rows), in order.
    public var choiceOptions: [ChoiceOption] { definition.choiceOptions }

    /// What a question node accepts as an answer, and where it saves it.
    public var expectedAnswer: ExpectedAnswer? { definition.expectedAnswer }

    /// Node-level keys the kind named `key` reads besides its kind key and `goto`/`reentry`.
    static func nodeKeys(for key: String) -> [String] {
        kinds.first { $0.keys.contains(key) }?.nodeKeys ?? []
    }

    /// Reads the step named by `key` from its value and the node's other keys.
    static func read(key: String, value: Yams.Node, node: MappingReader, flow: FlowContext) -> Step? {
        kinds.first { $0.keys.contains(key) }?.read(key: key, value: value, node: node, flow: flow)?.step
    }

    /// Checks the WhatsApp limits that apply to this step.
    func checkLimits(_ check: inout LimitCheck, in flow: Flow) { definition.checkLimits(&check, in: flow) }

    /// The texts this step renders, for the unknown-variable check.
    var texts: [TextTemplate] { definition.texts }

    /// The variables an answer to this node saves.
    public var answerVariables: [String] { definition.answerVariables }

    /// Every variable this step may set.
    var definedVariables: [String] { definition.definedVariables }

    /// How the graph export draws the node.
    var shape: GraphShape { definition.shape }
}
