import FlowModel
import WhatsAppCloud

/// The customer service window: open while `now < lastInbound + 24h - margin`, reset by every
/// customer message, untouched by statuses and business messages, and closed early when WhatsApp
/// refused a free-form message with 131047 after the last customer message.
public struct SessionWindow: Sendable {
    public static let length = TimeSpan.hours(Int64(WhatsAppLimits.serviceWindowHours))

    /// The flow's safety margin.
    public var margin: TimeSpan

    public init(margin: TimeSpan = .zero) { self.margin = margin }

    /// When the window closes for this state, or nil when the contact never wrote.
    public func closesAt(_ state: ContactState) -> Timestamp? {
        state.lastInboundAt.map { $0 + Self.length - margin }
    }

    public func isOpen(_ state: ContactState, at now: Timestamp) -> Bool {
        guard let last = state.lastInboundAt, let end = closesAt(state), now < end else { return false }
        if let refused = state.windowRefusedAt, refused >= last { return false }
        return true
    }

    /// Why a free-form step cannot go now.
    public func blockReason(_ state: ContactState) -> BlockReason {
        state.lastInboundAt == nil ? .noActiveSession : .sessionExpired
    }
}
