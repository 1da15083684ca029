import FlowModel
import WhatsAppCloud

extension Sprint {
    /// A business trigger: start the flow at a node. The guard turns a free-form start into the
    /// re-entry template when no window is open. While a person has the conversation the trigger
    /// is refused (the admin API answers 409), never dropped silently.
    mutating func trigger(_ trigger: BusinessTrigger) {
        guard state.handoff == nil else {
            note(.triggerRefused(node: trigger.node, why: .handoff))
            return
        }
        guard flow.nodes[trigger.node] != nil else {
            note(.triggerRefused(node: trigger.node, why: .unknownNode))
            return
        }
        let declared = flow.triggers.contains { $0.name == trigger.node }
        for (name, value) in trigger.parameters.sorted(by: { $0.key < $1.key }) {
            // The business may name a contact who has not written yet (no profile name to read).
            if name == "contact.name" {
                if !value.isEmpty { state.contact.name = value }
                continue
            }
            save(name, value, node: trigger.node)
        }
        note(.flowStarted(node: trigger.node, cause: declared ? .businessTrigger : .undeclaredTrigger))
        // The business moves the flow: a held flow step is superseded; refused messages stay held.
        dropHeldFlowStep(.trigger(trigger.node))
        leaveWait()
        run(from: trigger.node)
    }

    /// A timer came due. It only acts if the state it was set for is still current.
    mutating func fire(_ timer: FlowTimer) {
        switch timer.kind {
        case .wait:
            guard let position = state.position, timer.token == state.waitSequence, let node = flow.nodes[position.node] else {
                note(.timerIgnored(kind: .wait, why: .staleWait))
                return
            }
            guard state.handoff == nil else {
                // A person took the conversation mid-flow: the flow stays where it was.
                note(.timerIgnored(kind: .wait, why: .handoff))
                return
            }
            if position.waitingFor == .pause {
                let next = node.next?.name ?? Target.endName
                note(.timerFired(kind: .wait, node: node.id, target: next, cause: .pauseEnded))
                leaveWait()
                run(from: next)
            } else if let timeout = node.input.timeout {
                note(.timerFired(kind: .wait, node: node.id, target: timeout.target.name, cause: .timeout(timeout.after)))
                leaveWait()
                run(from: timeout.target.name)
            } else {
                note(.timerIgnored(kind: .wait, why: .noTimeout))
            }
        case .beforeExpiry:
            guard let before = flow.session.beforeExpiry, timer.token == state.lastInboundAt?.millisecondsSince1970 else {
                note(.timerIgnored(kind: .beforeExpiry, why: .staleWindow))
                return
            }
            state.beforeExpiryDue = nil
            guard state.handoff == nil else {
                note(.timerIgnored(kind: .beforeExpiry, why: .handoff))
                return
            }
            guard window.isOpen(state, at: now) else {
                note(.timerIgnored(kind: .beforeExpiry, why: .windowClosed))
                return
            }
            note(.timerFired(kind: .beforeExpiry, node: before.target.name, target: before.target.name, cause: .beforeExpiry(before.lead)))
            leaveWait()
            run(from: before.target.name)
        case .windowClosing, .windowExpired:
            noteWindow(timer)
        }
    }

    /// A delivery status. Statuses never touch the window; a 131047 failure says WhatsApp found the
    /// window closed when the message was sent (see ``refused(_:)``). Templates count as billable
    /// only once delivered.
    mutating func update(_ status: DeliveryStatus) {
        guard let index = state.awaitingStatus.firstIndex(where: { $0.ref == status.ref }) else {
            note(.ignored(.statusNotAwaited(ref: status.ref, state: status.state)))
            return
        }
        let sent = state.awaitingStatus[index]
        switch status.state {
        case .sent:
            state.awaitingStatus[index].state = .sent
            note(.statusUpdated(ref: sent.ref, node: sent.node, state: .sent))
        case .delivered, .read, .played:
            state.awaitingStatus.remove(at: index)
            if let category = sent.category {
                state.accounting.templatesDelivered[category, default: 0] += 1
                let free = category == "UTILITY" && sent.insideWhatsAppWindow == true
                if !free { state.accounting.billableTemplates[category, default: 0] += 1 }
            }
            note(.statusUpdated(ref: sent.ref, node: sent.node, state: status.state))
        case .failed:
            state.awaitingStatus.remove(at: index)
            if sent.isTemplate { state.accounting.templatesFailed += 1 }
            let failure = status.errors.first
            note(.deliveryFailed(ref: sent.ref, node: sent.node, code: failure?.code, title: failure?.title))
            if status.errors.contains(where: { $0.code == GraphErrorCode.reEngagement }), !sent.isTemplate {
                refused(sent)
            }
        }
    }

    /// A person hands the contact back: the flow goes on from the handoff node's `goto`. Steps
    /// held while the person had the conversation are dropped with a trace entry: the person has
    /// spoken with the customer since, so the bot's older messages would come out of turn.
    mutating func release() {
        guard let handoff = state.handoff else {
            note(.ignored(.notWithPerson))
            return
        }
        state.handoff = nil
        dropHeld(.handoff)
        if handoff.resumesInPlace == true {
            // Taken from the bot mid-flow: the flow waits where it was for the customer's next message.
            note(.released(node: handoff.node, next: state.position?.node ?? Target.endName))
            return
        }
        let next = flow.nodes[handoff.node]?.next?.name ?? Target.endName
        note(.released(node: handoff.node, next: next))
        leaveWait()
        run(from: next)
    }

    /// A window notice timer: traced while it still speaks of the current window.
    mutating func noteWindow(_ timer: FlowTimer) {
        guard timer.token == state.lastInboundAt?.millisecondsSince1970, let closes = window.closesAt(state) else {
            note(.timerIgnored(kind: timer.kind, why: .staleWindow))
            return
        }
        if timer.kind == .windowClosing {
            guard window.isOpen(state, at: now) else {
                note(.timerIgnored(kind: timer.kind, why: .windowClosed))
                return
            }
            note(.windowClosing(closesAt: closes))
        } else {
            note(.windowExpired(closedAt: closes))
        }
    }
}
