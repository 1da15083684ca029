import FlowEngine
import FlowModel
import FlowServer
import FlowStore
import FlowStoreSQLite
import Synchronization
import Testing

/// A store whose disk can be made to fail, as a full or read-only disk does.
final class FailingStore: FlowStore {
    let base: SQLiteStore
    let broken = Atomic<Bool>(false)

    init(_ base: SQLiteStore) { self.base = base }

    struct DiskFull: Error, CustomStringConvertible { var description: String { "database or disk is full" } }

    private func check() throws { if broken.load(ordering: .sequentiallyConsistent) { throw DiskFull() } }

    func commit(_ commit: Commit) async throws -> [OutboxRecord] { try check(); return try await base.commit(commit) }
    func checkWritable() async throws { try check(); try await base.checkWritable() }
    func record(_ outcomes: [(id: Int64, outcome: SendOutcome)], at time: Timestamp) async throws { try check(); try await base.record(outcomes, at: time) }
    func migrate() async throws { try await base.migrate() }
    func states(for keys: [ContactKey]) async throws -> [ContactKey: ContactState] { try await base.states(for: keys) }
    func snapshot(states keys: Set<ContactKey>, seen ids: [String]) async throws -> (states: [ContactKey: ContactState], seen: Set<String>) {
        try await base.snapshot(states: keys, seen: ids)
    }
    func pendingOutbox(limit: Int) async throws -> [OutboxRecord] { try await base.pendingOutbox(limit: limit) }
    func failedOutbox(limit: Int) async throws -> [FailedSend] { try await base.failedOutbox(limit: limit) }
    func retryFailed(id: Int64, at time: Timestamp) async throws -> OutboxRecord? { try await base.retryFailed(id: id, at: time) }
    func outboxReference(wamid: String) async throws -> (contact: ContactKey, ref: String)? { try await base.outboxReference(wamid: wamid) }
    func dueTimers(until time: Timestamp, limit: Int) async throws -> [StoredTimer] { try await base.dueTimers(until: time, limit: limit) }
    func nextTimerDue() async throws -> Timestamp? { try await base.nextTimerDue() }
    func pruneSeen(before time: Timestamp) async throws -> Int { try await base.pruneSeen(before: time) }
    func maintain() async throws { try check(); try await base.maintain() }
}

@Suite("liveness and readiness") struct ReadinessTests {
    @Test("readiness fails while the store cannot commit and comes back with it; liveness stays up")
    func readinessFollowsTheStore() async throws {
        let graph = try await FakeGraph()
        nonisolated(unsafe) var failing: FailingStore?
        let server = try await TestServer(flow: "auto-ack", database: temporaryDatabase(), graph: graph, clock: ManualClock(start: start),
                                          wrapStore: { let store = FailingStore($0); failing = store; return store })
        let store = try #require(failing)
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
    @Test("after heavy writing, maintenance truncates the log to within its limit")
    func walIsTruncated() async throws {
        let store = try SQLiteStore(path: temporaryDatabase(), walLimit: 256 << 10)
        try await store.migrate()
        var index = 0
        while store.walSize() <= 2 << 20 {
            var commit = Commit(time: start)
            commit.outbox = (0..<50).map { _ in
                index += 1
                return Commit.NewMessage(contact: ContactKey(phoneNumberID: phoneNumberID, contactID: "c\(index)"), ref: "r\(index)",
                                         body: Array(repeating: UInt8(ascii: "x"), count: 1000))
            }
            _ = try await store.commit(commit)
        }
        try await store.maintain()
        #expect(store.walSize() <= 256 << 10, "the log is \(store.walSize()) bytes")
        #expect(try await store.pendingOutbox(limit: 1_000_000).count == index)
    }
}

@Suite("one server per store") struct StoreLockTests {
    @Test("a second claim on a store is refused until the first is released")
    func secondServerIsRefused() throws {
        let path = temporaryDatabase()
        var first: StoreLock? = try StoreLock(store: path)
        #expect(throws: StoreLock.InUse.self) { try StoreLock(store: path) }
        #expect(first != nil)
        first = nil
        _ = try StoreLock(store: path)
    }
}
