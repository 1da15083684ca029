import FlowModel

/// One contact driven by a virtual clock: keeps the state and the pending timers between events,
/// and fires timers in order as the clock moves. The simulator and the tests use it; it is as pure
/// as the engine (time only moves when told).
public struct VirtualContact: Sendable {
    public let engine: Engine
    public private(set) var state: ContactState
    public private(set) var now: Timestamp
    /// Pending timers, at most one per kind.
    public private(set) var timers: [FlowTimer.Kind: FlowTimer] = [:]

    public init(engine: Engine, contact: ContactIdentity, start: Timestamp) {
        self.engine = engine
        state = ContactState(contact: contact)
        now = start
    }

    /// Applies one event at the current virtual time.
    @discardableResult
    public mutating func handle(_ event: Event) -> Transition {
        let transition = engine.handle(event, state: state, now: now)
        apply(transition)
        return transition
    }

    /// Moves the clock to `time`, firing every timer that falls due on the way, each at its own
    /// due time and in due order. Returns what each fired timer did.
    @discardableResult
    public mutating func advance(to time: Timestamp) -> [Transition] {
        var results: [Transition] = []
        while let next = timers.values.filter({ $0.due <= time }).min(by: { ($0.due, $0.kind.rawValue) < ($1.due, $1.kind.rawValue) }) {
            timers[next.kind] = nil
            now = max(now, next.due)
            let transition = engine.handle(.timer(next), state: state, now: now)
            apply(transition)
            results.append(transition)
        }
        now = max(now, time)
        return results
    }

    /// Replaces the state (e.g. `/reset`), keeping the clock; timers are dropped.
    public mutating func reset(to state: ContactState) {
        self.state = state
        timers = [:]
    }

    private mutating func apply(_ transition: Transition) {
        state = transition.state
        for change in transition.timers {
            switch change {
            case .set(let timer): timers[timer.kind] = timer
            case .cancel(let kind): timers[kind] = nil
            }
        }
    }
}
