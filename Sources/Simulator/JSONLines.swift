import FlowEngine
import FlowModel
import Foundation
import WhatsAppCloud

/// `--format json`: one JSON object per line, keys sorted, so scripts can read exactly what the bot
/// would send (the Cloud API payloads) and why (the trace).
public enum JSONLines {
    struct Input: Encodable {
        let type = "input"
        let at: String
        let text: String
    }
    struct Message: Encodable {
        let type = "message"
        let at: String
        let ref: String
        let node: String
        let category: String?
        let payload: OutboundMessage
    }
    /// A trace event: `type` is "trace", `event` the typed event with its own `type`.
    struct Trace: Encodable {
        let type = "trace"
        let at: String
        let event: TraceEvent
    }
    struct Window: Encodable {
        let type = "window"
        let at: String
        let open: Bool
        let closesAt: String?
        let node: String?
        let waitingFor: String?
        enum CodingKeys: String, CodingKey {
            case type, at, open, node
            case closesAt = "closes_at"
            case waitingFor = "waiting_for"
        }
    }
    struct Problem: Encodable {
        let type = "error"
        let at: String
        let message: String
    }
    struct State: Encodable {
        let type = "state"
        let at: String
        let state: ContactState
    }

    public static func input(_ line: String, at time: Timestamp) -> [String] {
        [Input(at: time.description, text: line).jsonString()]
    }

    public static func transitions(_ transitions: [Transition]) -> [String] {
        var lines: [String] = []
        for transition in transitions {
            var messages = transition.messages.makeIterator()
            let at = transition.time.description
            for event in transition.trace {
                if case .messageSent = event, let message = messages.next() {
                    lines.append(
                        Message(at: at, ref: message.ref, node: message.node, category: message.category, payload: message.payload).jsonString()
                    )
                }
                lines.append(Trace(at: at, event: event).jsonString())
            }
        }
        return lines
    }

    public static func window(_ session: SimulatorSession) -> String {
        Window(
            at: session.now.description,
            open: session.window.isOpen(session.state, at: session.now),
            closesAt: session.window.closesAt(session.state)?.description,
            node: session.state.position?.node,
            waitingFor: session.state.position?.waitingFor.rawValue
        ).jsonString()
    }

    public static func error(_ message: String, at time: Timestamp) -> String {
        Problem(at: time.description, message: message).jsonString()
    }

    public static func state(_ session: SimulatorSession) -> String {
        State(at: session.now.description, state: session.state).jsonString()
    }
}
