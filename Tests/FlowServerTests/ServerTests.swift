import FlowEngine
import FlowModel
import FlowServer
import FlowServerTesting
import FlowStore
import FlowStoreSQLite
import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import Testing
import WhatsAppCloud

/// The webhook server over real HTTP on 127.0.0.1, with a fake Graph API the tests start themselves.
@Suite(.serialized)
struct ServerTests {
    @Test("the verification handshake echoes the challenge for the right token, 403 otherwise")
    func handshake() async throws {
        let graph = try await FakeGraph()
        let server = try await TestServer(flow: "auto-ack", database: temporaryDatabase(), graph: graph, clock: ManualClock(start: start))
        let good = try await server.request(.GET, "/webhook?hub.mode=subscribe&hub.verify_token=\(verifyToken)&hub.challenge=1158201444")
        #expect(good.status == 200 && good.body == "1158201444")
        #expect(try await server.request(.GET, "/webhook?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1").status == 403)
        #expect(try await server.request(.GET, "/webhook?hub.mode=unsubscribe&hub.verify_token=\(verifyToken)&hub.challenge=1").status == 403)
        #expect(try await server.request(.GET, "/healthz").body == "ok\n")
        try await server.stop()
        try await graph.stop()
    }

    @Test("a text gets its acknowledgement at the Graph API, exactly once even when delivered twice")
    func acknowledgeAndDeduplicate() async throws {
        let graph = try await FakeGraph()
        let server = try await TestServer(flow: "auto-ack", database: temporaryDatabase(), graph: graph, clock: ManualClock(start: start))
        let body = Payload.text("Where is my order?", id: "wamid.in.1")
        #expect(try await server.webhook(body) == 200)
        try await eventually("the acknowledgement reaches the Graph API") { graph.received.count == 1 }
        let sent = graph.received[0]
        #expect(sent.path == "/v23.0/\(phoneNumberID)/messages")
        #expect(sent.authorization == "Bearer \(accessToken)")
        #expect(sent.body["to"] as? String == "31612345678")
        #expect(sent.text?.contains("Hi Ana, welcome to Acme!") == true)
        #expect(try await server.webhook(body) == 200, "a redelivery is acknowledged")
        try await eventually("the duplicate is counted") { server.metric("flowgate_duplicates_total") == 1 }
        #expect(graph.received.count == 1, "and not answered twice")
        try await server.stop()
        try await graph.stop()
    }

    @Test("a bad or missing signature is refused before parsing, and nothing is sent")
    func badSignature() async throws {
        let graph = try await FakeGraph()
        let server = try await TestServer(flow: "auto-ack", database: temporaryDatabase(), graph: graph, clock: ManualClock(start: start))
        let body = Payload.text("hi", id: "wamid.bad.1")
        #expect(try await server.webhook(body, signature: "sha256=" + String(repeating: "0", count: 64)) == 401)
        #expect(try await server.webhook(body, signature: "") == 401)
        let forged = WebhookSignature(appSecret: "not-the-secret").header(for: body)
        #expect(try await server.webhook(body, signature: forged) == 401)
        #expect(server.metric("flowgate_signature_failures_total") == 3)
        // The same body, correctly signed, is still new: the refused ones were not stored.
        #expect(try await server.webhook(body) == 200)
        try await eventually("the real one is answered") { graph.received.count == 1 }
        try await server.stop()
        try await graph.stop()
    }

    @Test("malformed, truncated and oversized bodies get 400 or 413, and the server keeps serving")
    func badBodies() async throws {
        let graph = try await FakeGraph()
        let server = try await TestServer(flow: "auto-ack", database: temporaryDatabase(), graph: graph, clock: ManualClock(start: start))
        let full = Payload.text("hi", id: "wamid.trunc.1")
        #expect(try await server.webhook(Array(full.prefix(full.count / 2))) == 400)
        #expect(try await server.webhook(Array("not json at all".utf8)) == 400)
        #expect(try await server.webhook(Array(repeating: UInt8(ascii: "a"), count: (1 << 20) + 1)) == 413)
        // Signed JSON of an unexpected shape is kept as a dead letter, not lost, and answered 200.
        #expect(try await server.webhook(Array(#"{"object":"whatsapp_business_account","entry":"surprise"}"#.utf8)) == 200)
        #expect(server.metric("flowgate_malformed_webhooks_total") == 3)
        #expect(try await server.webhook(full) == 200)
        try await eventually("a good webhook still works") { graph.received.count == 1 }
        try await server.stop()
        try await graph.stop()
    }

    @Test("every message type is parsed and reaches the engine; unknown types are counted, not dropped")
    func everyMessageType() async throws {
        let graph = try await FakeGraph()
        let server = try await TestServer(flow: "auto-ack", database: temporaryDatabase(), graph: graph, clock: ManualClock(start: start))
        let messages = [
            Payload.message(id: "m1", type: "text", #""text":{"body":"hello"}"#),
            Payload.message(id: "m2", type: "interactive", #""interactive":{"type":"button_reply","button_reply":{"id":"b1","title":"Yes"}}"#),
            Payload.message(
                id: "m3",
                type: "interactive",
                #""interactive":{"type":"list_reply","list_reply":{"id":"r1","title":"Morning","description":"8-12"}}"#
            ),
            Payload.message(
                id: "m4",
                type: "button",
                #""button":{"payload":"Continue","text":"Continue"},"context":{"from":"15550783881","id":"wamid.t1"}"#
            ),
            Payload.message(id: "m5", type: "image", #""image":{"id":"img1","mime_type":"image/jpeg","sha256":"x","caption":"lamp"}"#),
            Payload.message(id: "m6", type: "video", #""video":{"id":"vid1","mime_type":"video/mp4"}"#),
            Payload.message(id: "m7", type: "audio", #""audio":{"id":"aud1","mime_type":"audio/ogg; codecs=opus","voice":true}"#),
            Payload.message(id: "m8", type: "document", #""document":{"id":"doc1","filename":"invoice.pdf","mime_type":"application/pdf"}"#),
            Payload.message(id: "m9", type: "sticker", #""sticker":{"id":"st1","mime_type":"image/webp","animated":false}"#),
            Payload.message(id: "m10", type: "location", #""location":{"latitude":52.37,"longitude":4.89,"name":"Dam","address":"Dam 1"}"#),
            Payload.message(
                id: "m11",
                type: "contacts",
                #""contacts":[{"name":{"formatted_name":"Bo"},"phones":[{"phone":"+31612345678","type":"CELL"}]}]"#
            ),
            Payload.message(id: "m12", type: "reaction", #""reaction":{"message_id":"wamid.out.1","emoji":"👍"}"#),
            Payload.message(id: "m13", type: "reaction", #""reaction":{"message_id":"wamid.out.1"}"#),
            Payload.message(id: "m14", type: "order", #""order":{"catalog_id":"c1","product_items":[]}"#),
            Payload.message(id: "m15", type: "system", #""system":{"body":"changed number","type":"user_changed_number"}"#),
            Payload.message(id: "m16", type: "unsupported", #""errors":[{"code":131051,"title":"Message type unknown"}]"#),
            Payload.message(id: "m17", type: "hologram", #""hologram":{"frames":3}"#),
        ]
        let body = Payload.envelope(messages: "[" + messages.joined(separator: ",") + "]")
        #expect(try await server.webhook(body) == 200)
        #expect(server.metric("flowgate_events_received_total") >= 17)
        #expect(server.metric("flowgate_unknown_message_types_total") == 4, "order, system, unsupported, hologram")
        let state = try #require(try await server.server.pipeline.state(of: .init(phoneNumberID: phoneNumberID, contactID: "31612345678")))
        #expect(state.lastInboundAt == start)
        #expect(state.reply?.type == "hologram", "the last message reached the engine")
        try await server.stop()
        try await graph.stop()
    }

    @Test("statuses are matched to sent messages; pricing marks billable ones; statuses never open the window")
    func statuses() async throws {
        let graph = try await FakeGraph()
        let server = try await TestServer(flow: "auto-ack", database: temporaryDatabase(), graph: graph, clock: ManualClock(start: start))
        #expect(try await server.webhook(Payload.text("hi", id: "wamid.s1", at: start - .hours(30))) == 200)
        let statuses =
            #"[{"id":"wamid.out.1","status":"delivered","timestamp":"1","recipient_id":"31612345678","pricing":{"billable":true,"pricing_model":"PMP","category":"utility","type":"regular"}},{"id":"wamid.unknown","status":"read","timestamp":"1","recipient_id":"31612345678"}]"#
        #expect(try await server.webhook(Payload.envelope(statuses: statuses)) == 200)
        #expect(server.metric("flowgate_billable_messages_total") == 1)
        #expect(server.metric("flowgate_events_received_total{kind=\"status\"}") == 2)
        let state = try #require(try await server.server.pipeline.state(of: .init(phoneNumberID: phoneNumberID, contactID: "31612345678")))
        #expect(state.lastInboundAt == start - .hours(30), "a status does not move the window")
        #expect(graph.received.isEmpty, "a message sent 30 hours ago gets no free-form answer")
        try await server.stop()
        try await graph.stop()
    }

    @Test(
        "timestamps past 64 bits, negative or not numbers are read as missing; the server keeps answering",
        arguments: ["9223372036854775807", "-9223372036854775808", "99999999999999999999", "soon"]
    )
    func hostileTimestamp(_ timestamp: String) async throws {
        let graph = try await FakeGraph()
        let server = try await TestServer(flow: "auto-ack", database: temporaryDatabase(), graph: graph, clock: ManualClock(start: start))
        let message = #"{"from":"31612345678","id":"wamid.t1","timestamp":"\#(timestamp)","type":"text","text":{"body":"hi"}}"#
        #expect(try await server.webhook(Payload.envelope(messages: "[\(message)]")) == 200)
        try await eventually("the ack goes out") { graph.received.count == 1 }
        #expect(try await server.webhook(Payload.text("again", id: "wamid.t2")) == 200)
        try await server.stop()
        try await graph.stop()
    }

    @Test("a username contact with an empty wa_id is keyed by its user_id")
    func usernameContact() async throws {
        let graph = try await FakeGraph()
        let server = try await TestServer(flow: "auto-ack", database: temporaryDatabase(), graph: graph, clock: ManualClock(start: start))
        let message =
            #"{"from":"","from_user_id":"US.1349120865530274","id":"wamid.u1","timestamp":"\#(start.millisecondsSince1970 / 1000)","type":"text","text":{"body":"hi"}}"#
        let body = Payload.envelope(messages: "[\(message)]", contacts: #"[{"profile":{"name":"Bo"},"wa_id":"","user_id":"US.1349120865530274"}]"#)
        #expect(try await server.webhook(body) == 200)
        try await eventually("the ack goes out") { graph.received.count == 1 }
        #expect(graph.received[0].body["to"] as? String == "US.1349120865530274")
        try await server.stop()
        try await graph.stop()
    }

    @Test("a 131047 failed status sends the flow to its re-entry template")
    func reEngagementFailure() async throws {
        let graph = try await FakeGraph()
        let server = try await TestServer(flow: "order-support", database: temporaryDatabase(), graph: graph, clock: ManualClock(start: start))
        #expect(try await server.webhook(Payload.text("hi", id: "wamid.r1")) == 200)
        try await eventually("the menu goes out") { graph.received.count == 1 }
        let started = try await server.admin(.POST, "31612345678/start", json: #"{"node":"delivery_today","params":{"order_id":"ORD-12345"}}"#)
        #expect(started.status == 200)
        try await eventually("the free-form notice goes out") { graph.received.count == 2 }
        #expect(graph.received[1].text?.contains("ORD-12345 arrives today") == true)
        // WhatsApp accepted it as wamid.out.2, then reports it failed: outside the window.
        try await server.sendRecorded("wamid.out.2")
        #expect(try await server.webhook(Payload.status(wamid: "wamid.out.2", "failed", code: 131047)) == 200)
        try await eventually("the re-entry template goes out") { graph.received.count == 3 }
        #expect(graph.received[2].type == "template")
        #expect(graph.received[2].templateName == "follow_up")
        #expect(server.metric("flowgate_guard_blocks_total") == 1)
        try await server.stop()
        try await graph.stop()
    }

    @Test("a 429 is retried after a backoff, then succeeds; a permanent error is not retried")
    func retries() async throws {
        let graph = try await FakeGraph()
        graph.script([.error(.tooManyRequests, code: 130429), .error(.internalServerError, code: 1)])
        let clock = ManualClock(start: start)
        let server = try await TestServer(flow: "auto-ack", database: temporaryDatabase(), graph: graph, clock: clock)
        #expect(try await server.webhook(Payload.text("hi", id: "wamid.429")) == 200)
        try await eventually("the first try is refused") { graph.received.count == 1 }
        // The virtual clock moves in small steps until the retry comes: several loops sleep on this
        // clock, so waiting for "a sleeper" and moving once could move it before the dispatcher's
        // backoff began. Steps of 100 ms keep the backoffs' order (1s then 2s, ± 50%) visible.
        let first = clock.now()
        try await eventually("the second try gets a 500") {
            if graph.received.count < 2 { clock.advance(by: TimeSpan(milliseconds: 100)) }
            return graph.received.count == 2
        }
        #expect(clock.now() - first >= TimeSpan(milliseconds: 500), "not before the first backoff (1s ± 50%)")
        let second = clock.now()
        try await eventually("the third try succeeds") {
            if graph.received.count < 3 { clock.advance(by: TimeSpan(milliseconds: 100)) }
            return graph.received.count == 3
        }
        #expect(clock.now() - second >= .seconds(1), "not before the second backoff (2s ± 50%)")
        #expect(graph.received.map(\.bytes).allSatisfy { $0 == graph.received[0].bytes }, "the same message each time")
        // A permanent error (131026, undeliverable) is recorded once.
        graph.script([.error(.badRequest, code: 131026)])
        clock.advance(by: .minutes(20))
        #expect(try await server.webhook(Payload.text("again", id: "wamid.perm", at: start + .minutes(20))) == 200)
        try await eventually("the refused send is counted") { server.metric("flowgate_sends_total{result=\"failed\"}") == 1 }
        #expect(graph.received.count == 4)
        #expect(server.metric("flowgate_sends_total{result=\"retry\"}") == 2, "only the two transient errors were retried")
        #expect(await server.server.dispatcher.depth == 0, "the refused message is not queued again")
        try await server.stop()
        try await graph.stop()
    }

    @Test("a contact in backoff does not hold up other contacts, even with a single sender")
    func backoffDoesNotBlock() async throws {
        let graph = try await FakeGraph()
        graph.script([.error(.tooManyRequests, code: 131056)])
        let clock = ManualClock(start: start)
        let server = try await TestServer(flow: "auto-ack", database: temporaryDatabase(), graph: graph, clock: clock, concurrency: 1)
        #expect(try await server.webhook(Payload.text("hi", id: "wamid.a", from: "31600000001")) == 200)
        try await eventually("the first contact's send is refused") { graph.received.count == 1 }
        #expect(try await server.webhook(Payload.text("hi", id: "wamid.b", from: "31600000002")) == 200)
        try await eventually("the second contact is answered while the first waits") { graph.received.count == 2 }
        #expect(graph.received[1].body["to"] as? String == "31600000002")
        clock.advance(by: .seconds(2))
        try await eventually("the first contact's retry goes") { graph.received.count == 3 }
        #expect(graph.received[2].body["to"] as? String == "31600000001")
        try await server.stop()
        try await graph.stop()
    }

    @Test("a restart midway loses nothing: the unsent acknowledgement goes out from the new process")
    func restartKeepsOutbox() async throws {
        let database = temporaryDatabase()
        let down = try await FakeGraph()
        try await down.stop()  // the Graph API is unreachable for the first server
        let clock = ManualClock(start: start)
        let first = try await TestServer(flow: "auto-ack", database: database, graph: down, clock: clock, graphTimeout: .seconds(1))
        #expect(try await first.webhook(Payload.text("hi", id: "wamid.restart")) == 200)
        try await eventually("the first send fails") { first.metric("flowgate_sends_total") >= 1 }
        try await first.stop()
        let graph = try await FakeGraph()
        let second = try await TestServer(flow: "auto-ack", database: database, graph: graph, clock: ManualClock(start: start + .minutes(30)))
        try await eventually("the second process sends what the first could not") { graph.received.count == 1 }
        #expect(graph.received[0].text?.contains("welcome to Acme") == true)
        #expect(try await second.webhook(Payload.text("hi", id: "wamid.restart")) == 200)
        try await eventually("a redelivery after the restart is still a duplicate") { second.metric("flowgate_duplicates_total") == 1 }
        // Once the contact's state is in memory no id is read before the commit: the commit
        // itself refuses the id, and the batch runs again and drops it.
        #expect(try await second.webhook(Payload.text("hello again", id: "wamid.after")) == 200)
        try await eventually("the new message is answered") { graph.received.count == 2 }
        #expect(try await second.webhook(Payload.text("hi", id: "wamid.restart")) == 200)
        try await eventually("so is one after the contact is cached") { second.metric("flowgate_duplicates_total") == 2 }
        #expect(second.metric("flowgate_stale_runs_total") >= 1, "caught by the commit")
        #expect(graph.received.count == 2)
        try await second.stop()
        try await graph.stop()
    }

    @Test("a timer set before a restart fires after it, with no new message")
    func timerAfterRestart() async throws {
        let database = temporaryDatabase()
        let graph = try await FakeGraph()
        let first = try await TestServer(flow: "order-support", database: database, graph: graph, clock: ManualClock(start: start))
        #expect(try await first.webhook(Payload.text("hi", id: "wamid.t1")) == 200)
        #expect(try await first.webhook(Payload.tap("track", "Track my order", id: "wamid.t2")) == 200)
        try await eventually("the question goes out") { graph.received.count == 2 }
        #expect(graph.received[1].text?.contains("order number") == true)
        try await first.stop()
        let clock = ManualClock(start: start + .minutes(5))
        let second = try await TestServer(flow: "order-support", database: database, graph: graph, clock: clock)
        try await eventually("the scheduler waits for the 2h timeout") { clock.sleepers >= 1 }
        #expect(graph.received.count == 2)
        clock.advance(to: start + .hours(2))
        try await eventually("the timeout fires and the nudge goes out") { graph.received.count == 3 }
        #expect(graph.received[2].text?.contains("Still there?") == true)
        #expect(second.metric("flowgate_timers_fired_total") == 1)
        try await second.stop()
        try await graph.stop()
    }

    @Test("a reply between two refusals of one burst: one template, and the later refusal is simply sent again")
    func replyBetweenRefusals() async throws {
        let graph = try await FakeGraph()
        let clock = ManualClock(start: start)
        let server = try await TestServer(flow: "order-support", database: temporaryDatabase(), graph: graph, clock: clock)
        #expect(try await server.webhook(Payload.text("hi", id: "wamid.b1")) == 200)
        try await eventually("the menu goes out") { graph.received.count == 1 }
        #expect(
            try await server.admin(.POST, "31612345678/start", json: #"{"node":"delivery_today","params":{"order_id":"ORD-12345"}}"#).status == 200
        )
        try await eventually("the notice goes out") { graph.received.count == 2 }
        // WhatsApp refuses the menu: its window had closed. One template goes.
        try await server.sendRecorded("wamid.out.1")
        #expect(try await server.webhook(Payload.status(wamid: "wamid.out.1", "failed", code: 131047)) == 200)
        try await eventually("the re-entry template goes out") { graph.received.count == 3 }
        #expect(graph.received[2].templateName == "follow_up")
        // The customer writes a minute later: the window reopens and the menu goes again.
        clock.advance(to: start + .minutes(1))
        #expect(try await server.webhook(Payload.text("ok", id: "wamid.b2", at: start + .minutes(1))) == 200)
        try await eventually("the held menu goes again") { graph.received.count == 4 }
        #expect(graph.received[3].type == "interactive")
        // The refusal of the notice, sent before that reply, arrives now: sent again, no template.
        try await server.sendRecorded("wamid.out.2")
        #expect(try await server.webhook(Payload.status(wamid: "wamid.out.2", "failed", code: 131047)) == 200)
        try await eventually("the notice goes again") { graph.received.count == 5 }
        #expect(graph.received[4].text?.contains("ORD-12345 arrives today") == true)
        #expect(graph.received.filter { $0.type == "template" }.count == 1)
        try await server.stop()
        try await graph.stop()
    }

    @Test("a date answered in Arabic-Indic digits is read, and the server keeps answering")
    func nonASCIIDigits() async throws {
        let flowFile = FileManager.default.temporaryDirectory.appendingPathComponent("date-\(UUID().uuidString).yaml").path
        try """
        flow: dates
        start: when
        nodes:
          when: { ask: "Which day?", expect: date, save_as: day, goto: thanks }
          thanks: { text: "Booked for {{day}}", goto: end }
        """.write(toFile: flowFile, atomically: true, encoding: .utf8)
        let graph = try await FakeGraph()
        let server = try await TestServer(
            flow: "dates",
            flowFile: flowFile,
            database: temporaryDatabase(),
            graph: graph,
            clock: ManualClock(start: start)
        )
        #expect(try await server.webhook(Payload.text("hi", id: "wamid.d1")) == 200)
        try await eventually("the question goes out") { graph.received.count == 1 }
        #expect(try await server.webhook(Payload.text("٢٠٢٦-١١-٢١", id: "wamid.d2")) == 200)
        try await eventually("the answer is read") { graph.received.count == 2 }
        #expect(graph.received[1].text == "Booked for 2026-11-21")
        #expect(try await server.webhook(Payload.text("hi again", id: "wamid.d3")) == 200)
        try await eventually("the server still answers") { graph.received.count == 3 }
        try await server.stop()
        try await graph.stop()
    }

    @Test("the admin API needs the token, starts flows, reads state and releases handoffs")
    func admin() async throws {
        let graph = try await FakeGraph()
        let server = try await TestServer(flow: "order-support", database: temporaryDatabase(), graph: graph, clock: ManualClock(start: start))
        #expect(try await server.request(.GET, "/admin/contacts/\(phoneNumberID)/31612345678").status == 401)
        let notice = try await server.admin(
            .POST,
            "31612345678/start",
            json: #"{"node":"shipped_notice","params":{"order_id":"ORD-9","carrier":"DHL","contact.name":"Ana"}}"#
        )
        #expect(notice.status == 200)
        #expect(notice.body.contains("\"window_open\" : false"))
        try await eventually("the template goes out") { graph.received.count == 1 }
        #expect(graph.received[0].templateName == "order_shipped")
        #expect(try await server.webhook(Payload.text("agent", id: "wamid.a1")) == 200)
        let state = try await server.admin(.GET, "31612345678")
        #expect(state.body.contains("\"handoff\" : true"))
        let refused = try await server.admin(.POST, "31612345678/start", json: #"{"node":"delivery_today","params":{"order_id":"ORD-9"}}"#)
        #expect(refused.status == 409, "a trigger during a handoff is refused with a reason, never dropped silently")
        #expect(refused.body.contains("a person has the conversation"))
        let released = try await server.admin(.POST, "31612345678/release")
        #expect(released.status == 200 && released.body.contains("\"handoff\" : false"), "\(released.body)")
        try await eventually("the menu goes out after the release") { graph.received.count == 2 }
        #expect(try await server.admin(.POST, "31612345678/start", json: #"{"node":"nowhere"}"#).status == 400)
        let metrics = try await server.request(.GET, "/metrics")
        #expect(metrics.body.contains("flowgate_events_received_total"))
        #expect(metrics.body.contains("flowgate_outbox_depth"))
        #expect(metrics.body.contains("flowgate_send_latency_seconds"))
        try await server.stop()
        try await graph.stop()
    }
}
