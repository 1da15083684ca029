import FlowModel
import Testing

/// How the validator decides which free-form nodes need a re-entry route.
struct SessionRuleTests {
    func missingReentry(_ yaml: String) -> [String] {
        diagnose(yaml).filter { $0.rule == .missingReentry }.compactMap { diagnostic in
            diagnostic.message.split(separator: "'").dropFirst().first.map(String.init)
        }
    }

    @Test("nodes that run straight after a customer message need no re-entry")
    func freshNodes() {
        #expect(
            missingReentry(
                """
                flow: t
                start: ask
                keywords: [{ match: [menu], goto: menu }]
                nodes:
                  ask: { ask: Name?, save_as: name, goto: thanks }
                  thanks: { text: "Thanks {{name}}", goto: menu }
                  menu: { buttons: { body: Pick, options: [{ title: A, goto: a }] } }
                  a: { image: "https://x.example/a.png", goto: end }
                """
            ).isEmpty
        )
    }

    @Test("a timeout that stays inside the window needs none; one that can pass its end does")
    func timeouts() {
        let yaml = { (after: String) in
            """
            flow: t
            start: ask
            nodes:
              ask: { ask: Name?, timeout: { after: \(after), goto: nudge }, goto: end }
              nudge: { text: Still there?, goto: end }
            """
        }
        #expect(missingReentry(yaml("2h")).isEmpty)
        #expect(missingReentry(yaml("23h59m")).isEmpty)
        #expect(missingReentry(yaml("24h")) == ["nudge"])
    }

    @Test("time adds up along timeouts and pauses")
    func chains() {
        #expect(
            missingReentry(
                """
                flow: t
                start: ask
                nodes:
                  ask: { ask: Name?, timeout: { after: 12h, goto: pause }, goto: end }
                  pause: { wait: 12h, goto: late }
                  late: { text: Hello again, goto: end }
                """
            ) == ["late"]
        )
    }

    @Test("the session margin closes the window early")
    func margin() {
        #expect(
            missingReentry(
                """
                flow: t
                start: ask
                session: { margin: 1h }
                nodes:
                  ask: { ask: Name?, timeout: { after: 23h30m, goto: nudge }, goto: end }
                  nudge: { text: Still there?, goto: end }
                """
            ) == ["nudge"]
        )
    }

    @Test("before_expiry may send free-form, but not after a pause")
    func beforeExpiry() {
        #expect(
            missingReentry(
                """
                flow: t
                start: hi
                session: { before_expiry: { in: 1h, goto: keep } }
                nodes:
                  hi: { text: hi, goto: end }
                  keep: { text: Still need help?, goto: pause }
                  pause: { wait: 2h, goto: late }
                  late: { text: Bye, goto: end }
                """
            ) == ["late"]
        )
    }

    @Test("a business trigger at a free-form node needs re-entry; at a template it does not")
    func triggers() {
        let yaml = { (trigger: String) in
            """
            flow: t
            start: hi
            triggers: [\(trigger)]
            templates:
              note: { language: en_US, category: UTILITY, body: Your order shipped }
            nodes:
              hi: { text: hi, goto: end }
              notice: { template: note, goto: after }
              after: { text: Reply for details, goto: end }
            """
        }
        #expect(missingReentry(yaml("hi")) == ["hi"])
        // After a template the window is still whatever it was: a free-form follow-up needs re-entry.
        #expect(missingReentry(yaml("notice")) == ["after"])
    }

    @Test("a handoff release can come any time later")
    func handoffRelease() {
        #expect(
            missingReentry(
                """
                flow: t
                start: agent
                nodes:
                  agent: { handoff: support, goto: back }
                  back: { text: The bot is back, goto: end }
                """
            ) == ["back"]
        )
    }

    @Test("a branch on an open window clears the need on that path only")
    func windowBranch() {
        #expect(
            missingReentry(
                """
                flow: t
                start: hi
                triggers: [check]
                templates:
                  note: { language: en_US, category: UTILITY, body: Hello, buttons: [{ quick_reply: Hi }] }
                nodes:
                  hi: { text: hi, goto: end }
                  check:
                    branch: [{ if: { window: open }, goto: open_text }]
                    goto: closed_text
                  open_text: { text: You're here, goto: end }
                  closed_text: { text: Not here, goto: end }
                """
            ) == ["closed_text"]
        )
    }

    @Test("a node's own re-entry, or the flow's, satisfies the rule")
    func reentryRoutes() {
        let yaml = { (session: String, own: String) in
            """
            flow: t
            start: ask
            \(session)
            templates:
              back: { language: en_US, category: UTILITY, body: We have news, buttons: [{ quick_reply: Continue }] }
            nodes:
              ask: { ask: Name?, timeout: { after: 30h, goto: nudge }, goto: end }
              nudge: { text: Still there?, goto: end\(own) }
              reconnect: { template: back, on_reply: resume }
            """
        }
        #expect(missingReentry(yaml("", "")) == ["nudge"])
        #expect(missingReentry(yaml("session: { reentry: reconnect }", "")).isEmpty)
        #expect(missingReentry(yaml("", ", reentry: reconnect")).isEmpty)
    }

    /// A trigger (the window may be closed) that branches on the window, with the free-form text
    /// on one side and a template on the other.
    func branching(_ cases: String, else target: String) -> String {
        """
        flow: t
        start: hello
        triggers: [news]
        templates:
          hi: { language: en_US, category: UTILITY, body: Hi }
        nodes:
          hello: { text: hello, goto: end }
          news:
            branch:
        \(cases)
            goto: \(target)
          tpl: { template: hi, goto: end }
          txt: { text: news, goto: end }
        """
    }

    @Test("window conditions are understood through not, any, all and case order")
    func windowConditions() {
        #expect(missingReentry(branching("      - { if: { window: open }, goto: txt }", else: "tpl")).isEmpty)
        #expect(missingReentry(branching("      - { if: { not: { window: open } }, goto: tpl }", else: "txt")).isEmpty)
        #expect(
            missingReentry(branching("      - { if: { window: closed }, goto: tpl }\n      - { if: { window: never }, goto: tpl }", else: "txt"))
                .isEmpty
        )
        #expect(missingReentry(branching("      - { if: { any: [{ window: open }] }, goto: txt }", else: "tpl")).isEmpty)
        #expect(missingReentry(branching("      - { if: { all: [{ window: open }, { var: x, exists: true }] }, goto: txt }", else: "tpl")).isEmpty)
        // Not narrowed: a variable test alone, `any` with a non-window test, only `closed` handled.
        #expect(missingReentry(branching("      - { if: { var: x, exists: true }, goto: tpl }", else: "txt")) == ["txt"])
        #expect(missingReentry(branching("      - { if: { any: [{ window: open }, { var: x, exists: true }] }, goto: txt }", else: "tpl")) == ["txt"])
        #expect(missingReentry(branching("      - { if: { window: closed }, goto: tpl }", else: "txt")) == ["txt"])
    }

    @Test("an open-window branch bounds the time below the window's end; later waits still add to it")
    func openBranchThenWait() {
        let yaml = """
            flow: t
            start: hello
            triggers: [news]
            nodes:
              hello: { text: hello, goto: end }
              news:
                branch:
                  - { if: { window: open }, goto: first }
                goto: end
              first: { text: one, goto: pause }
              pause: { wait: 5h, goto: second }
              second: { text: two, goto: end }
            """
        #expect(missingReentry(yaml) == ["second"])
    }

    @Test("before_expiry counts from the effective close, margin included")
    func beforeExpiryMargin() {
        let yaml = { (lead: String) in
            """
            flow: t
            start: n
            session: { margin: 30m, before_expiry: { in: \(lead), goto: keep }, reentry: back }
            templates:
              hi: { language: en_US, category: UTILITY, body: Hi }
            nodes:
              n: { text: hi, goto: end }
              keep: { text: still here?, goto: pause }
              pause: { wait: \(lead), goto: late }
              late: { text: late, goto: end }
              back: { template: hi, on_reply: resume }
            """
        }
        #expect(diagnose(yaml("1h")).filter { $0.rule == .beforeExpiryMargin }.isEmpty)
        #expect(diagnose(yaml("30m")).contains { $0.rule == .beforeExpiryMargin })
    }

    @Test("a zero length of time says what is wrong with it")
    func zeroSpan() {
        let found = diagnose("flow: t\nstart: n\nsession: { before_expiry: { in: 0s, goto: n } }\nnodes:\n  n: { text: hi, goto: end }\n")
        #expect(found.contains { $0.rule == .invalidValue && $0.message.contains("must be longer than zero") })
        #expect(!found.contains { $0.message.contains("must be a length of time") })
    }
}
