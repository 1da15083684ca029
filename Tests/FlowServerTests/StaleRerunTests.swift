import FlowEngine
import FlowServerTesting
import FlowStore
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

    @Test("a replica that finds its cached states unmoved batch after batch stops checking them, and checks again after a refused commit")
    func quietReplicaTrustsItsCache() async throws {
        let graph = try await FakeGraph()
        // A store other processes write too, as PostgreSQL is: cached states are checked by version.
        let (server, store) = try await TestServer.instrumented(
            graph: graph,
            configure: { $0.store = TestServer.sharedStore }
        )
        func snapshots() -> Int { store.snapshotsTaken.load(ordering: .sequentiallyConsistent) }
        try await server.using { (server: TestServer) async throws in
            let quiet = EventPipeline.quietChecksToTrust
            // One read of the new contact, then one check per message while trust is earned.
            for index in 0...quiet {
                #expect(try await server.webhook(Payload.text("m\(index)", id: "wamid.q.\(index)")) == 200)
            }
            #expect(snapshots() == quiet + 1)
            for index in 1...5 {
                #expect(try await server.webhook(Payload.text("t\(index)", id: "wamid.t.\(index)")) == 200)
            }
            #expect(snapshots() == quiet + 1, "trusted: no read before these batches")
            // Another process moved the contact on: the commit refuses it, the batch reads and runs
            // again, and the batches after it are checked again.
            store.staleCommits.store(1, ordering: .sequentiallyConsistent)
            #expect(try await server.webhook(Payload.text("stale", id: "wamid.stale")) == 200)
            #expect(server.metric("flowgate_stale_runs_total") == 1)
            let afterRerun = snapshots()
            #expect(afterRerun == quiet + 2, "the batch that ran again read the store")
            #expect(try await server.webhook(Payload.text("next", id: "wamid.next")) == 200)
            #expect(snapshots() == afterRerun + 1, "checked again")
        }
        // Each message was applied once: the stored state counts one reply per message.
        let key = ContactKey(phoneNumberID: phoneNumberID, contactID: "31612345678")
        let state = try await store.states(for: [key])[key]
        #expect(state?.accounting.freeFormMessages == EventPipeline.quietChecksToTrust + 8)
        try await graph.stop()
    }
}
