import FlowEngine
import FlowModel
import Testing

/// SplitMix64: a small seeded generator, so a failing run can be replayed from its seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random conversations through the example flows: messages of every type, taps on what the bot
/// offered, clock jumps that fire timers, business triggers, delivery statuses (131047 among them)
/// and releases. After every transition the session guard's promises must hold.
struct GuardPropertyTests {
    static let words = ["hi", "menu", "stop", "agent", "1", "2", "3", "4", "ORD-12345", "ORD-1", "Track my order",
                        "morning", "help", "yes", "Continue", "Stop updates", "asdf", "a@b.co", "start over", "12"]
    static let jumps: [TimeSpan] = [.minutes(1), .minutes(30), .hours(1), .hours(2), .hours(5), .hours(20), .hours(23),
                                    .hours(24) - TimeSpan(milliseconds: 1), .hours(24), .hours(25), .days(3)]

    struct Tally {
        var events = 0
        var freeForm = 0
        var templates = 0
        var blocks = 0
        var refusals = 0
    }

    @Test("no free-form message outside an open window, no block inside one, every block followed by its re-entry template",
          arguments: [("order-support", UInt64(1)), ("auto-ack", UInt64(2))])
    func guardHolds(flowName: String, seed: UInt64) throws {
        let flow = try exampleFlow(flowName)
        let engine = Engine(flow: flow)
        var random = SeededGenerator(seed: seed)
        var tally = Tally()
        let contacts = 60
        let eventsPerContact = 1_000
        for index in 0..<contacts {
            var person = VirtualContact(engine: engine, contact: contact("3160000\(index)", name: "Person \(index)"), start: at("10:00"))
            for _ in 0..<eventsPerContact {
                let transitions: [Transition]
                if Int.random(in: 0..<100, using: &random) < 15 {
                    transitions = person.advance(to: person.now + Self.jumps.randomElement(using: &random)!)
                } else {
                    let event = randomEvent(for: person, flow: flow, using: &random)
                    if case .status(let status) = event, status.errors.contains(where: { $0.code == 131047 }) { tally.refusals += 1 }
                    transitions = [person.handle(event)]
                }
                for transition in transitions {
                    tally.events += 1
                    try check(transition, engine: engine, now: transition.time, tally: &tally)
                }
            }
        }
        #expect(tally.events >= 50_000)
        // The run must have exercised the guard, not just happy paths.
        #expect(tally.freeForm > 1_000)
        if flowName == "order-support" {
            #expect(tally.blocks > 100)
            #expect(tally.templates > 100)
            #expect(tally.refusals > 100)
        }
    }

    func check(_ transition: Transition, engine: Engine, now: Timestamp, tally: inout Tally) throws {
        let open = engine.window.isOpen(transition.state, at: now)
        for message in transition.messages {
            if message.payload.isTemplate {
                tally.templates += 1
            } else {
                tally.freeForm += 1
                #expect(open, "free-form \(message.payload.type) from '\(message.node)' outside the window at \(now)")
            }
        }
        let trace = transition.trace
        for (index, event) in trace.enumerated() where event.kind == .blocked {
            tally.blocks += 1
            #expect(!open, "step '\(event.node ?? "")' blocked inside an open window at \(now)")
            if event.detail.contains("already went") { continue }
            let node = try #require(engine.flow.nodes[event.node ?? ""])
            let nextSent = trace[(index + 1)...].first { $0.kind == .messageSent }
            if engine.flow.reentry(for: node) != nil {
                let sent = try #require(nextSent, "no message after blocking '\(node.id)'")
                #expect(sent.reason != nil, "the message after blocking '\(node.id)' is not a template: \(sent)")
            } else {
                #expect(nextSent == nil)
                #expect(transition.state.position?.waitingFor == .blocked)
            }
        }
    }

    func randomEvent(for person: VirtualContact, flow: Flow, using random: inout SeededGenerator) -> Event {
        let roll = Int.random(in: 0..<85, using: &random)
        let id = "wamid.\(random.next())"
        func inbound(_ content: InboundMessage.Content) -> Event { .inbound(InboundMessage(id: id, content: content)) }
        let node = person.state.position.flatMap { flow.nodes[$0.node] }
        switch roll {
        case 0..<30:
            return inbound(.text(Self.words.randomElement(using: &random)!))
        case 30..<40:
            if case .buttons(let buttons)? = node?.step, let option = buttons.options.randomElement(using: &random) {
                return inbound(.buttonReply(id: option.id.value, title: option.title.description))
            }
            return inbound(.buttonReply(id: "nope", title: "Nope"))
        case 40..<47:
            if case .list(let list)? = node?.step, let row = list.rows.randomElement(using: &random) {
                return inbound(.listReply(id: row.id.value, title: row.title.description, description: nil))
            }
            return inbound(.listReply(id: "nope", title: "Nope", description: nil))
        case 47..<52:
            let labels = flow.templates.values.flatMap(\.quickReplies).map(\.value) + ["Other"]
            let label = labels.randomElement(using: &random)!
            return inbound(.quickReply(payload: label, text: label))
        case 52..<57:
            let kind = MediaKind.allCases.randomElement(using: &random)!
            return inbound(.media(kind: kind, id: "media\(random.next() % 1000)", caption: nil, filename: nil, voice: false))
        case 57..<59:
            return inbound(.location(latitude: 52.37, longitude: 4.89, name: "Dam", address: "Dam 1"))
        case 59..<60:
            return inbound(.contacts([.init(name: "Bo", phone: "+31 6 1234")]))
        case 60..<62:
            return inbound(.reaction(messageID: "wamid.x", emoji: Bool.random(using: &random) ? "👍" : ""))
        case 62..<63:
            return inbound(.other(type: ["unsupported", "order", "system", "hologram"].randomElement(using: &random)!))
        case 63..<70:
            let nodes = flow.triggers.map(\.name) + [flow.nodeOrder.randomElement(using: &random)!]
            return .trigger(BusinessTrigger(node: nodes.randomElement(using: &random)!, parameters: ["order_id": "ORD-54321", "carrier": "DHL"]))
        case 70..<83:
            guard let sent = person.state.awaitingStatus.randomElement(using: &random) else { return inbound(.text("hi")) }
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<3: return .status(DeliveryStatus(ref: sent.ref, state: .delivered))
            case 3..<5: return .status(DeliveryStatus(ref: sent.ref, state: .read))
            case 5..<6: return .status(DeliveryStatus(ref: sent.ref, state: .sent))
            case 6..<9: return .status(DeliveryStatus(ref: sent.ref, state: .failed, errors: [.init(code: 131047, title: "Re-engagement message")]))
            default: return .status(DeliveryStatus(ref: sent.ref, state: .failed, errors: [.init(code: 131026, title: "Undeliverable")]))
            }
        default:
            return .release
        }
    }
}
