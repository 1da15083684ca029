import FlowEngine
import FlowModel
import FlowServerTesting
import FlowStore
import FlowStoreSQLite
import Logging
import Synchronization
import Testing

@testable import FlowServer

/// Accepts every send at once, and notes the most sends ever done but not yet recorded.
final class BoundCheckingSender: GraphSender {
    let store: InstrumentedStore
    let started = Atomic<Int>(0)
    let worst = Mutex<Int>(0)

    init(store: InstrumentedStore) { self.store = store }

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
            Commit.NewMessage(
                contact: ContactKey(phoneNumberID: phoneNumberID, contactID: "3161234\(index)"),
                ref: "r\(index)",
                body: Array("{}".utf8)
            )
        }
        _ = try await base.commit(commit)
        let store = InstrumentedStore(base, recordDelay: .milliseconds(15))
        let sender = BoundCheckingSender(store: store)
        var settings = Dispatcher.Settings()
        settings.concurrency = 8
        settings.defaultRate = 1_000_000
        let dispatcher = Dispatcher(
            sender: sender,
            store: store,
            clock: ManualClock(start: start),
            metrics: ServerMetrics(),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
            settings: settings
        )
        let running = Task { await dispatcher.run() }
        try await eventually("every message is sent and recorded", within: 30) { store.recorded.load(ordering: .sequentiallyConsistent) == 400 }
        #expect(sender.started.load(ordering: .sequentiallyConsistent) == 400)
        #expect(sender.worst.withLock { $0 } <= 8)
        await dispatcher.stop()
        await running.value
        #expect(try await base.pendingOutbox(limit: 1000).isEmpty)
    }
}
