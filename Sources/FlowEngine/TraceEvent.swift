import FlowModel
import WhatsAppCloud

/// One thing the engine did, and why, with typed fields: tests and tools match on the cases, never
/// on the words. `description` is for people; ``type`` names the case in JSON (`"type": "held"`).
public enum TraceEvent: Hashable, Sendable, CustomStringConvertible {
    case messageReceived(type: String, summary: String, sentAt: Timestamp)
    /// A customer message older than the newest one seen: it does not move the window.
    case lateMessage(sentAt: Timestamp, windowCountsFrom: Timestamp)
    case windowOpened(until: Timestamp)
    case windowExtended(until: Timestamp)
    /// ``Engine/windowNotice`` before the window closes (nothing is sent).
    case windowClosing(closesAt: Timestamp)
    /// The window closed (nothing is sent).
    case windowExpired(closedAt: Timestamp)
    case flowStarted(node: String, cause: StartCause)
    case nodeEntered(node: String, kind: String)
    case messageSent(SentRecord)
    /// The session guard held a step back: nothing was sent for it.
    case held(HeldRecord)
    /// A re-entry template already went for this closed window: no second one; the flow waits.
    case reentrySuppressed(node: String, template: String, sentAt: Timestamp)
    /// No re-entry template to send: the flow waits for the customer to write.
    case parked(node: String)
    /// A held step goes now that the customer reopened the window.
    case resumed(id: Int64, node: String)
    /// A held step will never go, and why.
    case dropped(id: Int64, node: String, why: DropReason)
    /// WhatsApp refused a message sent before the customer's latest message: the window is open,
    /// so the message goes again, free-form.
    case refusalSuperseded(ref: String, node: String, sentAt: Timestamp, customerWroteAt: Timestamp)
    case waiting(node: String, for: ContactState.Wait, until: Timestamp?)
    case keyword(phrase: String, target: String)
    case choiceMade(node: String, choice: String, target: String)
    case inputRejected(node: String, type: String, summary: String, attempt: Int, of: Int)
    case attemptsExhausted(node: String, attempts: Int, target: String)
    case variableSaved(node: String, name: String, value: String)
    case timerFired(kind: FlowTimer.Kind, node: String, target: String, cause: FiredCause)
    case timerIgnored(kind: FlowTimer.Kind, why: TimerIgnoredReason)
    case handoffStarted(node: String, queue: String?)
    case handoffSilent(node: String)
    case released(node: String, next: String)
    /// A person at the desk took the conversation: from the bot mid-flow (`node` is where the flow
    /// waits, nil when none runs) or from a `handoff:` step's queue.
    case takenOver(node: String?, agent: String)
    /// A person's message from the desk did not go, and why.
    case agentRefused(agent: String, why: AgentRefusal)
    case statusUpdated(ref: String, node: String, state: DeliveryStatus.State)
    case deliveryFailed(ref: String, node: String, code: Int?, title: String?)
    /// A template was not sent because a parameter rendered empty (WhatsApp refuses those).
    case templateParameterEmpty(node: String, template: String, component: String, position: Int)
    case truncated(node: String, warning: String)
    /// A business trigger was not run, and why.
    case triggerRefused(node: String, why: TriggerRefusal)
    case ignored(IgnoredReason)
    case flowEnded
    case error(node: String?, code: EngineErrorCode, detail: String)

    public enum StartCause: String, Codable, Hashable, Sendable {
        /// The customer wrote with no flow running.
        case customer
        /// The business started the flow at a node listed under `triggers:`.
        case businessTrigger = "business_trigger"
        /// The business started the flow at a node not listed under `triggers:`.
        case undeclaredTrigger = "undeclared_trigger"
    }

    /// Why a message went.
    public enum SendPurpose: String, Codable, Hashable, Sendable {
        /// A node's own message.
        case step
        /// The re-entry template the guard sends for a held step.
        case reentry
        /// A re-prompt after an answer that did not fit.
        case reprompt
        /// A refused message sent again.
        case resend
        /// A person's message from the desk.
        case person
    }

    public struct SentRecord: Hashable, Sendable {
        public var node: String
        public var ref: String
        /// The Cloud API message type (`text`, `interactive`, `template`…).
        public var messageType: String
        public var template: String?
        public var category: String?
        public var purpose: SendPurpose
    }

    /// Why the guard held a step back.
    public enum HoldCause: Hashable, Sendable {
        /// The window was closed when the step was to run.
        case windowClosed
        /// WhatsApp refused the message (131047).
        case refused(ref: String)
        /// A re-prompt met a closed window; the question is asked again on resume.
        case reprompt
    }

    public struct HeldRecord: Hashable, Sendable {
        public var id: Int64
        public var node: String
        public var reason: BlockReason
        public var cause: HoldCause
    }

    public enum DropReason: Hashable, Sendable {
        /// The customer sent a keyword; the keyword's target runs instead.
        case keyword(String)
        /// The customer's reply routes elsewhere (a quick reply or the template's `on_reply`).
        case routed(to: String)
        /// The business started the flow elsewhere.
        case trigger(String)
        /// A person had the conversation since; the flow goes on from the handoff.
        case handoff
        /// More steps were held than are kept.
        case limit
        /// The flow was reset.
        case reset
    }

    /// What a fired timer stood for.
    public enum FiredCause: Hashable, Sendable {
        case timeout(TimeSpan)
        case pauseEnded
        case beforeExpiry(TimeSpan)
    }

    public enum TimerIgnoredReason: String, Hashable, Sendable {
        /// A wait timer for an earlier wait: the contact moved on.
        case staleWait = "stale_wait"
        /// The node has no timeout.
        case noTimeout = "no_timeout"
        /// before_expiry for an earlier window: the customer wrote since.
        case staleWindow = "stale_window"
        /// A person has the conversation.
        case handoff
        /// The window is already closed.
        case windowClosed = "window_closed"
    }

    public enum TriggerRefusal: String, Hashable, Sendable {
        /// A person has the conversation: release first.
        case handoff
        case unknownNode = "unknown_node"
    }

    /// Why a person's message from the desk did not go.
    public enum AgentRefusal: Hashable, Sendable {
        /// The customer service window is closed (or never opened): only a template may go.
        case windowClosed
        /// The person does not hold the conversation: take it over first.
        case notHeld
        /// No template by that key under the flow's `templates:`.
        case unknownTemplate(String)
        /// The template needs a different number of body parameters, or one is empty.
        case parameters(template: String, expected: Int)
        /// The template needs header or button parameters, which the desk does not fill in.
        case unsupportedTemplate(String)
        /// An empty text.
        case empty

        /// A machine-readable name.
        public var code: String {
            switch self {
            case .windowClosed: "window_closed"
            case .notHeld: "not_held"
            case .unknownTemplate: "unknown_template"
            case .parameters: "parameters"
            case .unsupportedTemplate: "unsupported_template"
            case .empty: "empty"
            }
        }

        /// Why, in words (the trace and the desk say it).
        public var reason: String {
            switch self {
            case .windowClosed: "the 24-hour customer service window is closed, so only a template may go"
            case .notHeld: "take the conversation over first"
            case .unknownTemplate(let key): "no template '\(key)' under the flow's `templates:`"
            case .parameters(let template, let expected):
                "template '\(template)' needs \(expected) body parameter\(expected == 1 ? "" : "s"), none of them empty"
            case .unsupportedTemplate(let template): "template '\(template)' needs header or button parameters; send it from a flow node"
            case .empty: "it is empty"
            }
        }
    }

    public enum IgnoredReason: Hashable, Sendable {
        case reaction
        case pausing(node: String, until: Timestamp?)
        case notWithPerson
        case statusNotAwaited(ref: String, state: DeliveryStatus.State)
        /// A message sent too long ago to open a window: it answers nothing.
        case tooLateToAnswer(sentAt: Timestamp)
    }

    public enum EngineErrorCode: String, Hashable, Sendable {
        case stepLimit = "STEP_LIMIT"
        case unknownNode = "UNKNOWN_NODE"
        case render = "RENDER"
    }

    /// The case's name in JSON and in scenario expectations (`trace: held`).
    public var type: String {
        switch self {
        case .messageReceived: "message_received"
        case .lateMessage: "late_message"
        case .windowOpened: "window_opened"
        case .windowExtended: "window_extended"
        case .windowClosing: "window_closing"
        case .windowExpired: "window_expired"
        case .flowStarted: "flow_started"
        case .nodeEntered: "node_entered"
        case .messageSent: "message_sent"
        case .held: "held"
        case .reentrySuppressed: "reentry_suppressed"
        case .parked: "parked"
        case .resumed: "resumed"
        case .dropped: "dropped"
        case .refusalSuperseded: "refusal_superseded"
        case .waiting: "waiting"
        case .keyword: "keyword"
        case .choiceMade: "choice_made"
        case .inputRejected: "input_rejected"
        case .attemptsExhausted: "attempts_exhausted"
        case .variableSaved: "variable_saved"
        case .timerFired: "timer_fired"
        case .timerIgnored: "timer_ignored"
        case .handoffStarted: "handoff_started"
        case .handoffSilent: "handoff_silent"
        case .released: "released"
        case .takenOver: "taken_over"
        case .agentRefused: "agent_refused"
        case .statusUpdated: "status_updated"
        case .deliveryFailed: "delivery_failed"
        case .templateParameterEmpty: "template_parameter_empty"
        case .truncated: "truncated"
        case .triggerRefused: "trigger_refused"
        case .ignored: "ignored"
        case .flowEnded: "flow_ended"
        case .error: "error"
        }
    }

    /// The node the event is about, if any.
    public var node: String? {
        switch self {
        case .flowStarted(let node, _), .nodeEntered(let node, _), .reentrySuppressed(let node, _, _), .parked(let node),
            .resumed(_, let node), .dropped(_, let node, _), .refusalSuperseded(_, let node, _, _), .waiting(let node, _, _),
            .choiceMade(let node, _, _), .inputRejected(let node, _, _, _, _), .attemptsExhausted(let node, _, _),
            .variableSaved(let node, _, _), .timerFired(_, let node, _, _), .handoffStarted(let node, _), .handoffSilent(let node),
            .released(let node, _), .statusUpdated(_, let node, _), .deliveryFailed(_, let node, _, _),
            .templateParameterEmpty(let node, _, _, _), .truncated(let node, _), .triggerRefused(let node, _):
            node
        case .messageSent(let record): record.node
        case .held(let record): record.node
        case .error(let node, _, _): node
        case .takenOver(let node, _): node
        case .keyword(_, let target): target
        default: nil
        }
    }

    /// A machine-readable reason: the block reason, an error code, a template's category.
    public var reason: String? {
        switch self {
        case .held(let record): record.reason.rawValue
        case .deliveryFailed(_, _, let code, _): code.map(String.init)
        case .messageSent(let record): record.category
        case .flowStarted(_, let cause): cause == .customer ? nil : "BUSINESS_TRIGGER"
        case .keyword(let phrase, _): phrase
        case .error(_, let code, _): code.rawValue
        case .triggerRefused(_, let why): why.rawValue
        case .agentRefused(_, let why): why.code
        default: nil
        }
    }

    public var description: String {
        var text = type
        if let node { text += " [\(node)]" }
        if let reason { text += " (\(reason))" }
        return text + ": " + detail
    }

    /// What happened, in words, without the type and node.
    public var detail: String {
        switch self {
        case .messageReceived(let type, let summary, _): "\(type): \(summary)"
        case .lateMessage(let sentAt, let from):
            "a message sent at \(sentAt) arrived after a newer one; the window still counts from \(from)"
        case .windowOpened(let until): "window open until \(until)"
        case .windowExtended(let until): "window open until \(until)"
        case .windowClosing(let closes): "the window closes at \(closes)"
        case .windowExpired(let closed): "the window closed at \(closed); only templates may go until the customer writes"
        case .flowStarted(let node, let cause):
            switch cause {
            case .customer: "the flow starts at '\(node)'"
            case .businessTrigger: "the business starts the flow at '\(node)'"
            case .undeclaredTrigger: "the business starts the flow at '\(node)', which is not listed under `triggers:`"
            }
        case .nodeEntered(_, let kind): "entered \(kind) node"
        case .messageSent(let record):
            switch record.purpose {
            case .reentry: "re-entry template '\(record.template ?? "")' (\(record.category ?? ""))"
            case .reprompt: "re-prompt (\(record.messageType))"
            case .resend: "\(record.messageType) sent again after WhatsApp refused it"
            case .person: record.template.map { "a person's template '\($0)' (\(record.category ?? ""))" } ?? "a person's \(record.messageType)"
            case .step: record.template.map { "template '\($0)' (\(record.category ?? ""))" } ?? record.messageType
            }
        case .held(let record):
            switch record.cause {
            case .windowClosed:
                record.reason == .noActiveSession
                    ? "step held back: the contact has never written, so only a template may go"
                    : "step held back: the 24-hour customer service window has closed"
            case .refused(let ref): "WhatsApp refused \(ref) with \(GraphErrorCode.reEngagement) (its window had closed); held back to send again"
            case .reprompt: "re-prompt held back: the window has closed; the question is asked again when the customer writes"
            }
        case .reentrySuppressed(_, let template, let sentAt):
            "re-entry template '\(template)' already went at \(sentAt) for this closed window; no second one; waiting for the customer"
        case .parked: "nothing more may go now; the held steps go when the customer writes"
        case .resumed(let id, _): "held step #\(id) goes now: the customer reopened the window"
        case .dropped(let id, _, let why):
            switch why {
            case .keyword(let phrase): "held step #\(id) dropped: the customer sent keyword '\(phrase)'"
            case .routed(let target): "held step #\(id) dropped: the customer's reply routes to '\(target)'"
            case .trigger(let node): "held step #\(id) dropped: the business started the flow at '\(node)'"
            case .handoff: "held step #\(id) dropped: a person had the conversation since"
            case .limit: "held step #\(id) dropped: more than \(ContactState.heldLimit) steps were held"
            case .reset: "held step #\(id) dropped: the contact was reset"
            }
        case .refusalSuperseded(let ref, _, let sentAt, let wrote):
            "WhatsApp refused \(ref), sent at \(sentAt), but the customer wrote at \(wrote), so the window is open: sent again"
        case .waiting(_, let wait, let until): "waiting for \(wait.phrase)\(until.map { " until \($0)" } ?? "")"
        case .keyword(let phrase, let target): "keyword '\(phrase)' → \(target)"
        case .choiceMade(_, let choice, let target): "'\(choice)' → \(target)"
        case .inputRejected(_, let type, let summary, let attempt, let of):
            "\(type) '\(summary)' does not answer (attempt \(attempt) of \(of))"
        case .attemptsExhausted(_, let attempts, let target): "no usable answer after \(attempts) attempts → \(target)"
        case .variableSaved(_, let name, let value): "\(name) = \(value)"
        case .timerFired(_, _, let target, let cause):
            switch cause {
            case .timeout(let span): "no reply in \(span) → \(target)"
            case .pauseEnded: "the pause ended → \(target)"
            case .beforeExpiry(let lead): "\(lead) before the window closes → \(target)"
            }
        case .timerIgnored(let kind, let why):
            switch why {
            case .staleWait: "\(kind.rawValue) timer for an earlier step; the contact has moved on"
            case .noTimeout: "\(kind.rawValue) timer: the node has no timeout"
            case .staleWindow: "\(kind.rawValue) timer for an earlier window; the customer has written since"
            case .handoff: "\(kind.rawValue) timer: a person has the conversation"
            case .windowClosed: "\(kind.rawValue) timer: the window is already closed"
            }
        case .handoffStarted(_, let queue): "handed to a person\(queue.map { " (queue \($0))" } ?? ""); the bot is silent until released"
        case .handoffSilent: "a person has the conversation; the bot stays silent"
        case .released(_, let next): "a person handed the contact back → \(next)"
        case .takenOver(let node, let agent):
            "\(agent) has the conversation\(node.map { "; the bot stays silent at '\($0)' until handed back" } ?? "; the bot stays silent until handed back")"
        case .agentRefused(let agent, let why): "\(agent)'s message not sent: \(why.reason)"
        case .statusUpdated(let ref, _, let state): "\(ref) \(state.rawValue)"
        case .deliveryFailed(let ref, _, let code, let title):
            "\(ref) failed: \(code.map { "\($0) \(title ?? "")" } ?? "no error given")"
        case .templateParameterEmpty(_, let template, let component, let position):
            "template '\(template)' not sent: \(component) parameter \(position) is empty, and WhatsApp refuses empty parameters"
        case .truncated(_, let warning): warning
        case .triggerRefused(_, let why):
            switch why {
            case .handoff: "a person has the conversation; release the contact before starting the flow"
            case .unknownNode: "no such node in the flow"
            }
        case .ignored(let reason):
            switch reason {
            case .reaction: "a reaction does not answer the flow"
            case .pausing(_, let until): "the flow is pausing until \(until?.description ?? "later"); the message does not move it"
            case .notWithPerson: "the contact is not with a person"
            case .statusNotAwaited(let ref, let state): "a \(state.rawValue) status for \(ref), which is not awaited"
            case .tooLateToAnswer(let sentAt): "sent at \(sentAt), too long ago to open a window; it answers nothing"
            }
        case .flowEnded: "flow ended"
        case .error(_, _, let detail): detail
        }
    }
}

extension TraceEvent: Encodable {
    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// `{"type": …, "node": …, "reason": …, "detail": …}` plus the guard's typed fields.
    public func encode(to encoder: any Encoder) throws {
        var values = encoder.container(keyedBy: Key.self)
        try values.encode(type, forKey: Key("type"))
        try values.encodeIfPresent(node, forKey: Key("node"))
        try values.encodeIfPresent(reason, forKey: Key("reason"))
        try values.encode(detail, forKey: Key("detail"))
        switch self {
        case .held(let record):
            try values.encode(record.id, forKey: Key("id"))
            switch record.cause {
            case .windowClosed: try values.encode("window_closed", forKey: Key("cause"))
            case .reprompt: try values.encode("reprompt", forKey: Key("cause"))
            case .refused(let ref):
                try values.encode("refused", forKey: Key("cause"))
                try values.encode(ref, forKey: Key("ref"))
            }
        case .resumed(let id, _), .dropped(let id, _, _):
            try values.encode(id, forKey: Key("id"))
        case .messageSent(let record):
            try values.encode(record.ref, forKey: Key("ref"))
            try values.encode(record.purpose.rawValue, forKey: Key("purpose"))
        case .timerFired(let kind, _, _, _), .timerIgnored(let kind, _):
            try values.encode(kind.rawValue, forKey: Key("timer"))
        default:
            break
        }
    }
}
