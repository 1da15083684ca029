import FlowEngine
import FlowModel
import Foundation
import Testing
import WhatsAppCloud

/// The customer service window, replayed with an injected clock: the platform's four documented
/// scenarios, and the edges.
struct SessionWindowTests {
    static let yaml = """
        flow: window
        start: menu
        triggers: [news, reminder]
        session: { reentry: reconnect }
        templates:
          back:
            language: en_US
            category: UTILITY
            body: "Hi {{1}}, we have news for you. Tap Continue to see it."
            buttons: [{ quick_reply: Continue }, { quick_reply: Stop }]
          notice: { language: en_US, category: MARKETING, body: Our sale starts today }
        nodes:
          menu:
            buttons:
              body: "Hi {{contact.name}}, pick one"
              options: [{ id: news, title: News, goto: news }, { id: bye, title: Bye, goto: bye }]
          news: { text: Here is the news, goto: end }
          reminder: { template: notice, goto: end }
          bye: { text: Bye, goto: end }
          reconnect:
            template: back
            params: ["{{contact.name}}"]
            on_reply: resume
            quick_replies: { Stop: bye }
        """

    func contactAt(_ start: Timestamp) throws -> VirtualContact {
        VirtualContact(engine: Engine(flow: try loadFlow(Self.yaml)), contact: contact(), start: start)
    }

    @Test("scenario 1: the customer writes at 10:00 and the business replies freely")
    func customerWrites() throws {
        var ana = try contactAt(at("10:00"))
        let step = ana.handle(text("hi"))
        #expect(step.blocks.isEmpty)
        #expect(step.messages.map(\.payload.type) == [.interactive])
        #expect(ana.engine.window.closesAt(ana.state) == at("10:00", day: 2))
        #expect(step.trace.contains { $0.type == "window_opened" })
    }

    @Test("scenario 2: writing again at 15:00 moves the window's end to 15:00 the next day")
    func customerWritesAgain() throws {
        var ana = try contactAt(at("10:00"))
        ana.handle(text("hi"))
        ana.advance(to: at("15:00"))
        let step = ana.handle(tap("news", "News"))
        #expect(step.trace.contains { $0.type == "window_extended" && $0.detail.contains("2026-11-03T15:00:00Z") })
        #expect(ana.engine.window.closesAt(ana.state) == at("15:00", day: 2))
        #expect(ana.engine.window.isOpen(ana.state, at: at("14:59", day: 2)))
        #expect(!ana.engine.window.isOpen(ana.state, at: at("15:00", day: 2)))
        #expect(ana.state.accounting.windowsOpened == 1)
    }

    @Test("scenario 3: at 11:00 on day 2 the window has expired and only a template may go")
    func expired() throws {
        var ana = try contactAt(at("10:00"))
        ana.handle(text("hi"))
        ana.advance(to: at("11:00", day: 2))
        let step = ana.handle(.trigger(BusinessTrigger(node: "news")))
        #expect(step.freeForm.isEmpty)
        #expect(step.templates == ["back"])
        let block = try #require(step.blocks.first)
        #expect(block.node == "news")
        #expect(block.reason == "SESSION_EXPIRED")
        // The customer answers: the window reopens and the blocked step goes.
        ana.advance(to: at("11:30", day: 2))
        let answer = ana.handle(quickReply("Continue"))
        #expect(answer.texts == ["Here is the news"])
        #expect(answer.trace.contains { $0.type == "resumed" && $0.node == "news" })
        #expect(ana.state.held.isEmpty)
        #expect(ana.engine.window.closesAt(ana.state) == at("11:30", day: 3))
    }

    @Test("scenario 4: a template at 9:00, an answer at 9:30, and the window runs to 9:30 the next day")
    func templateThenAnswer() throws {
        var ana = try contactAt(at("09:00"))
        let notice = ana.handle(.trigger(BusinessTrigger(node: "news")))
        #expect(notice.blocks.first?.reason == "NO_ACTIVE_SESSION")
        #expect(notice.templates == ["back"])
        #expect(ana.state.lastInboundAt == nil, "a business message does not open the window")
        ana.advance(to: at("09:30"))
        let answer = ana.handle(quickReply("Continue"))
        #expect(answer.texts == ["Here is the news"])
        #expect(ana.engine.window.closesAt(ana.state) == at("09:30", day: 2))
    }

    @Test("a template trigger needs no window")
    func templateTrigger() throws {
        var ana = try contactAt(at("09:00"))
        let step = ana.handle(.trigger(BusinessTrigger(node: "reminder")))
        #expect(step.blocks.isEmpty)
        #expect(step.templates == ["notice"])
        #expect(ana.state.accounting.templates == ["MARKETING": 1])
        #expect(ana.state.accounting.billableTemplates.isEmpty, "nothing is billable until WhatsApp reports it delivered")
    }

    @Test(
        "the window's edges: open 1 ms before 24h, closed at exactly 24h and 1 ms after",
        arguments: [
            (-1, true), (0, false), (1, false),
        ]
    )
    func edges(offsetMilliseconds: Int64, open: Bool) throws {
        var ana = try contactAt(at("10:00"))
        ana.handle(text("hi"))
        ana.advance(to: at("10:00", day: 2) + TimeSpan(milliseconds: offsetMilliseconds))
        let step = ana.handle(.trigger(BusinessTrigger(node: "news")))
        #expect(step.texts == (open ? ["Here is the news"] : []))
        #expect(step.blocks.isEmpty == open)
        #expect(step.templates == (open ? [] : ["back"]))
    }

    @Test("the window counts from when the customer sent the message, not when it arrived")
    func lateDelivery() throws {
        var ana = try contactAt(at("10:00"))
        ana.handle(text("hi", sentAt: at("08:00")))
        #expect(ana.engine.window.closesAt(ana.state) == at("08:00", day: 2))
        // An older message delivered late does not move the window back.
        ana.handle(text("earlier", sentAt: at("07:00")))
        #expect(ana.engine.window.closesAt(ana.state) == at("08:00", day: 2))
    }

    @Test("statuses never touch the window")
    func statusesDoNotReset() throws {
        var ana = try contactAt(at("10:00"))
        let first = ana.handle(text("hi"))
        ana.advance(to: at("20:00"))
        ana.handle(.status(DeliveryStatus(ref: first.messages[0].ref, state: .read)))
        #expect(ana.engine.window.closesAt(ana.state) == at("10:00", day: 2))
    }

    @Test("a safety margin closes the window early")
    func margin() throws {
        let flow = try loadFlow(
            Self.yaml.replacingOccurrences(of: "session: { reentry: reconnect }", with: "session: { reentry: reconnect, margin: 10m }")
        )
        var ana = VirtualContact(engine: Engine(flow: flow), contact: contact(), start: at("10:00"))
        ana.handle(text("hi"))
        ana.advance(to: at("09:50", day: 2))
        #expect(ana.handle(.trigger(BusinessTrigger(node: "news"))).templates == ["back"])
    }

    @Test("a 131047 failure blocks the step and sends the re-entry template, once per burst")
    func platformRefusal() throws {
        var ana = try contactAt(at("10:00"))
        ana.handle(text("hi"))
        ana.advance(to: at("10:01"))
        let sent = ana.handle(tap("news", "News"))
        let ref = try #require(sent.messages.first?.ref)
        let failed = ana.handle(.status(DeliveryStatus(ref: ref, state: .failed, errors: [.init(code: 131047, title: "Re-engagement message")])))
        #expect(failed.templates == ["back"])
        #expect(failed.blocks.first?.node == "news")
        #expect(failed.blocks.first?.reason == "SESSION_EXPIRED")
        #expect(!ana.engine.window.isOpen(ana.state, at: ana.now), "WhatsApp's word closes the window")
        // The customer answers the template a minute later: the window reopens and the refused
        // message goes again. (A reply stamped the same millisecond as the refused send does not
        // count as written after it.)
        ana.advance(to: at("10:02"))
        let answer = ana.handle(quickReply("Continue"))
        #expect(answer.texts == ["Here is the news"])
        #expect(ana.engine.window.isOpen(ana.state, at: ana.now))
    }

    @Test("other delivery failures are recorded and do not reroute")
    func otherFailure() throws {
        var ana = try contactAt(at("10:00"))
        let sent = ana.handle(text("hi"))
        let failed = ana.handle(
            .status(DeliveryStatus(ref: sent.messages[0].ref, state: .failed, errors: [.init(code: 131026, title: "Undeliverable")]))
        )
        #expect(failed.messages.isEmpty)
        #expect(failed.trace.contains { $0.type == "delivery_failed" && $0.reason == "131026" })
        #expect(ana.state.position?.node == "menu")
    }

    @Test("a version 1 state, as the previous server stored it, reads with its blocked step and refusal")
    func versionOneState() throws {
        let json = #"""
            {"version":1,"contact":{"id":"31612345678","waID":"31612345678","name":"Ana"},"flow":"window",
             "position":{"node":"reconnect","waitingFor":"template_reply"},"variables":{},"failedAttempts":0,
             "lastInboundAt":1793786400000,"windowRefusedAt":1793786460000,
             "blocked":{"node":"news","reason":"SESSION_EXPIRED","at":1793786460000,"refusedSequence":2},
             "awaitingStatus":[],"waitSequence":3,"outboundSequence":3,
             "accounting":{"freeFormMessages":2,"templates":{"UTILITY":1},"templatesInWindow":{},"windowsOpened":1,"blockedSteps":1}}
            """#
        let state = try JSONDecoder().decode(ContactState.self, from: Data(json.utf8))
        #expect(state.version == ContactState.currentVersion)
        #expect(state.held.map(\.node) == ["news"])
        #expect(state.held.first?.isFlowStep == true)
        #expect(state.refusedSentAt == Timestamp(millisecondsSince1970: 1_793_786_460_000))
        #expect(state.accounting.templates == ["UTILITY": 1])
        // And it goes on: the customer's answer resumes the held step.
        var ana = try contactAt(Timestamp(millisecondsSince1970: 1_793_786_520_000))
        ana.reset(to: state)
        let answer = ana.handle(quickReply("Continue"))
        #expect(answer.texts == ["Here is the news"])
        let again = try JSONDecoder().decode(ContactState.self, from: JSONEncoder().encode(ana.state))
        #expect(again == ana.state)
    }

    @Test("held steps resume even when the flow no longer has the node the contact waited at")
    func heldAfterRedeploy() throws {
        var ana = try contactAt(at("09:00"))
        ana.handle(.trigger(BusinessTrigger(node: "news")))
        var state = ana.state
        state.position?.node = "removed_in_the_new_version"
        ana.reset(to: state)
        ana.advance(to: at("09:30"))
        #expect(ana.handle(text("hello")).texts == ["Here is the news"])
    }
}
