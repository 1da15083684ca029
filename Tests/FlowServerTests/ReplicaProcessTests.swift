import AsyncHTTPClient
import FlowModel
import FlowServer
import FlowServerTesting
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Three `flowgate-server` processes on one PostgreSQL database, as behind a load balancer.
@Suite("replicas as processes on one PostgreSQL", .enabled(if: TestDatabase.isConfigured)) struct ReplicaProcessTests {
    static let contacts = 6
    static let messagesEach = 10
    static let rate = 20.0
    /// The dispatcher's concurrency in each replica: what a kill can leave sent but unrecorded.
    static let concurrency = 4

    static let flow = """
        flow: echo
        start: reply
        nodes:
          reply: { text: "echo {{reply.text}}", goto: end }
        """

    @Test(
        "webhooks round-robin over three replicas, redelivered to another at once, one replica killed (SIGKILL) and restarted: each message answered once, in order, at the rate"
    )
    func threeReplicas() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flowgate-replicas-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Self.flow.write(to: folder.appendingPathComponent("echo.yaml"), atomically: true, encoding: .utf8)
        let config = """
            store: { postgres: { url_env: FLOWGATE_DATABASE_URL, pool_size: 4 } }
            claim_lease: 2s
            dispatcher: { concurrency: \(Self.concurrency) }
            numbers:
              - { phone_number_id: "\(phoneNumberID)", flow: echo.yaml, rate: \(Int(Self.rate)) }
            """
        try config.write(to: folder.appendingPathComponent("flowgate.yaml"), atomically: true, encoding: .utf8)
        let graph = try await FakeGraph()
        let url = try await TestDatabase.freshSchemaURL()
        let binary = try #require(Replica.binary(), "flowgate-server is not built: run swift build")
        let replicas = try (0..<3).map { _ in
            Replica(
                binary: binary,
                config: folder.appendingPathComponent("flowgate.yaml").path,
                port: try freePort(),
                graph: graph.base,
                database: url
            )
        }
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            try await Self.run(replicas: replicas, graph: graph, client: client)
        } catch {
            for replica in replicas { replica.kill() }
            try? await client.shutdown()
            try? await graph.stop()
            throw error
        }
        for replica in replicas { replica.stop() }
        try await client.shutdown()
        try await graph.stop()
    }

    static func run(replicas: [Replica], graph: FakeGraph, client: HTTPClient) async throws {
        for replica in replicas { try replica.start() }
        for replica in replicas { try await replica.waitReady(client) }

        let acknowledged = Tally()
        let killAfter = contacts * messagesEach / 3
        // The replicas run on the real clock: the customers write now.
        let now = Timestamp(Date())
        try await withThrowingTaskGroup(of: Void.self) { group in
            for contact in 0..<contacts {
                group.addTask {
                    for index in 0..<messagesEach {
                        let body = Payload.text(
                            "c\(contact)m\(index)",
                            id: "wamid.c\(contact).m\(index)",
                            from: "3160000000\(contact)",
                            at: now - .seconds(Int64(messagesEach - index))
                        )
                        // The delivery and a redelivery of it land on two replicas at once.
                        let first = (contact + index) % replicas.count
                        async let delivered = Replica.deliver(body, from: first, over: replicas, client: client)
                        async let redelivered = Replica.deliver(body, from: (first + 1) % replicas.count, over: replicas, client: client)
                        _ = try await (delivered, redelivered)
                        acknowledged.count.add(1, ordering: .relaxed)
                    }
                }
            }
            group.addTask {
                // Kill one replica a third of the way in, and start it again a moment later.
                try await eventually("a third of the messages acknowledged", within: 60) {
                    acknowledged.count.load(ordering: .relaxed) >= killAfter
                }
                replicas[1].kill()
                try await Task.sleep(for: .milliseconds(300))
                try replicas[1].start()
                try await replicas[1].waitReady(client)
            }
            try await group.waitForAll()
        }

        let total = contacts * messagesEach
        do {
            try await eventually("every message answered", within: 30) { Set(graph.received.compactMap(\.text)).count == total }
        } catch {
            let answered = Set(graph.received.compactMap(\.text))
            let missing = (0..<contacts).flatMap { contact in (0..<messagesEach).map { "echo c\(contact)m\($0)" } }.filter { !answered.contains($0) }
            Issue.record("\(missing.count) of \(total) never answered: \(missing.prefix(12).joined(separator: ", ")); \(graph.received.count) sends")
            throw error
        }
        // Sends still in flight settle; then nothing more may arrive.
        try await Task.sleep(for: .milliseconds(500))
        let replies = graph.received.compactMap { received in received.text.map { ($0, received.body["to"] as? String ?? "", received.at) } }
        let duplicates = replies.count - Set(replies.map(\.0)).count
        #expect(duplicates <= concurrency, "only sends in flight at the kill may go twice: \(duplicates)")
        for contact in 0..<contacts {
            var seen = Set<String>()
            let order = replies.filter { $0.1 == "3160000000\(contact)" }.map(\.0).filter { seen.insert($0).inserted }
            #expect(order == (0..<messagesEach).map { "echo c\(contact)m\($0)" }, "contact \(contact)'s replies in order")
        }
        // The number's rate, across the three: in any second at most a second's worth plus the
        // one-second burst a single process allows too.
        let times = replies.map(\.2).sorted()
        var busiest = 0
        for (index, time) in times.enumerated() {
            busiest = max(busiest, times[index...].prefix { $0 - time < .seconds(1) }.count)
        }
        print("replicas: \(replies.count) sends for \(total) messages, \(duplicates) sent twice, busiest second \(busiest) sends")
        #expect(busiest <= Int(2 * rate) + 2, "at most \(Int(2 * rate)) sends in a second, saw \(busiest)")

    }
}

/// A count several tasks add to.
final class Tally: Sendable {
    let count = Atomic<Int>(0)
}

/// One `flowgate-server serve` process.
final class Replica: @unchecked Sendable {
    let binary: String
    let config: String
    /// The port it listens on. A free port found before the start can be taken by another test
    /// first; the replica then exits, and starts again on another.
    var port: Int { portNumber.load(ordering: .sequentiallyConsistent) }
    private let portNumber: Atomic<Int>
    let graph: String
    let database: String
    private var process: Process?

    init(binary: String, config: String, port: Int, graph: String, database: String) {
        self.binary = binary
        self.config = config
        portNumber = Atomic(port)
        self.graph = graph
        self.database = database
    }

    /// The built `flowgate-server` beside the test bundle, or in `.build/debug`.
    static func binary() -> String? {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("flowgate-server").path
        let debug = repository.appendingPathComponent(".build/debug/flowgate-server").path
        return [beside, debug].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--config", config, "--port", "\(port)", "--graph-url", graph, "--log-level", "error"]
        process.environment = ProcessInfo.processInfo.environment.merging([
            "WHATSAPP_APP_SECRET": appSecret, "WHATSAPP_VERIFY_TOKEN": verifyToken, "WHATSAPP_ACCESS_TOKEN": accessToken,
            "FLOWGATE_DATABASE_URL": database,
        ]) { $1 }
        // Its output goes to a file of its own, shown when it does not become ready.
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        if let handle = FileHandle(forWritingAtPath: log) {
            handle.seekToEndOfFile()
            process.standardOutput = handle
            process.standardError = handle
        }
        try process.run()
        self.process = process
    }

    /// Where its output goes.
    var log: String { config + ".\(ObjectIdentifier(self).hashValue).log" }

    func waitReady(_ client: HTTPClient) async throws {
        do {
            try await untilReady(client)
        } catch {
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw TimedOut(what: "replica on \(port) ready (running: \(process?.isRunning ?? false)); its output ends:\n" + output.suffix(2000))
        }
    }

    private func untilReady(_ client: HTTPClient) async throws {
        try await eventually("replica on \(port) ready", within: 30) {
            if let process, !process.isRunning {
                // It could not bind (another test took the port meanwhile): start on a new one.
                portNumber.store((try? freePort()) ?? port, ordering: .sequentiallyConsistent)
                try? start()
                return false
            }
            guard let response = try? await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/readyz"), timeout: .seconds(2)) else {
                return false
            }
            return response.status == .ok
        }
    }

    /// SIGKILL: no graceful stop, nothing released.
    func kill() {
        guard let process, process.isRunning else { return }
        _ = Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func stop() {
        guard let process, process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    /// Posts a signed webhook to replica `first`, moving on to the next one while a replica is
    /// down or answers other than 200 (as a load balancer and the platform's retries would).
    static func deliver(_ body: [UInt8], from first: Int, over replicas: [Replica], client: HTTPClient) async throws {
        let signature = WebhookSignature(appSecret: appSecret).header(for: body)
        for attempt in 0..<200 {
            let replica = replicas[(first + attempt) % replicas.count]
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(replica.port)/webhook")
            request.method = .POST
            request.headers.add(name: "X-Hub-Signature-256", value: signature)
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
            if let response = try? await client.execute(request, timeout: .seconds(5)), response.status == .ok { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TimedOut(what: "a replica accepting the webhook")
    }
}

/// A port nothing listens on now.
func freePort() throws -> Int {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
    }
    guard bound else { throw TimedOut(what: "a free port") }
    return Int(UInt16(bigEndian: address.sin_port))
}
