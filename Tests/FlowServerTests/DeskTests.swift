import AsyncHTTPClient
import FlowEngine
import FlowModel
import FlowServerTesting
import FlowStore
import Foundation
import NIOCore
import NIOHTTP1
import Testing

@testable import FlowServer

/// The desk over HTTP, as a browser would use it: signing in, the list and the conversation, taking
/// over, replying inside the window and not outside it, templates, CSRF and escaping. (The browser
/// tests under `Tests/browser` drive the same pages in Chromium.)
@Suite("the desk", .serialized)
struct DeskTests {
    static let token = "ana-desk-token-0123456789"

    /// A browser without JavaScript: keeps the session cookie, reads the CSRF token off each page.
    final class Browser: @unchecked Sendable {
        let base: String
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        var cookies: [String: String] = [:]
        var csrf = ""

        init(base: String) { self.base = base }

        struct Page {
            var status: Int
            var body: String
            var location: String?
        }

        @discardableResult
        func get(_ path: String) async throws -> Page { try await send(.GET, path, form: nil) }

        @discardableResult
        func post(_ path: String, _ form: [String: String], csrf withToken: Bool = true) async throws -> Page {
            var fields = form
            if withToken { fields["csrf"] = csrf }
            return try await send(.POST, path, form: fields)
        }

        func send(_ method: HTTPMethod, _ path: String, form: [String: String]?) async throws -> Page {
            var request = HTTPClientRequest(url: base + path)
            request.method = method
            if !cookies.isEmpty { request.headers.add(name: "Cookie", value: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")) }
            if let form {
                var allowed = CharacterSet.alphanumerics
                allowed.insert(charactersIn: "-._~")
                let body = form.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
                request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
                request.body = .bytes(ByteBuffer(string: body))
            }
            let response = try await client.execute(request, timeout: .seconds(10))
            for header in response.headers["Set-Cookie"] {
                let pair = header.split(separator: ";").first.map(String.init) ?? ""
                guard let equals = pair.firstIndex(of: "=") else { continue }
                let (name, value) = (String(pair[..<equals]), String(pair[pair.index(after: equals)...]))
                if value.isEmpty || header.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
            }
            let body = String(buffer: try await response.body.collect(upTo: 1 << 22))
            if let match = body.firstMatch(of: /name="csrf" value="([0-9a-f]+)"/) { csrf = String(match.1) }
            return Page(status: Int(response.status.code), body: body, location: response.headers.first(name: "Location"))
        }

        func signIn(token: String = DeskTests.token) async throws {
            try await get("/desk/login")
            let page = try await post("/desk/login", ["token": token])
            #expect(page.status == 303 && page.location == "/desk", "signed in")
            try await get("/desk")  // the session's CSRF token
        }

        func shutdown() async throws { try await client.shutdown() }
    }

    func withDesk(_ body: (TestServer, FakeGraph, Browser) async throws -> Void) async throws {
        try await FakeGraph.using { graph in
            let server = try await TestServer(
                flow: "order-support",
                database: temporaryDatabase(),
                graph: graph,
                clock: ManualClock(start: start),
                agentTokens: ["Ana": Self.token]
            )
            let browser = Browser(base: server.base)
            do {
                try await server.using { try await body($0, graph, browser) }
            } catch {
                try? await browser.shutdown()
                throw error
            }
            try await browser.shutdown()
        }
    }

    static let path = "/desk/c/\(phoneNumberID)/31612345678"

    @Test("every message in and out is logged with its delivery status, which only moves forward")
    func conversationLog() async throws {
        try await withDesk { server, graph, _ in
            #expect(try await server.webhook(Payload.text("hello", id: "wamid.in1")) == 200)
            try await eventually("the menu is sent") { graph.received.count == 1 }
            let wamid = "wamid.out.1"
            try await server.sendRecorded(wamid)
            #expect(try await server.webhook(Payload.status(wamid: wamid, "read")) == 200)
            #expect(try await server.webhook(Payload.status(wamid: wamid, "delivered")) == 200)
            let key = ContactKey(phoneNumberID: phoneNumberID, contactID: "31612345678")
            try await eventually("the read status is logged") {
                (try? await server.server.pipeline.store.conversation(key, limit: 10).last?.status) == .read
            }
            let log = try await server.server.pipeline.store.conversation(key, limit: 10)
            #expect(log.map(\.entry.direction) == [.inbound, .outbound])
            #expect(log.first?.entry.text == "hello")
            #expect(log.last?.entry.text.contains("What can we help you with?") == true, "the menu as the customer reads it")
            #expect(log.last?.status == .read, "a late 'delivered' does not move 'read' back")
        }
    }

    @Test("signing in needs the form's CSRF token and a known token; signing out ends the session")
    func signingIn() async throws {
        try await withDesk { server, _, browser in
            #expect(try await browser.get("/desk").location == "/desk/login", "not signed in: to the sign-in page")
            try await browser.get("/desk/login")
            browser.csrf = "0000"
            #expect(try await browser.post("/desk/login", ["token": Self.token]).status == 403, "a forged sign-in form")
            try await browser.get("/desk/login")
            #expect(try await browser.post("/desk/login", ["token": "wrong"]).status == 401)
            try await browser.signIn()
            #expect(try await browser.get("/desk").status == 200)
            #expect(try await browser.post("/desk/logout", [:]).location == "/desk/login")
            #expect(try await browser.get("/desk").location == "/desk/login", "signed out")
        }
    }

    @Test("customer text is escaped everywhere: a script shows as text")
    func escaping() async throws {
        try await withDesk { server, graph, browser in
            let contacts = #"[{"profile":{"name":"<img src=x onerror=alert(2)>"},"wa_id":"31612345678"}]"#
            let message = Payload.message(id: "wamid.x", type: "text", #""text":{"body":"<script>alert(1)</script>"}"#)
            #expect(try await server.webhook(Payload.envelope(messages: "[\(message)]", contacts: contacts)) == 200)
            try await eventually("answered") { graph.received.count == 1 }
            try await browser.signIn()
            for page in [try await browser.get("/desk"), try await browser.get(Self.path)] {
                #expect(page.status == 200)
                #expect(!page.body.contains("<script>alert"), "no script element from the customer")
                #expect(!page.body.contains("<img src=x"))
            }
            #expect(try await browser.get(Self.path).body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        }
    }

    @Test("take over, reply inside the window, hand back: the bot answers again")
    func takeOverAndReply() async throws {
        try await withDesk { server, graph, browser in
            #expect(try await server.webhook(Payload.text("hello", id: "wamid.1")) == 200)
            try await eventually("the menu") { graph.received.count == 1 }
            try await browser.signIn()
            #expect(try await browser.post(Self.path + "/take", [:]).status == 303)
            #expect(try await browser.get(Self.path).body.contains("with Ana"))
            #expect(try await server.webhook(Payload.text("are you there?", id: "wamid.2")) == 200)
            let reply = try await browser.post(Self.path + "/reply", ["text": "Hi, this is Ana"])
            #expect(reply.status == 303)
            try await eventually("Ana's reply at the Graph API") { graph.received.count == 2 }
            #expect(graph.received.last?.text == "Hi, this is Ana", "the bot stayed silent; only Ana's reply went")
            #expect(try await browser.post(Self.path + "/release", [:]).status == 303)
            #expect(try await server.webhook(Payload.text("menu", id: "wamid.3")) == 200)
            try await eventually("the bot answers again") { graph.received.count == 3 }
        }
    }

    @Test("outside the window the server refuses a free-form reply, even without the page; a template goes")
    func closedWindow() async throws {
        try await withDesk { server, graph, browser in
            #expect(try await server.webhook(Payload.text("hello", id: "wamid.1")) == 200)
            try await eventually("the menu") { graph.received.count == 1 }
            try await browser.signIn()
            #expect(try await browser.post(Self.path + "/take", [:]).status == 303)
            server.clock.advance(to: start + .hours(24) + .minutes(1))
            try await browser.signIn()  // a session lasts 12 hours
            let page = try await browser.get(Self.path)
            #expect(page.body.contains("id=\"template-picker\""), "the reply box became the template picker")
            #expect(!page.body.contains("id=\"reply-form\""))
            let refused = try await browser.post(Self.path + "/reply", ["text": "too late"])
            #expect(refused.status == 409)
            #expect(refused.body.contains("window is closed"))
            #expect(graph.received.count == 1, "nothing left the desk")
            let wrongCount = try await browser.post(Self.path + "/template", ["template": "order_update", "p1": "Ana"])
            #expect(wrongCount.status == 409, "order_update needs two parameters")
            let sent = try await browser.post(Self.path + "/template", ["template": "order_update", "p1": "Ana", "p2": "A-1"])
            #expect(sent.status == 303)
            try await eventually("the template at the Graph API") { graph.received.count == 2 }
            #expect(graph.received.last?.templateName == "order_update")
        }
    }

    @Test("a form without the session's CSRF token is refused and changes nothing")
    func csrf() async throws {
        try await withDesk { server, graph, browser in
            #expect(try await server.webhook(Payload.text("hello", id: "wamid.1")) == 200)
            try await eventually("the menu") { graph.received.count == 1 }
            try await browser.signIn()
            #expect(try await browser.post(Self.path + "/take", [:], csrf: false).status == 403)
            #expect(try await browser.post(Self.path + "/reply", ["text": "x", "csrf": "forged"], csrf: false).status == 403)
            #expect(try await browser.get(Self.path).body.contains("bot at"), "still with the bot")
            #expect(graph.received.count == 1)
        }
    }

    @Test("open pages hear of each commit once, with every contact it changed; a key with a line break is left out")
    func feed() async throws {
        let feed = DeskFeed()
        var changes = await feed.changes().makeAsyncIterator()
        let hostile = ContactKey(phoneNumberID: phoneNumberID, contactID: "316\nevent: change")
        await feed.changed([
            ContactKey(phoneNumberID: phoneNumberID, contactID: "31611"), hostile, ContactKey(phoneNumberID: phoneNumberID, contactID: "31622"),
        ])
        await feed.changed([hostile])
        await feed.finish()
        #expect(await changes.next() == "\(phoneNumberID):31611\n\(phoneNumberID):31622")
        #expect(await changes.next() == nil, "nothing for a commit whose only key was hostile; finished")
    }
}
