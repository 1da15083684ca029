import FlowEngine
import FlowModel
import Testing
import WhatsAppCloud

/// A person at the desk, as the engine sees them: taking a conversation over, writing in it under
/// the same session guard as the flow, handing it back.
struct DeskEventTests {
    func ana() throws -> VirtualContact {
        VirtualContact(engine: Engine(flow: try exampleFlow("order-support")), contact: contact(), start: at("10:00"))
    }

    func say(_ text: String, as agent: String = "Ana") -> Event {
        .agentMessage(AgentMessage(agent: agent, content: .text(text)))
    }

    func refusal(_ transition: Transition) -> TraceEvent.AgentRefusal? {
        for case .agentRefused(_, let why) in transition.trace { return why }
        return nil
    }

    @Test("taken over mid-flow the bot is silent and its timers idle; handed back it waits where it was")
    func takeOverMidFlow() throws {
        var contact = try ana()
        contact.handle(text("hi"))
        contact.handle(tap("track", "Track my order"))
        let node = try #require(contact.state.position?.node)
        let taken = contact.handle(.takeOver(agent: "Ana"))
        #expect(taken.trace.contains(.takenOver(node: node, agent: "Ana")))
        #expect(contact.state.handoff?.agent == "Ana")
        #expect(contact.handle(text("hello?")).messages.isEmpty, "the bot is silent")
        #expect(contact.advance(to: at("13:00")).flatMap(\.messages).isEmpty, "the node's timeout does not run the flow")
        let released = contact.handle(.release)
        #expect(released.messages.isEmpty && contact.state.handoff == nil)
        #expect(contact.state.position?.node == node, "the flow waits where it was")
        #expect(!contact.handle(text("ORD-12345")).messages.isEmpty, "and the next message answers it")
    }

    @Test("a person's text goes only while the window is open, only from whoever holds the conversation")
    func freeFormRules() throws {
        var contact = try ana()
        contact.handle(text("hi"))
        #expect(refusal(contact.handle(say("hello"))) == .notHeld, "not taken over yet")
        contact.handle(.takeOver(agent: "Ana"))
        #expect(refusal(contact.handle(say("hello", as: "Bo"))) == .notHeld, "Bo does not hold it")
        #expect(refusal(contact.handle(say("   "))) == .empty)
        let sent = contact.handle(say("Hi, Ana from support here"))
        #expect(sent.texts == ["Hi, Ana from support here"])
        #expect(sent.trace.contains { if case .messageSent(let record) = $0 { record.purpose == .person } else { false } })
        contact.advance(to: at("10:00", day: 2))
        let late = contact.handle(say("still there?"))
        #expect(late.messages.isEmpty && refusal(late) == .windowClosed, "24 hours after the customer wrote")
    }

    @Test("a person's template goes whatever the window, with exactly its body parameters")
    func templates() throws {
        var contact = try ana()
        contact.handle(text("hi"))
        contact.handle(.takeOver(agent: "Ana"))
        contact.advance(to: at("12:00", day: 3))
        func template(_ key: String, _ parameters: [String]) -> Event {
            .agentMessage(AgentMessage(agent: "Ana", content: .template(key: key, parameters: parameters)))
        }
        #expect(refusal(contact.handle(template("nope", []))) == .unknownTemplate("nope"))
        #expect(refusal(contact.handle(template("order_update", ["Ana"]))) == .parameters(template: "order_update", expected: 2))
        #expect(refusal(contact.handle(template("order_update", ["Ana", " "]))) == .parameters(template: "order_update", expected: 2))
        #expect(refusal(contact.handle(template("order_shipped", ["a", "b", "c"]))) == .unsupportedTemplate("order_shipped"), "a URL parameter")
        let sent = contact.handle(template("order_update", ["Ana", "ORD-1"]))
        #expect(sent.templates == ["order_update"])
        let body = sent.messages.first?.payload.template?.components?.first { $0.type == "body" }
        #expect(body?.parameters.map(\.text) == ["Ana", "ORD-1"])
    }

    @Test("with window notices on, the engine keeps a closing and an expired timer per window, moved by each message, and traces them")
    func windowNotices() throws {
        var engine = Engine(flow: try exampleFlow("auto-ack"))
        engine.windowNotice = .hours(1)
        var ana = VirtualContact(engine: engine, contact: contact(), start: at("10:00"))
        let first = ana.handle(text("hi"))
        let closes = at("10:00", day: 2) - engine.flow.session.margin
        #expect(first.timers.contains(.set(FlowTimer(kind: .windowClosing, due: closes - .hours(1), token: at("10:00").millisecondsSince1970))))
        #expect(first.timers.contains(.set(FlowTimer(kind: .windowExpired, due: closes, token: at("10:00").millisecondsSince1970))))
        ana.advance(to: at("12:00"))
        let again = ana.handle(text("still me"))
        #expect(
            again.timers.contains { if case .set(let timer) = $0 { timer.kind == .windowExpired && timer.due == closes + .hours(2) } else { false } }
        )
        let fired = ana.advance(to: at("14:00", day: 2)).flatMap(\.trace)
        #expect(fired.filter { $0.type == "window_closing" }.count == 1)
        #expect(fired.filter { $0.type == "window_expired" }.count == 1)
        #expect(!fired.contains { $0.type == "message_sent" }, "notices send nothing")
        var quiet = VirtualContact(engine: Engine(flow: try exampleFlow("auto-ack")), contact: contact(), start: at("10:00"))
        #expect(
            !quiet.handle(text("hi")).timers.contains { if case .set(let timer) = $0 { timer.kind == .windowClosing } else { false } },
            "off by default"
        )
    }
}
