import FlowModel
import FlowServer
import FlowServerTesting
import FlowStore
import FlowStoreSQLite
import Foundation
import Synchronization
import Testing

@Suite("taking messages over") struct TakeOverTests {
    @Test("a takeover while a send's outcome is not yet written does not send that message again")
    func sentButUnrecorded() async throws {
        let graph = try await FakeGraph()
        let records = Gate()
        let clock = ManualClock(start: start)
        let (server, store) = try await TestServer.instrumented(graph: graph, clock: clock) { InstrumentedStore($0, records: records) }
        try await server.using { server in
            // Whatever fails below, the held write goes on, so the server can stop.
            defer { records.open() }
            #expect(try await server.webhook(Payload.text("hi", id: "wamid.take.1")) == 200)
            // The acknowledgement went out; writing down that it did is held back.
            try await eventually("the acknowledgement is sent and its outcome waits") { graph.received.count == 1 && records.arrived >= 1 }
            // Another process commits a message for the same contact: it waits, unclaimed, behind
            // the acknowledgement this process still holds.
            let contact = ContactKey(phoneNumberID: phoneNumberID, contactID: "31612345678")
            var commit = Commit(time: clock.now())
            commit.claim = Claim(worker: "other", until: clock.now() + .seconds(30))
            commit.outbox = [
                Commit.NewMessage(
                    contact: contact,
                    ref: "other-1",
                    body: Array(#"{"to":"31612345678","type":"text","text":{"body":"from the other"}}"#.utf8)
                )
            ]
            #expect(try await store.base.commit(commit).isEmpty)
            // The next renewal takes the contact over: the new message, and not the sent one again.
            clock.advance(by: .seconds(11))
            try await eventually("the other process's message is sent") { graph.received.contains { $0.text == "from the other" } }
            #expect(graph.received.count == 2, "the acknowledgement went once")
            records.open()
            try await eventually("both outcomes stored") { store.recorded.load(ordering: .sequentiallyConsistent) == 2 }
        }
        #expect(graph.received.count == 2)
        try await graph.stop()
    }
}
