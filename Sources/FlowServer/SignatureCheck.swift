import CoreMetrics
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The gate in front of `POST /webhook`: reads the body up to the limit and lets the request on
/// only when `X-Hub-Signature-256` is Meta's HMAC of exactly those bytes. 413 for a body over the
/// limit, 400 for one that cannot be read, 401 for a missing or wrong signature; nothing unsigned
/// reaches the decoder or the store.
struct SignatureCheck<Context: RequestContext>: RouterMiddleware {
    let signature: WebhookSignature
    let maxBodyBytes: Int
    let metrics: ServerMetrics
    let logger: Logger

    static var header: HTTPField.Name { WebhookRoutes.signatureHeader }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        let buffer: ByteBuffer
        do {
            // Collected into the request, so the handler reads the same bytes without waiting again.
            buffer = try await request.collectBody(upTo: maxBodyBytes)
        } catch is NIOTooManyBytesError {
            metrics.malformed.increment()
            logger.warning("webhook body over the limit", metadata: ["limit": "\(maxBodyBytes)"])
            return Response(status: .contentTooLarge)
        } catch {
            metrics.malformed.increment()
            logger.warning("webhook body could not be read", metadata: ["error": .wire("\(error)")])
            return Response(status: .badRequest)
        }
        guard signature.isValid(request.headers[Self.header], body: buffer.readableBytesView) else {
            metrics.signatureFailures.increment()
            logger.warning("webhook signature missing or wrong", metadata: ["bytes": "\(buffer.readableBytes)"])
            return Response(status: .unauthorized)
        }
        return try await next(request, context)
    }
}
