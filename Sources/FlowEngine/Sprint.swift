import FlowModel
import Foundation
import WhatsAppCloud

/// One event's work on one contact (goflow's word: a sprint). Mutable while it runs, then frozen into a
/// ``Transition``.
struct Sprint {
    let engine: Engine
    let now: Timestamp
    var state: ContactState
    var messages: [Outbound] = []
    var trace: [TraceEvent] = []
    var steps = 0
    /// The re-entry template node the guard just routed to, so its send is traced as re-entry.
    var reentryPending: String?

    init(engine: Engine, state: ContactState, now: Timestamp) {
        self.engine = engine
        self.state = state
        self.now = now
    }

    var flow: Flow { engine.flow }
    var window: SessionWindow { engine.window }

    mutating func note(_ event: TraceEvent) {
        trace.append(event)
    }

    // MARK: Running nodes

    /// Runs from `name` until the flow waits or ends.
    mutating func run(from name: String) {
        var current: String? = name
        while let name = current {
            if name == Target.endName {
                endFlow()
                return
            }
            guard steps < engine.stepLimit else {
                note(
                    .error(
                        node: name,
                        code: .stepLimit,
                        detail: "stopped after \(engine.stepLimit) steps in one event; the flow loops without waiting"
                    )
                )
                endFlow()
                return
            }
            steps += 1
            guard let node = flow.nodes[name] else {
                note(.error(node: name, code: .unknownNode, detail: "no node '\(name)' in flow '\(flow.name.value)'"))
                endFlow()
                return
            }
            note(.nodeEntered(node: name, kind: node.step.kind))
            current = execute(node)
        }
    }

    /// Does what the node does; returns where to go next, or nil when the flow now waits or ended.
    /// A node that sends goes through ``send(_:)``, where the session guard sits: when it refuses,
    /// the step is held back and the flow goes to the re-entry template.
    mutating func execute(_ node: FlowNode) -> String? {
        node.step.behavior.enter(node, in: &self)
    }

    mutating func wait(at node: FlowNode, for kind: ContactState.Wait, timer: TimeSpan?) {
        state.waitSequence += 1
        state.failedAttempts = 0
        let due = timer.map { now + $0 }
        state.position = ContactState.Position(node: node.id, waitingFor: kind, timerDue: due)
        note(.waiting(node: node.id, for: kind, until: due))
    }

    mutating func endFlow() {
        state.position = nil
        state.failedAttempts = 0
        note(.flowEnded)
    }

    /// Leaves the current wait without going anywhere yet.
    mutating func leaveWait() {
        state.position = nil
        state.failedAttempts = 0
    }

    // MARK: Sending: the one way out, with the guard on it

    /// True when a free-form message may go now: the window is open and no person has the
    /// conversation.
    var maySendFreeForm: Bool {
        state.handoff == nil && window.isOpen(state, at: now)
    }

    /// Renders and sends the node's message. False when nothing went: the guard refused a
    /// free-form message, or a template could not be filled in.
    mutating func send(_ node: FlowNode) -> Bool {
        guard !node.step.isFreeForm || maySendFreeForm else { return false }
        // Whether the message depends on variables: one that does not is what its node renders
        // every time, so the state need not keep a copy for a possible refusal.
        var readsVariables = false
        let scope = scope
        var renderer = MessageRenderer(flow: flow, to: state.contact.recipient) { name in
            readsVariables = true
            return scope.lookup(name)
        }
        guard let rendered = renderer.render(node) else {
            note(.error(node: node.id, code: .render, detail: "nothing to send for this node"))
            return false
        }
        if let template = rendered.payload.template, let empty = Self.emptyParameter(in: template) {
            note(.templateParameterEmpty(node: node.id, template: template.name, component: empty.component, position: empty.position))
            return false
        }
        for warning in renderer.warnings { note(.truncated(node: node.id, warning: warning)) }
        let purpose: TraceEvent.SendPurpose = reentryPending == node.id ? .reentry : .step
        if purpose == .reentry { reentryPending = nil }
        return emit(rendered.payload, node: node.id, category: rendered.category, purpose: purpose, rendersAgain: !readsVariables)
    }

    /// A re-prompt after an answer that did not fit. With the window closed it is a held step
    /// like any other: the question is asked again when the customer reopens the window.
    mutating func reprompt(_ body: String, at node: FlowNode) {
        var renderer = MessageRenderer(flow: flow, to: state.contact.recipient, lookup: scope.lookup)
        let text = renderer.fit(body, WhatsAppLimits.textBody, "text body")
        let payload = OutboundMessage(to: state.contact.recipient, text: TextObject(body: text))
        guard emit(payload, node: node.id, category: nil, purpose: .reprompt) else {
            leaveWait()
            if let next = hold(node, cause: .reprompt) { run(from: next) }
            return
        }
    }

    /// The only place a message leaves the engine. A free-form message goes only while
    /// ``maySendFreeForm`` (a person's from the desk: while the window is open); otherwise nothing
    /// is sent and the caller holds the step back.
    ///
    /// A free-form message is kept in the state until its status comes, to be sent again as it
    /// was if WhatsApp refuses it; not when `rendersAgain` (its node, with no variables in it,
    /// renders exactly this message again).
    @discardableResult
    mutating func emit(
        _ payload: OutboundMessage,
        node: String,
        category: String?,
        purpose: TraceEvent.SendPurpose,
        rendersAgain: Bool = false
    ) -> Bool {
        let mayGo = category != nil || (purpose == .person ? window.isOpen(state, at: now) : maySendFreeForm)
        guard mayGo else { return false }
        state.outboundSequence += 1
        let ref = "\(state.contact.id)-\(state.outboundSequence)"
        messages.append(Outbound(ref: ref, node: node, payload: payload, category: category))
        if let category {
            state.accounting.templates[category, default: 0] += 1
        } else {
            state.accounting.freeFormMessages += 1
        }
        note(
            .messageSent(
                TraceEvent.SentRecord(
                    node: node,
                    ref: ref,
                    messageType: payload.type.rawValue,
                    template: payload.template?.name,
                    category: category,
                    purpose: purpose
                )
            )
        )
        state.awaitingStatus.append(
            ContactState.SentMessage(
                ref: ref,
                node: node,
                sequence: state.outboundSequence,
                isTemplate: category != nil,
                sentAt: now,
                state: nil,
                category: category,
                insideWhatsAppWindow: category == nil ? nil : window.isOpenForWhatsApp(state, at: now),
                payload: category == nil && !rendersAgain ? SharedPayload(payload) : nil
            )
        )
        // Keep what a status can still matter for: the newest few, from the last two days. A status
        // for an older message finds nothing and is ignored.
        let horizon = now - ContactState.statusHorizon
        state.awaitingStatus.removeAll { $0.sentAt < horizon }
        let excess = state.awaitingStatus.count - ContactState.awaitingStatusLimit
        if excess > 0 { state.awaitingStatus.removeFirst(excess) }
        return true
    }

    /// The window notice timer of a kind for a state: none before the customer's first message.
    static func windowTimer(_ kind: FlowTimer.Kind, _ state: ContactState, lead: TimeSpan, window: SessionWindow) -> FlowTimer? {
        guard let last = state.lastInboundAt, let closes = window.closesAt(state) else { return nil }
        let due = kind == .windowClosing ? closes - lead : closes
        return FlowTimer(kind: kind, due: due, token: last.millisecondsSince1970)
    }

    /// The first template parameter that rendered empty, which the Cloud API refuses.
    static func emptyParameter(in template: TemplateObject) -> (component: String, position: Int)? {
        for component in template.components ?? [] {
            for (index, parameter) in component.parameters.enumerated() {
                let value = parameter.text ?? parameter.payload ?? parameter.image?.link ?? parameter.video?.link ?? parameter.document?.link
                if (value ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
                    let name = component.subType.map { "\(component.type) \($0)" } ?? component.type
                    return (name, index + 1)
                }
            }
        }
        return nil
    }

    // MARK: Variables

    /// The value of a `{{variable}}`.
    func lookup(_ name: String) -> String? { scope.lookup(name) }

    /// What variables read, without the rest of the run (cheap to capture in a closure).
    var scope: VariableScope {
        VariableScope(contact: state.contact, reply: state.reply, variables: state.variables, now: now)
    }

    mutating func save(_ name: String, _ value: String, node: String) {
        state.variables[name] = value
        note(.variableSaved(node: node, name: name, value: value))
    }

    // MARK: Finishing

    /// Freezes the run, working out the timer changes from the state before and after.
    func finish(previous: ContactState) -> Transition {
        var timers: [TimerChange] = []
        let waitBefore = previous.position?.timerDue.map { FlowTimer(kind: .wait, due: $0, token: previous.waitSequence) }
        let waitAfter = state.position?.timerDue.map { FlowTimer(kind: .wait, due: $0, token: state.waitSequence) }
        if waitAfter != waitBefore {
            timers.append(waitAfter.map(TimerChange.set) ?? .cancel(.wait))
        }
        let expiryToken = state.lastInboundAt?.millisecondsSince1970 ?? 0
        let expiryBefore = previous.beforeExpiryDue.map {
            FlowTimer(kind: .beforeExpiry, due: $0, token: previous.lastInboundAt?.millisecondsSince1970 ?? 0)
        }
        let expiryAfter = state.beforeExpiryDue.map { FlowTimer(kind: .beforeExpiry, due: $0, token: expiryToken) }
        if expiryAfter != expiryBefore {
            timers.append(expiryAfter.map(TimerChange.set) ?? .cancel(.beforeExpiry))
        }
        if let lead = engine.windowNotice {
            // Derived from the window alone: they move only when the customer writes.
            for kind in [FlowTimer.Kind.windowClosing, .windowExpired] {
                let before = Self.windowTimer(kind, previous, lead: lead, window: window)
                let after = Self.windowTimer(kind, state, lead: lead, window: window)
                if after != before { timers.append(after.map(TimerChange.set) ?? .cancel(kind)) }
            }
        }
        return Transition(time: now, state: state, messages: messages, timers: timers, trace: trace)
    }
}
