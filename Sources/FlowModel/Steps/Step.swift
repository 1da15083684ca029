import Yams

/// What a node does: exactly one of these kinds, named by the node's kind key.
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

    /// Every kind key a node may have, in the order the docs list them.
    public static let kindKeys = [
        "text", "buttons", "list", "image", "video", "audio", "document", "sticker", "location",
        "location_request", "contacts", "cta_url", "template", "ask", "branch", "set", "wait",
        "handoff", "end",
    ]

    /// The kind key that names this step.
    public var kind: String {
        switch self {
        case .text: "text"
        case .buttons: "buttons"
        case .list: "list"
        case .media(let media): media.kind.rawValue
        case .location: "location"
        case .locationRequest: "location_request"
        case .contacts: "contacts"
        case .ctaURL: "cta_url"
        case .template: "template"
        case .ask: "ask"
        case .branch: "branch"
        case .set: "set"
        case .wait: "wait"
        case .handoff: "handoff"
        case .end: "end"
        }
    }

    /// Sends a message that is not a template, so it needs an open customer service window.
    public var isFreeForm: Bool {
        switch self {
        case .text, .buttons, .list, .media, .location, .locationRequest, .contacts, .ctaURL, .ask: true
        case .template, .branch, .set, .wait, .handoff, .end: false
        }
    }

    /// Stops and waits for the customer's next message (or a timer) before going on.
    public var waitsForCustomer: Bool {
        switch self {
        case .buttons, .list, .locationRequest, .ask, .handoff: true
        case .template(let template): template.waitsForReply
        case .wait(let wait): wait.mode == .reply
        case .text, .media, .location, .contacts, .ctaURL, .branch, .set, .end: false
        }
    }

    /// Node-level keys each kind reads besides its kind key and `goto`/`reentry`.
    static func nodeKeys(for kind: String) -> [String] {
        switch kind {
        case "buttons", "list": InputPolicy.keys
        case "ask": InputPolicy.keys + ["save_as", "expect"]
        case "location_request": InputPolicy.keys + ["save_as"]
        case "template": InputPolicy.keys + ["params", "on_reply", "quick_replies"]
        case "wait": InputPolicy.keys + ["save_as"]
        default: []
        }
    }

    /// Reads the step named by `kind` from its value and the node's other keys.
    static func read(kind: String, value: Yams.Node, node: MappingReader, flow: FlowContext) -> Step? {
        let context = flow.context
        switch kind {
        case "text": return TextStep.read(value, context: context).map(Step.text)
        case "buttons": return ButtonsStep.read(value, context: context).map(Step.buttons)
        case "list": return ListStep.read(value, context: context).map(Step.list)
        case "location": return LocationStep.read(value, context: context).map(Step.location)
        case "location_request": return LocationRequestStep.read(value, node: node).map(Step.locationRequest)
        case "contacts": return ContactsStep.read(value, context: context).map(Step.contacts)
        case "cta_url": return CTAURLStep.read(value, context: context).map(Step.ctaURL)
        case "template": return TemplateStep.read(value, node: node).map(Step.template)
        case "ask": return AskStep.read(value, node: node).map(Step.ask)
        case "branch": return BranchStep.read(value, flow: flow).map(Step.branch)
        case "set": return SetStep.read(value, context: context).map(Step.set)
        case "wait": return WaitStep.read(value, node: node).map(Step.wait)
        case "handoff": return HandoffStep.read(value, context: context).map(Step.handoff)
        case "end": return EndStep.read(value, context: context).map(Step.end)
        default:
            guard let media = MediaKind(rawValue: kind) else { return nil }
            return MediaStep.read(value, kind: media, context: context).map(Step.media)
        }
    }

    /// Checks the WhatsApp limits that apply to this step.
    func checkLimits(_ check: inout LimitCheck, in flow: Flow) {
        switch self {
        case .text(let step): step.checkLimits(&check)
        case .buttons(let step): step.checkLimits(&check)
        case .list(let step): step.checkLimits(&check)
        case .media(let step): step.checkLimits(&check)
        case .locationRequest(let step): step.checkLimits(&check)
        case .contacts(let step): step.checkLimits(&check)
        case .ctaURL(let step): step.checkLimits(&check)
        case .template(let step): step.checkLimits(&check, in: flow)
        case .ask(let step): step.checkLimits(&check)
        case .location, .branch, .set, .wait, .handoff, .end: break
        }
    }

    /// The texts this step renders, for the unknown-variable check.
    var texts: [TextTemplate] {
        switch self {
        case .text(let step): [step.body]
        case .buttons(let step): step.texts
        case .list(let step): step.texts
        case .media(let step): [step.source.text] + [step.caption, step.filename].compactMap { $0 }
        case .location(let step): [step.name, step.address].compactMap { $0 }
        case .locationRequest(let step): [step.body]
        case .contacts: []
        case .ctaURL(let step): step.texts
        case .template(let step): step.params.all
        case .ask(let step): [step.prompt]
        case .branch(let step): step.cases.flatMap { $0.condition.texts }
        case .set(let step): step.assignments.map(\.value)
        case .wait, .handoff, .end: []
        }
    }
}
