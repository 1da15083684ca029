/// How a node that waits for the customer treats answers it cannot use, and silence.
///
/// Written at node level on `buttons`, `list`, `ask`, `location_request`, `template` (when it
/// waits) and `wait: reply` nodes.
public struct InputPolicy: Hashable, Sendable {
    /// Sent when the answer does not fit; defaults to a generic re-prompt built from the choices.
    public var retry: TextTemplate?
    /// How many answers the customer gets before `onFail`; 3 unless written.
    public var attempts: Int
    /// Where to go after the last failed attempt; the flow ends when nil.
    public var onFail: Target?
    /// Where to go when the customer says nothing for a while.
    public var timeout: Timeout?

    public static let defaultAttempts = 3

    public init(retry: TextTemplate? = nil, attempts: Int = defaultAttempts, onFail: Target? = nil, timeout: Timeout? = nil) {
        self.retry = retry
        self.attempts = attempts
        self.onFail = onFail
        self.timeout = timeout
    }

    /// The keys this policy reads from a node.
    static let keys = ["retry", "attempts", "on_fail", "timeout"]

    static func read(_ node: MappingReader) -> InputPolicy {
        var policy = InputPolicy()
        policy.retry = node.text("retry")
        if let attempts = node.int("attempts") {
            if attempts.value < 1 {
                node.context.report(.error(.invalidValue, "'attempts' must be at least 1", at: attempts.location))
            } else {
                policy.attempts = attempts.value
            }
        }
        policy.onFail = node.target("on_fail")
        policy.timeout = node.mapping("timeout").flatMap(Timeout.read)
        return policy
    }
}

/// `timeout: { after: 2h, goto: nudge }`: go to a node when the customer has not answered in time.
public struct Timeout: Hashable, Sendable {
    public var after: TimeSpan
    public var target: Target
    public var location: SourceLocation

    static func read(_ reader: MappingReader) -> Timeout? {
        let after = reader.span("after", required: true)
        let target = reader.target("goto", required: true)
        reader.reportUnknownKeys(in: "a timeout")
        guard let after, let target else { return nil }
        return Timeout(after: after.value, target: target, location: reader.location)
    }
}
