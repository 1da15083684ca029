import FlowEngine
import FlowModel
import FlowStore

/// What one transition adds to a contact's conversation log: the customer's message, the
/// messages sent (as a person reads them in the chat), and the guard's and the desk's notices in
/// line with them.
enum LogEntries {
    /// The trace events a person at the desk sees in line, as notices.
    static func isNotice(_ event: TraceEvent) -> Bool {
        switch event {
        case .held, .resumed, .dropped, .parked, .handoffStarted, .takenOver, .released, .agentRefused, .refusalSuperseded: true
        default: false
        }
    }

    /// Adds what an event and its transition log to a commit: the lines, and a status for the
    /// message a delivery status names.
    static func add(_ event: Event, _ transition: Transition, contact: ContactKey, flow: Flow, now: Timestamp, to commit: inout Commit) {
        var agent: String?
        if case .agentMessage(let message) = event { agent = message.agent }
        commit.log += of(transition, contact: contact, flow: flow, agent: agent, now: now)
        if case .status(let status) = event {
            let failure = status.errors.first.map { "\($0.code) \($0.title)" }
            commit.logStatuses.append(LogStatus(contact: contact, ref: status.ref, state: status.state, at: now, error: failure))
        }
    }

    static func of(_ transition: Transition, contact: ContactKey, flow: Flow, agent: String?, now: Timestamp) -> [LogEntry] {
        var entries: [LogEntry] = []
        for event in transition.trace {
            switch event {
            case .messageReceived(let type, let summary, let sentAt):
                entries.append(LogEntry(contact: contact, at: sentAt, direction: .inbound, kind: type, text: summary))
            case .messageSent(let record):
                guard let message = transition.messages.first(where: { $0.ref == record.ref }) else { continue }
                if record.purpose == .reentry {
                    entries.append(LogEntry(contact: contact, at: now, direction: .notice, kind: "reentry", text: event.detail))
                }
                entries.append(
                    LogEntry(
                        contact: contact,
                        at: now,
                        direction: .outbound,
                        kind: record.messageType,
                        text: MessageText.lines(message, flow: flow).joined(separator: "\n"),
                        template: record.template,
                        ref: record.ref,
                        agent: record.purpose == .person ? agent : nil
                    )
                )
            default:
                if isNotice(event) {
                    entries.append(LogEntry(contact: contact, at: now, direction: .notice, kind: event.type, text: event.detail))
                }
            }
        }
        return entries
    }
}
