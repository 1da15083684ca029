import FlowEngine
import FlowModel
import FlowServer
import FlowServerTesting
import FlowStore
import FlowStoreSQLite
import Foundation
import Synchronization
import Testing

/// The SQLite store with handles for tests: `recordDelay`, the window in which a crash would
/// leave a send done but not written down; `broken`, a disk that fails writes as a full or
/// read-only one does; `staleCommits`, commits to refuse as another replica's earlier write would;
/// gates that hold reads and writes back. It counts the send outcomes it has stored and the
/// message ids its snapshots looked up.
final class InstrumentedStore: FlowStore {
    let base: SQLiteStore
    let recordDelay: Duration
    let broken = Atomic<Bool>(false)
    let recorded = Atomic<Int>(0)
    /// How many of the next commits are refused with ``StaleState``, stored not at all.
    let staleCommits = Atomic<Int>(0)
    /// Message ids the snapshots looked up: each webhook's is looked up as it is prepared.
    let snapshotIDs = Atomic<Int>(0)

    /// When set, the timer scheduler's reads wait here until the test opens it.
    let timerReads: Gate?
    /// When set, storing send outcomes waits here until the test opens it.
    let records: Gate?
    /// When set, commits wait here until the test opens it.
    let commits: Gate?
    /// Snapshots (the reads before a batch runs) wait, the first at the first gate, the second
    /// at the second, and so on, until the test opens it; those beyond the gates go at once.
    let snapshots: [Gate]
    /// Snapshots taken so far.
    let snapshotsTaken = Atomic<Int>(0)

    init(
        _ base: SQLiteStore,
        recordDelay: Duration = .zero,
        timerReads: Gate? = nil,
        records: Gate? = nil,
        commits: Gate? = nil,
        snapshots: [Gate] = []
    ) {
        self.base = base
        self.recordDelay = recordDelay
        self.timerReads = timerReads
        self.records = records
        self.commits = commits
        self.snapshots = snapshots
    }

    struct DiskFull: Error, CustomStringConvertible { var description: String { "database or disk is full" } }

    private func write() throws { if broken.load(ordering: .sequentiallyConsistent) { throw DiskFull() } }

    func record(_ results: [SendResult], at time: Timestamp) async throws {
        try write()
        await records?.pass()
        if recordDelay > .zero { try await Task.sleep(for: recordDelay) }
        try await base.record(results, at: time)
        recorded.add(results.count, ordering: .sequentiallyConsistent)
    }

    func commit(_ commit: Commit) async throws -> [OutboxRecord] {
        try write()
        await commits?.pass()
        var left = staleCommits.load(ordering: .sequentiallyConsistent)
        while left > 0 {
            let (taken, found) = staleCommits.compareExchange(expected: left, desired: left - 1, ordering: .sequentiallyConsistent)
            if taken { throw StaleState(contacts: Array(commit.states.keys)) }
            left = found
        }
        return try await base.commit(commit)
    }
    func checkWritable() async throws {
        try write()
        try await base.checkWritable()
    }
    func maintain() async throws {
        try write()
        try await base.maintain()
    }
    func migrate() async throws { try await base.migrate() }
    func states(for keys: [ContactKey]) async throws -> [ContactKey: ContactState] { try await base.states(for: keys) }
    func snapshot(states keys: Set<ContactKey>, seen ids: [String]) async throws -> Snapshot {
        let index = snapshotsTaken.add(1, ordering: .sequentiallyConsistent).oldValue
        if index < snapshots.count { await snapshots[index].pass() }
        defer { snapshotIDs.add(ids.count, ordering: .sequentiallyConsistent) }
        return try await base.snapshot(states: keys, seen: ids)
    }
    func pendingOutbox(limit: Int) async throws -> [OutboxRecord] { try await base.pendingOutbox(limit: limit) }
    func failedOutbox(limit: Int) async throws -> [FailedSend] { try await base.failedOutbox(limit: limit) }
    func retryFailed(id: Int64, at time: Timestamp, claim: Claim?) async throws -> OutboxRecord? {
        try await base.retryFailed(id: id, at: time, claim: claim)
    }
    func claimOutbox(_ claim: Claim, now: Timestamp, limit: Int) async throws -> [OutboxRecord] {
        try await base.claimOutbox(claim, now: now, limit: limit)
    }
    func claimDueTimers(_ claim: Claim, now: Timestamp, limit: Int) async throws -> [StoredTimer] {
        try await base.claimDueTimers(claim, now: now, limit: limit)
    }
    func renewClaims(_ claim: Claim) async throws { try await base.renewClaims(claim) }
    func reserveSendSlots(phoneNumberID: String, count: Int, spacing: TimeSpan, now: Timestamp) async throws -> Timestamp {
        try await base.reserveSendSlots(phoneNumberID: phoneNumberID, count: count, spacing: spacing, now: now)
    }
    func releaseClaims(worker: String) async throws { try await base.releaseClaims(worker: worker) }
    func outboxOffers() -> AsyncStream<String> { base.outboxOffers() }
    func outboxReference(wamid: String) async throws -> SentMessage? { try await base.outboxReference(wamid: wamid) }
    func dueTimers(until time: Timestamp, limit: Int) async throws -> [StoredTimer] { try await base.dueTimers(until: time, limit: limit) }
    func nextTimerDue(for worker: String) async throws -> Timestamp? {
        await timerReads?.pass()
        return try await base.nextTimerDue(for: worker)
    }
    func conversation(_ contact: ContactKey, limit: Int) async throws -> [LoggedMessage] { try await base.conversation(contact, limit: limit) }
    func conversations(limit: Int) async throws -> [ConversationSummary] { try await base.conversations(limit: limit) }
    func pruneLog(before time: Timestamp) async throws -> Int {
        try write()
        return try await base.pruneLog(before: time)
    }
    func pruneSeen(before time: Timestamp) async throws -> Int { try await base.pruneSeen(before: time) }
    func pruneOutbox(before time: Timestamp, chunk: Int) async throws -> Int {
        try write()
        return try await base.pruneOutbox(before: time, chunk: chunk)
    }
    func deadLetters(limit: Int) async throws -> [Commit.DeadLetter] { try await base.deadLetters(limit: limit) }
    func schemaVersion() async throws -> Int { try await base.schemaVersion() }
}

/// Holds whoever passes until the test opens it; counts who has arrived.
final class Gate: Sendable {
    private struct State {
        var arrived = 0
        var open = false
        var waiting: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())

    var arrived: Int { state.withLock { $0.arrived } }

    func pass() async {
        await withCheckedContinuation { continuation in
            let go = state.withLock { state -> Bool in
                state.arrived += 1
                if !state.open { state.waiting.append(continuation) }
                return state.open
            }
            if go { continuation.resume() }
        }
    }

    func open() {
        let waiting = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.open = true
            defer { state.waiting.removeAll() }
            return state.waiting
        }
        for continuation in waiting { continuation.resume() }
    }
}

extension TestServer {
    /// A test server on a fresh SQLite store wrapped by `instrument`, and that wrapper. It runs the
    /// example `flow`, or the acknowledge-every-message flow of the benchmarks when none is named.
    static func instrumented(
        flow: String? = nil,
        graph: FakeGraph,
        clock: ManualClock = ManualClock(start: start),
        instrument: @escaping (SQLiteStore) -> InstrumentedStore = { InstrumentedStore($0) },
        configure: (inout ServerConfig) -> Void = { _ in }
    ) async throws -> (TestServer, InstrumentedStore) {
        nonisolated(unsafe) var made: InstrumentedStore?
        let server = try await TestServer(
            flow: flow ?? "",
            flowFile: flow == nil ? repository.appendingPathComponent("Benchmarks/ack-every-message.yaml").path : nil,
            database: temporaryDatabase(),
            graph: graph,
            clock: clock,
            configure: configure,
            wrapStore: {
                let store = instrument($0)
                made = store
                return store
            }
        )
        return (server, try #require(made))
    }
}
