import FlowModel
import WhatsAppCloud

/// The session guard's bookkeeping: holding steps back, sending one re-entry template per closed
/// window, resuming held steps in send order when the customer reopens the window, and dropping
/// them only with a trace entry that says why. See `docs/session-guard.md`.
extension Sprint {
    /// Holds a flow step back (the guard refused it, or a re-prompt met a closed window) and returns
    /// the re-entry template to run, or nil when the flow now waits for the customer.
    mutating func hold(_ node: FlowNode, cause: TraceEvent.HoldCause) -> String? {
        // One flow step is held at a time: the newest is where the flow goes on.
        if let index = state.held.firstIndex(where: \.isFlowStep) {
            let superseded = state.held.remove(at: index)
            note(.dropped(id: superseded.id, node: superseded.node, why: .routed(to: node.id)))
        }
        let reason = window.blockReason(state)
        let step = addHeld(node: node.id, reason: reason, at: now, message: nil)
        state.heldPosition = nil
        note(.held(TraceEvent.HeldRecord(id: step.id, node: node.id, reason: reason, cause: cause)))
        return reenter(for: node)
    }

    /// Holds a refused message back, to send again as it was when the window reopens.
    mutating func holdRefused(_ sent: ContactState.SentMessage, payload: OutboundMessage, reason: BlockReason) {
        let message = ContactState.RefusedMessage(ref: sent.ref, sequence: sent.sequence, payload: payload)
        let step = addHeld(node: sent.node, reason: reason, at: sent.sentAt, message: message)
        note(.held(TraceEvent.HeldRecord(id: step.id, node: sent.node, reason: reason, cause: .refused(ref: sent.ref))))
    }

    /// Adds a held step in send order: refused messages by their sequence, a flow step last.
    private mutating func addHeld(node: String, reason: BlockReason, at: Timestamp, message: ContactState.RefusedMessage?) -> ContactState.HeldStep {
        state.heldSequence += 1
        state.accounting.blockedSteps += 1
        let step = ContactState.HeldStep(id: state.heldSequence, node: node, reason: reason, at: at, message: message)
        if let message {
            let index = state.held.firstIndex { $0.message.map { $0.sequence > message.sequence } ?? true } ?? state.held.endIndex
            state.held.insert(step, at: index)
        } else {
            state.held.append(step)
        }
        while state.held.count > ContactState.heldLimit {
            let oldest = state.held.removeFirst()
            note(.dropped(id: oldest.id, node: oldest.node, why: .limit))
        }
        return step
    }

    /// The re-entry template for a held step, once per closed window. Returns the template node to
    /// run, or nil when the flow parks (no re-entry route, or the template already went).
    mutating func reenter(for node: FlowNode) -> String? {
        guard let reentry = flow.reentry(for: node), let target = flow.nodes[reentry.name], case .template = target.step else {
            park()
            return nil
        }
        if let mark = state.reentry {
            note(.reentrySuppressed(node: node.id, template: mark.node, sentAt: mark.at))
            if !isWaitingAtReentryTemplate { park() }
            return nil
        }
        state.reentry = ContactState.ReentryMark(node: reentry.name, at: now)
        reentryPending = reentry.name
        return reentry.name
    }

    /// True when the flow waits for the reply to the re-entry template already sent.
    var isWaitingAtReentryTemplate: Bool {
        guard let position = state.position, let mark = state.reentry else { return false }
        return position.node == mark.node && position.waitingFor == .templateReply
    }

    /// Waits for the customer to write, with held steps to resume then.
    mutating func park() {
        let node = state.held.last?.node ?? state.position?.node ?? flow.start.name
        note(.parked(node: node))
        state.waitSequence += 1
        state.failedAttempts = 0
        state.position = ContactState.Position(node: node, waitingFor: .blocked, timerDue: nil)
    }

    /// A template did not go (a parameter rendered empty). A re-entry template that cannot go
    /// leaves the held steps waiting for the customer; any other ends the flow.
    mutating func templateNotSent(_ node: FlowNode) {
        if reentryPending == node.id || state.reentry?.node == node.id && !state.held.isEmpty {
            reentryPending = nil
            state.reentry = nil
            park()
        } else {
            endFlow()
        }
    }

    /// Sends what was held back, in send order, now that the customer reopened the window: refused
    /// messages again as they were, then the held flow step runs (or the wait a refusal
    /// interrupted is restored).
    mutating func resumeHeld() {
        let items = state.held
        let restore = state.heldPosition
        state.held = []
        state.heldPosition = nil
        state.reentry = nil
        leaveWait()
        var flowStep: ContactState.HeldStep?
        for item in items {
            guard let message = item.message else {
                flowStep = item
                continue
            }
            note(.resumed(id: item.id, node: item.node))
            var payload = message.payload
            payload.to = state.contact.recipient
            emit(payload, node: item.node, category: nil, purpose: .resend)
        }
        if let step = flowStep {
            note(.resumed(id: step.id, node: step.node))
            run(from: step.node)
        } else if let restore, flow.nodes[restore.node] != nil {
            state.waitSequence += 1
            state.position = restore
            note(.waiting(node: restore.node, for: restore.waitingFor, until: restore.timerDue))
        }
    }

    /// Drops every held step, each with a trace entry naming why (nothing when none is held).
    mutating func dropHeld(_ why: TraceEvent.DropReason) {
        for item in state.held { note(.dropped(id: item.id, node: item.node, why: why)) }
        state.held = []
        state.heldPosition = nil
    }

    /// Drops the held flow step only (refused messages stay to be sent again).
    mutating func dropHeldFlowStep(_ why: TraceEvent.DropReason) {
        state.heldPosition = nil
        guard let index = state.held.firstIndex(where: \.isFlowStep) else { return }
        let item = state.held.remove(at: index)
        note(.dropped(id: item.id, node: item.node, why: why))
    }

    /// WhatsApp refused a free-form message with 131047. The refusal speaks about the moment the
    /// message was *sent*: if the customer wrote after it, the window is open and the message goes
    /// again now, free-form. Otherwise it is held back, and the re-entry template goes once per
    /// closed window. While a person has the conversation nothing is sent.
    mutating func refused(_ sent: ContactState.SentMessage) {
        state.refusedSentAt = max(state.refusedSentAt ?? sent.sentAt, sent.sentAt)
        guard let payload = payload(of: sent) else {
            note(.error(node: sent.node, code: .render, detail: "the refused message cannot be rebuilt: node '\(sent.node)' is gone from the flow"))
            return
        }
        if state.handoff != nil {
            holdRefused(sent, payload: payload, reason: .handoff)
            return
        }
        if maySendFreeForm, let wrote = state.lastInboundAt {
            note(.refusalSuperseded(ref: sent.ref, node: sent.node, sentAt: sent.sentAt, customerWroteAt: wrote))
            emit(payload, node: sent.node, category: nil, purpose: .resend)
            return
        }
        holdRefused(sent, payload: payload, reason: .sessionExpired)
        let hasFlowStep = state.held.contains(where: \.isFlowStep)
        if !hasFlowStep, state.heldPosition == nil, let position = state.position, position.waitingFor != .blocked, !isWaitingAtReentryTemplate {
            state.heldPosition = position
        }
        guard let node = flow.nodes[sent.node] else { return }
        if let mark = state.reentry {
            note(.reentrySuppressed(node: node.id, template: mark.node, sentAt: mark.at))
            if !isWaitingAtReentryTemplate, state.position?.waitingFor != .blocked { park() }
            return
        }
        let previous = state.position
        leaveWait()
        if let next = reenter(for: node) {
            run(from: next)
        } else if hasFlowStep, let previous {
            state.position = previous
        }
    }

    /// The refused message, as it went: the copy the state kept, or, for a message with no
    /// variables in it (and from a state stored before copies were kept), its node rendered
    /// again. Should the flow have been changed in between, that is the node as it is now.
    private func payload(of sent: ContactState.SentMessage) -> OutboundMessage? {
        if let payload = sent.payload { return payload.message }
        guard let node = flow.nodes[sent.node] else { return nil }
        var renderer = MessageRenderer(flow: flow, to: state.contact.recipient, lookup: scope.lookup)
        return renderer.render(node)?.payload
    }
}
