import FlowServer
import FlowServerTesting
import FlowStore
import Foundation
import Synchronization
import Testing

@Suite("group commit") struct GroupCommitTests {
    /// Starts a server on the ack-every-message flow whose store's commits wait at `commits`.
    static func server(graph: FakeGraph, commits: Gate) async throws -> (TestServer, InstrumentedStore) {
        nonisolated(unsafe) var instrumented: InstrumentedStore?
        let server = try await TestServer(
            flow: "",
            flowFile: repository.appendingPathComponent("Benchmarks/ack-every-message.yaml").path,
            database: temporaryDatabase(),
            graph: graph,
            clock: ManualClock(start: start),
            wrapStore: {
                let store = InstrumentedStore($0, commits: commits)
                instrumented = store
                return store
            }
        )
        return (server, try #require(instrumented))
    }

    @Test("what arrives during a commit joins one batch, which commits next: one commit for all of it")
    func arrivalsShareTheNextCommit() async throws {
        let graph = try await FakeGraph()
        let commits = Gate()
        let (server, store) = try await Self.server(graph: graph, commits: commits)
        try await server.using { server in
            defer { commits.open() }
            async let first = server.webhook(Payload.text("one", id: "wamid.g.0", from: "3161000000"))
            try await eventually("the first commit is under way") { commits.arrived == 1 }
            // Five contacts write while it is held: each is read, run and added to the next batch.
            let later = (1...5).map { i in Task { try await server.webhook(Payload.text("hi", id: "wamid.g.\(i)", from: "316100000\(i)")) } }
            try await eventually("the five are prepared") { store.snapshotIDs.load(ordering: .sequentiallyConsistent) == 6 }
            #expect(commits.arrived == 1, "nothing else commits while the first is under way")
            commits.open()
            #expect(try await first == 200)
            for task in later { #expect(try await task.value == 200) }
            #expect(commits.arrived == 2, "the five shared one commit")
            try await eventually("six acknowledgements sent") { graph.received.count == 6 }
        }
        try await graph.stop()
    }

    @Test("a commit refused as stale, with a batch prepared behind it: both run again once, and are stored")
    func staleCommitDoesNotCascade() async throws {
        let graph = try await FakeGraph()
        let commits = Gate()
        let (server, store) = try await Self.server(graph: graph, commits: commits)
        try await server.using { server in
            defer { commits.open() }
            store.staleCommits.store(1, ordering: .sequentiallyConsistent)
            async let first = server.webhook(Payload.text("one", id: "wamid.s.1", from: "3162000001"))
            try await eventually("the first commit is under way") { commits.arrived == 1 }
            async let second = server.webhook(Payload.text("two", id: "wamid.s.2", from: "3162000002"))
            try await eventually("the second is prepared behind it") { store.snapshotIDs.load(ordering: .sequentiallyConsistent) == 2 }
            commits.open()
            // Refused: the first runs again, and the second, built on the first's states, with it.
            // Before, each later batch counted the refusal again, until every job had run nine
            // times and was answered 500.
            #expect(try await first == 200)
            #expect(try await second == 200)
            try await eventually("both acknowledged") { graph.received.count == 2 }
            #expect(server.metric("flowgate_stale_runs_total") == 2)
            #expect(server.metric("flowgate_stale_runs_exhausted_total") == 0)
        }
        try await graph.stop()
    }
}
