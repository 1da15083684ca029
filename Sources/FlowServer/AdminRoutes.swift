import FlowEngine
import FlowModel
import FlowStore
import Foundation
import Hummingbird
import NIOCore
import WhatsAppCloud

/// The admin API, behind `Authorization: Bearer <FLOWGATE_ADMIN_TOKEN>` (``AdminAuthorization``):
/// - `GET  /admin/contacts/{number}/{contact}`: state and window;
/// - `POST /admin/contacts/{number}/{contact}/start` `{"node": "...", "params": {...}}`: a business-initiated start;
/// - `POST /admin/contacts/{number}/{contact}/release`: hand a contact back from a person to the bot;
/// - `GET  /admin/outbox/failed?limit=100`: messages that failed for good, newest first;
/// - `POST /admin/outbox/{id}/retry`: queue a failed message again, with a fresh retry budget.
struct AdminRoutes {
    let pipeline: EventPipeline
    let dispatcher: Dispatcher
    let store: any FlowStore
    let token: String?

    struct StartRequest: Decodable {
        var node: String
        var params: [String: String]?
    }

    // The reports name their keys in snake_case, as the Cloud API does; docs/admin-api.yaml
    // describes them and a test holds the server to it.

    struct ContactReport: Encodable {
        var contact: String
        var flow: String?
        var node: String?
        var waitingFor: String?
        var windowOpen: Bool
        var windowClosesAt: String?
        var handoff: Bool
        /// Steps the session guard holds back, in send order.
        var held: [HeldReport]
        var variables: [String: String]
        var accounting: AccountingReport

        enum CodingKeys: String, CodingKey {
            case contact, flow, node, handoff, held, variables, accounting
            case waitingFor = "waiting_for"
            case windowOpen = "window_open"
            case windowClosesAt = "window_closes_at"
        }
    }

    struct HeldReport: Encodable {
        var id: Int64
        var node: String
        var reason: String
        var since: String
        /// For a refused message: its reference.
        var refused: String?
    }

    /// What the conversation sent and what is billable (the stored `Accounting`, whose own keys
    /// are the store's format, not the API's).
    struct AccountingReport: Encodable {
        var freeFormMessages: Int
        var templates: [String: Int]
        var templatesDelivered: [String: Int]
        var billableTemplates: [String: Int]
        var templatesFailed: Int
        var windowsOpened: Int
        var blockedSteps: Int

        init(_ accounting: Accounting) {
            freeFormMessages = accounting.freeFormMessages
            templates = accounting.templates
            templatesDelivered = accounting.templatesDelivered
            billableTemplates = accounting.billableTemplates
            templatesFailed = accounting.templatesFailed
            windowsOpened = accounting.windowsOpened
            blockedSteps = accounting.blockedSteps
        }

        enum CodingKeys: String, CodingKey {
            case templates
            case freeFormMessages = "free_form_messages"
            case templatesDelivered = "templates_delivered"
            case billableTemplates = "billable_templates"
            case templatesFailed = "templates_failed"
            case windowsOpened = "windows_opened"
            case blockedSteps = "blocked_steps"
        }
    }

    struct FailedReport: Encodable {
        var id: Int64
        var contact: String
        var ref: String
        var attempts: Int
        var error: String
        var failedAt: String

        enum CodingKeys: String, CodingKey {
            case id, contact, ref, attempts, error
            case failedAt = "failed_at"
        }
    }

    struct ActionReport: Encodable {
        var sent: [String]
        var trace: [TraceEvent]
        var contact: ContactReport
    }

    func add(to router: Router<BasicRequestContext>, clock: any ServerClock) {
        let admin = router.group("admin").add(middleware: AdminAuthorization(token: token))
        let outbox = admin.group("outbox")
        outbox.get("failed") { request, _ in
            let limit = request.uri.queryParameters["limit"].flatMap { Int(String($0)) }.map { min(max($0, 1), 10_000) } ?? 100
            let failed = try await store.failedOutbox(limit: limit).map {
                FailedReport(id: $0.id, contact: $0.contact, ref: $0.ref, attempts: $0.attempts, error: $0.error, failedAt: $0.failedAt.description)
            }
            return try json(["failed": failed])
        }
        outbox.post(":id/retry") { request, context in
            guard let id = context.parameters.get("id").flatMap(Int64.init) else { throw HTTPError(.badRequest, message: "the id is a number") }
            guard let record = try await dispatcher.retry(id) else { throw HTTPError(.notFound, message: "no failed message has id \(id)") }
            return try json(["queued": record.id])
        }
        let contact = admin.group("contacts/:number/:contact")
        contact.get { request, context in
            let key = try contactKey(context)
            guard let state = try await pipeline.state(of: key) else {
                throw HTTPError(.notFound, message: "contact \(key.contactID) has never written to number \(key.phoneNumberID)")
            }
            return try await json(report(key, state, now: clock.now()))
        }
        contact.post("start") { request, context in
            let key = try contactKey(context)
            var request = request
            let body = try await request.collectBody(upTo: 64 * 1024)
            guard let start = try? JSONDecoder().decode(StartRequest.self, from: Data(body.readableBytesView)) else {
                throw HTTPError(.badRequest, message: "expected {\"node\": \"…\", \"params\": {…}}")
            }
            guard let engine = await pipeline.engine(for: key.phoneNumberID) else {
                throw HTTPError(.notFound, message: "no flow serves number \(key.phoneNumberID)")
            }
            guard engine.flow.nodes[start.node] != nil else {
                throw HTTPError(.badRequest, message: "no node '\(start.node)' in flow '\(engine.flow.name.value)'")
            }
            return try await act(.trigger(BusinessTrigger(node: start.node, parameters: start.params ?? [:])), key, clock: clock)
        }
        contact.post("release") { request, context in
            try await act(.release, try contactKey(context), clock: clock)
        }
    }

    private func act(_ event: Event, _ key: ContactKey, clock: any ServerClock) async throws -> Response {
        guard await pipeline.engine(for: key.phoneNumberID) != nil else {
            throw HTTPError(.notFound, message: "no flow serves number \(key.phoneNumberID)")
        }
        guard let transition = try await pipeline.perform(event, for: key) else {
            throw HTTPError(.internalServerError, message: "the event could not be applied; the server log says why")
        }
        for case .triggerRefused(let node, let why) in transition.trace where why == .handoff {
            // Never lost silently: the caller learns the trigger did not run, and why.
            throw HTTPError(
                .conflict,
                message: "a person has the conversation; release contact \(key.contactID) before starting the flow at '\(node)'"
            )
        }
        let report = ActionReport(
            sent: transition.messages.map(\.ref),
            trace: transition.trace,
            contact: await report(key, transition.state, now: clock.now())
        )
        return try json(report)
    }

    private func report(_ key: ContactKey, _ state: ContactState, now: Timestamp) async -> ContactReport {
        let window = await pipeline.engine(for: key.phoneNumberID)?.window ?? SessionWindow()
        return ContactReport(
            contact: key.description,
            flow: state.flow,
            node: state.position?.node,
            waitingFor: state.position?.waitingFor.rawValue,
            windowOpen: window.isOpen(state, at: now),
            windowClosesAt: window.closesAt(state)?.description,
            handoff: state.handoff != nil,
            held: state.held.map {
                HeldReport(id: $0.id, node: $0.node, reason: $0.reason.rawValue, since: $0.at.description, refused: $0.message?.ref)
            },
            variables: state.variables,
            accounting: AccountingReport(state.accounting)
        )
    }

    private func contactKey(_ context: BasicRequestContext) throws -> ContactKey {
        guard let number = context.parameters.get("number"), let contact = context.parameters.get("contact") else {
            throw HTTPError(.badRequest, message: "the path is /admin/contacts/{number}/{contact}")
        }
        return ContactKey(phoneNumberID: number, contactID: contact)
    }

    private func json(_ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return Response(
            status: .ok,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value) + Data("\n".utf8)))
        )
    }
}
