import FlowServerTesting
import Foundation
import Synchronization
import Testing

@testable import FlowServer

@Suite("running a refused batch again") struct StaleRerunTests {
    @Test("a commit refused as stale, with a batch chained behind it and more queued: each runs again once, and is stored")
    func staleCommitDoesNotCascade() async throws {
        let graph = try await FakeGraph()
        let commits = Gate()
        let reads = [Gate(), Gate()]
        let (server, store) = try await TestServer.instrumented(graph: graph) {
            InstrumentedStore($0, commits: commits, snapshots: reads)
        }
        let pipeline = server.server.pipeline
        try await server.using { server in
            defer {
                for gate in reads { gate.open() }
                commits.open()
            }
            store.staleCommits.store(1, ordering: .sequentiallyConsistent)
            // The first batch reads (held) while the second webhook queues; then the first commits
            // (held) while the second reads (held) and a third queues behind it.
            let first = Task { try await server.webhook(Payload.text("one", id: "wamid.s.1", from: "3162000001")) }
            try await eventually("the first batch reads") { reads[0].arrived == 1 }
            let second = Task { try await server.webhook(Payload.text("two", id: "wamid.s.2", from: "3162000002")) }
            try await eventually("the second waits for the loop") { await pipeline.queuedJobs == 1 }
            reads[0].open()
            try await eventually("the first commits, the second reads") { commits.arrived == 1 && reads[1].arrived == 1 }
            let third = Task { try await server.webhook(Payload.text("three", id: "wamid.s.3", from: "3162000003")) }
            try await eventually("the third waits for the loop") { await pipeline.queuedJobs == 1 }
            reads[1].open()
            try await eventually("the second is prepared, chained to the first's commit") {
                store.snapshotIDs.load(ordering: .sequentiallyConsistent) == 2
            }
            commits.open()
            // The first is refused; the second fails with it, since it was chained to it. Both run
            // again with the third, in a batch chained to neither. Before, that batch was chained
            // to the second's failure, and so was every batch after it, until each job had run
            // nine times and was answered 500.
            for task in [first, second, third] { #expect(try await task.value == 200) }
            try await eventually("three acknowledged") { graph.received.count == 3 }
            #expect(server.metric("flowgate_stale_runs_total") == 2)
            #expect(server.metric("flowgate_stale_runs_exhausted_total") == 0)
            #expect(commits.arrived == 2, "the refused commit, and the one that stored all three")
        }
        try await graph.stop()
    }
}
