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
        let dispatcher = Self.quietDispatcher(sender: sender, store: store, clock: ManualClock(start: start), settings: settings)
        let running = Task { await dispatcher.run() }
        try await eventually("every message is sent and recorded", within: 30) { store.recorded.load(ordering: .sequentiallyConsistent) == 400 }
        #expect(sender.started.load(ordering: .sequentiallyConsistent) == 400)
        #expect(sender.worst.withLock { $0 } <= 8)
        await dispatcher.stop()
        await running.value
        #expect(try await base.pendingOutbox(limit: 1000).isEmpty)
    }
}

/// Answers each send with the next of its results, then accepts; counts the sends.
final class ScriptedSender: GraphSender {
    let script: Mutex<[GraphSendResult]>
    let calls = Atomic<Int>(0)

    init(_ script: [GraphSendResult]) { self.script = Mutex(script) }

    func send(phoneNumberID: String, body: [UInt8]) async -> GraphSendResult {
        let count = calls.add(1, ordering: .sequentiallyConsistent).newValue
        return script.withLock { $0.isEmpty ? .accepted(wamid: "wamid.scripted.\(count)") : $0.removeFirst() }
    }
}

extension CrashBoundTests {
    /// A dispatcher that logs nothing.
    static func quietDispatcher(sender: any GraphSender, store: any FlowStore, clock: any ServerClock, settings: Dispatcher.Settings) -> Dispatcher {
        Dispatcher(
            sender: sender,
            store: store,
            clock: clock,
            metrics: ServerMetrics(),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
            settings: settings
        )
    }

    /// A fresh SQLite store holding one pending message, `r1`.
    static func storeWithOnePendingMessage() async throws -> SQLiteStore {
        let base = try SQLiteStore(path: temporaryDatabase())
        try await base.migrate()
        var commit = Commit(time: start)
        commit.outbox = [
            Commit.NewMessage(contact: ContactKey(phoneNumberID: phoneNumberID, contactID: "31612345678"), ref: "r1", body: Array("{}".utf8))
        ]
        _ = try await base.commit(commit)
        return base
    }

    @Test("a retry whose backoff passes before its first outcome is stored: both outcomes stored, in order, and no worker waits forever")
    func retryBeforeItsOutcomeIsStored() async throws {
        let base = try await Self.storeWithOnePendingMessage()
        let records = Gate()
        let store = InstrumentedStore(base, records: records)
        let sender = ScriptedSender([.refused(httpStatus: 429, code: nil, message: "slow down"), .accepted(wamid: "wamid.r1")])
        var settings = Dispatcher.Settings()
        settings.concurrency = 2
        let clock = ManualClock(start: start)
        let dispatcher = Self.quietDispatcher(sender: sender, store: store, clock: clock, settings: settings)
        let stopped = Tally()
        let running = Task {
            await dispatcher.run()
            stopped.count.add(1, ordering: .sequentiallyConsistent)
        }
        defer { records.open() }
        try await eventually("the first try was refused, and storing its outcome is held back") {
            sender.calls.load(ordering: .sequentiallyConsistent) == 1 && records.arrived == 1
        }
        // The backoff passes while the first outcome is still being stored: another worker sends.
        clock.advance(by: .seconds(2))
        try await eventually("the retry went") { sender.calls.load(ordering: .sequentiallyConsistent) == 2 }
        records.open()
        try await eventually("both outcomes are stored") { store.recorded.load(ordering: .sequentiallyConsistent) == 2 }
        await dispatcher.stop()
        try await eventually("the dispatcher stops: each worker heard its outcome was stored") {
            stopped.count.load(ordering: .sequentiallyConsistent) == 1
        }
        await running.value
        #expect(try await base.pendingOutbox(limit: 10).isEmpty)
        #expect(try await base.outboxReference(wamid: "wamid.r1")?.ref == "r1", "the later outcome, stored last")
    }
}

extension CrashBoundTests {
    @Test("a forced stop while the store refuses every outcome: the dispatcher still stops, and the message stays pending")
    func forcedStopWhileOutcomesFail() async throws {
        let base = try await Self.storeWithOnePendingMessage()
        let store = InstrumentedStore(base)
        // The disk is full: every try to store an outcome fails.
        store.broken.store(true, ordering: .sequentiallyConsistent)
        let sender = ScriptedSender([.accepted(wamid: "wamid.r1")])
        let dispatcher = Self.quietDispatcher(sender: sender, store: store, clock: ManualClock(start: start), settings: Dispatcher.Settings())
        let stopped = Tally()
        let running = Task {
            await dispatcher.run()
            stopped.count.add(1, ordering: .sequentiallyConsistent)
        }
        try await eventually("the message went") { sender.calls.load(ordering: .sequentiallyConsistent) == 1 }
        // What the runtime does when cancelled: cancel, and tell every loop to stop.
        running.cancel()
        await dispatcher.stop()
        try await eventually("the dispatcher stops, though its outcome was never stored") {
            stopped.count.load(ordering: .sequentiallyConsistent) == 1
        }
        await running.value
        #expect(try await base.pendingOutbox(limit: 10).map(\.ref) == ["r1"], "unrecorded, so it goes again after the restart")
        #expect(sender.calls.load(ordering: .sequentiallyConsistent) == 1)
    }
}
