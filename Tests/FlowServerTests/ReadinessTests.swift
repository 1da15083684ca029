import AsyncHTTPClient
import FlowServer
import FlowServerTesting
import FlowStore
import FlowStoreSQLite
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

@Suite("liveness and readiness") struct ReadinessTests {
    @Test("readiness fails while the store cannot commit and comes back with it; liveness stays up")
    func readinessFollowsTheStore() async throws {
        let graph = try await FakeGraph()
        let (server, store) = try await TestServer.instrumented(flow: "auto-ack", graph: graph)
        #expect(try await server.request(.GET, "/readyz").status == 200)
        store.broken.store(true, ordering: .sequentiallyConsistent)
        let ready = try await server.request(.GET, "/readyz")
        #expect(ready.status == 503)
        #expect(ready.body.contains("disk is full"))
        #expect(try await server.request(.GET, "/healthz").status == 200)
        #expect(try await server.webhook(Payload.text("hello", id: "wamid.full")) == 500)
        store.broken.store(false, ordering: .sequentiallyConsistent)
        #expect(try await server.request(.GET, "/readyz").status == 200)
        #expect(try await server.webhook(Payload.text("hello", id: "wamid.full")) == 200)
        try await server.stop()
        try await graph.stop()
    }
}

@Suite("the write-ahead log stays bounded") struct WALTests {
    /// Commits 50 outbox rows of 1,000 bytes each (about 50 KB), numbered from `index`.
    static func commitRows(to store: SQLiteStore, from index: inout Int) async throws {
        var commit = Commit(time: start)
        commit.outbox = (0..<50).map { _ in
            index += 1
            return Commit.NewMessage(
                contact: ContactKey(phoneNumberID: phoneNumberID, contactID: "c\(index)"),
                ref: "r\(index)",
                body: Array(repeating: UInt8(ascii: "x"), count: 1000)
            )
        }
        _ = try await store.commit(commit)
    }

    @Test("after heavy writing, maintenance truncates the log to within its limit")
    func walIsTruncated() async throws {
        let store = try SQLiteStore(path: temporaryDatabase(), walLimit: 256 << 10)
        try await store.migrate()
        var index = 0
        while store.walSize() <= 2 << 20 { try await Self.commitRows(to: store, from: &index) }
        try await store.maintain()
        #expect(store.walSize() <= 256 << 10, "the log is \(store.walSize()) bytes")
        #expect(try await store.pendingOutbox(limit: 1_000_000).count == index)
    }

    @Test("while commits keep coming the log is reused, not truncated; once they stop it is emptied")
    func steadyWritingReusesTheLog() async throws {
        let store = try SQLiteStore(path: temporaryDatabase())
        try await store.migrate()
        var index = 0
        var largest: Int64 = 0
        // About 12 MB committed, with maintenance after every 10 commits (about 500 KB).
        for round in 0..<240 {
            try await Self.commitRows(to: store, from: &index)
            guard round % 10 == 9 else { continue }
            try await store.maintain()
            // Emptying the file holds the writer back: it must wait until nothing is committed.
            // (A restarted log keeps its file's size; only emptying leaves 0 bytes.)
            #expect(store.walSize() > 0, "the log was emptied while commits kept coming")
            largest = max(largest, store.walSize())
        }
        #expect(largest < 8 << 20, "the log grew to \(largest) bytes")
        try await store.maintain()  // sees the last commits
        try await store.maintain()  // sees none since: idle
        #expect(store.walSize() == 0)
        #expect(try await store.pendingOutbox(limit: 1_000_000).count == index)
    }
}

@Suite("one server per store") struct StoreLockTests {
    @Test("a second claim on a store is refused until the first is released")
    func secondServerIsRefused() throws {
        let path = temporaryDatabase()
        var first: StoreLock? = try StoreLock(store: path)
        #expect(throws: StoreLock.InUse.self) { try StoreLock(store: path) }
        withExtendedLifetime(first) {}
        first = nil
        _ = try StoreLock(store: path)
    }
}

@Suite("the private listener") struct OperationsListenerTests {
    @Test("with admin_listen, /metrics and /admin answer only on the private port; webhooks only on the public one")
    func privateListener() async throws {
        let graph = try await FakeGraph()
        let server = try await TestServer(flow: "auto-ack", database: temporaryDatabase(), graph: graph, clock: ManualClock(start: start)) {
            $0.adminListen = .init(host: "127.0.0.1", port: 0)
        }
        let operations = try #require(server.operationsPort)
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        func get(_ port: Int, _ path: String) async throws -> Int {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
            request.headers.add(name: "Authorization", value: "Bearer \(adminToken)")
            let response = try await client.execute(request, timeout: .seconds(10))
            _ = try await response.body.collect(upTo: 1 << 20)
            return Int(response.status.code)
        }
        #expect(try await server.webhook(Payload.text("hello", id: "wamid.private.1")) == 200)
        #expect(try await get(server.port, "/metrics") == 404)
        #expect(try await get(server.port, "/admin/outbox/failed") == 404)
        #expect(try await get(operations, "/metrics") == 200)
        #expect(try await get(operations, "/admin/outbox/failed") == 200)
        #expect(try await get(operations, "/readyz") == 200)
        #expect(try await get(operations, "/webhook?hub.mode=subscribe") == 404)
        try await client.shutdown()
        try await server.stop()
        try await graph.stop()
    }
}
