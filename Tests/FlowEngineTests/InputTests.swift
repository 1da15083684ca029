import FlowEngine
import FlowModel
import Testing
import WhatsAppCloud

/// Taps, typed choices, questions, keywords, handoff, timers.
struct InputTests {
    static let yaml = """
        flow: input
        start: menu
        session: { reentry: reconnect, before_expiry: { in: 1h, goto: keep_alive } }
        keywords: [{ match: [stop, menu principal], goto: bye }]
        templates:
          back: { language: en_US, category: UTILITY, body: "We're here. Tap Continue.", buttons: [{ quick_reply: Continue }] }
        nodes:
          menu:
            buttons:
              body: Pick one
              options:
                - { id: track, title: Track my order, goto: ask }
                - { id: slot, title: Café hours, goto: hours }
                - { id: agent, title: Talk to a person, goto: agent }
            retry: Please tap a button.
            attempts: 2
            on_fail: agent
          ask:
            ask: Order number?
            save_as: order_id
            expect: { pattern: "^ORD-[0-9]{5}$" }
            retry: "Try ORD-12345"
            attempts: 3
            on_fail: agent
            timeout: { after: 2h, goto: nudge }
            goto: status
          status: { text: "Order {{order_id}} is on its way", goto: end }
          hours: { text: "We open at 8", goto: end }
          nudge: { text: Still there?, goto: end }
          keep_alive: { text: Anything else?, goto: end }
          agent: { handoff: support, goto: menu }
          bye: { text: Bye, goto: end }
          reconnect: { template: back, on_reply: resume }
        """

    func ana(_ start: Timestamp = at("10:00")) throws -> VirtualContact {
        VirtualContact(engine: Engine(flow: try loadFlow(Self.yaml)), contact: contact(), start: start)
    }

    @Test("a tap routes by id")
    func tapByID() throws {
        var ana = try ana()
        ana.handle(text("hi"))
        let step = ana.handle(tap("track", "Track my order"))
        #expect(step.texts == ["Order number?"])
        #expect(ana.state.position?.node == "ask")
    }

    @Test("a typed title counts, ignoring case, accents and spaces", arguments: ["  track MY order ", "cafe hours", "CAFÉ HOURS"])
    func typedTitle(_ typed: String) throws {
        var ana = try ana()
        ana.handle(text("hi"))
        let step = ana.handle(text(typed))
        #expect(step.messages.count == 1)
        #expect(step.trace.contains { $0.type == "choice_made" })
    }

    @Test("a typed number counts as that choice")
    func typedNumber() throws {
        var ana = try ana()
        ana.handle(text("hi"))
        #expect(ana.handle(text("2")).texts == ["We open at 8"])
    }

    @Test("anything else re-prompts up to the attempts, then goes to on_fail")
    func retries() throws {
        var ana = try ana()
        ana.handle(text("hi"))
        let first = ana.handle(text("what?"))
        #expect(first.texts == ["Please tap a button."])
        #expect(ana.state.failedAttempts == 1)
        let second = ana.handle(text("huh"))
        #expect(second.trace.contains { $0.type == "attempts_exhausted" })
        #expect(ana.state.handoff?.queue == "support")
    }

    @Test("ask validates, stores, and re-prompts with the retry text")
    func ask() throws {
        var ana = try ana()
        ana.handle(text("hi"))
        ana.handle(tap("track", "Track my order"))
        #expect(ana.handle(text("12345")).texts == ["Try ORD-12345"])
        let step = ana.handle(text("ORD-12345"))
        #expect(step.texts == ["Order ORD-12345 is on its way"])
        #expect(ana.state.variables["order_id"] == "ORD-12345")
        #expect(ana.state.position == nil)
    }

    @Test("keywords interrupt any wait, ignoring case and accents")
    func keywords() throws {
        var ana = try ana()
        ana.handle(text("hi"))
        ana.handle(tap("track", "Track my order"))
        let step = ana.handle(text("  Menú Principal "))
        #expect(step.texts == ["Bye"])
        #expect(step.trace.contains { $0.type == "keyword" })
    }

    @Test("in handoff the bot is silent, keywords included, until released")
    func handoff() throws {
        var ana = try ana()
        ana.handle(text("hi"))
        ana.handle(tap("agent", "Talk to a person"))
        #expect(ana.handle(text("hello?")).messages.isEmpty)
        #expect(ana.handle(text("stop")).messages.isEmpty)
        #expect(ana.handle(.trigger(BusinessTrigger(node: "hours"))).messages.isEmpty)
        let released = ana.handle(.release)
        #expect(released.messages.map(\.payload.type) == [.interactive], "released to the menu")
        #expect(ana.state.handoff == nil)
    }

    @Test("a timeout fires on its own and goes to its node")
    func timeout() throws {
        var ana = try ana()
        ana.handle(text("hi"))
        let asked = ana.handle(tap("track", "Track my order"))
        #expect(asked.timers.contains { if case .set(let timer) = $0 { timer.kind == .wait && timer.due == at("12:00") } else { false } })
        let fired = ana.advance(to: at("13:00"))
        #expect(fired.flatMap(\.texts) == ["Still there?"])
    }

    @Test("a timer whose token no longer matches is ignored")
    func staleTimer() throws {
        var ana = try ana()
        ana.handle(text("hi"))
        let asked = ana.handle(tap("track", "Track my order"))
        guard case .set(let timer)? = asked.timers.first(where: { if case .set(let t) = $0 { t.kind == .wait } else { false } }) else {
            Issue.record("no wait timer")
            return
        }
        let answered = ana.handle(text("ORD-12345"))
        #expect(answered.timers.contains(.cancel(.wait)))
        let late = ana.engine.handle(.timer(timer), state: ana.state, now: at("12:00"))
        #expect(late.messages.isEmpty)
        #expect(late.trace.map(\.type) == ["timer_ignored"])
    }

    @Test("before_expiry fires 1h before the window ends, while it is still open")
    func beforeExpiry() throws {
        var ana = try ana()
        ana.handle(text("hi"))
        let fired = ana.advance(to: at("09:30", day: 2))
        #expect(fired.flatMap(\.texts) == ["Anything else?"])
        #expect(fired.first?.trace.contains { $0.type == "timer_fired" } == true)
        #expect(ana.now == at("09:30", day: 2))
    }

    @Test("before_expiry does not fire when a newer message moved the window")
    func beforeExpiryMoved() throws {
        var ana = try ana()
        ana.handle(text("hi"))
        let first = try #require(ana.timers[.beforeExpiry])
        ana.advance(to: at("12:00"))
        ana.handle(text("1"))
        #expect(ana.timers[.beforeExpiry]?.due == at("11:00", day: 2))
        let stale = ana.engine.handle(.timer(first), state: ana.state, now: first.due)
        #expect(stale.messages.isEmpty)
        #expect(stale.trace.first?.type == "timer_ignored")
    }

    @Test("reactions open the window but do not answer the flow")
    func reaction() throws {
        var ana = try ana()
        ana.handle(text("hi"))
        let step = ana.handle(.inbound(InboundMessage(id: "r1", content: .reaction(messageID: "wamid.x", emoji: "👍"))))
        #expect(step.messages.isEmpty)
        #expect(ana.state.position?.node == "menu")
    }

    @Test("an unknown message type at a choice re-prompts")
    func unknownType() throws {
        var ana = try ana()
        ana.handle(text("hi"))
        let step = ana.handle(.inbound(InboundMessage(id: "u1", content: .other(type: "unsupported"))))
        #expect(step.texts == ["Please tap a button."])
    }

    /// A contact who has just been asked for a date (saved as `day`).
    func askedForADate() throws -> VirtualContact {
        let flow = try loadFlow(
            """
            flow: d
            start: when
            nodes:
              when: { ask: When?, expect: date, save_as: day, goto: end }
            """
        )
        var ana = VirtualContact(engine: Engine(flow: flow), contact: contact(), start: at("10:00"))
        ana.handle(text("hi"))
        return ana
    }

    @Test(
        "dates in any script's digits parse, never trap",
        arguments: [
            ("٢٠٢٦-١١-٢١", "2026-11-21"), ("21/11/२०२६", "2026-11-21"), ("2026-11-21", "2026-11-21"),
        ]
    )
    func dateDigits(_ typed: String, _ expected: String) throws {
        var ana = try askedForADate()
        ana.handle(text(typed))
        #expect(ana.state.variables["day"] == expected)
    }

    @Test("a date answer with impossible digits is re-asked, not trapped")
    func badDateDigits() throws {
        var ana = try askedForADate()
        let step = ana.handle(text("٩٩٩٩٩٩٩٩٩٩٩٩٩٩٩٩٩٩٩٩٩-١١-٢١"))
        #expect(ana.state.variables["day"] == nil)
        #expect(step.messages.count == 1)
    }

    @Test(
        "`integer: true` takes whole numbers only, and says so when it re-asks",
        arguments: [
            ("3", "3"), ("3.0", "3"), ("2,5", nil), ("2.5", nil), ("11", nil),
        ]
    )
    func integerAnswers(_ typed: String, _ expected: String?) throws {
        let flow = try loadFlow(
            """
            flow: q
            start: how_many
            nodes:
              how_many: { ask: How many?, expect: { number: { min: 1, max: 10, integer: true } }, save_as: count, goto: end }
            """
        )
        var ana = VirtualContact(engine: Engine(flow: flow), contact: contact(), start: at("10:00"))
        ana.handle(text("hi"))
        let step = ana.handle(text(typed))
        #expect(ana.state.variables["count"] == expected)
        if expected == nil { #expect(step.texts == ["Please send a whole number from 1 to 10."]) }
    }
}
