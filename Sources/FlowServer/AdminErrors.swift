import FlowStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Every admin answer that is not a success has one shape, whatever produced it (a handler, an
/// unknown path, a wrong method, an unexpected error):
/// `{"error": {"status": 404, "message": "…"}}`, as `application/json`.
struct AdminErrors<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path == "/admin" || request.uri.path.hasPrefix("/admin/") else { return try await next(request, context) }
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            let message =
                error.body ?? (error.status == .notFound ? "no admin endpoint \(request.method) \(request.uri.path)" : error.status.reasonPhrase)
            return Self.response(error.status, message: message)
        } catch {
            context.logger.error("admin request failed", metadata: ["error": .wire("\(describeForOperator(error))")])
            return Self.response(.internalServerError, message: "the request failed; the server log says why")
        }
    }

    struct Body: Encodable {
        struct Problem: Encodable {
            var status: Int
            var message: String
        }
        var error: Problem
    }

    static func response(_ status: HTTPResponse.Status, message: String) -> Response {
        let body = (try? JSONEncoder().encode(Body(error: .init(status: status.code, message: message)))) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
