import FlowModel
import WhatsAppCloud

/// One event's work on one contact: the "sprint". Mutable while it runs, then frozen into a
/// ``Transition``.
struct Run {
    let engine: Engine
    let now: Timestamp
    var state: ContactState
    var messages: [Outbound] = []
    var trace: [TraceEvent] = []
    var steps = 0

    init(engine: Engine, state: ContactState, now: Timestamp) {
        self.engine = engine
        self.state = state
        self.now = now
    }

    var flow: Flow { engine.flow }
    var window: SessionWindow { engine.window }

    mutating func note(_ kind: TraceEvent.Kind, node: String? = nil, reason: String? = nil, _ detail: String) {
        trace.append(TraceEvent(kind, node: node, reason: reason, detail))
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
                note(.error, node: name, reason: "STEP_LIMIT", "stopped after \(engine.stepLimit) steps in one event; the flow loops without waiting")
                endFlow()
                return
            }
            steps += 1
            guard let node = flow.nodes[name] else {
                note(.error, node: name, reason: "UNKNOWN_NODE", "no node '\(name)' in flow '\(flow.name.value)'")
                endFlow()
                return
            }
            note(.nodeEntered, node: name, "entered \(node.step.kind) node")
            if node.step.isFreeForm, !window.isOpen(state, at: now) {
                current = block(node)
                continue
            }
            current = execute(node)
        }
    }

    /// The session guard: nothing is sent; the flow goes to the node's re-entry template, or parks
    /// until the customer writes when there is none.
    mutating func block(_ node: FlowNode, reason: BlockReason? = nil, refusedSequence: Int64? = nil) -> String? {
        let reason = reason ?? window.blockReason(state)
        state.blocked = ContactState.BlockedStep(node: node.id, reason: reason, at: now, refusedSequence: refusedSequence)
        state.accounting.blockedSteps += 1
        let why = refusedSequence != nil ? "WhatsApp refused it with 131047, the window had closed"
            : reason == .noActiveSession ? "the contact has never written" : "the 24-hour customer service window has expired"
        guard let reentry = flow.reentry(for: node), let target = flow.nodes[reentry.name], !target.step.isFreeForm else {
            note(.blocked, node: node.id, reason: reason.rawValue, "\(node.step.kind) step held back: \(why); no re-entry template, so the flow waits for the customer to write")
            wait(at: node, for: .blocked, timer: nil)
            return nil
        }
        note(.blocked, node: node.id, reason: reason.rawValue, "\(node.step.kind) step held back: \(why); sending re-entry template '\(reentry.name)' instead")
        return reentry.name
    }

    /// Does what the node does; returns where to go next, or nil when the flow now waits or ended.
    mutating func execute(_ node: FlowNode) -> String? {
        let next = node.next?.name ?? Target.endName
        switch node.step {
        case .text, .media, .location, .contacts, .ctaURL:
            send(node)
            return next
        case .buttons, .list:
            send(node)
            wait(at: node, for: .choice, timer: node.input.timeout?.after)
            return nil
        case .ask, .locationRequest:
            send(node)
            wait(at: node, for: .answer, timer: node.input.timeout?.after)
            return nil
        case .template(let template):
            send(node)
            guard template.waitsForReply else { return next }
            wait(at: node, for: .templateReply, timer: node.input.timeout?.after)
            return nil
        case .branch(let branch):
            let evaluator = Conditions(scope: scope, state: state, window: window)
            for item in branch.cases where evaluator.holds(item.condition) {
                note(.choiceMade, node: node.id, "branch: \(item.condition.summary) → \(item.target.name)")
                return item.target.name
            }
            note(.choiceMade, node: node.id, "branch: no case held → \(next)")
            return next
        case .set(let set):
            for assignment in set.assignments {
                let value = assignment.value.render(scope.lookup)
                save(assignment.name.value, value, node: node.id)
            }
            return next
        case .wait(let wait):
            switch wait.mode {
            case .delay(let span): self.wait(at: node, for: .pause, timer: span)
            case .reply: self.wait(at: node, for: .reply, timer: node.input.timeout?.after)
            }
            return nil
        case .handoff(let handoff):
            state.handoff = ContactState.Handoff(node: node.id, queue: handoff.queue, since: now)
            note(.handoffStarted, node: node.id, "handed to a person\(handoff.queue.map { " (queue \($0))" } ?? ""); the bot is silent until released")
            wait(at: node, for: .handoff, timer: nil)
            return nil
        case .end:
            endFlow()
            return nil
        }
    }

    mutating func wait(at node: FlowNode, for kind: ContactState.Wait, timer: TimeSpan?) {
        state.waitSequence += 1
        state.failedAttempts = 0
        state.position = ContactState.Position(node: node.id, waitingFor: kind, timerDue: timer.map { now + $0 })
        let until = timer.map { " until \(now + $0)" } ?? ""
        note(.waiting, node: node.id, "waiting for \(kind.phrase)\(until)")
    }

    mutating func endFlow() {
        state.position = nil
        state.failedAttempts = 0
        note(.flowEnded, "flow ended")
    }

    /// Leaves the current wait without going anywhere yet.
    mutating func leaveWait() {
        state.position = nil
        state.failedAttempts = 0
    }

    // MARK: Sending

    mutating func send(_ node: FlowNode) {
        var renderer = MessageRenderer(flow: flow, to: state.contact.recipient, lookup: scope.lookup)
        guard let rendered = renderer.render(node) else {
            note(.error, node: node.id, reason: "RENDER", "nothing to send for this node")
            return
        }
        for warning in renderer.warnings { note(.truncated, node: node.id, warning) }
        emit(rendered.payload, node: node.id, category: rendered.category)
    }

    mutating func sendText(_ body: String, node: String) {
        var renderer = MessageRenderer(flow: flow, to: state.contact.recipient, lookup: scope.lookup)
        let text = renderer.fit(body, WhatsAppLimits.textBody, "text body")
        emit(OutboundMessage(to: state.contact.recipient, text: TextObject(body: text)), node: node, category: nil)
    }

    mutating func emit(_ payload: OutboundMessage, node: String, category: String?) {
        state.outboundSequence += 1
        let ref = "\(state.contact.id)-\(state.outboundSequence)"
        messages.append(Outbound(ref: ref, node: node, payload: payload, category: category))
        let open = window.isOpen(state, at: now)
        if let category {
            state.accounting.templates[category, default: 0] += 1
            if open { state.accounting.templatesInWindow[category, default: 0] += 1 }
            note(.messageSent, node: node, reason: category, "template '\(payload.template?.name ?? "")' (\(category))")
        } else {
            state.accounting.freeFormMessages += 1
            note(.messageSent, node: node, "\(payload.type.rawValue)\(payload.interactive.map { " (\($0.type.rawValue))" } ?? "")")
        }
        state.awaitingStatus.append(ContactState.SentMessage(ref: ref, node: node, sequence: state.outboundSequence,
                                                             isTemplate: category != nil, sentAt: now, state: nil))
        // Keep what a status can still matter for: the newest few, from the last two days. A status
        // for an older message finds nothing and is ignored (it cannot reopen a closed window).
        let horizon = now - ContactState.statusHorizon
        state.awaitingStatus.removeAll { $0.sentAt < horizon }
        let excess = state.awaitingStatus.count - ContactState.awaitingStatusLimit
        if excess > 0 { state.awaitingStatus.removeFirst(excess) }
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
        note(.variableSaved, node: node, "\(name) = \(value)")
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
        let expiryBefore = previous.beforeExpiryDue.map { FlowTimer(kind: .beforeExpiry, due: $0, token: previous.lastInboundAt?.millisecondsSince1970 ?? 0) }
        let expiryAfter = state.beforeExpiryDue.map { FlowTimer(kind: .beforeExpiry, due: $0, token: expiryToken) }
        if expiryAfter != expiryBefore {
            timers.append(expiryAfter.map(TimerChange.set) ?? .cancel(.beforeExpiry))
        }
        return Transition(time: now, state: state, messages: messages, timers: timers, trace: trace)
    }
}
