import FlowModel
import FlowServer
import FlowServerTesting
import FlowStore
import NIOHTTP1
import Testing

/// A status that overtakes the record of its own send (WhatsApp posted it before the Graph API's
/// answer reached the dispatcher, or to a replica before the sending one stored the message id)
/// is neither dropped nor half applied: its webhook is answered 503, nothing of it is stored, and
/// the platform's redelivery is applied once the send is recorded.
@Suite(.serialized)
struct EarlyStatusTests {
    let contact = ContactKey(phoneNumberID: phoneNumberID, contactID: "31612345678")

    @Test("a 131047 ahead of its send is answered 503 with the message beside it; delivered again, it sends the re-entry template")
    func refusalAheadOfItsSend() async throws {
        let graph = try await FakeGraph()
        let server = try await TestServer(flow: "order-support", database: temporaryDatabase(), graph: graph, clock: ManualClock(start: start))
        #expect(try await server.webhook(Payload.text("hi", id: "wamid.e1")) == 200)
        try await eventually("the menu goes out") { graph.received.count == 1 }
        let menuState = try await server.server.pipeline.state(of: contact)

        // The refusal of a send not yet made, in one webhook with another customer's first message.
        let refusal = Payload.statusObject(wamid: "wamid.out.2", "failed", code: 131047)
        let early = Payload.envelope(
            messages: "[" + Payload.message(id: "wamid.e2", type: "text", #""text":{"body":"hello"}"#, from: "31600000002") + "]",
            statuses: "[\(refusal)]",
            contacts: #"[{"profile":{"name":"Bo"},"wa_id":"31600000002"}]"#
        )
        #expect(try await server.webhook(early) == 503)
        #expect(server.metric("flowgate_statuses_deferred_total") == 1)
        #expect(try await server.server.pipeline.state(of: contact) == menuState, "nothing of the held-back webhook ran")
        #expect(try await server.server.pipeline.state(of: ContactKey(phoneNumberID: phoneNumberID, contactID: "31600000002")) == nil)
        #expect(graph.received.count == 1)

        // The notice goes out as wamid.out.2, its send is recorded, and the platform redelivers.
        let started = try await server.admin(.POST, "31612345678/start", json: #"{"node":"delivery_today","params":{"order_id":"ORD-1"}}"#)
        #expect(started.status == 200)
        try await eventually("the notice goes out") { graph.received.count == 2 }
        try await server.sendRecorded("wamid.out.2")
        #expect(try await server.webhook(early) == 200)
        try await eventually("the re-entry template and the other customer's menu go out") { graph.received.count == 4 }
        let answers = graph.received.dropFirst(2)
        #expect(answers.contains { $0.body["to"] as? String == "31612345678" && $0.templateName == "follow_up" }, "the refusal was applied")
        #expect(answers.contains { $0.body["to"] as? String == "31600000002" && $0.type == "interactive" }, "the message beside it was answered")
        #expect(server.metric("flowgate_duplicates_total") == 0, "the message beside it was not stored the first time")
        try await server.stop()
        try await graph.stop()
    }

    @Test("the window is the status's own time: ten minutes either side of now is held back, further or untimed is dropped with 200")
    func window() async throws {
        let graph = try await FakeGraph()
        let server = try await TestServer(flow: "auto-ack", database: temporaryDatabase(), graph: graph, clock: ManualClock(start: start))
        let inside: [Timestamp] = [start - .minutes(10), start - .seconds(1), start + .minutes(10)]
        for time in inside {
            #expect(try await server.webhook(Payload.status(wamid: "wamid.nobody", "delivered", at: time)) == 503, "\(time)")
        }
        let outside: [Timestamp] = [start - .minutes(10) - .seconds(1), start + .minutes(10) + .seconds(1), start - .hours(48)]
        for time in outside {
            #expect(try await server.webhook(Payload.status(wamid: "wamid.nobody", "delivered", at: time)) == 200, "\(time)")
        }
        let untimed = #"[{"id":"wamid.nobody","status":"read","recipient_id":"31612345678"}]"#
        #expect(try await server.webhook(Payload.envelope(statuses: untimed)) == 200, "no time of its own: dropped, never redelivered for days")
        #expect(server.metric("flowgate_statuses_deferred_total") == Double(inside.count))
        #expect(graph.received.isEmpty)
        try await server.stop()
        try await graph.stop()
    }
}
