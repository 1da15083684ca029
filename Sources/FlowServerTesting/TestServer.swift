import AsyncHTTPClient
import FlowEngine
import FlowModel
import FlowServer
import FlowStore
import FlowStoreSQLite
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Synchronization
import WhatsAppCloud

public let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
public let phoneNumberID = "106540352242922"
public let appSecret = "test-app-secret"
public let verifyToken = "test-verify-token"
public let accessToken = "test-access-token"
public let adminToken = "test-admin-token"
public let start = Timestamp(iso8601: "2026-11-02T10:00:00Z")!  // Monday 11:00 in Amsterdam

/// A condition ``eventually(_:within:_:)`` waited for did not come true in time.
public struct TimedOut: Error, CustomStringConvertible {
    public var what: String
    public init(what: String) { self.what = what }
    public var description: String { "timed out waiting for: \(what)" }
}

/// Waits for a condition that another task makes true, checking every few milliseconds, up to a
/// deadline. (Waiting on an outcome, not sleeping for a fixed time.)
public func eventually(_ what: String, within seconds: Double = 10, _ condition: () async -> Bool) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if await condition() { return }
        try await Task.sleep(for: .milliseconds(5))
    }
    throw TimedOut(what: what)
}

extension Mutex {
    /// A mutex on the heap, for a closure to share.
    final class Box: Sendable {
        let value: Mutex<Value>
        init(_ value: sending Value) { self.value = Mutex(value) }
    }
}

/// A fake Graph API on 127.0.0.1: records every send, answers from a script (default: accepted).
public final class FakeGraph: Sendable {
    public struct Received: Sendable {
        public var path: String
        public var authorization: String?
        /// An event delivery's `X-Flowgate-Signature-256`.
        public var signature: String? = nil
        public var body: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] ?? [:] }
        public var bytes: [UInt8]
        /// When the fake received it.
        public var at = ContinuousClock.now
        public var type: String? { body["type"] as? String }
        public var text: String? { (body["text"] as? [String: Any])?["body"] as? String }
        public var templateName: String? { (body["template"] as? [String: Any])?["name"] as? String }
    }

    public struct Reply: Sendable {
        public var status: HTTPResponse.Status
        public var body: String
        public init(status: HTTPResponse.Status, body: String) {
            self.status = status
            self.body = body
        }
        public static func error(_ status: HTTPResponse.Status, code: Int) -> Reply {
            Reply(status: status, body: #"{"error":{"message":"scripted","type":"OAuthException","code":\#(code)}}"#)
        }
    }

    private let state = Mutex<(received: [Received], script: [Reply], counter: Int, events: [Reply])>(([], [], 0, []))
    public private(set) nonisolated(unsafe) var port = 0
    private let group: ServiceGroup
    private let task: Task<Void, Error>

    public init() async throws {
        let router = Router()
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        // The routes are built before the fake exists; they find it here once it does.
        let late = Mutex<FakeGraph?>.Box(nil)
        router.post("/:version/:number/messages") { request, context -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            guard let graph = late.value.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
            return graph.handle(path: request.uri.path, authorization: request.headers[.authorization], body: Array(body.readableBytesView))
        }
        // An event sink beside the Graph API: `{base}/events/{name}`.
        router.post("/events/:name") { request, context -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            guard let graph = late.value.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
            let signature = HTTPField.Name("X-Flowgate-Signature-256").flatMap { request.headers[$0] }
            return graph.event(path: request.uri.path, signature: signature, body: Array(body.readableBytesView))
        }
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) },
            logger: Logger(label: "fake-graph", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        group = ServiceGroup(configuration: .init(services: [app], logger: Logger(label: "fake-graph", factory: { _ in SwiftLogNoOpLogHandler() })))
        let group = group
        task = Task { try await group.run() }
        var iterator = stream.makeAsyncIterator()
        port = await iterator.next() ?? 0
        late.value.withLock { $0 = self }
    }

    private func handle(path: String, authorization: String?, body: [UInt8]) -> Response {
        let reply = state.withLock { state -> Reply in
            state.received.append(Received(path: path, authorization: authorization, bytes: body))
            state.counter += 1
            if !state.script.isEmpty { return state.script.removeFirst() }
            return Reply(
                status: .ok,
                body: #"{"messaging_product":"whatsapp","contacts":[{"input":"x","wa_id":"x"}],"messages":[{"id":"wamid.out.\#(state.counter)"}]}"#
            )
        }
        return Response(status: reply.status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: reply.body)))
    }

    private func event(path: String, signature: String?, body: [UInt8]) -> Response {
        let reply = state.withLock { state -> Reply? in
            if !state.events.isEmpty { return state.events.removeFirst() }
            state.received.append(Received(path: path, authorization: nil, signature: signature, bytes: body))
            return nil
        }
        return Response(status: reply?.status ?? .noContent)
    }

    public var received: [Received] { state.withLock { $0.received } }

    /// Event deliveries received (not counting those answered with a scripted error).
    public var events: [Received] { received.filter { $0.path.hasPrefix("/events/") } }

    /// Answers the next event deliveries with these replies, in order (they are not recorded).
    public func scriptEvents(_ replies: [Reply]) { state.withLock { $0.events += replies } }

    /// Answers the next sends with these replies, in order.
    public func script(_ replies: [Reply]) { state.withLock { $0.script += replies } }

    public var base: String { "http://127.0.0.1:\(port)" }

    public func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }

    /// Runs `body` with a fake, then stops it, whether `body` returned or threw.
    public static func using<T>(_ body: (FakeGraph) async throws -> T) async throws -> T {
        let graph = try await FakeGraph()
        let value: T
        do {
            value = try await body(graph)
        } catch {
            try? await graph.stop()
            throw error
        }
        try await graph.stop()
        return value
    }
}

/// A `flowgate serve` on 127.0.0.1 with its own SQLite file and a manual clock.
public final class TestServer: @unchecked Sendable {
    public let server: FlowgateServer
    public let clock: ManualClock
    public let port: Int
    public let client: HTTPClient
    private let group: ServiceGroup
    private let task: Task<Void, Error>

    /// `flow` names an example under `flows/`; `flowFile` is a path to any other flow file. A
    /// `store` given is taken to be shared (PostgreSQL, say): it is used instead of a SQLite file
    /// at `database`, and the server runs as one replica of several. `graphTimeout` bounds each
    /// send: a send that runs past it waits for a retry on the manual clock, which a test may never
    /// move, so it is long enough for a loaded machine unless the test wants sends to fail.
    public let database: String

    /// Marks a test server's store as shared by several replicas. The server reads only that it
    /// is shared (the store itself is handed in); it never opens this location.
    public static let sharedStore = StoreLocation.postgres(urlVariable: "FLOWGATE_DATABASE_URL", poolSize: 4)

    public init(
        flow: String,
        flowFile: String? = nil,
        database: String,
        graph: FakeGraph,
        clock: ManualClock,
        concurrency: Int = 64,
        logger: Logger = Logger(label: "flowgate-test", factory: { _ in SwiftLogNoOpLogHandler() }),
        configure: (inout ServerConfig) -> Void = { _ in },
        agentTokens: [String: String] = [:],
        sinkSecrets: [String] = [],
        store given: (any FlowStore)? = nil,
        wrapStore: (SQLiteStore) -> any FlowStore = { $0 },
        graphTimeout: TimeAmount = .seconds(5)
    ) async throws {
        self.database = database
        var config = ServerConfig()
        config.concurrency = concurrency
        let path = flowFile ?? repository.appendingPathComponent("flows/\(flow).yaml").path
        config.numbers = [.init(phoneNumberID: phoneNumberID, flowPath: path, rate: 1_000_000)]
        config.graphBaseURL = graph.base
        config.store = given == nil ? .sqlite(path: database) : Self.sharedStore
        config.port = 0
        config.desk.agents = agentTokens.keys.sorted().map { DeskConfig.Agent(name: $0, tokenVariable: "FLOWGATE_AGENT_\($0.uppercased())") }
        configure(&config)
        let secrets = ServerSecrets(
            appSecret: appSecret,
            verifyToken: verifyToken,
            accessToken: accessToken,
            adminToken: adminToken,
            agentTokens: agentTokens,
            sinkSecrets: sinkSecrets
        )
        let store: any FlowStore
        if let given {
            store = given
        } else {
            let sqlite = try SQLiteStore(path: database)
            try await sqlite.migrate()
            store = wrapStore(sqlite)
        }
        client = HTTPClient(eventLoopGroupProvider: .singleton)
        let sender = GraphClient(client: client, base: graph.base, version: "v23.0", accessToken: accessToken, timeout: graphTimeout)
        server = FlowgateServer(
            config: config,
            secrets: secrets,
            engines: try FlowgateServer.engines(for: config),
            store: store,
            sender: sender,
            clock: clock,
            logger: logger
        )
        self.clock = clock
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        let app = server.application(port: 0, onServerRunning: { continuation.yield($0) })
        let (operationsStream, operationsContinuation) = AsyncStream<Int>.makeStream()
        let operations = server.operationsApplication(port: 0, onServerRunning: { operationsContinuation.yield($0) })
        group = ServiceGroup(configuration: .init(services: [app] + (operations.map { [$0] } ?? []), logger: logger))
        let group = group
        task = Task { try await group.run() }
        var iterator = stream.makeAsyncIterator()
        port = await iterator.next() ?? 0
        var operationsIterator = operationsStream.makeAsyncIterator()
        operationsPort = operations == nil ? nil : await operationsIterator.next()
    }

    /// The private listener's port, when the config sets `admin_listen`.
    public let operationsPort: Int?

    public var base: String { "http://127.0.0.1:\(port)" }

    /// Runs `body` with the server, then stops it, whether `body` returned or threw: a failing
    /// test leaves no server running.
    public func using<T>(_ body: (TestServer) async throws -> T) async throws -> T {
        let value: T
        do {
            value = try await body(self)
        } catch {
            try? await stop()
            throw error
        }
        try await stop()
        return value
    }

    /// Graceful shutdown: in-flight work finishes.
    public func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
        try await client.shutdown()
    }

    public func request(
        _ method: HTTPMethod,
        _ path: String,
        body: [UInt8]? = nil,
        headers: [(String, String)] = []
    ) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await client.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: bytes))
    }

    /// POSTs a webhook body signed with the app secret (or with `signature` when given).
    public func webhook(_ body: [UInt8], signature: String? = nil) async throws -> Int {
        let header = signature ?? WebhookSignature(appSecret: appSecret).header(for: body)
        return try await request(.POST, "/webhook", body: body, headers: [("X-Hub-Signature-256", header), ("Content-Type", "application/json")])
            .status
    }

    /// Waits until the server has recorded WhatsApp's id for a send, so a status for it can be
    /// matched. (A status that arrives before that is not matched today: see the closing notes of
    /// the server hardening issue.)
    public func sendRecorded(_ wamid: String) async throws {
        try await eventually("the send \(wamid) is recorded") { await server.dispatcher.reference(for: wamid) != nil }
    }

    public func admin(_ method: HTTPMethod, _ path: String, json: String? = nil) async throws -> (status: Int, body: String) {
        try await request(
            method,
            "/admin/contacts/\(phoneNumberID)/\(path)",
            body: json.map { Array($0.utf8) },
            headers: [("Authorization", "Bearer \(adminToken)")]
        )
    }

    /// A metric's value, summed over its label sets; `name{label="value"}` picks one set.
    public func metric(_ name: String) -> Double {
        let lines = server.metrics.text().split(separator: "\n").filter { line in
            !line.hasPrefix("#") && (name.contains("{") ? line.hasPrefix(name + " ") : (line.hasPrefix(name + " ") || line.hasPrefix(name + "{")))
        }
        return lines.compactMap { Double($0.split(separator: " ").last ?? "") }.reduce(0, +)
    }
}

public func temporaryDatabase() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("flowgate-test-\(UUID().uuidString).sqlite").path
}

/// Webhook bodies as the platform sends them.
public enum Payload {
    public static func envelope(messages: String = "[]", statuses: String = "[]", contacts: String? = nil) -> [UInt8] {
        let contactList = contacts ?? #"[{"profile":{"name":"Ana"},"wa_id":"31612345678"}]"#
        let json =
            #"{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"\#(phoneNumberID)"},"contacts":\#(contactList),"messages":\#(messages),"statuses":\#(statuses)}}]}]}"#
        return Array(json.utf8)
    }

    public static func message(id: String, type: String, _ object: String, from: String = "31612345678", at time: Timestamp = start) -> String {
        #"{"from":"\#(from)","id":"\#(id)","timestamp":"\#(time.millisecondsSince1970 / 1000)","type":"\#(type)"\#(object.isEmpty ? "" : ",\(object)")}"#
    }

    public static func text(_ body: String, id: String, from: String = "31612345678", at time: Timestamp = start) -> [UInt8] {
        envelope(messages: "[" + message(id: id, type: "text", #""text":{"body":"\#(body)"}"#, from: from, at: time) + "]")
    }

    public static func tap(_ buttonID: String, _ title: String, id: String, at time: Timestamp = start) -> [UInt8] {
        envelope(
            messages: "["
                + message(
                    id: id,
                    type: "interactive",
                    #""interactive":{"type":"button_reply","button_reply":{"id":"\#(buttonID)","title":"\#(title)"}}"#,
                    at: time
                ) + "]"
        )
    }

    public static func status(wamid: String, _ status: String, code: Int? = nil, at time: Timestamp = start) -> [UInt8] {
        envelope(statuses: "[" + statusObject(wamid: wamid, status, code: code, at: time) + "]")
    }

    /// One status object of a notification's `statuses`.
    public static func statusObject(wamid: String, _ status: String, code: Int? = nil, at time: Timestamp = start) -> String {
        let errors = code.map { #","errors":[{"code":\#($0),"title":"Re-engagement message","message":"more than 24 hours"}]"# } ?? ""
        return #"{"id":"\#(wamid)","status":"\#(status)","timestamp":"\#(time.millisecondsSince1970 / 1000)","recipient_id":"31612345678"\#(errors)}"#
    }
}
