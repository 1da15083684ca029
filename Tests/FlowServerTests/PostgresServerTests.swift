import FlowEngine
import FlowModel
import FlowServer
import FlowServerTesting
import FlowStore
import FlowStorePostgres
import Foundation
import Testing

@Suite("the server on PostgreSQL", .enabled(if: TestDatabase.isConfigured)) struct PostgresServerTests {
    @Test("a webhook is stored, answered and replied to; a redelivery is answered and not replied to again")
    func webhookRoundTrip() async throws {
        let graph = try await FakeGraph()
        let store = try PostgresStore(url: try await TestDatabase.freshSchemaURL(), poolSize: 4)
        try await store.migrate()
        let server = try await TestServer(
            flow: "auto-ack",
            database: "(postgres)",
            graph: graph,
            clock: ManualClock(start: start),
            store: store
        )
        try await server.using { server in
            #expect(try await server.webhook(Payload.text("hello", id: "wamid.pg1")) == 200)
            try await eventually("the acknowledgement reaches the Graph API") { graph.received.count == 1 }
            #expect(try await server.webhook(Payload.text("hello", id: "wamid.pg1")) == 200)
            let key = ContactKey(phoneNumberID: phoneNumberID, contactID: "31612345678")
            #expect(try await store.states(for: [key])[key]?.lastInboundAt != nil)
            #expect(try await store.snapshot(states: [], seen: ["wamid.pg1"]).seen == ["wamid.pg1"])
        }
        #expect(graph.received.count == 1)
        try await graph.stop()
        await store.shutdown()
    }
}
