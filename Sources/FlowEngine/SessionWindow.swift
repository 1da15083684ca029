import FlowModel

/// The customer service window: open while `now < lastInbound + 24h - margin`, reset by every
/// customer message (counted from the time the customer sent it), untouched by statuses and
/// business messages, and closed early when WhatsApp refused a free-form message with 131047 that
/// was *sent* after the customer's last message: the refusal speaks about that moment.
public struct SessionWindow: Sendable {
    public static let length = TimeSpan.serviceWindow

    /// The flow's safety margin.
    public var margin: TimeSpan

    public init(margin: TimeSpan = .zero) { self.margin = margin }

    /// When the window closes for this state, or nil when the contact never wrote.
    public func closesAt(_ state: ContactState) -> Timestamp? {
        state.lastInboundAt.map { $0 + Self.length - margin }
    }

    public func isOpen(_ state: ContactState, at now: Timestamp) -> Bool {
        guard let end = closesAt(state), now < end else { return false }
        return !isRefused(state)
    }

    /// WhatsApp refused a message sent at or after the customer's last message: closed until the
    /// customer writes again, whatever the clock says.
    public func isRefused(_ state: ContactState) -> Bool {
        guard let last = state.lastInboundAt, let refused = state.refusedSentAt else { return false }
        return refused >= last
    }

    /// WhatsApp's own window, without Flowgate's margin: what decides whether a utility template
    /// is free.
    public func isOpenForWhatsApp(_ state: ContactState, at now: Timestamp) -> Bool {
        guard let last = state.lastInboundAt, now < last + Self.length else { return false }
        return !isRefused(state)
    }

    /// When `session.before_expiry` fires: `lead` before the effective close (24 h less the margin).
    public func beforeExpiryDue(_ state: ContactState, lead: TimeSpan) -> Timestamp? {
        closesAt(state).map { $0 - lead }
    }

    /// Why a free-form step cannot go now.
    public func blockReason(_ state: ContactState) -> BlockReason {
        state.lastInboundAt == nil ? .noActiveSession : .sessionExpired
    }
}
