import WhatsAppCloud
import Yams

/// `location_request: "Where should we pick it up?"`: a message with a "Send location" button;
/// the node waits for the customer's location and saves it under `save_as` (`.latitude`,
/// `.longitude`, `.name`, `.address`).
public struct LocationRequestStep: Hashable, Sendable {
    public var body: TextTemplate
    public var saveAs: Located<String>?

    static func read(_ value: Yams.Node, node: MappingReader) -> LocationRequestStep? {
        let body = node.context.text(value, "'location_request'")
        let saveAs = node.string("save_as")
        return body.map { LocationRequestStep(body: $0, saveAs: saveAs) }
    }

    func checkLimits(_ check: inout LimitCheck) {
        check.text(body, max: WhatsAppLimits.interactiveBody, rule: .bodyLength, what: "body")
    }
}
