import FlowModel
import Foundation

extension Sprint {
    /// A customer message: it opens or resets the window (counted from when the customer sent it),
    /// then resumes what the guard held back, interrupts (keyword), answers the wait, or starts
    /// the flow.
    mutating func receive(_ message: InboundMessage) {
        if let name = message.profileName, !name.isEmpty { state.contact.name = name }
        let sentAt = min(message.sentAt ?? now, now)
        note(.messageReceived(type: message.content.typeName, summary: message.content.summary, sentAt: sentAt))
        openWindow(sentAt: sentAt)
        state.reply = message.content.reply

        if let handoff = state.handoff {
            note(.handoffSilent(node: handoff.node))
            return
        }
        let keyword = matchKeyword(message.content)
        let route = quickReplyRoute(message.content)
        let holding = !state.held.isEmpty || state.position?.waitingFor == .blocked
        // A keyword or a quick reply that routes elsewhere is the customer's choice, window open
        // or not: what was held back is dropped. Anything else resumes it once the window is open.
        if let keyword {
            dropHeld(.keyword(keyword.phrase))
        } else if let route, !route.target.isResume {
            dropHeld(.routed(to: route.target.name))
        } else if holding, window.isOpen(state, at: now) {
            if route != nil || !isWaitingAtTemplate || message.content.isReaction {
                // Any customer message that reopens the window resumes what was held back: a
                // reply, a tap on any template, a reaction, media.
                resumeHeldOrRestart()
                return
            }
        } else if holding, state.position?.waitingFor == .blocked, route == nil {
            note(.ignored(.tooLateToAnswer(sentAt: sentAt)))
            return
        }
        if let keyword {
            note(.keyword(phrase: keyword.phrase, target: keyword.target))
            leaveWait()
            run(from: keyword.target)
            return
        }
        if let route {
            // A tap on a template's quick reply routes by the button's own payload, even on an older
            // template after the flow has moved on.
            note(.choiceMade(node: route.node, choice: route.label, target: route.target.name))
            if route.target.isResume, !maySendFreeForm {
                note(.ignored(.tooLateToAnswer(sentAt: sentAt)))
                return
            }
            leaveWait()
            if route.target.isResume { resumeHeldOrRestart() } else { run(from: route.target.name) }
            return
        }
        if case .reaction = message.content {
            note(.ignored(.reaction))
            return
        }
        guard let position = state.position, let node = flow.nodes[position.node] else {
            note(.flowStarted(node: flow.start.name, cause: .customer))
            run(from: flow.start.name)
            return
        }
        switch position.waitingFor {
        case .choice: answerChoice(message.content, at: node)
        case .answer: answerQuestion(message.content, at: node)
        case .templateReply: answerTemplate(message.content, at: node)
        case .reply:
            if let name = node.step.answerVariables.first {
                save(name, message.content.text ?? "", node: node.id)
            }
            leaveWait()
            run(from: node.next?.name ?? Target.endName)
        case .pause:
            note(.ignored(.pausing(node: node.id, until: position.timerDue)))
        case .handoff:
            note(.handoffSilent(node: node.id))
        case .blocked:
            resumeHeldOrRestart()
        }
    }

    /// True when the flow waits for a reply at a template node the flow still has (which then
    /// decides where the reply goes).
    var isWaitingAtTemplate: Bool {
        guard let position = state.position, position.waitingFor == .templateReply,
            case .template? = flow.nodes[position.node]?.step
        else { return false }
        return true
    }

    /// Resumes the held steps; with none held (a parked flow from an older state), runs the parked
    /// node again.
    mutating func resumeHeldOrRestart() {
        if state.held.isEmpty, state.heldPosition == nil {
            let node = state.position?.waitingFor == .blocked ? state.position?.node : nil
            leaveWait()
            state.reentry = nil
            run(from: node ?? flow.start.name)
            return
        }
        resumeHeld()
    }

    /// Every customer message sent after the newest one seen resets the window; an older one
    /// delivered late does not move it back.
    mutating func openWindow(sentAt sent: Timestamp) {
        if let last = state.lastInboundAt, sent < last {
            note(.lateMessage(sentAt: sent, windowCountsFrom: last))
            return
        }
        let wasOpen = window.isOpen(state, at: now)
        state.previousInboundAt = state.lastInboundAt
        state.lastInboundAt = sent
        guard window.isOpen(state, at: now), let closes = window.closesAt(state) else { return }
        // The customer replied: the next closed window may have its own re-entry template.
        state.reentry = nil
        if wasOpen {
            note(.windowExtended(until: closes))
        } else {
            state.accounting.windowsOpened += 1
            note(.windowOpened(until: closes))
        }
        if let before = flow.session.beforeExpiry, let due = window.beforeExpiryDue(state, lead: before.lead), due > now {
            state.beforeExpiryDue = due
        } else {
            state.beforeExpiryDue = nil
        }
    }

    /// The route a tap on a Flowgate template's quick reply names, on any template node.
    func quickReplyRoute(_ content: InboundMessage.Content) -> (node: String, label: String, target: Target)? {
        guard case .quickReply(let payload, _) = content, let named = QuickReplyPayload.parse(payload),
            case .template(let template)? = flow.nodes[named.node]?.step,
            let route = template.quickReplies.first(where: { $0.label.value == named.label })
        else { return nil }
        return (named.node, named.label, route.target)
    }

    func matchKeyword(_ content: InboundMessage.Content) -> (phrase: String, target: String)? {
        guard let text = content.typedText, !engine.keywords.isEmpty else { return nil }
        let typed = text.foldedForMatching
        return engine.keywords.first { $0.folded == typed }.map { ($0.phrase, $0.target) }
    }

    // MARK: Answers

    mutating func answerChoice(_ content: InboundMessage.Content, at node: FlowNode) {
        let choices = Choices(node: node, lookup: scope.lookup)
        guard let choice = choices.match(content) else {
            reject(content, at: node, hint: "Please tap one of the options, or type its number.")
            return
        }
        state.reply = ContactState.Reply(type: content.typeName, id: choice.id, title: choice.title, text: content.text)
        note(.choiceMade(node: node.id, choice: choice.title, target: choice.target ?? Target.endName))
        leaveWait()
        run(from: choice.target ?? Target.endName)
    }

    mutating func answerQuestion(_ content: InboundMessage.Content, at node: FlowNode) {
        guard let expected = node.step.expectedAnswer else { return }
        let (saveAs, expectation) = (expected.saveAs, expected.expectation)
        guard let answer = Answers.accept(content, expecting: expectation) else {
            reject(content, at: node, hint: Answers.retryText(for: expectation))
            return
        }
        if let saveAs {
            save(saveAs, answer.value, node: node.id)
            for (field, value) in answer.fields { state.variables["\(saveAs).\(field)"] = value }
        }
        leaveWait()
        run(from: node.next?.name ?? Target.endName)
    }

    /// A reply while the flow waits at a template: a quick-reply route, else `on_reply`, else
    /// `goto`. With steps held back and the window open again, a reply that names no route of its
    /// own resumes them.
    mutating func answerTemplate(_ content: InboundMessage.Content, at node: FlowNode) {
        guard case .template(let template) = node.step else { return }
        let holding = !state.held.isEmpty && window.isOpen(state, at: now)
        var label: String?
        switch content {
        case .quickReply(let payload, let text):
            label = [QuickReplyPayload.label(payload), text].first { candidate in
                template.quickReplies.contains { $0.label.value.foldedForMatching == candidate.foldedForMatching }
            }
        case .text(let text):
            label = template.quickReplies.first { $0.label.value.foldedForMatching == text.foldedForMatching }?.label.value
        default: break
        }
        let route = label.flatMap { label in template.quickReplies.first { $0.label.value.foldedForMatching == label.foldedForMatching } }
        let target: Target?
        if let route {
            note(.choiceMade(node: node.id, choice: route.label.value, target: route.target.name))
            target = route.target
        } else if let onReply = template.onReply {
            target = onReply
        } else if holding {
            target = Target(name: Target.resumeName, at: node.location)
        } else {
            target = node.next
        }
        guard let target else {
            reject(content, at: node, hint: "Please tap one of the buttons.")
            return
        }
        if target.isResume, !maySendFreeForm {
            // A reply sent before the window closed, delivered late: it reopens nothing, so the
            // held steps keep waiting and the flow stays at the template.
            note(.ignored(.tooLateToAnswer(sentAt: state.lastInboundAt ?? now)))
            return
        }
        leaveWait()
        if target.isResume {
            resumeHeldOrRestart()
        } else {
            dropHeld(.routed(to: target.name))
            run(from: target.name)
        }
    }

    /// An answer that does not fit: re-prompt, or give up after the attempts.
    mutating func reject(_ content: InboundMessage.Content, at node: FlowNode, hint: String) {
        state.failedAttempts += 1
        let allowed = node.input.attempts
        note(.inputRejected(node: node.id, type: content.typeName, summary: content.summary, attempt: state.failedAttempts, of: allowed))
        guard state.failedAttempts < allowed else {
            let target = node.input.onFail?.name ?? Target.endName
            note(.attemptsExhausted(node: node.id, attempts: allowed, target: target))
            leaveWait()
            run(from: target)
            return
        }
        reprompt(node.input.retry?.render(lookup) ?? hint, at: node)
    }
}

extension InboundMessage.Content {
    var isReaction: Bool {
        if case .reaction = self { return true }
        return false
    }

    /// What a customer typed (for keywords and typed choices).
    var typedText: String? {
        if case .text(let text) = self { return text }
        return nil
    }

    /// The text a message carries: typed text, a title, a caption.
    var text: String? {
        switch self {
        case .text(let text): text
        case .buttonReply(_, let title), .listReply(_, let title, _): title
        case .quickReply(_, let text): text
        case .media(_, _, let caption, _, _): caption
        case .location(let latitude, let longitude, let name, _): name ?? "\(latitude),\(longitude)"
        case .contacts(let contacts): contacts.map(\.name).joined(separator: ", ")
        case .reaction(_, let emoji): emoji
        case .other: nil
        }
    }

    var reply: ContactState.Reply {
        switch self {
        case .buttonReply(let id, let title), .listReply(let id, let title, _):
            ContactState.Reply(type: typeName, id: id, title: title, text: title)
        case .quickReply(let payload, let text):
            ContactState.Reply(type: typeName, id: payload, title: text, text: text)
        case .media(_, let id, let caption, _, _):
            ContactState.Reply(type: typeName, id: id, title: nil, text: caption)
        default:
            ContactState.Reply(type: typeName, id: nil, title: nil, text: text)
        }
    }

    var summary: String {
        switch self {
        case .media(let kind, let id, let caption, _, _): "\(kind.rawValue) \(id)\(caption.map { " \"\($0)\"" } ?? "")"
        case .reaction(let id, let emoji): emoji.isEmpty ? "removed reaction on \(id)" : "\(emoji) on \(id)"
        case .other(let type): type
        default: text ?? ""
        }
    }
}

extension String {
    /// Lowercased, without accents and surrounding spaces: how typed answers are compared.
    var foldedForMatching: String {
        if utf8.allSatisfy({ $0 < 0x80 }) {
            // ASCII, the common case: lowercase and trim without Foundation's Unicode machinery.
            let bytes = utf8.drop { $0 == 0x20 || (0x09...0x0D).contains($0) }
            let trimmed = bytes.reversed().drop { $0 == 0x20 || (0x09...0x0D).contains($0) }.reversed()
            return String(decoding: trimmed.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }, as: UTF8.self)
        }
        return folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
