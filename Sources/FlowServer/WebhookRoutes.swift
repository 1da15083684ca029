import CoreMetrics
import FlowStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import WhatsAppCloud

/// `GET /webhook` (the verification handshake) and `POST /webhook` (notifications).
struct WebhookRoutes {
    let pipeline: EventPipeline
    let signature: WebhookSignature
    let verifyToken: String
    let maxBodyBytes: Int
    let metrics: ServerMetrics
    let logger: Logger

    static let signatureHeader = HTTPField.Name("X-Hub-Signature-256")!

    func add(to router: Router<BasicRequestContext>) {
        router.get("/webhook") { request, _ in verify(request) }
        router.group("/webhook")
            .add(middleware: SignatureCheck(signature: signature, maxBodyBytes: maxBodyBytes, metrics: metrics, logger: logger))
            .post { request, _ in await receive(request) }
    }

    /// Answers `hub.challenge` when `hub.mode=subscribe` and the token matches; 403 otherwise.
    func verify(_ request: Request) -> Response {
        let query = request.uri.queryParameters
        guard query["hub.mode"] == "subscribe", let token = query["hub.verify_token"],
            Self.constantTimeEqual(Array(token.utf8), Array(verifyToken.utf8)), let challenge = query["hub.challenge"]
        else {
            logger.warning("webhook verification refused")
            return Response(status: .forbidden)
        }
        logger.info("webhook verified")
        return Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: String(challenge))))
    }

    /// A notification ``SignatureCheck`` let through: parse, then commit; 200 only once it is stored.
    func receive(_ request: Request) async -> Response {
        var request = request
        // Already collected and checked, up to the limit, by the signature check.
        guard let buffer = try? await request.collectBody(upTo: maxBodyBytes) else { return Response(status: .badRequest) }
        // Signed by the platform: from here on nothing is dropped.
        var body = Data(buffer.readableBytesView)
        let notification: WebhookNotification
        do {
            notification = try WebhookNotification.decode(&body)
        } catch {
            // JSON we cannot map at all is kept as a dead letter; bytes that are not JSON (a
            // truncated body) are refused so the platform retries.
            guard (try? JSONSerialization.jsonObject(with: body)) != nil else {
                metrics.malformed.increment()
                logger.warning("webhook body is not JSON", metadata: ["error": .wire("\(error)")])
                return Response(status: .badRequest)
            }
            return await keep([], rejected: [.init(reason: "notification: \(error)", path: [])], body: body)
        }
        let reading = WebhookEvents.incoming(from: notification)
        for category in reading.billable { metrics.billable(category).increment() }
        for item in reading.items {
            if case .status = item.kind { metrics.statusesReceived.increment() } else { metrics.messagesReceived.increment() }
        }
        for type in reading.unknownTypes {
            metrics.unknownTypes.increment()
            logger.notice("message of a type Flowgate does not know; the flow sees it as other", metadata: ["type": .wire(type)])
        }
        for status in reading.unknownStatuses {
            metrics.unknownStatuses.increment()
            logger.notice("status Flowgate does not act on", metadata: ["status": .wire(status)])
        }
        return await keep(reading.items, rejected: reading.rejected, body: body)
    }

    /// Commits the items and the parts that could not be read (as dead letters) together; 200 once stored.
    private func keep(_ items: [Incoming], rejected: [WebhookEvents.Rejected], body: Data) async -> Response {
        var letters: [Commit.DeadLetter] = []
        if !rejected.isEmpty {
            let tree = try? JSONSerialization.jsonObject(with: body)
            for part in rejected {
                metrics.deadLetters.increment()
                logger.error("part of a signed webhook could not be read; kept as a dead letter", metadata: ["reason": .wire(part.reason)])
                letters.append(Commit.DeadLetter(reason: part.reason, body: Self.extract(part.path, from: tree) ?? Array(body)))
            }
        }
        do {
            _ = try await pipeline.submit(items, deadLetters: letters)
            return Response(status: .ok)
        } catch is StatusBeforeSend {
            return Response(status: .serviceUnavailable)
        } catch {
            return Response(status: .internalServerError)
        }
    }

    /// The JSON at `path` inside a parsed notification, as bytes.
    static func extract(_ path: [WebhookEvents.Step], from tree: Any?) -> [UInt8]? {
        var node = tree
        for step in path {
            switch step {
            case .key(let key): node = (node as? [String: Any])?[key]
            case .index(let index): node = (node as? [Any]).flatMap { index < $0.count ? $0[index] : nil }
            }
        }
        guard let node, JSONSerialization.isValidJSONObject(node) else { return nil }
        return (try? JSONSerialization.data(withJSONObject: node, options: [.sortedKeys])).map(Array.init)
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
