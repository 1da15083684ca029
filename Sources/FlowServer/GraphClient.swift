import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import WhatsAppCloud

/// What the Graph API said to one send.
public enum GraphSendResult: Sendable, Hashable {
    case accepted(wamid: String)
    case refused(httpStatus: Int, code: Int?, message: String)
    /// No answer: connection refused, timeout.
    case unreachable(String)

    /// Worth another try later.
    var isTransient: Bool {
        switch self {
        case .accepted: false
        case .refused(let status, let code, _): GraphErrorCode.isTransient(code: code, httpStatus: status)
        case .unreachable: true
        }
    }
}

/// Sends message bodies to the Graph API.
public protocol GraphSender: Sendable {
    func send(phoneNumberID: String, body: [UInt8]) async -> GraphSendResult
}

/// `POST {base}/{version}/{phone_number_id}/messages` with the Bearer token, over AsyncHTTPClient.
public struct GraphClient: GraphSender {
    let client: HTTPClient
    let base: String
    let version: String
    let authorization: String
    let timeout: TimeAmount

    public init(client: HTTPClient, base: String, version: String, accessToken: String, timeout: TimeAmount = .seconds(15)) {
        self.client = client
        self.base = base.hasSuffix("/") ? String(base.dropLast()) : base
        self.version = version
        authorization = "Bearer \(accessToken)"
        self.timeout = timeout
    }

    public func send(phoneNumberID: String, body: [UInt8]) async -> GraphSendResult {
        var request = HTTPClientRequest(url: "\(base)/\(version)/\(phoneNumberID)/messages")
        request.method = .POST
        request.headers.add(name: "Authorization", value: authorization)
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, timeout: timeout)
            let bytes = try await response.body.collect(upTo: 1 << 20)
            let data = Data(bytes.readableBytesView)
            if response.status == .ok, let sent = try? JSONDecoder().decode(SendResponse.self, from: data), let id = sent.messages?.first?.id {
                return .accepted(wamid: id)
            }
            let error = try? JSONDecoder().decode(GraphErrorBody.self, from: data)
            return .refused(
                httpStatus: Int(response.status.code),
                code: error?.error.code,
                message: error?.error.message ?? "HTTP \(response.status.code)"
            )
        } catch {
            return .unreachable("\(error)")
        }
    }
}
