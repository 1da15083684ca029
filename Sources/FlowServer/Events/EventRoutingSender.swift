import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Sends outbox messages to the Graph API, and event deliveries (``EventSink``) to their sinks,
/// signed with the sink's secret: `X-Flowgate-Signature-256: sha256=<hex of HMAC-SHA256(body)>`.
/// A sink's 2xx is a delivery; 408, 429 and 5xx, or no answer, are tried again with backoff;
/// any other answer fails the delivery for good (listed with the failed sends).
struct EventRoutingSender: GraphSender {
    struct Sink: Sendable {
        var url: String
        /// Signs with the sink's secret, the way Meta signs webhooks with the app secret.
        var signature: WebhookSignature
    }

    let graph: any GraphSender
    let sinks: [Sink]
    let client: HTTPClient
    let timeout: TimeAmount

    func send(phoneNumberID: String, body: [UInt8]) async -> GraphSendResult {
        guard let index = EventSink.sinkIndex(ofNumber: phoneNumberID) else { return await graph.send(phoneNumberID: phoneNumberID, body: body) }
        guard sinks.indices.contains(index) else {
            // The config no longer has this sink: nowhere to deliver.
            return .refused(httpStatus: 404, code: nil, message: "no event sink \(index) in the config")
        }
        let sink = sinks[index]
        var request = HTTPClientRequest(url: sink.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Flowgate")
        request.headers.add(name: "X-Flowgate-Signature-256", value: sink.signature.header(for: body))
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, timeout: timeout)
            _ = try? await response.body.collect(upTo: 64 * 1024)
            let status = Int(response.status.code)
            if (200..<300).contains(status) { return .accepted(wamid: "") }
            // 408, 429 and 5xx are transient, as the Graph API's are.
            let transient = status == 408 || status == 429 || status >= 500
            return .refused(httpStatus: transient ? 503 : status, code: nil, message: "the event sink answered HTTP \(status)")
        } catch {
            return .unreachable("\(error)")
        }
    }
}
