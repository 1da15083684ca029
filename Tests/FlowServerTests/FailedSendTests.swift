import FlowModel
import FlowServer
import FlowServerTesting
import FlowStoreSQLite
import Foundation
import HTTPTypes
import NIOHTTP1
import Synchronization
import Testing

@Suite("sends that fail for good") struct FailedSendTests {
    func adminRequest(_ server: TestServer, _ method: HTTPMethod, _ path: String) async throws -> (status: Int, body: String) {
        try await server.request(method, path, headers: [("Authorization", "Bearer \(adminToken)")])
    }

    @Test("past its retry budget a send fails for good, is listed, counted, and can be queued again")
    func failedSendsAreListedAndRetried() async throws {
        let graph = try await FakeGraph()
        // The budget is spent by the first transient error.
        let server = try await TestServer(
            flow: "",
            flowFile: repository.appendingPathComponent("Benchmarks/ack-every-message.yaml").path,
            database: temporaryDatabase(),
            graph: graph,
            clock: ManualClock(start: start)
        ) {
            $0.retryFor = .seconds(0)
        }
        graph.script([.error(.serviceUnavailable, code: 2)])
        #expect(try await server.webhook(Payload.text("hello", id: "wamid.fail.1")) == 200)
        try await eventually("the send fails for good") { server.metric("flowgate_sends_total{result=\"failed\"}") == 1 }
        let listed = try await adminRequest(server, .GET, "/admin/outbox/failed")
        #expect(listed.status == 200)
        let failed = try #require((try JSONSerialization.jsonObject(with: Data(listed.body.utf8)) as? [String: Any])?["failed"] as? [[String: Any]])
        #expect(failed.count == 1)
        let id = try #require(failed.first?["id"] as? Int)
        #expect((failed.first?["error"] as? String)?.contains("503") == true)
        // Graph is back: the operator queues it again and it goes.
        #expect(try await adminRequest(server, .POST, "/admin/outbox/\(id)/retry").status == 200)
        try await eventually("the send goes again") { graph.received.count == 2 }
        try await eventually("it is no longer listed") {
            let body = (try? await adminRequest(server, .GET, "/admin/outbox/failed").body) ?? ""
            return ((try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: [Any]])?["failed"]?.isEmpty == true
        }
        #expect(try await adminRequest(server, .POST, "/admin/outbox/\(id)/retry").status == 404)
        #expect(try await adminRequest(server, .POST, "/admin/outbox/not-a-number/retry").status == 400)
        #expect(try await server.request(.GET, "/admin/outbox/failed").status == 401)
        try await server.stop()
        try await graph.stop()
    }

    @Test("sent and failed messages leave the outbox once keep_sent_for has passed")
    func sentMessagesArePruned() async throws {
        let graph = try await FakeGraph()
        let clock = ManualClock(start: start)
        let server = try await TestServer(
            flow: "",
            flowFile: repository.appendingPathComponent("Benchmarks/ack-every-message.yaml").path,
            database: temporaryDatabase(),
            graph: graph,
            clock: clock
        ) {
            $0.retryFor = .seconds(0)
            $0.keepSentFor = .days(2)
        }
        let store = try SQLiteStore(path: server.database)
        graph.script([.error(.serviceUnavailable, code: 2)])
        #expect(try await server.webhook(Payload.text("one", id: "wamid.keep.1")) == 200)
        try await eventually("the first send fails for good") { server.metric("flowgate_sends_total{result=\"failed\"}") == 1 }
        #expect(try await server.webhook(Payload.text("two", id: "wamid.keep.2")) == 200)
        // Both outcomes stored before the clock moves on: both messages last changed at the start.
        try await eventually("the failure is stored") { (try? await store.failedOutbox(limit: 10).count) == 1 }
        try await eventually("the send is stored as sent") { (try? await store.outboxReference(wamid: "wamid.out.2")) != nil }
        // The hourly housekeeping after a day keeps both: they are younger than two days. (Once
        // every loop sleeps again, that round is over, and the next advance wakes the next one.)
        let loops = clock.sleepers
        clock.advance(to: start + .days(1))
        try await eventually("the housekeeping round ends") { clock.sleepers == loops }
        #expect(try await server.webhook(Payload.text("three", id: "wamid.keep.3", at: start + .days(1))) == 200)
        try await eventually("the third send is stored as sent") { (try? await store.outboxReference(wamid: "wamid.out.3")) != nil }
        #expect(try await store.failedOutbox(limit: 10).count == 1)
        #expect(try await store.outboxReference(wamid: "wamid.out.2") != nil)
        // Past two days the first two go, failed and sent alike; the third stays.
        clock.advance(to: start + .days(2) + .hours(1))
        try await eventually("the old messages are deleted") { (try? await store.failedOutbox(limit: 10).isEmpty) == true }
        try await eventually("the old sent message is deleted") { (try? await store.outboxReference(wamid: "wamid.out.2")) == .some(nil) }
        #expect(try await store.outboxReference(wamid: "wamid.out.3") != nil)
        try await server.stop()
        try await graph.stop()
    }

    @Test("housekeeping the store refuses (a full disk) is tried again the next hour")
    func housekeepingOutlivesAFailure() async throws {
        let graph = try await FakeGraph()
        let clock = ManualClock(start: start)
        let (server, store) = try await TestServer.instrumented(graph: graph, clock: clock, configure: { $0.keepSentFor = .days(1) })
        #expect(try await server.webhook(Payload.text("one", id: "wamid.house.1")) == 200)
        try await eventually("the send is stored as sent") { (try? await store.base.outboxReference(wamid: "wamid.out.1")) != nil }
        // Two days on, the disk is full: the round fails.
        store.broken.store(true, ordering: .sequentiallyConsistent)
        let loops = clock.sleepers
        clock.advance(to: start + .days(2))
        try await eventually("the failed round ends") { clock.sleepers == loops }
        #expect(try await store.base.outboxReference(wamid: "wamid.out.1") != nil)
        // Space again: the next hour's round deletes the message.
        store.broken.store(false, ordering: .sequentiallyConsistent)
        clock.advance(to: start + .days(2) + .hours(1))
        try await eventually("the next round deletes it") { (try? await store.base.outboxReference(wamid: "wamid.out.1")) == .some(nil) }
        try await server.stop()
        try await graph.stop()
    }
}
