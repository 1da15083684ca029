import FlowModel

extension Run {
    /// A customer message: it opens or resets the window, then interrupts (keyword), answers the
    /// wait, or starts the flow.
    mutating func receive(_ message: InboundMessage) {
        if let name = message.profileName, !name.isEmpty { state.contact.name = name }
        note(.messageReceived, "\(message.content.typeName): \(message.content.summary)")
        openWindow(sentAt: message.sentAt)
        state.reply = message.content.reply

        if state.handoff != nil {
            note(.handoffSilent, node: state.handoff?.node, "a person has the conversation; the bot stays silent")
            return
        }
        if case .reaction = message.content {
            note(.ignored, "a reaction does not answer the flow")
            return
        }
        if let keyword = matchKeyword(message.content) {
            note(.keyword, reason: keyword.phrase, "keyword '\(keyword.phrase)' → \(keyword.target)")
            leaveWait()
            state.blocked = nil
            run(from: keyword.target)
            return
        }
        guard let position = state.position, let node = flow.nodes[position.node] else {
            note(.flowStarted, node: flow.start.name, "flow '\(flow.name.value)' starts")
            state.blocked = nil
            run(from: flow.start.name)
            return
        }
        switch position.waitingFor {
        case .choice: answerChoice(message.content, at: node)
        case .answer: answerQuestion(message.content, at: node)
        case .templateReply: answerTemplate(message.content, at: node)
        case .reply:
            if case .wait(let wait) = node.step, let name = wait.saveAs?.value {
                save(name, message.content.text ?? "", node: node.id)
            }
            leaveWait()
            run(from: node.next?.name ?? Target.endName)
        case .pause:
            note(.ignored, node: node.id, "the flow is pausing until \(position.timerDue?.description ?? "later"); the message does not move it")
        case .handoff:
            note(.handoffSilent, node: node.id, "a person has the conversation; the bot stays silent")
        case .blocked:
            resumeBlocked(fallback: flow.start.name)
        }
    }

    /// Every customer message resets the window; one that comes when none is open opens a new one.
    mutating func openWindow(sentAt: Timestamp?) {
        let wasOpen = window.isOpen(state, at: now)
        let sent = min(sentAt ?? now, now)
        guard sent >= (state.lastInboundAt ?? Timestamp(millisecondsSince1970: .min)) else {
            note(.ignored, "an older message arrived late; the window still counts from \(state.lastInboundAt!)")
            return
        }
        state.previousInboundAt = state.lastInboundAt
        state.lastInboundAt = sent
        state.windowRefusedAt = nil
        let closes = window.closesAt(state)!
        if wasOpen {
            note(.windowExtended, "window open until \(closes)")
        } else {
            state.accounting.windowsOpened += 1
            note(.windowOpened, "window open until \(closes)")
        }
        if let before = flow.session.beforeExpiry {
            state.beforeExpiryDue = sent + SessionWindow.length - before.lead
        }
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
        note(.choiceMade, node: node.id, "'\(choice.title)' → \(choice.target ?? Target.endName)")
        leaveWait()
        run(from: choice.target ?? Target.endName)
    }

    mutating func answerQuestion(_ content: InboundMessage.Content, at node: FlowNode) {
        let saveAs: String?
        let expectation: AskStep.Expectation
        switch node.step {
        case .ask(let ask): (saveAs, expectation) = (ask.saveAs?.value, ask.expect)
        case .locationRequest(let request): (saveAs, expectation) = (request.saveAs?.value, .location)
        default: return
        }
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

    mutating func answerTemplate(_ content: InboundMessage.Content, at node: FlowNode) {
        guard case .template(let template) = node.step else { return }
        var label: String?
        switch content {
        case .quickReply(let payload, let text): label = [payload, text].first { candidate in
            template.quickReplies.contains { $0.label.value.foldedForMatching == candidate.foldedForMatching }
        }
        case .text(let text): label = template.quickReplies.first { $0.label.value.foldedForMatching == text.foldedForMatching }?.label.value
        default: break
        }
        if let label, let route = template.quickReplies.first(where: { $0.label.value.foldedForMatching == label.foldedForMatching }) {
            note(.choiceMade, node: node.id, "quick reply '\(route.label.value)' → \(route.target.name)")
            leaveWait()
            if route.target.isResume { resumeBlocked(fallback: node.next?.name ?? Target.endName) }
            else { state.blocked = nil; run(from: route.target.name) }
            return
        }
        if let onReply = template.onReply {
            leaveWait()
            if onReply.isResume { resumeBlocked(fallback: node.next?.name ?? Target.endName) }
            else { state.blocked = nil; run(from: onReply.name) }
            return
        }
        if let next = node.next {
            leaveWait()
            state.blocked = nil
            run(from: next.name)
            return
        }
        reject(content, at: node, hint: "Please tap one of the buttons.")
    }

    /// Sends the step the guard held back, now that the customer wrote and the window is open.
    mutating func resumeBlocked(fallback: String) {
        guard let blocked = state.blocked else {
            run(from: fallback)
            return
        }
        state.blocked = nil
        note(.resumed, node: blocked.node, "the customer answered: the held-back step goes now")
        run(from: blocked.node)
    }

    /// An answer that does not fit: re-prompt, or give up after the attempts.
    mutating func reject(_ content: InboundMessage.Content, at node: FlowNode, hint: String) {
        state.failedAttempts += 1
        let allowed = node.input.attempts
        note(.inputRejected, node: node.id, "\(content.typeName) '\(content.summary)' does not answer (attempt \(state.failedAttempts) of \(allowed))")
        guard state.failedAttempts < allowed else {
            let target = node.input.onFail?.name ?? Target.endName
            note(.attemptsExhausted, node: node.id, "no usable answer after \(allowed) attempts → \(target)")
            leaveWait()
            run(from: target)
            return
        }
        let retry = node.input.retry?.render(lookup) ?? hint
        sendText(retry, node: node.id)
    }
}

extension InboundMessage.Content {
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
