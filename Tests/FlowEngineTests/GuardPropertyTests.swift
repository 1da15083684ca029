import FlowEngine
import FlowModel
import Foundation
import GuardAudit
import Testing

/// Random conversations through the example flows with every event kind WhatsApp can produce:
/// late and out-of-order messages, duplicates, refusals of any earlier message, other failures,
/// reactions, triggers, handoffs, a person taking over and writing from the desk, releases, timers. After every event the guard's promises must
/// hold, judged from the messages' send times (see ``GuardAudit``). CI runs 10⁵ events here;
/// `flowgate bench guard --events 1000000` runs 10⁶.
struct GuardPropertyTests {
    @Test("the session guard holds over 10⁵ random events of every kind", arguments: [("order-support", UInt64(1)), ("auto-ack", UInt64(2))])
    func guardHolds(flowName: String, seed: UInt64) throws {
        let flow = try exampleFlow(flowName)
        let report = GuardAudit(flow: flow, contacts: 60, eventsPerContact: 1_500, seed: seed).run()
        #expect(report.violationCount == 0, "\(report.violations.map(\.description).joined(separator: "\n"))")
        #expect(report.events >= 50_000, "two flows give the 10⁵ events CI runs")
        // The run must have exercised the guard, not just happy paths.
        #expect(report.freeForm > 1_000)
        #expect(report.lateMessages > 1_000)
        #expect(report.refusals > 1_000)
        #expect(report.held > 100)
        #expect(report.resumed > 50)
        #expect(report.personMessages > 100, "people wrote from the desk, inside the window and not outside it")
        if flowName == "order-support" {
            #expect(report.reentryTemplates > 100)
            #expect(report.dropped > 10)
            #expect(report.handoffEvents > 10)
        }
    }

    @Test("the audit catches a guard that lets a free-form message through after expiry")
    func auditCanFail() throws {
        // A margin of minus one hour makes the engine think the window lasts 25 hours: the audit,
        // judging as WhatsApp would, must see free-form messages outside the real window.
        let yaml = try String(contentsOfFile: examplePath("auto-ack"), encoding: .utf8)
        var flow = try #require(FlowLoader.load(yaml: yaml, file: "auto-ack.yaml").flow)
        flow.session.margin = .hours(-1)
        let report = GuardAudit(flow: flow, contacts: 20, eventsPerContact: 500, seed: 7).run()
        #expect(report.violations.contains { $0.rule == "free-form outside the window" })
    }
}
