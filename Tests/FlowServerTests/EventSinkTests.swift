import Crypto
import FlowEngine
import FlowModel
import FlowServer
import FlowServerTesting
import Foundation
import HTTPTypes
import NIOHTTP1
import Testing

/// Events out to a CRM: signed, in order per contact, retried through the outbox.
@Suite("event sinks", .serialized)
struct EventSinkTests {
    static let secret = "sink-secret-0123456789"

    func withSink(events: Set<EventSink.Kind>, _ body: (TestServer, FakeGraph) async throws -> Void) async throws {
        try await FakeGraph.using { graph in
            let server = try await TestServer(
                flow: "order-support",
                database: temporaryDatabase(),
                graph: graph,
                clock: ManualClock(start: start),
                configure: { config in
                    config.eventSinks = [EventSink(url: graph.base + "/events/crm", secretVariable: "SINK", events: events)]
                    config.desk.alertBefore = .hours(1)
                },
                sinkSecrets: [Self.secret]
            )
            try await server.using { try await body($0, graph) }
        }
    }

    func verified(_ received: FakeGraph.Received) -> Bool {
        let mac = HMAC<SHA256>.authenticationCode(for: received.bytes, using: SymmetricKey(data: Data(Self.secret.utf8)))
        return received.signature == "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    func names(_ graph: FakeGraph) -> [String] { graph.events.compactMap { $0.body["event"] as? String } }

    @Test("a handoff, its release, messages and templates reach the sink signed, in order, with contact, flow, node and window")
    func conversationEvents() async throws {
        try await withSink(events: [.messageReceived, .handoffRequested, .handoffReleased, .templateSent, .flowFinished]) { server, graph in
            #expect(try await server.webhook(Payload.text("hi", id: "wamid.1")) == 200)
            #expect(try await server.webhook(Payload.text("agent", id: "wamid.2")) == 200)  // the flow's keyword for a person
            try await eventually("the handoff event") { names(graph).contains("handoff_requested") }
            #expect(try await server.admin(.POST, "31612345678/release").status == 200)
            try await eventually("the release event") { names(graph).contains("handoff_released") }
            #expect(Array(names(graph).prefix(4)) == ["message_received", "message_received", "handoff_requested", "handoff_released"])
            #expect(graph.events.allSatisfy(verified), "every delivery carries the HMAC of its body")
            let handoff = try #require(graph.events.first { $0.body["event"] as? String == "handoff_requested" }?.body)
            #expect((handoff["contact"] as? [String: Any])?["wa_id"] as? String == "31612345678")
            #expect(handoff["flow"] as? String == "order-support" && handoff["node"] as? String == "handoff")
            #expect((handoff["window"] as? [String: Any])?["open"] as? Bool == true)
            #expect(Set(graph.events.compactMap { $0.body["id"] as? String }).count == graph.events.count, "each event has its own id")
        }
    }

    @Test("window_closing fires alert_before the close and window_expired at it, once each, from the timers")
    func windowEvents() async throws {
        try await withSink(events: [.windowClosing, .windowExpired]) { server, graph in
            #expect(try await server.webhook(Payload.text("hi", id: "wamid.1")) == 200)
            // order-support closes the window 5 minutes early (session.margin).
            server.clock.advance(to: start + .hours(22) + .minutes(56))
            try await eventually("window_closing") { names(graph) == ["window_closing"] }
            server.clock.advance(to: start + .hours(24))
            try await eventually("window_expired") { names(graph) == ["window_closing", "window_expired"] }
            let expired = try #require(graph.events.last?.body)
            #expect((expired["window"] as? [String: Any])?["open"] as? Bool == false)
            #expect((expired["detail"] as? [String: Any])?["closed_at"] as? String == (start + .hours(24) - .minutes(5)).description)
        }
    }

    @Test("a sink that fails is tried again with backoff until it takes the event")
    func retried() async throws {
        try await withSink(events: [.messageReceived]) { server, graph in
            graph.scriptEvents([.init(status: .internalServerError, body: ""), .init(status: .tooManyRequests, body: "")])
            #expect(try await server.webhook(Payload.text("hi", id: "wamid.1")) == 200)
            try await eventually("the event after two refusals", within: 20) {
                server.clock.advance(to: server.clock.now() + .seconds(5))
                return names(graph) == ["message_received"]
            }
            #expect(server.metric("flowgate_sends_total{result=\"retry\"}") == 2)
        }
    }
}
