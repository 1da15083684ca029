import WhatsAppCloud
import Yams

/// `location_request: "Where should we pick it up?"`: a message with a "Send location" button;
/// the node waits for the customer's location and saves it under `save_as` (`.latitude`,
/// `.longitude`, `.name`, `.address`).
public struct LocationRequestStep: Hashable, Sendable {
    public var body: TextTemplate
    public var saveAs: Located<String>?

    static func read(key: String, value: Yams.Node, node: MappingReader, flow: FlowContext) -> LocationRequestStep? {
        let body = node.context.text(value, "'location_request'")
        let saveAs = node.string("save_as")
        return body.map { LocationRequestStep(body: $0, saveAs: saveAs) }
    }

    func checkLimits(_ check: inout LimitCheck, in flow: Flow) {
        check.text(body, max: WhatsAppLimits.interactiveBody, rule: .bodyLength, what: "body")
    }
}

extension LocationRequestStep: StepKind {
    static let keys = ["location_request"]
    static let nodeKeys = InputPolicy.keys + ["save_as"]
    var step: Step { .locationRequest(self) }
    var isFreeForm: Bool { true }
    var waitsForCustomer: Bool { true }
    var shape: GraphShape { .question }
    var texts: [TextTemplate] { [body] }
    var answerVariables: [String] { saveAs.map { [$0.value] } ?? [] }
    var expectedAnswer: ExpectedAnswer? { ExpectedAnswer(expectation: .location, saveAs: saveAs?.value) }
    var definedVariables: [String] { answerVariables.flatMap { [$0] + AskStep.locationFields(of: $0) } }
    func edges(of node: FlowNode) -> [Edge] { Edge.to(node.next, .reply) }
}
