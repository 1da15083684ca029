import FlowModel
import FlowServer
import FlowServerTesting
import FlowStore
import FlowStoreSQLite
import Foundation
import Testing

/// The same message delivered on several connections at once is answered exactly once, whatever
/// the interleaving: deduplication is decided inside the committing transaction, and what is
/// refused there is redelivered (as Meta redelivers anything not answered 200) and then dropped.
struct ConcurrentDeliveryTests {
    @Test(
        "2 to 50 concurrent copies of each message give exactly one reply per message",
        arguments: [(1_000, 2), (200, 5), (40, 50)]
    )
    func concurrentCopies(messages: Int, copies: Int) async throws {
        let graph = try await FakeGraph()
        let server = try await TestServer(flow: "auto-ack", database: temporaryDatabase(), graph: graph, clock: ManualClock(start: start))
        // One message per contact, so the acknowledgement bot answers each once.
        let bodies = (0..<messages).map { index in
            Payload.text("hello", id: "wamid.c\(index)", from: "3161\(String(format: "%07d", index))")
        }
        // The harness is used from many request tasks at once; each request is independent.
        let target = server
        // Copies spread out (seeded shuffle), so they land in different, pipelined batches.
        var random = SplitMix(seed: UInt64(messages * copies))
        var pending = bodies.flatMap { body in Array(repeating: body, count: copies) }.shuffled(using: &random)
        var rounds = 0
        while !pending.isEmpty, rounds < 20 {
            rounds += 1
            let statuses = try await withThrowingTaskGroup(of: ([UInt8], Int).self) { group in
                var results: [([UInt8], Int)] = []
                var started = 0
                for body in pending {
                    // At most 256 requests in flight: concurrent, without running out of sockets.
                    if started >= 256, let done = try await group.next() { results.append(done) }
                    group.addTask { (body, try await target.webhook(body)) }
                    started += 1
                }
                for try await done in group { results.append(done) }
                return results
            }
            // Like Meta: whatever was not answered 200 is delivered again.
            pending = statuses.filter { $0.1 != 200 }.map { $0.0 }
        }
        #expect(pending.isEmpty, "every delivery is answered 200 in the end")
        try await eventually("every message is acknowledged") { graph.received.count >= messages }
        let recipients = graph.received.compactMap { $0.body["to"] as? String }
        #expect(recipients.count == messages, "one reply per message, not one per copy")
        #expect(Set(recipients).count == messages)
        try await server.stop()
        try await graph.stop()
    }
}

/// A seeded generator, so the interleaving a failure shows can be replayed.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The store makes the deduplication decision inside its committing transaction.
struct StoreDeduplicationTests {
    @Test("a batch holding an id already committed stores nothing, its reply included")
    func secondCommitRefused() async throws {
        let store = try SQLiteStore(path: temporaryDatabase())
        try await store.migrate()
        let contact = ContactKey(phoneNumberID: "1", contactID: "31612345678")
        func batch(_ ref: String) -> Commit {
            var commit = Commit(time: start)
            commit.seen = [Commit.Seen(id: "wamid.same", at: start)]
            commit.outbox = [Commit.NewMessage(contact: contact, ref: ref, body: Array("{}".utf8))]
            return commit
        }
        _ = try await store.commit(batch("first"))
        await #expect(throws: DuplicateDelivery.self) { try await store.commit(batch("second")) }
        let pending = try await store.pendingOutbox(limit: 10)
        #expect(pending.map(\.ref) == ["first"], "the losing copy's reply was rolled back with it")
    }
}
