import FlowEngine
import FlowModel
import Foundation
import Testing
import WhatsAppCloud

/// A time on the test's day one (2026-11-02, a Monday) or later: `at("10:00")`, `at("11:00", day: 2)`.
func at(_ clock: String, day: Int = 1) -> Timestamp {
    Timestamp(iso8601: String(format: "2026-11-%02dT%@:00Z", day + 1, clock))!
}

func loadFlow(_ yaml: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> Flow {
    let result = FlowLoader.load(yaml: yaml, file: "test.yaml")
    let flow = try #require(result.flow, "\(result.diagnostics)", sourceLocation: sourceLocation)
    let problems = (result.diagnostics + FlowValidator.validate(flow)).errors
    #expect(problems.isEmpty, "\(problems.map(\.description).joined(separator: "\n"))", sourceLocation: sourceLocation)
    return flow
}

/// The repository's example flow.
func examplePath(_ name: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("flows/\(name).yaml").path
}

func exampleFlow(_ name: String) throws -> Flow {
    let result = FlowLoader.load(file: examplePath(name))
    return try #require(result.flow, "\(result.diagnostics)")
}

func contact(_ waID: String = "31612345678", name: String = "Ana") -> ContactIdentity {
    ContactIdentity(waID: waID, name: name)
}

private nonisolated(unsafe) var messageCounter = 0

func text(_ body: String, sentAt: Timestamp? = nil) -> Event {
    messageCounter += 1
    return .inbound(InboundMessage(id: "wamid.in\(messageCounter)", sentAt: sentAt, content: .text(body)))
}

func tap(_ id: String, _ title: String) -> Event {
    .inbound(InboundMessage(id: "wamid.tap.\(id)", content: .buttonReply(id: id, title: title)))
}

func quickReply(_ label: String) -> Event {
    .inbound(InboundMessage(id: "wamid.qr.\(label)", content: .quickReply(payload: label, text: label)))
}

extension Transition {
    var templates: [String] { messages.compactMap { $0.payload.template?.name } }
    var freeForm: [Outbound] { messages.filter { !$0.payload.isTemplate } }
    var texts: [String] { messages.compactMap { $0.payload.text?.body } }
    var blocks: [TraceEvent] { trace.filter { $0.type == "held" } }
}
