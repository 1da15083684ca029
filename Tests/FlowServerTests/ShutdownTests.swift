import AsyncHTTPClient
import FlowServerTesting
import FlowStore
import FlowStoreSQLite
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import Testing
import WhatsAppCloud

@testable import FlowServer

@Suite("graceful shutdown") struct ShutdownTests {
    enum Outcome: Hashable, Sendable {
        case ok, refusedBeforeAccepted
        case other(String)
    }
    final class Count: Sendable { let value = Mutex<Int>(0) }

    /// Posts message `index` from its own contact, as the platform does.
    static func send(_ index: Int, base: String, client: HTTPClient, answered: Count) async -> (String, Outcome) {
        let id = "wamid.stop.\(index)"
        let body = Payload.text("hello \(index)", id: id, from: "3161\(100_000 + index)")
        var request = HTTPClientRequest(url: base + "/webhook")
        request.method = .POST
        request.headers.add(name: "X-Hub-Signature-256", value: WebhookSignature(appSecret: appSecret).header(for: body))
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, timeout: .seconds(20))
            _ = try await response.body.collect(upTo: 1 << 16)
            guard response.status == .ok else { return (id, .other("HTTP \(response.status.code)")) }
            answered.value.withLock { $0 += 1 }
            return (id, .ok)
        } catch {
            // Refused at connect: the server had stopped listening, so it never took the request.
            let text = String(reflecting: error)
            let refused = ["NIOConnectionError", "connectTimeout", "errno: 111", "getConnectionFromPoolTimeout"].contains { text.contains($0) }
            return (id, refused ? .refusedBeforeAccepted : .other(text))
        }
    }

    @Test("a stop under load answers every request it accepted, and keeps every message it answered")
    func stopUnderLoad() async throws {
        let graph = try await FakeGraph()
        let database = temporaryDatabase()
        let server = try await TestServer(
            flow: "",
            flowFile: repository.appendingPathComponent("Benchmarks/ack-every-message.yaml").path,
            database: database,
            graph: graph,
            clock: ManualClock(start: start)
        )
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        configuration.timeout.connect = .seconds(2)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let answered = Count()
        let base = server.base
        // The connections are open before the stop, as the platform's are: the stop meets requests
        // on live connections. (A connection still in the kernel's queue when the listener closes is
        // reset by the kernel; the server never saw it.)
        var outcomes = await withTaskGroup(of: (String, Outcome).self) { group in
            for index in 0..<64 { group.addTask { await Self.send(index, base: base, client: client, answered: answered) } }
            return await group.reduce(into: [(String, Outcome)]()) { $0.append($1) }
        }
        #expect(outcomes.allSatisfy { $0.1 == .ok })
        outcomes += try await withThrowingTaskGroup(of: (String, Outcome).self) { group in
            for index in 64..<1000 { group.addTask { await Self.send(index, base: base, client: client, answered: answered) } }
            try await eventually("the server is busy") { answered.value.withLock { $0 } >= 200 }
            try await server.stop()
            return try await group.reduce(into: [(String, Outcome)]()) { $0.append($1) }
        }
        try await client.shutdown()
        let cut = outcomes.filter { if case .other = $0.1 { true } else { false } }
        #expect(cut.isEmpty, "requests cut after they were accepted: \(cut.count), e.g. \(cut.prefix(3))")
        // Every message answered 200 was replied to, or waits in the outbox for the next start.
        let ok = outcomes.filter { $0.1 == .ok }.count
        #expect(ok >= 200)
        // (A send the fake Graph API was slow to answer counts as unreachable and waits for its retry:
        // it can be both received and pending.)
        let pending = try await SQLiteStore(path: database).pendingOutbox(limit: 10_000).map { String(decoding: $0.body, as: UTF8.self) }
        let replies = Set(graph.received.map { String(decoding: $0.bytes, as: UTF8.self) }).union(pending)
        #expect(replies.count == ok, "\(replies.count) replies sent or pending for \(ok) messages answered")
        try await graph.stop()
    }
}

extension ShutdownTests {
    @Test("a keep-alive connection idle when the stop begins still has its next request answered")
    func idleKeepAliveConnectionsAreServedOnce() async throws {
        let graph = try await FakeGraph()
        let server = try await TestServer(
            flow: "",
            flowFile: repository.appendingPathComponent("Benchmarks/ack-every-message.yaml").path,
            database: temporaryDatabase(),
            graph: graph,
            clock: ManualClock(start: start)
        )
        func request(_ index: Int) -> String {
            let body = Payload.text("hi \(index)", id: "wamid.keepalive.\(index)", from: "3162\(100_000 + index)")
            let signature = WebhookSignature(appSecret: appSecret).header(for: body)
            return "POST /webhook HTTP/1.1\r\nHost: flowgate\r\nContent-Type: application/json\r\nX-Hub-Signature-256: \(signature)\r\n"
                + "Content-Length: \(body.count)\r\n\r\n" + String(decoding: body, as: UTF8.self)
        }
        let connections = try (0..<8).map { _ in try RawConnection(port: server.port) }
        for (index, connection) in connections.enumerated() {
            connection.send(request(index))
            #expect(await connection.response(within: 5)?.hasPrefix("HTTP/1.1 200") == true)
        }
        // Stop, and wait until the listener is closed: new connections are refused.
        let stopping = Task { try await server.stop() }
        try await eventually("the server stops listening") { (try? RawConnection(port: server.port)) == nil }
        // All sent at once: each idle connection waits up to a second for its request.
        for (index, connection) in connections.enumerated() { connection.send(request(100 + index)) }
        for (index, connection) in connections.enumerated() {
            let response = await connection.response(within: 5) ?? ""
            #expect(response.hasPrefix("HTTP/1.1 200"), "connection \(index): \(response.prefix(40))")
            #expect(response.lowercased().contains("connection: close"))
        }
        try await stopping.value
        #expect(graph.received.count == 16)
        try await graph.stop()
    }
}

extension ShutdownTests {
    /// NIO can hand a connection accepted as the listener closes to a server loop that has ended;
    /// activating it trapped the whole process (apple/swift-nio#2813). Clients connect in a tight
    /// loop through several stops: each stop completes and the process lives.
    @Test("connections arriving while the server stops are refused or closed, never a crash")
    func connectionsDuringStop() async throws {
        let graph = try await FakeGraph()
        for _ in 0..<6 {
            let server = try await TestServer(
                flow: "",
                flowFile: repository.appendingPathComponent("Benchmarks/ack-every-message.yaml").path,
                database: temporaryDatabase(),
                graph: graph,
                clock: ManualClock(start: start)
            )
            let port = server.port
            let opened = Atomic<Int>(0)
            // Until the listener refuses: every connection is opened and dropped at once.
            let connecting = Task {
                await offThePool {
                    while opened.load(ordering: .relaxed) < 200_000, (try? RawConnection(port: port)) != nil {
                        opened.add(1, ordering: .relaxed)
                    }
                }
            }
            try await eventually("clients are connecting") { opened.load(ordering: .relaxed) >= 20 }
            try await server.stop()
            await connecting.value
            #expect(opened.load(ordering: .relaxed) < 200_000, "the listener never closed")
        }
        try await graph.stop()
    }
}

extension ShutdownTests {
    /// The timer scheduler sleeps on the server clock between reads; a stop that came while it
    /// read the store found no sleep to cut short, and the stop waited for the next timer (up to a
    /// minute of real time; for ever on a manual clock).
    @Test("a stop that lands while the timer scheduler reads the store completes at once")
    func stopDuringTimerRead() async throws {
        let graph = try await FakeGraph()
        let gate = Gate()
        let (server, _) = try await TestServer.instrumented(graph: graph) { InstrumentedStore($0, timerReads: gate) }
        try await eventually("the scheduler reads the store") { gate.arrived == 1 }
        let stopped = Atomic<Bool>(false)
        let stopping = Task {
            try await server.stop()
            stopped.store(true, ordering: .sequentiallyConsistent)
        }
        try await eventually("the runtime is told to stop") { await server.server.pipeline.isStopping }
        gate.open()
        try await eventually("the stop completes") { stopped.load(ordering: .sequentiallyConsistent) }
        try await stopping.value
        try await graph.stop()
    }
}
