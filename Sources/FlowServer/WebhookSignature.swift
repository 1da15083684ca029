import Crypto
import Foundation
import WhatsAppCloud

/// Checks `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(raw body, app secret)>`, in constant time,
/// before anything in the body is read.
public struct WebhookSignature: Sendable {
    private let secret: [UInt8]

    public init(appSecret: String) {
        secret = Array(appSecret.utf8)
    }

    private var key: SymmetricKey { SymmetricKey(data: secret) }

    /// True when `header` is a valid signature of `body`.
    public func isValid(_ header: String?, body: some DataProtocol) -> Bool {
        guard let header, header.hasPrefix("sha256="), let mac = Self.bytes(fromHex: header.dropFirst(7)) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: body, using: key)
    }

    /// The header value for a body: what the platform sends, and what tests sign with.
    public func header(for body: some DataProtocol) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: key)
        return "sha256=" + ASCII.hex(mac)
    }

    static func bytes(fromHex hex: Substring) -> [UInt8]? {
        guard hex.utf8.count == 64 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        var high: UInt8?
        for character in hex.utf8 {
            guard let value = ASCII.hexValue(character) else { return nil }
            if let first = high {
                bytes.append(first << 4 | value)
                high = nil
            } else {
                high = value
            }
        }
        return bytes
    }
}
