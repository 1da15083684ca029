import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

import WhatsAppCloud

/// `GET /webhook` (the verification handshake) and `POST /webhook` (notifications).
struct WebhookRoutes {
    let conversations: Conversations
    let signature: WebhookSignature
    let verifyToken: String
    let maxBodyBytes: Int
    let metrics: ServerMetrics
    let logger: Logger

    static let signatureHeader = HTTPField.Name("X-Hub-Signature-256")!

    func add(to router: Router<BasicRequestContext>) {
        router.get("/webhook") { request, _ in verify(request) }
        router.post("/webhook") { request, _ in await receive(request) }
    }

    /// Answers `hub.challenge` when `hub.mode=subscribe` and the token matches; 403 otherwise.
    func verify(_ request: Request) -> Response {
        let query = request.uri.queryParameters
        guard query["hub.mode"] == "subscribe", let token = query["hub.verify_token"],
              Self.constantTimeEqual(Array(token.utf8), Array(verifyToken.utf8)), let challenge = query["hub.challenge"] else {
            logger.warning("webhook verification refused")
            return Response(status: .forbidden)
        }
        logger.info("webhook verified")
        return Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: String(challenge))))
    }

    /// Signature first, then parse, then commit; 200 only once the notification is stored.
    func receive(_ request: Request) async -> Response {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: maxBodyBytes)
        } catch is NIOTooManyBytesError {
            metrics.malformed.increment()
            logger.warning("webhook body over the limit", metadata: ["limit": "\(maxBodyBytes)"])
            return Response(status: .contentTooLarge)
        } catch {
            metrics.malformed.increment()
            logger.warning("webhook body could not be read", metadata: ["error": "\(error)"])
            return Response(status: .badRequest)
        }
        guard signature.isValid(request.headers[Self.signatureHeader], body: buffer.readableBytesView) else {
            metrics.signatureFailures.increment()
            logger.warning("webhook signature missing or wrong", metadata: ["bytes": "\(buffer.readableBytes)"])
            return Response(status: .unauthorized)
        }
        let notification: WebhookNotification
        do {
            notification = try JSONDecoder().decode(WebhookNotification.self, from: Data(buffer.readableBytesView))
        } catch {
            // Signed by the platform: never drop it. JSON we cannot map is kept as a dead letter;
            // bytes that are not JSON at all (a truncated body) are refused so the platform retries.
            guard (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) != nil else {
                metrics.malformed.increment()
                logger.warning("webhook body is not JSON", metadata: ["error": "\(error)"])
                return Response(status: .badRequest)
            }
            logger.error("signed webhook in an unexpected shape; kept as a dead letter", metadata: ["error": "\(error)"])
            do {
                _ = try await conversations.submit([], deadLetters: [("\(error)", Array(buffer.readableBytesView))])
                return Response(status: .ok)
            } catch {
                return Response(status: .internalServerError)
            }
        }
        let (items, unknownTypes, billable) = WebhookEvents.incoming(from: notification)
        for category in billable { metrics.billable(category).increment() }
        for item in items {
            if case .status = item.kind { metrics.statusesReceived.increment() } else { metrics.messagesReceived.increment() }
        }
        for type in unknownTypes {
            metrics.unknownTypes.increment()
            logger.notice("message of a type Flowgate does not know; the flow sees it as '\(type)'")
        }
        do {
            _ = try await conversations.submit(items)
            return Response(status: .ok)
        } catch {
            return Response(status: .internalServerError)
        }
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
