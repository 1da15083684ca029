import FlowEngine
import FlowModel
import FlowServer
import FlowServerTesting
import FlowStore
import FlowStorePostgres
import Foundation
import NIOHTTP1
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
            configure: { $0.store = .postgres(urlVariable: TestDatabase.urlVariable, poolSize: 4) },
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

@Suite("replicas on one PostgreSQL", .enabled(if: TestDatabase.isConfigured)) struct ReplicaTests {
    static let echo = """
        flow: echo
        start: reply
        nodes:
          reply: { text: "got it", goto: end }
        """

    /// Two servers, each with its own pool, on one fresh schema, sending to one fake Graph API.
    static func twoReplicas(flow: String, flowFile: String? = nil, graph: FakeGraph) async throws -> ([PostgresStore], [TestServer]) {
        let url = try await TestDatabase.freshSchemaURL()
        let stores = try (0..<2).map { _ in try PostgresStore(url: url, poolSize: 4) }
        try await stores[0].migrate()
        var replicas: [TestServer] = []
        for store in stores {
            replicas.append(
                try await TestServer(
                    flow: flow,
                    flowFile: flowFile,
                    database: "(postgres)",
                    graph: graph,
                    clock: ManualClock(start: start),
                    store: store
                )
            )
        }
        return (stores, replicas)
    }

    @Test("a replica whose cached state another replica replaced reads it again, seeing its version moved on; no update is lost")
    func noLostUpdate() async throws {
        let flowFile = FileManager.default.temporaryDirectory.appendingPathComponent("echo-\(UUID().uuidString).yaml").path
        try Self.echo.write(toFile: flowFile, atomically: true, encoding: .utf8)
        let graph = try await FakeGraph()
        let (stores, replicas) = try await Self.twoReplicas(flow: "", flowFile: flowFile, graph: graph)
        // A caches the contact, B moves it on, then A gets the next message with its old copy.
        #expect(try await replicas[0].webhook(Payload.text("one", id: "wamid.r1")) == 200)
        #expect(try await replicas[1].webhook(Payload.text("two", id: "wamid.r2")) == 200)
        #expect(try await replicas[0].webhook(Payload.text("three", id: "wamid.r3")) == 200)
        try await eventually("three replies sent") { graph.received.count == 3 }
        #expect(replicas[0].metric("flowgate_stale_runs_total") == 0, "caught by the read, before the commit")
        let key = ContactKey(phoneNumberID: phoneNumberID, contactID: "31612345678")
        let stored = try await stores[1].snapshot(states: [key], seen: [])
        #expect(stored.states[key]?.accounting.freeFormMessages == 3)
        #expect(stored.versions[key] == 3)
        for replica in replicas { try await replica.stop() }
        for store in stores { await store.shutdown() }
        try await graph.stop()
    }

    @Test("a status reaching a replica before the sending one stored its message id is answered 503, and applied there once it is stored")
    func statusAheadOfAnotherReplicasSend() async throws {
        let graph = try await FakeGraph()
        let (stores, replicas) = try await Self.twoReplicas(flow: "order-support", graph: graph)
        #expect(try await replicas[0].webhook(Payload.text("hi", id: "wamid.s1")) == 200)
        try await eventually("the menu goes out") { graph.received.count == 1 }
        // Replica B hears of the refusal of the notice before replica A has sent it.
        let refusal = Payload.status(wamid: "wamid.out.2", "failed", code: 131047)
        #expect(try await replicas[1].webhook(refusal) == 503)
        let started = try await replicas[0].admin(.POST, "31612345678/start", json: #"{"node":"delivery_today","params":{"order_id":"ORD-1"}}"#)
        #expect(started.status == 200)
        try await eventually("A stores the notice's message id") { (try? await stores[1].outboxReference(wamid: "wamid.out.2")) != nil }
        #expect(try await replicas[1].webhook(refusal) == 200)
        try await eventually("the re-entry template goes out") { graph.received.contains { $0.templateName == "follow_up" } }
        #expect(replicas[1].metric("flowgate_statuses_deferred_total") == 1)
        for replica in replicas { try await replica.stop() }
        #expect(graph.received.filter { $0.templateName == "follow_up" }.count == 1)
        for store in stores { await store.shutdown() }
        try await graph.stop()
    }
}
