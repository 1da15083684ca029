import Crypto
import FlowModel
import Foundation
import WhatsAppCloud

/// Who may use the desk, and proof of it. Agents sign in with their token (compared in constant
/// time); the session is a signed cookie, so every replica accepts it and none stores it; each
/// form carries a CSRF token bound to the session. A changed agent token ends that agent's
/// sessions; signing out clears the cookie (a copy taken before stays valid until it expires).
struct DeskAuth: Sendable {
    static let sessionCookie = "flowgate_desk"
    static let loginCookie = "flowgate_desk_login"
    static let sessionLife = TimeSpan.hours(12)

    /// The session key's bytes (`SymmetricKey` is not `Sendable`).
    private let keyBytes: [UInt8]
    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }
    /// Each agent's name and token, by name.
    private let tokens: [String: String]

    /// `secret` is shared by every replica and never leaves the server (the app secret).
    init(agentTokens: [String: String], secret: String) {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("flowgate desk sessions".utf8), using: SymmetricKey(data: Data(secret.utf8)))
        keyBytes = Array(mac)
        tokens = agentTokens
    }

    /// The agent this token signs in, if any. Every agent's token is compared, in constant time.
    func agent(forToken token: String) -> String? {
        var found: String?
        for (name, expected) in tokens.sorted(by: { $0.key < $1.key }) where equal(token, expected) { found = name }
        return found
    }

    /// A session cookie's value for `agent` until `expires`.
    func session(for agent: String, expires: Timestamp) -> String? {
        guard let token = tokens[agent] else { return nil }
        let name = Data(agent.utf8).base64URL
        let until = String(expires.millisecondsSince1970)
        return "\(name).\(until).\(mac("session|\(name)|\(until)|\(token)"))"
    }

    /// The signed-in agent of a session cookie, if it is genuine, unexpired and its agent's token
    /// is unchanged.
    func agent(forSession value: String, now: Timestamp) -> String? {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let bytes = Data(base64URL: String(parts[0])), let agent = String(data: bytes, encoding: .utf8),
            let token = tokens[agent], let until = Int64(parts[1]), now.millisecondsSince1970 < until
        else { return nil }
        guard equal(String(parts[2]), mac("session|\(parts[0])|\(parts[1])|\(token)")) else { return nil }
        return agent
    }

    /// The CSRF token every form of this session carries.
    func csrf(forSession value: String) -> String { mac("csrf|" + value) }

    /// The CSRF token of the sign-in form, bound to the sign-in cookie's random value.
    func csrf(forLogin nonce: String) -> String { mac("login|" + nonce) }

    /// A fresh random value for the sign-in cookie.
    static func nonce() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(format: "%016llx", generator.next() as UInt64) }.joined()
    }

    private func mac(_ text: String) -> String {
        ASCII.hex(HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: key))
    }

    /// Constant-time equality of two strings of any length: their MACs are compared instead.
    func equal(_ given: String, _ expected: String) -> Bool {
        let expectedMAC = HMAC<SHA256>.authenticationCode(for: Data(expected.utf8), using: key)
        return HMAC<SHA256>.isValidAuthenticationCode(expectedMAC, authenticating: Data(given.utf8), using: key)
    }
}

extension Data {
    /// Base64 with the URL and cookie safe alphabet, unpadded.
    var base64URL: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    init?(base64URL text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        self.init(base64Encoded: base64)
    }
}
