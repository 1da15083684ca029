import FlowEngine
import FlowModel
import FlowServerTesting
import FlowStore
import Foundation
import GRDB
import PostgresNIO
import Synchronization
import Testing

@testable import FlowStorePostgres
@testable import FlowStoreSQLite

/// The stores Flowgate ships, each fresh and migrated: every test here runs against each, so they
/// keep one contract.
enum StoreUnderTest: String, CaseIterable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// SQLite always; PostgreSQL when ``TestDatabase/isConfigured``.
    static var available: [StoreUnderTest] { TestDatabase.isConfigured ? allCases : [.sqlite] }

    func make() async throws -> any FlowStore {
        switch self {
        case .sqlite:
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("flowgate-store-\(UUID().uuidString).sqlite").path
            let store = try SQLiteStore(path: path)
            try await store.migrate()
            return store
        case .postgres:
            let store = try PostgresStore(url: try await TestDatabase.freshSchemaURL(), poolSize: 4)
            try await store.migrate()
            return store
        }
    }
}

let ana = ContactKey(phoneNumberID: "100", contactID: "31612345678")
let bo = ContactKey(phoneNumberID: "100", contactID: "31687654321")
let start = Timestamp(millisecondsSince1970: 1_793_786_400_000)

func at(seconds: Int64) -> Timestamp { Timestamp(millisecondsSince1970: start.millisecondsSince1970 + seconds * 1000) }

func state(_ key: ContactKey, node: String) -> ContactState {
    var state = ContactState(contact: ContactIdentity(waID: key.contactID, name: "Ana"))
    state.variables["node"] = node
    return state
}

@Suite("store contract: every store keeps it") struct StoreConformanceTests {
    @Test("migrating is idempotent and records the schema version", arguments: StoreUnderTest.available)
    func migrations(kind: StoreUnderTest) async throws {
        let store = try await kind.make()
        let version = try await store.schemaVersion()
        #expect(version >= 1)
        try await store.migrate()
        #expect(try await store.schemaVersion() == version)
    }

    @Test("a commit stores states, outbox, timers, seen ids and dead letters together", arguments: StoreUnderTest.available)
    func atomicCommit(kind: StoreUnderTest) async throws {
        let store = try await kind.make()
        var commit = Commit(time: start)
        commit.seen = [Commit.Seen(id: "wamid.1", at: start)]
        commit.states = [ana: state(ana, node: "welcome")]
        commit.outbox = [Commit.NewMessage(contact: ana, ref: "a-1", body: Array(#"{"x":1}"#.utf8))]
        commit.timers = [Commit.TimerUpdate(contact: ana, change: .set(FlowTimer(kind: .wait, due: at(seconds: 60), token: 1)))]
        commit.deadLetters = [Commit.DeadLetter(reason: "unreadable", body: Array("{}".utf8))]
        let records = try await store.commit(commit)
        #expect(records.map(\.ref) == ["a-1"])
        #expect(records.first?.body == Array(#"{"x":1}"#.utf8))

        let snapshot = try await store.snapshot(states: [ana, bo], seen: ["wamid.1", "wamid.2"])
        #expect(snapshot.states[ana]?.variables["node"] == "welcome")
        #expect(snapshot.states[bo] == nil)
        #expect(snapshot.seen == ["wamid.1"])
        #expect(try await store.pendingOutbox(limit: 10).map(\.id) == records.map(\.id))
        #expect(try await store.dueTimers(until: at(seconds: 60), limit: 10).map(\.contact) == [ana])
        #expect(try await store.nextTimerDue(for: "w1") == at(seconds: 60))
        #expect(try await store.deadLetters(limit: 10).map(\.reason) == ["unreadable"])
    }

    @Test("a batch holding an id committed before stores nothing at all", arguments: StoreUnderTest.available)
    func duplicateDelivery(kind: StoreUnderTest) async throws {
        let store = try await kind.make()
        var first = Commit(time: start)
        first.seen = [Commit.Seen(id: "wamid.1", at: start)]
        first.states = [ana: state(ana, node: "first")]
        _ = try await store.commit(first)

        var second = Commit(time: at(seconds: 1))
        second.seen = [Commit.Seen(id: "wamid.2", at: start), Commit.Seen(id: "wamid.1", at: start)]
        second.states = [ana: state(ana, node: "second"), bo: state(bo, node: "second")]
        second.outbox = [Commit.NewMessage(contact: ana, ref: "a-2", body: [])]
        await #expect(throws: DuplicateDelivery.self) { try await store.commit(second) }

        let snapshot = try await store.snapshot(states: [ana, bo], seen: ["wamid.2"])
        #expect(snapshot.states[ana]?.variables["node"] == "first")
        #expect(snapshot.states[bo] == nil)
        #expect(snapshot.seen.isEmpty)
        #expect(try await store.pendingOutbox(limit: 10).isEmpty)
    }

    @Test("a snapshot names each known contact's stored version, and sends its state only if that moved on", arguments: StoreUnderTest.available)
    func knownVersions(kind: StoreUnderTest) async throws {
        let store = try await kind.make()
        var first = Commit(time: start)
        first.states = [ana: state(ana, node: "ana"), bo: state(bo, node: "bo")]
        _ = try await store.commit(first)
        let snapshot = try await store.snapshot(states: [], known: [ana: 1, bo: 0], seen: [])
        #expect(snapshot.versions == [ana: 1, bo: 1])
        #expect(snapshot.states[bo]?.variables["node"] == "bo", "held at version 0, stored at 1: sent")
        if kind == .postgres {
            #expect(snapshot.states[ana] == nil, "held at the stored version: left out")
        }
        let unknown = ContactKey(phoneNumberID: "100", contactID: "31600000000")
        #expect(try await store.snapshot(states: [], known: [unknown: 3], seen: []).versions.isEmpty, "never stored: absent")
    }

    @Test("a state replaces only the version it was computed from; a stale batch stores nothing", arguments: StoreUnderTest.available)
    func versionCheck(kind: StoreUnderTest) async throws {
        let store = try await kind.make()
        var first = Commit(time: start)
        first.states = [ana: state(ana, node: "one")]
        _ = try await store.commit(first)
        #expect(try await store.snapshot(states: [ana], seen: []).versions[ana] == 1)

        // Computed from version 0 (no state), but version 1 is stored: refused whole.
        var stale = Commit(time: at(seconds: 1))
        stale.states = [ana: state(ana, node: "lost"), bo: state(bo, node: "lost")]
        stale.outbox = [Commit.NewMessage(contact: ana, ref: "a-lost", body: [])]
        stale.seen = [Commit.Seen(id: "wamid.stale", at: start)]
        let error = await #expect(throws: StaleState.self) { try await store.commit(stale) }
        #expect(error?.contacts == [ana])
        let after = try await store.snapshot(states: [ana, bo], seen: ["wamid.stale"])
        #expect(after.states[ana]?.variables["node"] == "one" && after.states[bo] == nil && after.seen.isEmpty)
        #expect(try await store.pendingOutbox(limit: 10).isEmpty)

        var next = Commit(time: at(seconds: 2))
        next.states = [ana: state(ana, node: "two")]
        next.expectedVersions = [ana: 1]
        _ = try await store.commit(next)
        let stored = try await store.snapshot(states: [ana], seen: [])
        #expect(stored.states[ana]?.variables["node"] == "two" && stored.versions[ana] == 2)
    }

    @Test("of two commits racing from one version, exactly one is stored", arguments: StoreUnderTest.available)
    func racingCommits(kind: StoreUnderTest) async throws {
        let store = try await kind.make()
        var base = Commit(time: start)
        base.states = [ana: state(ana, node: "base")]
        _ = try await store.commit(base)
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for racer in 0..<8 {
                group.addTask {
                    var commit = Commit(time: at(seconds: 1))
                    commit.states = [ana: state(ana, node: "racer \(racer)")]
                    commit.expectedVersions = [ana: 1]
                    return (try? await store.commit(commit)) != nil
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
        #expect(try await store.snapshot(states: [ana], seen: []).versions[ana] == 2)
    }

    @Test("a timer is replaced by kind, cancelled by kind, and a fired one deleted only if unchanged", arguments: StoreUnderTest.available)
    func timers(kind: StoreUnderTest) async throws {
        let store = try await kind.make()
        let first = FlowTimer(kind: .wait, due: at(seconds: 60), token: 1)
        let replaced = FlowTimer(kind: .wait, due: at(seconds: 120), token: 2)
        let expiry = FlowTimer(kind: .beforeExpiry, due: at(seconds: 90), token: 7)
        var commit = Commit(time: start)
        commit.timers = [
            Commit.TimerUpdate(contact: ana, change: .set(first)), Commit.TimerUpdate(contact: ana, change: .set(replaced)),
            Commit.TimerUpdate(contact: ana, change: .set(expiry)), Commit.TimerUpdate(contact: bo, change: .set(first)),
        ]
        _ = try await store.commit(commit)
        let due = try await store.dueTimers(until: at(seconds: 1000), limit: 10)
        #expect(due.map(\.timer.due) == [at(seconds: 60), at(seconds: 90), at(seconds: 120)])
        #expect(due.first { $0.contact == ana && $0.timer.kind == .wait }?.timer == replaced)

        // The fired timer was replaced meanwhile (token 2, not 1): firing the old one keeps the new.
        var fired = Commit(time: at(seconds: 60))
        fired.fired = [StoredTimer(contact: ana, timer: first), StoredTimer(contact: bo, timer: first)]
        fired.timers = [Commit.TimerUpdate(contact: ana, change: .cancel(.beforeExpiry))]
        _ = try await store.commit(fired)
        let left = try await store.dueTimers(until: at(seconds: 1000), limit: 10)
        #expect(left.map(\.contact) == [ana])
        #expect(left.first?.timer == replaced)
        #expect(try await store.dueTimers(until: at(seconds: 119), limit: 10).isEmpty)
    }

    @Test("what became of a send: sent (found by wamid), retried later, failed and queued again", arguments: StoreUnderTest.available)
    func sendResults(kind: StoreUnderTest) async throws {
        let store = try await kind.make()
        var commit = Commit(time: start)
        commit.outbox = ["a-1", "a-2", "a-3"].map { Commit.NewMessage(contact: ana, ref: $0, body: Array($0.utf8)) }
        let records = try await store.commit(commit)
        let ids = records.map(\.id)
        try #require(ids.count == 3)
        #expect(ids == ids.sorted())
        try await store.record(
            [
                SendResult(id: ids[0], outcome: .sent(wamid: "wamid.out1")),
                SendResult(id: ids[1], outcome: .retry(at: at(seconds: 30), reason: "429")),
                SendResult(id: ids[2], outcome: .failed(code: 131_026, reason: "undeliverable")),
            ],
            at: at(seconds: 1)
        )
        #expect(try await store.outboxReference(wamid: "wamid.out1") == SentMessage(contact: ana, ref: "a-1"))
        #expect(try await store.outboxReference(wamid: "wamid.unknown") == nil)
        let pending = try await store.pendingOutbox(limit: 10)
        #expect(pending.map(\.ref) == ["a-2"])
        #expect(pending.first?.attempts == 1 && pending.first?.notBefore == at(seconds: 30))
        let failed = try await store.failedOutbox(limit: 10)
        #expect(failed.map(\.ref) == ["a-3"])
        #expect(failed.first?.error.contains("131026") == true)

        let again = try await store.retryFailed(id: ids[2], at: at(seconds: 5), claim: nil)
        #expect(again?.ref == "a-3" && again?.attempts == 0 && again?.queuedAt == at(seconds: 5))
        #expect(try await store.retryFailed(id: ids[2], at: at(seconds: 6), claim: nil) == nil)
        #expect(try await store.failedOutbox(limit: 10).isEmpty)
        #expect(try await store.pendingOutbox(limit: 10).map(\.ref) == ["a-2", "a-3"])
    }

    @Test("two outcomes of one message stored together apply in order, and both tries count", arguments: StoreUnderTest.available)
    func twoOutcomesOfOneMessage(kind: StoreUnderTest) async throws {
        let store = try await kind.make()
        var commit = Commit(time: start)
        commit.outbox = ["a-1", "a-2"].map { Commit.NewMessage(contact: ana, ref: $0, body: Array($0.utf8)) }
        let ids = try await store.commit(commit).map(\.id)
        try #require(ids.count == 2)
        // A retry's backoff passed before its outcome was stored, and the message went again.
        try await store.record(
            [
                SendResult(id: ids[0], outcome: .retry(at: at(seconds: 30), reason: "429")),
                SendResult(id: ids[1], outcome: .retry(at: at(seconds: 30), reason: "429")),
                SendResult(id: ids[0], outcome: .sent(wamid: "wamid.twice")),
                SendResult(id: ids[1], outcome: .failed(code: 131_026, reason: "undeliverable")),
            ],
            at: at(seconds: 2)
        )
        #expect(try await store.outboxReference(wamid: "wamid.twice") == SentMessage(contact: ana, ref: "a-1"))
        #expect(try await store.pendingOutbox(limit: 10).isEmpty)
        let failed = try await store.failedOutbox(limit: 10)
        #expect(failed.map(\.ref) == ["a-2"] && failed.first?.attempts == 2)
    }

    @Test("a claimed message is no other worker's until the claim expires or is released", arguments: StoreUnderTest.available)
    func outboxClaims(kind: StoreUnderTest) async throws {
        let store = try await kind.make()
        var commit = Commit(time: start)
        commit.claim = Claim(worker: "A", until: at(seconds: 30))
        commit.outbox = [Commit.NewMessage(contact: ana, ref: "a-1", body: [])]
        #expect(try await store.commit(commit).map(\.ref) == ["a-1"])
        #expect(try await store.claimOutbox(Claim(worker: "B", until: at(seconds: 40)), now: at(seconds: 10), limit: 10).isEmpty)
        try await store.renewClaims(Claim(worker: "A", until: at(seconds: 60)))
        #expect(try await store.claimOutbox(Claim(worker: "B", until: at(seconds: 70)), now: at(seconds: 40), limit: 10).isEmpty)
        // A stops answering: its claim runs out and B takes the message over.
        let taken = try await store.claimOutbox(Claim(worker: "B", until: at(seconds: 90)), now: at(seconds: 60), limit: 10)
        #expect(taken.map(\.ref) == ["a-1"])
        #expect(try await store.claimOutbox(Claim(worker: "C", until: at(seconds: 90)), now: at(seconds: 61), limit: 10).isEmpty)
        // A graceful stop gives it back at once.
        try await store.releaseClaims(worker: "B")
        #expect(try await store.claimOutbox(Claim(worker: "C", until: at(seconds: 95)), now: at(seconds: 62), limit: 10).map(\.ref) == ["a-1"])
    }

    @Test("a contact changes hands whole: new messages wait behind ones another worker holds", arguments: StoreUnderTest.available)
    func contactOrderAcrossWorkers(kind: StoreUnderTest) async throws {
        let store = try await kind.make()
        var first = Commit(time: start)
        first.claim = Claim(worker: "offers-A", until: at(seconds: 30))
        first.outbox = [Commit.NewMessage(contact: ana, ref: "a-1", body: []), Commit.NewMessage(contact: ana, ref: "a-2", body: [])]
        _ = try await store.commit(first)
        // B runs ana's next event while A (dead or alive) still holds a-1 and a-2: B must not send
        // a-3 before them, so it stays unclaimed. Bo's message is B's at once.
        var second = Commit(time: at(seconds: 5))
        second.claim = Claim(worker: "B", until: at(seconds: 35))
        second.outbox = [Commit.NewMessage(contact: ana, ref: "a-3", body: []), Commit.NewMessage(contact: bo, ref: "b-1", body: [])]
        #expect(try await store.commit(second).map(\.ref) == ["b-1"])
        #expect(try await store.claimOutbox(Claim(worker: "B", until: at(seconds: 40)), now: at(seconds: 10), limit: 10).isEmpty)
        // A's claim runs out: whoever takes ana over takes all three, in order.
        let taken = try await store.claimOutbox(Claim(worker: "C", until: at(seconds: 70)), now: at(seconds: 31), limit: 10)
        #expect(taken.map(\.ref) == ["a-1", "a-2", "a-3"])
    }

    @Test("workers claiming at once split the contacts between them, none twice", arguments: StoreUnderTest.available)
    func concurrentClaims(kind: StoreUnderTest) async throws {
        let store = try await kind.make()
        var commit = Commit(time: start)
        commit.outbox = (0..<40).map {
            Commit.NewMessage(contact: ContactKey(phoneNumberID: "100", contactID: "c\($0 % 20)"), ref: "m\($0)", body: [])
        }
        _ = try await store.commit(commit)
        let claimed = await withTaskGroup(of: [OutboxRecord].self) { group in
            for worker in 0..<4 {
                group.addTask {
                    (try? await store.claimOutbox(Claim(worker: "w\(worker)", until: at(seconds: 60)), now: at(seconds: 1), limit: 7)) ?? []
                }
            }
            return await group.reduce(into: [[OutboxRecord]]()) { $0.append($1) }
        }
        let refs = claimed.flatMap { $0.map(\.ref) }
        #expect(refs.count == Set(refs).count, "no message claimed twice")
        let owners = Dictionary(grouping: claimed.enumerated().flatMap { worker, records in records.map { ($0.contact, worker) } }, by: \.0)
        #expect(owners.values.allSatisfy { Set($0.map(\.1)).count == 1 }, "each contact has one owner")
        #expect(refs.count <= 40)
    }

    @Test("a due timer fires on one worker; another takes it only once the claim expires", arguments: StoreUnderTest.available)
    func timerClaims(kind: StoreUnderTest) async throws {
        let store = try await kind.make()
        let timer = FlowTimer(kind: .wait, due: at(seconds: 10), token: 1)
        var commit = Commit(time: start)
        commit.timers = [Commit.TimerUpdate(contact: ana, change: .set(timer))]
        _ = try await store.commit(commit)
        #expect(try await store.claimDueTimers(Claim(worker: "A", until: at(seconds: 40)), now: at(seconds: 5), limit: 10).isEmpty)
        #expect(try await store.claimDueTimers(Claim(worker: "A", until: at(seconds: 40)), now: at(seconds: 10), limit: 10).map(\.timer) == [timer])
        #expect(try await store.claimDueTimers(Claim(worker: "B", until: at(seconds: 45)), now: at(seconds: 15), limit: 10).isEmpty)
        #expect(try await store.nextTimerDue(for: "B") == at(seconds: 40), "B looks again when A's claim runs out")
        #expect(try await store.nextTimerDue(for: "A") == at(seconds: 10))
        // A's fire did not commit (it died): B fires the timer once the claim has expired.
        #expect(try await store.claimDueTimers(Claim(worker: "B", until: at(seconds: 70)), now: at(seconds: 40), limit: 10).map(\.timer) == [timer])
        // A timer set anew is nobody's.
        var reset = Commit(time: at(seconds: 41))
        reset.timers = [Commit.TimerUpdate(contact: ana, change: .set(FlowTimer(kind: .wait, due: at(seconds: 50), token: 2)))]
        _ = try await store.commit(reset)
        #expect(try await store.claimDueTimers(Claim(worker: "A", until: at(seconds: 90)), now: at(seconds: 50), limit: 10).map(\.timer.token) == [2])
    }

    @Test("send slots are handed out once, spaced, across every process on the store", arguments: StoreUnderTest.available)
    func sendSlots(kind: StoreUnderTest) async throws {
        let store = try await kind.make()
        let spacing = TimeSpan(milliseconds: 100)
        #expect(try await store.reserveSendSlots(phoneNumberID: "100", count: 4, spacing: spacing, now: start) == start)
        #expect(try await store.reserveSendSlots(phoneNumberID: "100", count: 4, spacing: spacing, now: start) == start + TimeSpan(milliseconds: 400))
        #expect(try await store.reserveSendSlots(phoneNumberID: "200", count: 1, spacing: spacing, now: start) == start, "numbers are apart")
        // After a quiet spell, at most a second's worth lies behind now (the burst one process allows).
        #expect(try await store.reserveSendSlots(phoneNumberID: "100", count: 1, spacing: spacing, now: at(seconds: 10)) == at(seconds: 9))
        let firsts = await withTaskGroup(of: Timestamp?.self) { group in
            for _ in 0..<8 {
                group.addTask { try? await store.reserveSendSlots(phoneNumberID: "300", count: 2, spacing: spacing, now: start) }
            }
            return await group.reduce(into: [Timestamp]()) { if let first = $1 { $0.append(first) } }
        }
        #expect(firsts.count == 8)
        #expect(Set(firsts).count == 8, "no two processes get the same slots")
        #expect(firsts.sorted() == (0..<8).map { start + TimeSpan(milliseconds: Int64($0) * 200) })
    }

    @Test("seen ids older than the horizon are pruned, newer ones kept", arguments: StoreUnderTest.available)
    func pruning(kind: StoreUnderTest) async throws {
        let store = try await kind.make()
        var commit = Commit(time: at(seconds: 100))
        commit.seen = [Commit.Seen(id: "old", at: at(seconds: 10)), Commit.Seen(id: "new", at: at(seconds: 100))]
        _ = try await store.commit(commit)
        #expect(try await store.pruneSeen(before: at(seconds: 50)) == 1)
        #expect(try await store.snapshot(states: [], seen: ["old", "new"]).seen == ["new"])
    }

    @Test("sent and failed messages past the horizon are deleted chunk by chunk; pending ones stay", arguments: StoreUnderTest.available)
    func outboxPruning(kind: StoreUnderTest) async throws {
        let store = try await kind.make()
        // Eleven messages, one commit a second; outcomes recorded a second after each was queued.
        var ids: [Int64] = []
        for second in Int64(0)..<11 {
            var commit = Commit(time: at(seconds: second))
            commit.outbox = [Commit.NewMessage(contact: second.isMultiple(of: 2) ? ana : bo, ref: "m\(second)", body: Array("m\(second)".utf8))]
            ids += try await store.commit(commit).map(\.id)
        }
        #expect(ids.count == 11)
        // m0…m3 are old and sent, m4 failed old, m5 still pending (retrying since), m6 was queued
        // old but sent only lately; m7…m10 were sent after the horizon.
        for (index, id) in ids.enumerated() {
            let outcome: SendOutcome =
                switch index {
                case 4: .failed(code: 131_026, reason: "undeliverable")
                case 5: .retry(at: at(seconds: 600), reason: "429")
                default: .sent(wamid: "wamid.m\(index)")
                }
            try await store.record([SendResult(id: id, outcome: outcome)], at: at(seconds: index == 6 ? 300 : Int64(index) + 1))
        }
        // Chunks of two ids: the walk crosses chunk after chunk, and stops at m7 (created after).
        #expect(try await store.pruneOutbox(before: at(seconds: 7), chunk: 2) == 5)
        #expect(try await store.outboxReference(wamid: "wamid.m3") == nil)
        #expect(try await store.outboxReference(wamid: "wamid.m6") == SentMessage(contact: ana, ref: "m6"))
        #expect(try await store.outboxReference(wamid: "wamid.m7") == SentMessage(contact: bo, ref: "m7"))
        #expect(try await store.failedOutbox(limit: 10).isEmpty)
        #expect(try await store.pendingOutbox(limit: 10).map(\.ref) == ["m5"])
        #expect(try await store.pruneOutbox(before: at(seconds: 7), chunk: 2) == 0)
        // Later, everything sent goes; the pending message stays however old it is.
        #expect(try await store.pruneOutbox(before: at(seconds: 1000)) == 5)
        #expect(try await store.pendingOutbox(limit: 10).map(\.ref) == ["m5"])
        #expect(try await store.outboxReference(wamid: "wamid.m10") == nil)
    }

    @Test("a chunk of outbox ids ends at the largest id instead of overflowing")
    func outboxChunk() {
        #expect(OutboxChunk(first: 10, size: 1000).last == 1009 && OutboxChunk(first: 10, size: 1000).next == 1010)
        #expect(OutboxChunk(first: .max - 5, size: 1000).last == .max && OutboxChunk(first: .max - 5, size: 1000).next == nil)
        #expect(OutboxChunk(first: .min, size: 0).last == .min && OutboxChunk(first: .min, size: 0).next == .min + 1)
    }

    @Test(
        "the conversation log is stored with the commit, in order; statuses only move forward; a stale batch logs nothing",
        arguments: StoreUnderTest.available
    )
    func conversationLog(kind: StoreUnderTest) async throws {
        let store = try await kind.make()
        var commit = Commit(time: at(seconds: 1))
        commit.states = [ana: state(ana, node: "menu")]
        commit.log = [
            LogEntry(contact: ana, at: at(seconds: 0), direction: .inbound, kind: "text", text: "hi <b>"),
            LogEntry(contact: ana, at: at(seconds: 1), direction: .outbound, kind: "interactive", text: "Menu\n[1] Orders", ref: "a-1"),
            LogEntry(contact: ana, at: at(seconds: 1), direction: .notice, kind: "taken_over", text: "Ana has it", agent: "Ana"),
            LogEntry(contact: bo, at: at(seconds: 1), direction: .inbound, kind: "text", text: "other contact"),
        ]
        _ = try await store.commit(commit)
        var statuses = Commit(time: at(seconds: 2))
        statuses.logStatuses = [
            LogStatus(contact: ana, ref: "a-1", state: .read, at: at(seconds: 2)),
            LogStatus(contact: ana, ref: "a-1", state: .delivered, at: at(seconds: 2)),
        ]
        _ = try await store.commit(statuses)
        var late = Commit(time: at(seconds: 3))
        late.logStatuses = [LogStatus(contact: ana, ref: "a-1", state: .sent, at: at(seconds: 3))]
        _ = try await store.commit(late)

        let log = try await store.conversation(ana, limit: 10)
        #expect(log.map(\.entry.text) == ["hi <b>", "Menu\n[1] Orders", "Ana has it"])
        #expect(log.map(\.entry.direction) == [.inbound, .outbound, .notice])
        #expect(log[1].entry.ref == "a-1" && log[1].status == .read, "read stays read after a late delivered and sent")
        #expect(log[2].entry.agent == "Ana" && log[0].entry.agent == nil && log[0].entry.template == nil)
        #expect(try await store.conversation(ana, limit: 2).map(\.entry.kind) == ["interactive", "taken_over"], "the newest, oldest first")

        var failed = Commit(time: at(seconds: 4))
        failed.logStatuses = [LogStatus(contact: ana, ref: "a-1", state: .failed, at: at(seconds: 4), error: "131047 Re-engagement")]
        _ = try await store.commit(failed)
        let failure = try await store.conversation(ana, limit: 10)[1]
        #expect(failure.status == .failed && failure.error == "131047 Re-engagement", "a failure overrides read")

        var stale = Commit(time: at(seconds: 5))
        stale.states = [ana: state(ana, node: "lost")]
        stale.log = [LogEntry(contact: ana, at: at(seconds: 5), direction: .inbound, kind: "text", text: "lost")]
        await #expect(throws: StaleState.self) { try await store.commit(stale) }
        #expect(try await store.conversation(ana, limit: 10).count == 3)

        let summaries = try await store.conversations(limit: 10)
        #expect(Set(summaries.map(\.contact)) == [ana])
        #expect(summaries.first?.last?.entry.kind == "taken_over" && summaries.first?.state.variables["node"] == "menu")

        #expect(try await store.pruneLog(before: at(seconds: 1)) == 1)
        #expect(try await store.conversation(ana, limit: 10).first?.entry.kind == "interactive")
    }

    @Test(
        "a state an earlier Flowgate stored as JSON is read as it was, and stored in the new form at its next commit",
        arguments: StoreUnderTest.available
    )
    func legacyJSONState(kind: StoreUnderTest) async throws {
        let store = try await kind.make()
        var first = Commit(time: start)
        var original = state(ana, node: "before the upgrade")
        original.awaitingStatus = [.init(ref: "a-1", node: "ask", sequence: 1, isTemplate: false, sentAt: start)]
        first.states = [ana: original]
        _ = try await store.commit(first)
        #expect(try await Self.storedBytes(of: ana, in: store).first == 0x01)

        // What an earlier Flowgate left in the row.
        try await Self.overwrite(ana, with: try JSONEncoder().encode(original), in: store)
        #expect(try await Self.storedBytes(of: ana, in: store).first == UInt8(ascii: "{"))
        let read = try await store.snapshot(states: [ana], seen: [])
        #expect(read.states[ana] == original && read.versions[ana] == 1)
        #expect(try await store.conversations(limit: 10).first?.state == original)

        var next = Commit(time: at(seconds: 1))
        var moved = original
        moved.variables["node"] = "after"
        next.states = [ana: moved]
        next.expectedVersions = [ana: 1]
        _ = try await store.commit(next)
        #expect(try await Self.storedBytes(of: ana, in: store).first == 0x01)
        #expect(try await store.snapshot(states: [ana], seen: []).states[ana] == moved)
    }

    static func storedBytes(of contact: ContactKey, in store: any FlowStore) async throws -> Data {
        if let sqlite = store as? SQLiteStore {
            let bytes = try await sqlite.pool.read { db in
                try Data.fetchOne(db, sql: "SELECT state FROM contacts WHERE key = ?", arguments: [contact.description])
            }
            return try #require(bytes)
        }
        let postgres = try #require(store as? PostgresStore)
        for try await bytes in try await postgres.client.query("SELECT state FROM contacts WHERE key = \(contact.description)").decode(
            ByteBuffer.self
        ) {
            return Data(bytes.readableBytesView)
        }
        Issue.record("no row for \(contact)")
        return Data()
    }

    static func overwrite(_ contact: ContactKey, with bytes: Data, in store: any FlowStore) async throws {
        if let sqlite = store as? SQLiteStore {
            try await sqlite.pool.write { db in
                try db.execute(sql: "UPDATE contacts SET state = ? WHERE key = ?", arguments: [bytes, contact.description])
            }
            return
        }
        let postgres = try #require(store as? PostgresStore)
        try await postgres.client.query("UPDATE contacts SET state = \(ByteBuffer(bytes: bytes)) WHERE key = \(contact.description)")
    }

    @Test("a store answers the readiness write", arguments: StoreUnderTest.available)
    func writable(kind: StoreUnderTest) async throws {
        let store = try await kind.make()
        try await store.checkWritable()
        try await store.maintain()
    }
}

@Suite("SQLite durability") struct SQLiteDurabilityTests {
    @Test(
        "the writer and the checkpointer sync every commit to the disk (synchronous = FULL), also on a reopened file; the writer keeps its log settings"
    )
    func synchronousFull() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("flowgate-store-\(UUID().uuidString).sqlite").path
        for _ in 0..<2 {
            let store = try SQLiteStore(path: path)
            try await store.migrate()
            // 2 is FULL; GRDB's WAL setup leaves a pool's writer at 1 (NORMAL), which syncs only at checkpoints.
            #expect(try await store.pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") } == 2)
            #expect(try await store.checkpointer.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") } == 2)
            // The writer's other settings hold too: the log, and no automatic checkpoint inside a commit.
            #expect(try await store.pool.writeWithoutTransaction { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
            #expect(try await store.pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") } == 0)
        }
    }
}

extension SQLiteDurabilityTests {
    static func synchronous(_ db: Database) throws -> Int? { try Int.fetchOne(db, sql: "PRAGMA synchronous") }

    @Test("send outcomes are written unsynced (NORMAL), webhook commits synced (FULL), and the writer is FULL again after either")
    func outcomesUnsynced() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("flowgate-store-\(UUID().uuidString).sqlite").path
        let store = try SQLiteStore(path: path)
        try await store.migrate()
        #expect(try await store.transaction(synced: false, Self.synchronous) == 1)
        #expect(try await store.transaction(synced: true, Self.synchronous) == 2)

        var commit = Commit(time: Timestamp(millisecondsSince1970: 1_000))
        commit.outbox = [Commit.NewMessage(contact: ana, ref: "a-1", body: [])]
        let ids = try await store.commit(commit).map(\.id)
        try #require(ids.count == 1)
        try await store.record([SendResult(id: ids[0], outcome: .sent(wamid: "wamid.1"))], at: Timestamp(millisecondsSince1970: 2_000))
        #expect(try await store.outboxReference(wamid: "wamid.1")?.ref == "a-1")
        #expect(try await store.pool.writeWithoutTransaction(Self.synchronous) == 2)

        // A write that fails rolls back, and leaves the writer synced.
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            try await store.transaction(synced: false) { db in
                try db.execute(sql: "UPDATE outbox SET state = 'failed', wamid = NULL")
                throw Refused()
            }
        }
        #expect(try await store.outboxReference(wamid: "wamid.1")?.ref == "a-1")
        #expect(try await store.failedOutbox(limit: 10).isEmpty)
        #expect(try await store.pool.writeWithoutTransaction(Self.synchronous) == 2)
    }
}

@Suite("PostgreSQL durability", .enabled(if: TestDatabase.isConfigured)) struct PostgresDurabilityTests {
    /// Runs `body` on a store over a database of its own (with `settings` as its defaults), then
    /// shuts the store down and drops the database, whatever `body` did; returns `body`'s result.
    func withFreshStore<T>(
        settings: [String: String] = [:],
        poolSize: Int,
        _ body: (PostgresStore) async throws -> T
    ) async throws -> T {
        let url = try await TestDatabase.freshDatabaseURL(settings: settings)
        let store = try PostgresStore(url: url, poolSize: poolSize)
        let result: Result<T, any Error>
        do {
            result = .success(try await body(store))
        } catch {
            result = .failure(error)
        }
        await store.shutdown()
        try await TestDatabase.dropDatabase(url)
        return try result.get()
    }

    static func synchronousCommit(_ store: PostgresStore) async throws -> [String] {
        var values: [String] = []
        for try await value in try await store.client.query("SHOW synchronous_commit").decode(String.self) { values.append(value) }
        return values
    }

    @Test("commits wait for the write-ahead log to reach the disk, also on a database whose default is synchronous_commit = off")
    func synchronousCommit() async throws {
        let values = try await withFreshStore(settings: ["synchronous_commit": "off"], poolSize: 2, Self.synchronousCommit)
        #expect(values == ["on"])
    }

    @Test("renewing claims passes over a message another transaction holds instead of waiting for it (and deadlocking with it)")
    func renewalPassesOverLockedRows() async throws {
        // Two connections: one holds a row lock, the other renews.
        let untilByID = try await withFreshStore(poolSize: 2) { store in
            try await store.migrate()
            var commit = Commit(time: start)
            commit.claim = Claim(worker: "A", until: at(seconds: 30))
            commit.outbox = ["a-1", "a-2"].map { Commit.NewMessage(contact: ana, ref: $0, body: []) }
            let ids = try await store.commit(commit).map(\.id)
            try #require(ids.count == 2)
            let renewedWhileHeld = try await store.client.withConnection { holder in
                try await holder.query("BEGIN", logger: store.logger)
                try await holder.query("SELECT id FROM outbox WHERE id = \(ids[0]) FOR UPDATE", logger: store.logger)
                return try await withThrowingTaskGroup(of: Bool.self) { group in
                    group.addTask {
                        try await store.renewClaims(Claim(worker: "A", until: at(seconds: 60)))
                        return true
                    }
                    // A watchdog, not a wait: it runs out only if the renewal waits on the lock.
                    group.addTask {
                        try await Task.sleep(for: .seconds(20))
                        return false
                    }
                    let first = try await group.next() ?? false
                    // Let a renewal that waits finish (the group waits for it), so the test ends either way.
                    try await holder.query("ROLLBACK", logger: store.logger)
                    group.cancelAll()
                    return first
                }
            }
            #expect(renewedWhileHeld, "the renewal waited for the locked message")
            var until: [Int64: Int64] = [:]
            for try await (id, value) in try await store.client.query("SELECT id, claim_until FROM outbox").decode((Int64, Int64).self) {
                until[id] = value
            }
            return ids.map { until[$0] }
        }
        // The held message keeps its claim until the next round; the other is renewed.
        #expect(untilByID == [at(seconds: 30).millisecondsSince1970, at(seconds: 60).millisecondsSince1970])
    }

    @Test("a commit that failed to prepare leaves no failure behind: the next commit is stored")
    func failedPreparation() async throws {
        // One connection, so the second commit runs where the first failed to prepare.
        try await withFreshStore(poolSize: 1) { store in
            try await store.migrate()
            try await store.client.query("ALTER FUNCTION flowgate_commit RENAME TO flowgate_commit_away")
            var commit = Commit(time: start)
            commit.states[ana] = state(ana, node: "one")
            await #expect(throws: (any Error).self) { try await store.commit(commit) }
            try await store.client.query("ALTER FUNCTION flowgate_commit_away RENAME TO flowgate_commit")
            _ = try await store.commit(commit)
            #expect(try await store.states(for: [ana])[ana]?.variables["node"] == "one")
        }
    }

    @Test(
        "after a send's outcome is stored, the connection's next statement sees synchronous_commit = on: the outcome's off was its own transaction's alone"
    )
    func outcomesUnsynced() async throws {
        // One connection, so the query after the outcome runs where the outcome ran.
        let values = try await withFreshStore(poolSize: 1) { store in
            try await store.migrate()
            var commit = Commit(time: start)
            commit.outbox = [Commit.NewMessage(contact: ana, ref: "a-1", body: [])]
            let ids = try await store.commit(commit).map(\.id)
            try #require(ids.count == 1)
            try await store.record([SendResult(id: ids[0], outcome: .sent(wamid: "wamid.1"))], at: at(seconds: 1))
            #expect(try await store.outboxReference(wamid: "wamid.1")?.ref == "a-1")
            return try await Self.synchronousCommit(store)
        }
        #expect(values == ["on"])
    }
}

@Suite("SQLite schema versions") struct SQLiteMigrationTests {
    @Test("a database a newer Flowgate migrated is refused, with both versions in the message")
    func newerDatabase() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("flowgate-store-\(UUID().uuidString).sqlite").path
        let store = try SQLiteStore(path: path)
        try await store.migrate()
        let known = try await store.schemaVersion()
        // What a newer Flowgate would have left behind.
        try await DatabaseQueue(path: path).write { db in
            try db.execute(sql: "INSERT INTO schema_version (version, applied_at, summary) VALUES (?, 0, 'from the future')", arguments: [known + 1])
        }
        let error = await #expect(throws: SchemaTooNew.self) { try await store.migrate() }
        #expect(error?.database == known + 1 && error?.binary == known)
        #expect(error?.description.contains("newer than this Flowgate knows") == true)
    }
}

@Suite("PostgreSQL replicas wake each other", .enabled(if: TestDatabase.isConfigured)) struct PostgresOfferTests {
    final class Heard: Sendable {
        let offers = Mutex<[String]>([])
        func count(_ offer: String) -> Int { offers.withLock { $0.filter { $0 == offer }.count } }
    }

    @Test("messages a commit leaves unclaimed are announced to the other processes, and only those")
    func offers() async throws {
        let url = try await TestDatabase.freshSchemaURL()
        let (one, other) = (try PostgresStore(url: url, poolSize: 2), try PostgresStore(url: url, poolSize: 2))
        try await one.migrate()
        let heard = Heard()
        let listener = Task {
            for await offer in other.outboxOffers() { heard.offers.withLock { $0.append(offer) } }
        }
        // The listener needs its connection before anything is announced.
        try await eventually("the listener hears", within: 10) {
            try? await one.releaseClaims(worker: "offers-setup")
            return heard.count("released offers-setup") > 0
        }
        var first = Commit(time: start)
        first.claim = Claim(worker: "offers-A", until: at(seconds: 30))
        first.outbox = [Commit.NewMessage(contact: ana, ref: "a-1", body: [])]
        _ = try await one.commit(first)
        var second = Commit(time: start)
        second.claim = Claim(worker: "offers-B", until: at(seconds: 30))
        second.outbox = [Commit.NewMessage(contact: ana, ref: "a-2", body: [])]
        #expect(try await one.commit(second).isEmpty, "a-2 waits, unclaimed, behind a-1")
        // Notifications arrive in commit order: once this marker is heard, so is all before it.
        try await one.releaseClaims(worker: "offers-marker")
        try await eventually("the marker is heard", within: 10) { heard.count("released offers-marker") == 1 }
        // (Notifications are database-wide: other tests' processes announce too, under their names.)
        #expect(heard.count("unclaimed by offers-A") == 0, "the commit that claimed all it stored announced nothing")
        #expect(heard.count("unclaimed by offers-B") == 1, "the one that left a-2 unclaimed did")
        listener.cancel()
        await one.shutdown()
        await other.shutdown()
    }
}
