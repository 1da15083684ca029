/// The Graph API's answer to a send: `{messaging_product, contacts: [{input, wa_id}], messages: [{id}]}`.
public struct SendResponse: Decodable, Sendable {
    public struct Message: Decodable, Sendable { public var id: String }
    public var messages: [Message]?
}

/// The Graph API's error body: `{error: {message, type, code, error_subcode?, error_data: {details}, fbtrace_id}}`.
public struct GraphErrorBody: Decodable, Sendable {
    public struct Detail: Decodable, Sendable {
        public var message: String?
        public var type: String?
        public var code: Int?
        public var errorSubcode: Int?

        enum CodingKeys: String, CodingKey {
            case message, type, code
            case errorSubcode = "error_subcode"
        }
    }
    public var error: Detail
}

/// How the dispatcher treats a Graph API error code.
public enum GraphErrorCode {
    /// Throughput limit for the number (HTTP 429).
    public static let rateLimited = 130429
    /// Too many messages to one recipient.
    public static let pairRateLimited = 131056
    /// Outside the customer service window.
    public static let reEngagement = 131047

    /// Errors worth retrying later: HTTP 429 and 5xx, and the throughput errors 130429 and 131056.
    public static func isTransient(code: Int?, httpStatus: Int) -> Bool {
        if httpStatus == 429 || httpStatus >= 500 { return true }
        return code == rateLimited || code == pairRateLimited
    }
}
