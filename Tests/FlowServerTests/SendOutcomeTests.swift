import FlowServer
import FlowServerTesting
import FlowStore
import FlowStoreSQLite
import Synchronization
import Testing

@Suite("send outcomes") struct SendOutcomeTests {
    @Test("each reply's outcome is stored by a batch's commit, never by a transaction of its own")
    func outcomesRideCommits() async throws {
        let graph = try await FakeGraph()
        let (server, store) = try await TestServer.instrumented(graph: graph)
        try await server.using { server in
            for index in 0..<20 {
                #expect(try await server.webhook(Payload.text("hi", id: "wamid.ride.\(index)", from: "316120000\(index)")) == 200)
            }
            try await eventually("every reply is sent and its outcome stored") {
                store.recorded.load(ordering: .sequentiallyConsistent) == 20
            }
            #expect(graph.received.count == 20)
            #expect(store.recordCalls.load(ordering: .sequentiallyConsistent) == 0)
            #expect(try await store.base.pendingOutbox(limit: 100).isEmpty)
        }
        try await graph.stop()
    }
}
