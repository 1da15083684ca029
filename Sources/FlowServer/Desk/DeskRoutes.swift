import FlowEngine
import FlowModel
import FlowStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Mustache
import NIOCore
import ServiceLifecycle

/// `/desk`: the page where people see every conversation's window, take conversations over from
/// the bot, and reply inside the rules. Every action is an engine event through the pipeline, so
/// the session guard decides what may go, exactly as for the flow's own steps.
struct DeskRoutes: Sendable {
    let pipeline: EventPipeline
    let store: any FlowStore
    let feed: DeskFeed
    let auth: DeskAuth
    let config: DeskConfig
    let clock: any ServerClock
    let logger: Logger
    let library: MustacheLibrary

    /// Conversations listed at most.
    static let listLimit = 500
    /// Log entries shown per conversation.
    static let transcriptLimit = 300
    static let formLimit = 64 * 1024

    init(pipeline: EventPipeline, store: any FlowStore, feed: DeskFeed, auth: DeskAuth, config: DeskConfig, clock: any ServerClock, logger: Logger) {
        self.pipeline = pipeline
        self.store = store
        self.feed = feed
        self.auth = auth
        self.config = config
        self.clock = clock
        self.logger = logger
        var library = MustacheLibrary()
        for (name, text) in DeskTemplates.all {
            do {
                try library.register(text, named: name)
            } catch {
                logger.error("a desk template does not parse", metadata: ["template": "\(name)", "error": "\(error)"])
            }
        }
        self.library = library
    }

    func add(to router: Router<BasicRequestContext>) {
        let desk = router.group("desk")
        desk.get("assets/desk.css") { _, _ in Self.asset(DeskAssets.css, type: "text/css; charset=utf-8") }
        desk.get("assets/desk.js") { _, _ in Self.asset(DeskAssets.js, type: "text/javascript; charset=utf-8") }
        desk.get("login") { request, _ in loginPage(request, error: nil) }
        desk.post("login") { request, _ in try await login(request) }
        desk.post("logout") { request, _ in
            _ = try await signedIn(request, form: try await form(request))
            var response = Self.redirect("/desk/login")
            response.setCookie(Self.cookie(DeskAuth.sessionCookie, "", maxAge: 0, request: request))
            return response
        }
        desk.get { request, _ in try await listPage(request) }
        desk.get("events") { request, _ in try await events(request) }
        let conversation = desk.group("c/:number/:contact")
        conversation.get { request, context in try await conversationPage(request, contactKey(context), error: nil) }
        conversation.post("take") { request, context in
            let agent = try await signedIn(request, form: try await form(request))
            return try await act(.takeOver(agent: agent), on: contactKey(context), request: request)
        }
        conversation.post("release") { request, context in
            _ = try await signedIn(request, form: try await form(request))
            return try await act(.release, on: contactKey(context), request: request)
        }
        conversation.post("reply") { request, context in
            let fields = try await form(request)
            let agent = try await signedIn(request, form: fields)
            let message = AgentMessage(agent: agent, content: .text(fields["text"] ?? ""))
            return try await act(.agentMessage(message), on: contactKey(context), request: request)
        }
        conversation.post("template") { request, context in
            let fields = try await form(request)
            let agent = try await signedIn(request, form: fields)
            let parameters = (1...64).lazy.map { fields["p\($0)"] }.prefix { $0 != nil }.compactMap { $0 }
            let message = AgentMessage(agent: agent, content: .template(key: fields["template"] ?? "", parameters: Array(parameters)))
            return try await act(.agentMessage(message), on: contactKey(context), request: request)
        }
    }

    // MARK: Signing in

    /// The page's own script and stylesheet only; no frames; nothing cached.
    static let securityHeaders: HTTPFields = {
        var fields: HTTPFields = [
            .contentSecurityPolicy:
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; form-action 'self'",
            .cacheControl: "no-store",
        ]
        for (name, value) in [("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin")] {
            if let name = HTTPField.Name(name) { fields[name] = value }
        }
        return fields
    }()

    func loginPage(_ request: Request, error: String?, status: HTTPResponse.Status = .ok) -> Response {
        let nonce = DeskAuth.nonce()
        let page = LoginPage(frame: frame("Sign in", page: "login", session: nil, csrf: auth.csrf(forLogin: nonce)), error: error)
        var response = html(page, template: "login", status: status)
        response.setCookie(Self.cookie(DeskAuth.loginCookie, nonce, maxAge: 3600, request: request))
        return response
    }

    func login(_ request: Request) async throws -> Response {
        let fields = try await form(request)
        guard let nonce = request.cookies[DeskAuth.loginCookie]?.value, let given = fields["csrf"], auth.equal(given, auth.csrf(forLogin: nonce))
        else {
            return loginPage(request, error: "The form expired or did not come from this page; sign in again.", status: .forbidden)
        }
        guard let agent = auth.agent(forToken: fields["token"] ?? "") else {
            logger.notice("desk sign-in refused: unknown token")
            return loginPage(request, error: "That token signs no one in.", status: .unauthorized)
        }
        let expires = clock.now() + DeskAuth.sessionLife
        guard let session = auth.session(for: agent, expires: expires) else {
            return loginPage(request, error: "Sign in again.", status: .unauthorized)
        }
        logger.info("desk sign-in", metadata: ["agent": .wire(agent)])
        var response = Self.redirect("/desk")
        response.setCookie(Self.cookie(DeskAuth.sessionCookie, session, maxAge: Int(DeskAuth.sessionLife.milliseconds / 1000), request: request))
        response.setCookie(Self.cookie(DeskAuth.loginCookie, "", maxAge: 0, request: request))
        return response
    }

    /// The session's cookie value and agent, or nil when not signed in.
    func session(_ request: Request) -> (value: String, agent: String)? {
        guard let value = request.cookies[DeskAuth.sessionCookie]?.value, let agent = auth.agent(forSession: value, now: clock.now()) else {
            return nil
        }
        return (value, agent)
    }

    /// The signed-in agent of a form post whose CSRF token matches its session; otherwise the
    /// request is refused (and nothing happens).
    func signedIn(_ request: Request, form fields: [String: String]) async throws -> String {
        guard let (value, agent) = session(request) else { throw HTTPError(.unauthorized, message: "sign in at /desk/login first") }
        guard let given = fields["csrf"], auth.equal(given, auth.csrf(forSession: value)) else {
            logger.notice("desk form refused: missing or wrong CSRF token", metadata: ["agent": .wire(agent)])
            throw HTTPError(.forbidden, message: "the form's CSRF token is missing or wrong; reload the page and try again")
        }
        return agent
    }

    func form(_ request: Request) async throws -> [String: String] {
        var request = request
        let body = try await request.collectBody(upTo: Self.formLimit)
        let text = String(decoding: body.readableBytesView, as: UTF8.self)
        guard let fields = try? URLEncodedFormDecoder().decode([String: String].self, from: text) else {
            throw HTTPError(.badRequest, message: "expected a form (application/x-www-form-urlencoded)")
        }
        return fields
    }

    // MARK: Pages

    func listPage(_ request: Request) async throws -> Response {
        guard let signedIn = session(request) else { return Self.redirect("/desk/login") }
        let now = clock.now()
        var rows: [DeskViews.Row] = []
        for summary in try await store.conversations(limit: Self.listLimit) {
            let window = await pipeline.engine(for: summary.contact.phoneNumberID)?.window ?? SessionWindow()
            rows.append(DeskViews.row(summary, window: window, now: now, alertBefore: config.alertBefore))
        }
        let filter = request.uri.queryParameters["filter"].map(String.init) ?? "all"
        let hour = TimeSpan.hours(1).milliseconds
        switch filter {
        case "needs": rows = rows.filter(\.owner.needsPerson)
        case "closing": rows = rows.filter { $0.window.isOpen && $0.window.closesAt - now.millisecondsSince1970 <= hour }
        case "closed": rows = rows.filter { !$0.window.isOpen }
        default: break
        }
        let page = ListPage(
            frame: frame("Conversations", page: "list", session: signedIn),
            rows: DeskViews.sorted(rows),
            all: !["needs", "closing", "closed"].contains(filter),
            needs: filter == "needs",
            closing: filter == "closing",
            closed: filter == "closed"
        )
        return html(page, template: "list")
    }

    func conversationPage(_ request: Request, _ key: ContactKey, error: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let signedIn = session(request) else { return Self.redirect("/desk/login") }
        guard let engine = await pipeline.engine(for: key.phoneNumberID), let state = try await pipeline.state(of: key) else {
            throw HTTPError(.notFound, message: "no conversation with \(key.contactID) on number \(key.phoneNumberID)")
        }
        let now = clock.now()
        let owner = DeskViews.Owner(state)
        let window = DeskViews.Window(state, window: engine.window, now: now, alertBefore: config.alertBefore)
        let mine = state.handoff?.agent == signedIn.agent
        let page = ConversationPage(
            frame: frame(state.contact.name ?? key.contactID, page: "conversation", session: signedIn),
            key: key.description,
            path: DeskViews.path(key),
            name: state.contact.name ?? key.contactID,
            number: key.contactID,
            owner: owner,
            window: window,
            canTake: !mine,
            canRelease: state.handoff != nil,
            mine: mine,
            error: error,
            messages: try await store.conversation(key, limit: Self.transcriptLimit).map(DeskViews.message),
            templates: DeskViews.templates(engine.flow),
            variables: state.variables.sorted { $0.key < $1.key }.map { DeskViews.Variable(name: $0.key, value: $0.value) }
        )
        return html(page, template: "conversation", status: status)
    }

    /// Runs a person's action through the engine; back to the conversation, or the conversation
    /// with the reason when the engine refused it (409).
    func act(_ event: Event, on key: ContactKey, request: Request) async throws -> Response {
        guard await pipeline.engine(for: key.phoneNumberID) != nil, try await pipeline.state(of: key) != nil else {
            throw HTTPError(.notFound, message: "no conversation with \(key.contactID) on number \(key.phoneNumberID)")
        }
        guard let transition = try await pipeline.perform(event, for: key) else {
            throw HTTPError(.internalServerError, message: "the action could not be applied; the server log says why")
        }
        for case .agentRefused(_, let why) in transition.trace {
            return try await conversationPage(request, key, error: "Not sent: \(why.reason).", status: .conflict)
        }
        for case .ignored(.notWithPerson) in transition.trace {
            return try await conversationPage(request, key, error: "The bot already has this conversation.", status: .conflict)
        }
        return Self.redirect(DeskViews.path(key))
    }

    /// Server-sent events: a `change` per commit, its data the keys of the contacts it changed,
    /// one per line.
    func events(_ request: Request) async throws -> Response {
        guard session(request) != nil else { throw HTTPError(.unauthorized, message: "sign in at /desk/login first") }
        let changes = await feed.changes()
        let feed = feed
        let body = ResponseBody { writer in
            try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
            // The server stops accepting, then waits for open requests: an open page must not hold
            // that up, so the stop ends every stream at once.
            try await withGracefulShutdownHandler {
                for await keys in changes {
                    // An empty notice is the feed's heartbeat: it finds pages that went away.
                    let data = keys.split(separator: "\n").map { "data: \($0)\n" }.joined()
                    try await writer.write(ByteBuffer(string: keys.isEmpty ? ": ping\n\n" : "event: change\n\(data)\n"))
                }
            } onGracefulShutdown: {
                Task { await feed.finish() }
            }
            try await writer.finish(nil)
        }
        var headers = Self.securityHeaders
        headers[.contentType] = "text/event-stream"
        return Response(status: .ok, headers: headers, body: body)
    }

    // MARK: Helpers

    func contactKey(_ context: BasicRequestContext) throws -> ContactKey {
        guard let number = context.parameters.get("number")?.removingPercentEncoding,
            let contact = context.parameters.get("contact")?.removingPercentEncoding
        else { throw HTTPError(.badRequest, message: "the path is /desk/c/{number}/{contact}") }
        return ContactKey(phoneNumberID: number, contactID: contact)
    }

    func html(_ page: Any, template: String, status: HTTPResponse.Status = .ok) -> Response {
        guard let text = library.render(page, withTemplate: template) else {
            return Response(
                status: .internalServerError,
                headers: [.contentType: "text/plain"],
                body: .init(byteBuffer: ByteBuffer(string: "the desk's page could not be drawn\n"))
            )
        }
        var headers = Self.securityHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func asset(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-cache"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    /// HttpOnly, SameSite=Strict, scoped to `/desk`; Secure behind an HTTPS proxy.
    static func cookie(_ name: String, _ value: String, maxAge: Int, request: Request) -> Cookie {
        let forwarded = HTTPField.Name("X-Forwarded-Proto").flatMap { request.headers[$0] }
        let secure = forwarded == "https" || request.uri.scheme == .https
        return Cookie(name: name, value: value, maxAge: maxAge, path: "/desk", secure: secure, httpOnly: true, sameSite: .strict)
    }

    // MARK: Page models

    /// What every page's head and forms need: the title, which page it is, who is signed in and
    /// their CSRF token, the alert lead and the server's time (the countdowns start from it).
    struct Frame {
        var title: String
        var page: String
        var agent: String?
        var csrf: String
        var alertBeforeMs: Int64
        var nowMs: Int64
    }

    func frame(_ title: String, page: String, session: (value: String, agent: String)?, csrf: String? = nil) -> Frame {
        Frame(
            title: title,
            page: page,
            agent: session?.agent,
            csrf: csrf ?? session.map { auth.csrf(forSession: $0.value) } ?? "",
            alertBeforeMs: config.alertBefore.milliseconds,
            nowMs: clock.now().millisecondsSince1970
        )
    }

    struct LoginPage {
        var frame: Frame
        var error: String?
    }

    struct ListPage {
        var frame: Frame
        var rows: [DeskViews.Row]
        var all: Bool
        var needs: Bool
        var closing: Bool
        var closed: Bool
    }

    struct ConversationPage {
        var frame: Frame
        var key: String
        var path: String
        var name: String
        var number: String
        var owner: DeskViews.Owner
        var window: DeskViews.Window
        var canTake: Bool
        var canRelease: Bool
        var mine: Bool
        var error: String?
        var messages: [DeskViews.Message]
        var templates: [DeskViews.Template]
        var variables: [DeskViews.Variable]
    }
}
