import FlowServer
import FlowServerTesting
import FlowStore
import FlowStoreSQLite
import Foundation
import Logging
import Synchronization
import Testing
import WhatsAppCloud

/// Collects every log line as text, as a stream handler would print it.
final class CapturedLog: Sendable {
    let lines = Mutex<[String]>([])

    struct Handler: LogHandler {
        let log: CapturedLog
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let (level, message) = (event.level, event.message)
            let fields = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            log.lines.withLock { $0.append("\(level): \(message) \(fields)") }
        }
    }

    var logger: Logger {
        Logger(label: "captured", factory: { _ in EscapingLogHandler(Handler(log: self)) })
    }
}

@Suite("webhook input: keep what can be kept, never drop silently") struct WebhookInputTests {
    static let from = "31612345678"

    func server(_ graph: FakeGraph, logger: Logger? = nil) async throws -> TestServer {
        try await TestServer(
            flow: "",
            flowFile: repository.appendingPathComponent("Benchmarks/ack-every-message.yaml").path,
            database: temporaryDatabase(),
            graph: graph,
            clock: ManualClock(start: start),
            logger: logger ?? Logger(label: "quiet", factory: { _ in SwiftLogNoOpLogHandler() })
        )
    }

    @Test("a lone surrogate escape in a text is replaced, and the message is answered")
    func loneSurrogate() async throws {
        let graph = try await FakeGraph()
        let server = try await server(graph)
        for (index, text) in [#"\ud800 hi"#, #"hi \udc00"#, #"\ud83d"#, #"ok \ud83d\ude00 \\ud800"#].enumerated() {
            let body = Payload.envelope(
                messages: "[" + Payload.message(id: "wamid.sur.\(index)", type: "text", #""text":{"body":"\#(text)"}"#, from: "3161000\(index)") + "]"
            )
            #expect(try await server.webhook(body) == 200, "\(text)")
        }
        try await eventually("every message is answered") { graph.received.count == 4 }
        #expect(try await SQLiteStore(path: server.database).deadLetters(limit: 10).isEmpty)
        try await server.stop()
        try await graph.stop()
    }

    @Test("a badly shaped message is a dead letter; its good siblings are processed")
    func badSiblingDoesNotSinkTheBatch() async throws {
        let graph = try await FakeGraph()
        let server = try await server(graph)
        let good1 = Payload.message(id: "wamid.good.1", type: "text", #""text":{"body":"one"}"#, from: "31610000001")
        let bad = #"{"from":"31610000002","id":"wamid.bad","timestamp":"1","type":"text","text":{"body":5}}"#
        let good2 = Payload.message(id: "wamid.good.2", type: "text", #""text":{"body":"two"}"#, from: "31610000003")
        let badStatus = #"{"id":7,"status":"read"}"#
        let body = Payload.envelope(messages: "[\(good1),\(bad),\(good2)]", statuses: "[\(badStatus)]", contacts: "[]")
        #expect(try await server.webhook(body) == 200)
        try await eventually("both good messages are answered") { graph.received.count == 2 }
        let letters = try await SQLiteStore(path: server.database).deadLetters(limit: 10)
        #expect(letters.count == 2)
        #expect(letters.contains { String(decoding: $0.body, as: UTF8.self).contains("wamid.bad") })
        #expect(letters.allSatisfy { !String(decoding: $0.body, as: UTF8.self).contains("wamid.good") })
        #expect(server.metric("flowgate_dead_letters_total") == 2)
        try await server.stop()
        try await graph.stop()
    }

    @Test("a message without metadata, or without any sender, is kept as a dead letter, not dropped")
    func noSilentDrops() async throws {
        let graph = try await FakeGraph()
        let server = try await server(graph)
        let message = Payload.message(id: "wamid.nometa", type: "text", #""text":{"body":"hi"}"#)
        let noMetadata =
            #"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","messages":[\#(message)]}}]}]}"#
        #expect(try await server.webhook(Array(noMetadata.utf8)) == 200)
        let anonymous = Payload.envelope(
            messages: "[" + Payload.message(id: "wamid.nobody", type: "text", #""text":{"body":"hi"}"#, from: "") + "]",
            contacts: "[]"
        )
        #expect(try await server.webhook(anonymous) == 200)
        let letters = try await SQLiteStore(path: server.database).deadLetters(limit: 10)
        #expect(letters.count == 2)
        #expect(letters.contains { $0.reason.contains("phone_number_id") })
        #expect(letters.contains { $0.reason.contains("no sender") })
        #expect(graph.received.isEmpty)
        try await server.stop()
        try await graph.stop()
    }

    @Test("newlines and escape codes from the wire cannot forge log lines")
    func logInjection() async throws {
        let log = CapturedLog()
        let graph = try await FakeGraph()
        let server = try await server(graph, logger: log.logger)
        let forged = "x\\n2026-11-21T00:00:00 error: forged\\u001b[31m"
        let weirdType = Payload.envelope(messages: "[" + Payload.message(id: "wamid.log.1", type: forged, "") + "]")
        #expect(try await server.webhook(weirdType) == 200)
        let weirdNumber = String(decoding: Payload.text("hi", id: "wamid.log.2"), as: UTF8.self).replacingOccurrences(
            of: phoneNumberID,
            with: "1\\nerror: forged"
        )
        #expect(try await server.webhook(Array(weirdNumber.utf8)) == 200)
        try await server.stop()
        try await graph.stop()
        let lines = log.lines.withLock { $0 }
        #expect(lines.contains { $0.contains("forged") }, "the values are logged")
        #expect(lines.allSatisfy { !$0.contains("\n") && !$0.contains("\u{1B}") }, "\(lines.filter { $0.contains("\n") })")
    }
}

@Suite struct JSONRepairTests {
    @Test(arguments: [
        (#""\ud800""#, #""\ufffd""#), (#""\udc00x""#, #""\ufffdx""#), (#""\ud83d\ude00""#, #""\ud83d\ude00""#),
        (#""\\ud800""#, #""\\ud800""#), (#""\ud800\u0041""#, #""\ufffd\u0041""#), (#""\ud8"#, #""\ud8"#), (#"\"#, #"\"#),
        (#""\u"#, #""\u"#), (#""\ud800\ud800\udc00""#, #""\ufffd\ud800\udc00""#), ("plain", "plain"),
    ])
    func repairs(_ input: String, _ expected: String) {
        #expect(String(decoding: JSONRepair.replacingLoneSurrogates(Array(input.utf8)), as: UTF8.self) == expected)
    }
}

@Suite struct JSONLogTests {
    @Test("--log-format json: one JSON object per line, a hostile value inside its string")
    func oneObjectPerLine() throws {
        let lines = Mutex<[Data]>([])
        var logger = Logger(label: "flowgate", factory: { JSONLogHandler(label: $0, write: { data in lines.withLock { $0.append(data) } }) })
        logger.logLevel = .debug
        logger.warning("unknown phone number", metadata: ["phone_number_id": "123\n{\"forged\": true}"])
        logger.trace("not at this level")
        let written = lines.withLock { $0 }
        #expect(written.count == 1)
        let text = String(decoding: try #require(written.first), as: UTF8.self)
        #expect(text.hasSuffix("\n") && text.dropLast().split(separator: "\n").count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["level"] as? String == "warning")
        #expect(object["message"] as? String == "unknown phone number")
        #expect(object["label"] as? String == "flowgate")
        #expect((object["metadata"] as? [String: String])?["phone_number_id"] == "123\n{\"forged\": true}")
        #expect((object["time"] as? String)?.hasSuffix("Z") == true)
    }
}

@Suite struct SignatureFormatTests {
    @Test("a signature header is Meta's: sha256= and the lowercase hex of HMAC-SHA256 (a published vector)")
    func knownVector() {
        let header = WebhookSignature(appSecret: "key").header(for: Array("The quick brown fox jumps over the lazy dog".utf8))
        #expect(header == "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8")
        #expect(ASCII.hex([0x00, 0x0F, 0xA0, 0xFF]) == "000fa0ff")
    }
}
