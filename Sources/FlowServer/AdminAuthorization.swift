import Hummingbird

/// The gate in front of `/admin`: `Authorization: Bearer <admin token>`, compared in constant time.
/// With no token configured the admin API is off and answers 404.
struct AdminAuthorization<Context: RequestContext>: RouterMiddleware {
    let token: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token else { throw HTTPError(.notFound, message: "the admin API is off: set the admin token variable") }
        let given = request.headers[.authorization] ?? ""
        guard WebhookRoutes.constantTimeEqual(Array(given.utf8), Array("Bearer \(token)".utf8)) else {
            throw HTTPError(.unauthorized, message: "send Authorization: Bearer <admin token>")
        }
        return try await next(request, context)
    }
}
