@testable import FlowServer
import FlowEngine
import FlowModel
import FlowStore
import FlowStoreSQLite
import Logging
import Synchronization
import Testing

/// A store whose `record` takes `delay`, counting what it has stored: the window in which a crash
/// would leave a send done but not written down.
final class SlowRecordingStore: FlowStore {
    let base: SQLiteStore
    let delay: Duration
    let recorded = Atomic<Int>(0)

    init(_ base: SQLiteStore, delay: Duration) {
        self.base = base
        self.delay = delay
    }

    func record(_ outcomes: [(id: Int64, outcome: SendOutcome)], at time: Timestamp) async throws {
        try await Task.sleep(for: delay)
        try await base.record(outcomes, at: time)
        recorded.add(outcomes.count, ordering: .sequentiallyConsistent)
    }

    func migrate() async throws { try await base.migrate() }
    func states(for keys: [ContactKey]) async throws -> [ContactKey: ContactState] { try await base.states(for: keys) }
    func snapshot(states keys: Set<ContactKey>, seen ids: [String]) async throws -> (states: [ContactKey: ContactState], seen: Set<String>) {
        try await base.snapshot(states: keys, seen: ids)
    }
    func commit(_ commit: Commit) async throws -> [OutboxRecord] { try await base.commit(commit) }
    func pendingOutbox(limit: Int) async throws -> [OutboxRecord] { try await base.pendingOutbox(limit: limit) }
    func failedOutbox(limit: Int) async throws -> [FailedSend] { try await base.failedOutbox(limit: limit) }
    func retryFailed(id: Int64, at time: Timestamp) async throws -> OutboxRecord? { try await base.retryFailed(id: id, at: time) }
    func outboxReference(wamid: String) async throws -> (contact: ContactKey, ref: String)? { try await base.outboxReference(wamid: wamid) }
    func dueTimers(until time: Timestamp, limit: Int) async throws -> [StoredTimer] { try await base.dueTimers(until: time, limit: limit) }
    func nextTimerDue() async throws -> Timestamp? { try await base.nextTimerDue() }
    func pruneSeen(before time: Timestamp) async throws -> Int { try await base.pruneSeen(before: time) }
    func maintain() async throws { try await base.maintain() }
    func checkWritable() async throws { try await base.checkWritable() }
}

/// Accepts every send at once, and notes the most sends ever done but not yet recorded.
final class BoundCheckingSender: GraphSender {
    let store: SlowRecordingStore
    let started = Atomic<Int>(0)
    let worst = Mutex<Int>(0)

    init(store: SlowRecordingStore) { self.store = store }

    func send(phoneNumberID: String, body: [UInt8]) async -> GraphSendResult {
        let count = started.add(1, ordering: .sequentiallyConsistent).newValue
        let unrecorded = count - store.recorded.load(ordering: .sequentiallyConsistent)
        worst.withLock { $0 = max($0, unrecorded) }
        return .accepted(wamid: "wamid.bound.\(count)")
    }
}

@Suite("what a crash can repeat") struct CrashBoundTests {
    @Test("sends done but not yet recorded never outnumber the dispatcher's concurrency")
    func unrecordedSendsAreBounded() async throws {
        let base = try SQLiteStore(path: temporaryDatabase())
        try await base.migrate()
        var commit = Commit(time: start)
        commit.outbox = (0..<400).map { index in
            Commit.NewMessage(contact: ContactKey(phoneNumberID: phoneNumberID, contactID: "3161234\(index)"), ref: "r\(index)", body: Array("{}".utf8))
        }
        _ = try await base.commit(commit)
        let store = SlowRecordingStore(base, delay: .milliseconds(15))
        let sender = BoundCheckingSender(store: store)
        var settings = Dispatcher.Settings()
        settings.concurrency = 8
        settings.defaultRate = 1_000_000
        let dispatcher = Dispatcher(sender: sender, store: store, clock: ManualClock(start: start), metrics: ServerMetrics(),
                                    logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), settings: settings)
        let running = Task { await dispatcher.run() }
        try await eventually("every message is sent and recorded", within: 30) { store.recorded.load(ordering: .sequentiallyConsistent) == 400 }
        #expect(sender.started.load(ordering: .sequentiallyConsistent) == 400)
        #expect(sender.worst.withLock { $0 } <= 8)
        await dispatcher.stop()
        await running.value
        #expect(try await base.pendingOutbox(limit: 1000).isEmpty)
    }
}
