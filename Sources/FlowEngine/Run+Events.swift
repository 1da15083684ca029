import FlowModel

extension Run {
    /// A business trigger: start the flow at a node. The guard turns a free-form start into the
    /// re-entry template when no window is open.
    mutating func trigger(_ trigger: BusinessTrigger) {
        guard state.handoff == nil else {
            note(.ignored, node: trigger.node, "a person has the conversation; release the contact before triggering the flow")
            return
        }
        guard flow.nodes[trigger.node] != nil else {
            note(.error, node: trigger.node, reason: "UNKNOWN_NODE", "no node '\(trigger.node)' in flow '\(flow.name.value)'")
            return
        }
        if !flow.triggers.contains(where: { $0.name == trigger.node }) {
            note(.ignored, node: trigger.node, "'\(trigger.node)' is not listed under `triggers:`; starting there anyway")
        }
        for (name, value) in trigger.parameters.sorted(by: { $0.key < $1.key }) {
            save(name, value, node: trigger.node)
        }
        note(.flowStarted, node: trigger.node, reason: "BUSINESS_TRIGGER", "the business starts flow '\(flow.name.value)' at '\(trigger.node)'")
        leaveWait()
        state.blocked = nil
        run(from: trigger.node)
    }

    /// A timer came due. It only acts if the state it was set for is still current.
    mutating func fire(_ timer: FlowTimer) {
        switch timer.kind {
        case .wait:
            guard let position = state.position, timer.token == state.waitSequence, let node = flow.nodes[position.node] else {
                note(.timerIgnored, "a wait timer for an earlier step; the contact has moved on")
                return
            }
            if position.waitingFor == .pause {
                note(.timerFired, node: node.id, "the pause ended")
                leaveWait()
                run(from: node.next?.name ?? Target.endName)
            } else if let timeout = node.input.timeout {
                note(.timerFired, node: node.id, "no reply in \(timeout.after) → \(timeout.target.name)")
                leaveWait()
                run(from: timeout.target.name)
            } else {
                note(.timerIgnored, node: node.id, "the node has no timeout")
            }
        case .beforeExpiry:
            guard let before = flow.session.beforeExpiry, timer.token == state.lastInboundAt?.millisecondsSince1970 else {
                note(.timerIgnored, "before_expiry was set for an earlier window; the customer has written since")
                return
            }
            state.beforeExpiryDue = nil
            guard state.handoff == nil else {
                note(.timerIgnored, "before_expiry: a person has the conversation")
                return
            }
            guard window.isOpen(state, at: now) else {
                note(.timerIgnored, "before_expiry: the window is already closed")
                return
            }
            note(.timerFired, node: before.target.name, "\(before.lead) before the window closes → \(before.target.name)")
            leaveWait()
            run(from: before.target.name)
        }
    }

    /// A delivery status. Statuses never touch the window; a 131047 failure means WhatsApp found the
    /// window closed, so the step is blocked and the re-entry route runs.
    mutating func update(_ status: DeliveryStatus) {
        guard let index = state.awaitingStatus.firstIndex(where: { $0.ref == status.ref }) else {
            note(.ignored, "a \(status.state.rawValue) status for \(status.ref), which is not awaited (already final, or unknown)")
            return
        }
        let sent = state.awaitingStatus[index]
        switch status.state {
        case .sent:
            state.awaitingStatus[index].state = .sent
            note(.statusUpdated, node: sent.node, "\(sent.ref) sent")
        case .delivered, .read, .played:
            state.awaitingStatus.remove(at: index)
            note(.statusUpdated, node: sent.node, "\(sent.ref) \(status.state.rawValue)")
        case .failed:
            state.awaitingStatus.remove(at: index)
            let failure = status.errors.first
            note(.deliveryFailed, node: sent.node, reason: failure.map { String($0.code) },
                 "\(sent.ref) failed: \(failure.map { "\($0.code) \($0.title)" } ?? "no error given")")
            if status.errors.contains(where: { $0.code == DeliveryStatus.reEngagementErrorCode }), !sent.isTemplate {
                refusedOutsideWindow(sent)
            }
        }
    }

    /// WhatsApp refused a free-form message as outside the window (clock skew, a late send): block
    /// that step and send the re-entry template, once per burst of refusals.
    mutating func refusedOutsideWindow(_ sent: ContactState.SentMessage) {
        state.windowRefusedAt = now
        if let blocked = state.blocked, let earlier = blocked.refusedSequence, blocked.at >= sent.sentAt {
            // Another refusal from the same burst: keep the earliest step, send no second template.
            if sent.sequence < earlier {
                state.blocked?.node = sent.node
                state.blocked?.refusedSequence = sent.sequence
            }
            note(.blocked, node: sent.node, reason: BlockReason.sessionExpired.rawValue, "WhatsApp refused this step too (131047); the re-entry template already went")
            return
        }
        guard let node = flow.nodes[sent.node] else { return }
        leaveWait()
        if let next = block(node, reason: .sessionExpired, refusedSequence: sent.sequence) {
            run(from: next)
        }
    }

    /// A person hands the contact back: the flow goes on from the handoff node's `goto`.
    mutating func release() {
        guard let handoff = state.handoff else {
            note(.ignored, "the contact is not with a person")
            return
        }
        state.handoff = nil
        let next = flow.nodes[handoff.node]?.next?.name ?? Target.endName
        note(.released, node: handoff.node, "a person handed the contact back → \(next)")
        leaveWait()
        run(from: next)
    }
}
