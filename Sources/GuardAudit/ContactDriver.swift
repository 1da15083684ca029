import FlowEngine
import FlowModel
import WhatsAppCloud

/// One contact's random conversation, with WhatsApp's view of it: every customer message the
/// customer *sent* (delivered or still in flight) and every refusal WhatsApp gave.
struct ContactDriver {
    static let words = [
        "hi", "menu", "stop", "agent", "1", "2", "3", "4", "ORD-12345", "ORD-1", "Track my order",
        "morning", "help", "yes", "Continue", "Stop updates", "asdf", "a@b.co", "start over", "12",
        "2026-11-21", "٢٠٢٦-١١-٢١",
    ]
    /// The person at the desk who takes conversations over.
    static let agent = "Ana"

    static let jumps: [TimeSpan] = [
        .seconds(1), .minutes(1), .minutes(30), .hours(1), .hours(2), .hours(5), .hours(20),
        .hours(23), .serviceWindow - TimeSpan(milliseconds: 1), .serviceWindow, .hours(25), .days(3),
    ]

    let engine: Engine
    let index: Int
    var person: VirtualContact
    /// Send times of every customer message, delivered or not: what WhatsApp counts.
    var sent: [Timestamp] = []
    /// Messages sent but not delivered yet (a late webhook), delivered later in any order.
    var inFlight: [InboundMessage] = []
    /// Messages delivered, for duplicates.
    var delivered: [InboundMessage] = []
    /// Send times of refused messages: WhatsApp's word that its window was closed then.
    var refusals: [Timestamp] = []
    /// The newest delivered customer message's send time: what Flowgate can know.
    var knownLast: Timestamp?
    /// Re-entry templates sent since the customer last reopened the window.
    var reentriesSinceReply = 0
    var messageCount = 0

    init(engine: Engine, index: Int) {
        self.engine = engine
        self.index = index
        person = VirtualContact(
            engine: engine,
            contact: ContactIdentity(waID: "3160000\(index)", name: "Person \(index)"),
            start: Timestamp(millisecondsSince1970: 1_793_786_400_000)
        )
    }

    var flow: Flow { engine.flow }

    mutating func step(number: Int, random: inout SeededGenerator, report: inout GuardAudit.Report) {
        let before = person.state
        let roll = Int.random(in: 0..<100, using: &random)
        var delivering: InboundMessage?
        let transitions: [Transition]
        switch roll {
        case 0..<14:
            transitions = person.advance(to: person.now + Self.jumps.randomElement(using: &random)!)
        case 14..<20:
            // Sent now, delivered later: a late webhook.
            inFlight.append(message(randomContent(&random), sentAt: person.now))
            sent.append(person.now)
            return
        case 20..<25:
            guard !inFlight.isEmpty else { return }
            let pick = inFlight.remove(at: Int.random(in: 0..<inFlight.count, using: &random))
            report.lateMessages += 1
            delivering = pick
            transitions = [person.handle(.inbound(pick))]
        case 25..<27:
            guard let copy = delivered.randomElement(using: &random) else { return }
            delivering = copy
            transitions = [person.handle(.inbound(copy))]
        case 27..<29:
            // Sent long ago, delivered only now.
            let ago = [TimeSpan.hours(23), .hours(25), .hours(30), .days(3)].randomElement(using: &random)!
            let old = message(randomContent(&random), sentAt: person.now - ago)
            sent.append(old.sentAt ?? person.now)
            report.lateMessages += 1
            delivering = old
            transitions = [person.handle(.inbound(old))]
        case 29..<65:
            let fresh = message(randomContent(&random), sentAt: person.now)
            sent.append(person.now)
            delivering = fresh
            transitions = [person.handle(.inbound(fresh))]
        case 65..<72:
            let nodes = flow.triggers.map(\.name) + [flow.nodeOrder.randomElement(using: &random)!]
            var parameters = ["carrier": "DHL"]
            if Bool.random(using: &random) { parameters["order_id"] = "ORD-54321" }
            transitions = [person.handle(.trigger(BusinessTrigger(node: nodes.randomElement(using: &random)!, parameters: parameters)))]
        case 72..<95:
            guard let target = person.state.awaitingStatus.randomElement(using: &random) else { return }
            let status: DeliveryStatus
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<3: status = DeliveryStatus(ref: target.ref, state: .delivered)
            case 3..<4: status = DeliveryStatus(ref: target.ref, state: .read)
            case 4..<5: status = DeliveryStatus(ref: target.ref, state: .sent)
            case 5..<9:
                status = DeliveryStatus(
                    ref: target.ref,
                    state: .failed,
                    errors: [.init(code: GraphErrorCode.reEngagement, title: "Re-engagement message")]
                )
                if !target.isTemplate { refusals.append(target.sentAt) }
                report.refusals += 1
            default: status = DeliveryStatus(ref: target.ref, state: .failed, errors: [.init(code: 131026, title: "Undeliverable")])
            }
            transitions = [person.handle(.status(status))]
        case 95..<97:
            transitions = [person.handle(.release)]
        case 97..<98:
            transitions = [person.handle(.takeOver(agent: Self.agent))]
        default:
            // A person at the desk writes, whatever the window and whoever holds the conversation.
            let content: AgentMessage.Content =
                Bool.random(using: &random)
                ? .text("Hello from the desk")
                : .template(key: flow.templates.keys.sorted().randomElement(using: &random) ?? "none", parameters: ["Ana", "ORD-1"])
            let agent = Int.random(in: 0..<4, using: &random) == 0 ? "Bo" : Self.agent
            transitions = [person.handle(.agentMessage(AgentMessage(agent: agent, content: content)))]
        }
        if let delivering {
            delivered.append(delivering)
            if delivered.count > 50 { delivered.removeFirst() }
        }
        var previous = before
        for transition in transitions {
            check(transition, previous: previous, delivering: delivering, number: number, report: &report)
            previous = transition.state
        }
    }

    // MARK: The checks

    /// WhatsApp's window at `time`, from every message the customer sent and every refusal.
    func whatsAppOpen(at time: Timestamp) -> Bool {
        guard let last = sent.filter({ $0 <= time }).max(), time < last + SessionWindow.length else { return false }
        return !refusals.contains { $0 >= last && $0 <= time }
    }

    /// The window Flowgate can know of at `time` (delivered messages only, with the flow's margin).
    func knownOpen(at time: Timestamp) -> Bool {
        guard let last = knownLast, time < last + SessionWindow.length - flow.session.margin else { return false }
        return !refusals.contains { $0 >= last && $0 <= time }
    }

    mutating func check(
        _ transition: Transition,
        previous: ContactState,
        delivering: InboundMessage?,
        number: Int,
        report: inout GuardAudit.Report
    ) {
        report.events += 1
        let now = transition.time
        func violation(_ rule: String, _ detail: String) {
            report.violationCount += 1
            if report.violations.count < 20 {
                let trace =
                    [
                        "before: held \(previous.held.map(\.id)), reentry \(previous.reentry.map { "\($0)" } ?? "none"), last inbound \(previous.lastInboundAt?.description ?? "none"), position \(previous.position.map { "\($0.node)/\($0.waitingFor.rawValue)" } ?? "none")"
                    ]
                    + transition.trace.map(\.description)
                report.violations.append(GuardAudit.Violation(contact: index, event: number, rule: rule, detail: detail, trace: trace))
            }
        }
        if let delivering, let sentAt = delivering.sentAt, knownLast.map({ min(sentAt, now) >= $0 }) ?? true {
            knownLast = min(sentAt, now)
            if knownOpen(at: now) { reentriesSinceReply = 0 }
        }
        let personal = transition.trace.compactMap { event -> TraceEvent.SentRecord? in
            if case .messageSent(let record) = event, record.purpose == .person { record } else { nil }
        }
        if previous.handoff != nil, transition.messages.count > personal.count,
            !transition.trace.contains(where: { if case .released = $0 { true } else { false } })
        {
            violation("the bot sent during a handoff", "\(transition.messages.count - personal.count) message(s)")
        }
        report.personMessages += personal.count
        if !personal.isEmpty, previous.handoff?.agent != Self.agent {
            violation("a person wrote in a conversation they do not hold", "\(personal.count) message(s) at \(now)")
        }
        for message in transition.messages {
            if message.payload.isTemplate {
                report.templates += 1
            } else {
                report.freeForm += 1
                if !whatsAppOpen(at: now) {
                    violation("free-form outside the window", "\(message.payload.type.rawValue) from '\(message.node)' at \(now)")
                }
            }
        }
        var ended: Set<Int64> = []
        for event in transition.trace {
            switch event {
            case .held(let record):
                report.held += 1
                if record.reason != .handoff, knownOpen(at: now) {
                    violation("held inside an open window", "'\(record.node)' at \(now)")
                }
            case .messageSent(let sent) where sent.purpose == .reentry:
                report.reentryTemplates += 1
                reentriesSinceReply += 1
                if reentriesSinceReply > 1 { violation("a second re-entry template for one closed window", "'\(sent.node)' at \(now)") }
            case .resumed(let id, _):
                report.resumed += 1
                ended.insert(id)
            case .dropped(let id, _, _):
                report.dropped += 1
                ended.insert(id)
            case .handoffStarted, .handoffSilent, .released, .takenOver, .agentRefused:
                report.handoffEvents += 1
            default:
                break
            }
        }
        let remaining = Set(transition.state.held.map(\.id))
        for step in previous.held where !remaining.contains(step.id) && !ended.contains(step.id) {
            violation("a held step vanished", "#\(step.id) '\(step.node)' without a resumed or dropped entry")
        }
    }

    // MARK: Events

    mutating func message(_ content: InboundMessage.Content, sentAt: Timestamp) -> InboundMessage {
        messageCount += 1
        return InboundMessage(id: "wamid.\(index).\(messageCount)", sentAt: sentAt, content: content)
    }

    func randomContent(_ random: inout SeededGenerator) -> InboundMessage.Content {
        let node = person.state.position.flatMap { flow.nodes[$0.node] }
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<40:
            return .text(Self.words.randomElement(using: &random)!)
        case 40..<55:
            if case .buttons(let buttons)? = node?.step, let option = buttons.options.randomElement(using: &random) {
                return .buttonReply(id: option.id.value, title: option.title.description)
            }
            if case .list(let list)? = node?.step, let row = list.rows.randomElement(using: &random) {
                return .listReply(id: row.id.value, title: row.title.description, description: nil)
            }
            return .buttonReply(id: "nope", title: "Nope")
        case 55..<68:
            // A tap on any template's quick reply: Flowgate's payload naming its route, or a bare label.
            var payloads: [String] = ["Other"]
            for node in flow.orderedNodes {
                guard case .template(let template) = node.step, let definition = flow.templates[template.template.value] else { continue }
                for label in definition.quickReplies { payloads += [QuickReplyPayload.make(node: node.id, label: label.value), label.value] }
            }
            let payload = payloads.randomElement(using: &random)!
            return .quickReply(payload: payload, text: QuickReplyPayload.label(payload))
        case 68..<78:
            let kind = MediaKind.allCases.randomElement(using: &random)!
            return .media(kind: kind, id: "media\(random.next() % 1000)", caption: nil, filename: nil, voice: false)
        case 78..<82:
            return .location(latitude: 52.37, longitude: 4.89, name: "Dam", address: "Dam 1")
        case 82..<84:
            return .contacts([.init(name: "Bo", phone: "+31 6 1234")])
        case 84..<96:
            return .reaction(messageID: "wamid.x", emoji: Bool.random(using: &random) ? "👍" : "")
        default:
            return .other(type: ["unsupported", "order", "system", "hologram"].randomElement(using: &random)!)
        }
    }
}
