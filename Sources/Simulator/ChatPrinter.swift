import FlowEngine
import FlowModel
import Rainbow
import WhatsAppCloud

/// Draws a simulated conversation for a person: messages like a chat, buttons and rows numbered,
/// notices whenever the session guard, a timer or a keyword acts, and a status line with the window.
/// Colour only when `color` is set (a terminal); otherwise plain text, identical run to run.
public struct ChatPrinter {
    public var color: Bool
    let flow: Flow
    private var lastDay: String?

    public init(flow: Flow, color: Bool) {
        self.flow = flow
        self.color = color
    }

    // MARK: Styling

    private func paint(_ text: String, _ style: (String) -> String) -> String { color ? style(text) : text }
    private func bot(_ text: String) -> String { paint(text) { $0.cyan } }
    private func you(_ text: String) -> String { paint(text) { $0.green } }
    private func guardNote(_ text: String) -> String { paint(text) { $0.red.bold } }
    private func notice(_ text: String) -> String { paint(text) { $0.yellow } }
    private func dim(_ text: String) -> String { paint(text) { $0.dim } }

    // MARK: Lines

    /// The banner at the start of a session.
    public mutating func banner(session: SimulatorSession) -> [String] {
        let who = session.state.contact
        lastDay = TimeText.day(session.now)
        return [
            dim("Flowgate simulator · flow \(flow.name.value) · contact \(who.name ?? who.id) (\(who.id))"),
            dim("── \(TimeText.weekday(session.now)) \(TimeText.day(session.now)) ── clock at \(dateTime(session.now)) · type a message, or /help"),
        ]
    }

    /// What the customer did, as a chat line (for piped input, where the terminal did not echo it).
    public mutating func input(_ line: String, at time: Timestamp) -> [String] {
        dayChange(time) + ["[\(TimeText.time(time))] " + you("you: ") + line]
    }

    /// The prompt for an interactive terminal.
    public mutating func prompt(at time: Timestamp) -> Prompt {
        Prompt(lines: dayChange(time), text: "[\(TimeText.time(time))] " + you("you: "))
    }

    /// What to show before reading a line: a day change, if any, then the prompt itself.
    public struct Prompt: Sendable {
        public var lines: [String]
        public var text: String
    }

    /// Messages and notices from the engine, in the order they happened.
    public mutating func transitions(_ transitions: [Transition]) -> [String] {
        var lines: [String] = []
        for transition in transitions {
            var messages = transition.messages.makeIterator()
            lines += dayChange(transition.time)
            for event in transition.trace {
                if case .messageSent = event, let message = messages.next() {
                    lines += self.message(message, at: transition.time)
                } else if let line = noteLine(event, at: transition.time) {
                    lines.append(line)
                }
            }
        }
        return lines
    }

    /// The line under each turn: the window and where the flow waits.
    /// A time in UTC, with the flow's local time beside it when the flow has a `time_zone`.
    func dateTime(_ stamp: Timestamp) -> String { TimeText.dateTime(stamp, zone: flow.timeZone) }

    public func status(_ session: SimulatorSession) -> String {
        dim("   ── " + windowText(session) + " · " + positionText(session))
    }

    public func windowText(_ session: SimulatorSession) -> String {
        let state = session.state
        guard let closes = session.window.closesAt(state) else { return "no window: the contact has never written" }
        if session.window.isOpen(state, at: session.now) {
            return "window open until \(dateTime(closes)) (\(TimeText.left(closes - session.now)) left)"
        }
        if session.window.isRefused(state), let refused = state.refusedSentAt {
            return "window closed: WhatsApp refused a message sent at \(dateTime(refused)) (131047)"
        }
        return "window expired since \(dateTime(closes))"
    }

    func positionText(_ session: SimulatorSession) -> String {
        let state = session.state
        if let handoff = state.handoff { return "with a person since \(dateTime(handoff.since)) (/release to hand back)" }
        guard let position = state.position else { return "flow not running (the next message starts it)" }
        var text = "at \(position.node), waiting for \(position.waitingFor.phrase)"
        if let due = position.timerDue { text += " until \(TimeText.near(due, now: session.now))" }
        return text
    }

    /// `/state`: everything about the contact.
    public func stateReport(_ session: SimulatorSession) -> [String] {
        let state = session.state
        var lines = [dim("   ┌ state at \(dateTime(session.now))")]
        func row(_ text: String) { lines.append(dim("   │ ") + text) }
        row(windowText(session))
        row(positionText(session))
        for step in state.held {
            let what = step.message == nil ? "flow step" : "refused message \(step.message?.ref ?? "")"
            row("held #\(step.id): \(step.node), \(what) (\(step.reason.rawValue)) since \(dateTime(step.at))")
        }
        if let mark = state.reentry { row("re-entry template '\(mark.node)' sent at \(dateTime(mark.at)); no other until the customer writes") }
        let timers = session.contact.timers.values.sorted { $0.due < $1.due }
        row("timers: " + (timers.isEmpty ? "none" : timers.map { "\($0.kind.rawValue) at \(dateTime($0.due))" }.joined(separator: ", ")))
        let variables = state.variables.sorted { $0.key < $1.key }
        row("variables: " + (variables.isEmpty ? "none" : variables.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")))
        let accounting = state.accounting
        row(
            "sent: \(accounting.freeFormMessages) free-form, templates \(Self.categories(accounting.templates)); windows opened: \(accounting.windowsOpened); steps blocked: \(accounting.blockedSteps)"
        )
        row(
            "billable: \(Self.billable(accounting)) (delivered templates only; free-form messages, and utility templates sent inside WhatsApp's window, are free)"
        )
        lines.append(dim("   └"))
        return lines
    }

    static func categories(_ counts: [String: Int]) -> String {
        counts.isEmpty ? "none" : counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key.lowercased())" }.joined(separator: ", ")
    }

    /// Templates WhatsApp charges for: delivered ones, except utility templates sent while
    /// WhatsApp's own window was open.
    static func billable(_ accounting: Accounting) -> String {
        let counts = accounting.billableTemplates.filter { $0.value > 0 }
        let listed = counts.sorted { $0.key < $1.key }.map { category, count in
            let noun = count == 1 ? "template" : "templates"
            return "\(count) \(category.lowercased()) \(noun)"
        }
        var text = counts.isEmpty ? "nothing" : listed.joined(separator: ", ")
        let delivered = accounting.templatesDelivered.values.reduce(0, +)
        let sent = accounting.templates.values.reduce(0, +)
        let awaiting = sent - delivered - accounting.templatesFailed
        if awaiting > 0 { text += "; \(awaiting) template\(awaiting == 1 ? "" : "s") not reported delivered yet" }
        if accounting.templatesFailed > 0 { text += "; \(accounting.templatesFailed) failed (free)" }
        return text
    }

    // MARK: Pieces

    private mutating func dayChange(_ time: Timestamp) -> [String] {
        let day = TimeText.day(time)
        guard day != lastDay else { return [] }
        lastDay = day
        return [dim("── \(TimeText.weekday(time)) \(day) ──")]
    }

    private func message(_ message: Outbound, at time: Timestamp) -> [String] {
        let body = MessageText.lines(message, flow: flow)
        let label = "bot #\(SimulatorSession.number(of: message)): "
        let head = "[\(TimeText.time(time))] " + bot(label)
        let indent = String(repeating: " ", count: TimeText.time(time).count + 3 + label.count)
        return body.enumerated().map { index, line in (index == 0 ? head : indent) + line }
    }

    private func noteLine(_ event: TraceEvent, at time: Timestamp) -> String? {
        let clock = TimeText.time(time)
        switch event {
        case .held(let record):
            return guardNote("   ! guard: '\(record.node)' [\(record.reason.rawValue)] \(event.detail) (#\(record.id))")
        case .reentrySuppressed, .parked, .resumed, .dropped, .refusalSuperseded, .templateParameterEmpty:
            return guardNote("   ! guard: \(event.detail)\(event.node.map { " ('\($0)')" } ?? "")")
        case .lateMessage:
            return notice("   * late: \(event.detail)")
        case .timerFired:
            return notice("   ⏱ \(clock) timer: \(event.detail)")
        case .timerIgnored:
            return notice("   ⏱ \(clock) timer ignored: \(event.detail)")
        case .keyword:
            return notice("   * \(event.detail)")
        case .handoffStarted, .handoffSilent, .released:
            return notice("   * handoff: \(event.detail)")
        case .deliveryFailed:
            return guardNote("   ! delivery failed: \(event.detail)")
        case .truncated:
            return notice("   ! shortened: \(event.detail)")
        case .triggerRefused:
            return guardNote("   ! trigger refused: \(event.detail)")
        case .attemptsExhausted, .ignored, .flowEnded:
            return notice("   * \(event.detail)")
        case .error:
            return guardNote("   ! error: \(event.detail)")
        case .flowStarted(_, let cause) where cause != .customer:
            return notice("   * \(event.detail)")
        default:
            return nil
        }
    }
}
