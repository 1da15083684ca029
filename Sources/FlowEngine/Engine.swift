import FlowModel
import WhatsAppCloud

/// Runs one flow for one contact at a time, purely: the same state, event and time always give the
/// same transition. The engine reads no clock, store or network; the shell passes time in, keeps
/// the state, sends the messages and fires the timers.
///
/// ```swift
/// let engine = Engine(flow: flow)
/// var state = ContactState(contact: ContactIdentity(waID: "31612345678", name: "Ana"))
/// let step = engine.handle(.inbound(message), state: state, now: now)
/// state = step.state   // then send step.messages, apply step.timers
/// ```
public struct Engine: Sendable {
    public let flow: Flow
    /// Nodes one event may run before the engine stops it (a guard against loops the validator
    /// could not see).
    public var stepLimit = 100
    /// When set, the engine keeps two timers per open window, `window_closing` this long before it
    /// closes and `window_expired` when it does, and traces them as they fire (``TraceEvent/windowClosing(closesAt:)``,
    /// ``TraceEvent/windowExpired(closedAt:)``): the shell tells people and other systems. They send nothing.
    public var windowNotice: TimeSpan?

    /// Keyword phrases folded once (lowercase, no accents) with their targets.
    let keywords: [(folded: String, phrase: String, target: String)]

    public init(flow: Flow) {
        self.flow = flow
        keywords = flow.keywords.flatMap { keyword in
            keyword.phrases.map { ($0.value.foldedForMatching, $0.value, keyword.target.name) }
        }
    }

    public var window: SessionWindow { SessionWindow(margin: flow.session.margin) }

    /// Applies one event to a contact's state at `now`.
    public func handle(_ event: Event, state: ContactState, now: Timestamp) -> Transition {
        var sprint = Sprint(engine: self, state: state, now: now)
        if sprint.state.flow != flow.name.value {
            sprint.state.flow = flow.name.value
        }
        switch event {
        case .inbound(let message): sprint.receive(message)
        case .trigger(let trigger): sprint.trigger(trigger)
        case .timer(let timer): sprint.fire(timer)
        case .status(let status): sprint.update(status)
        case .release: sprint.release()
        case .takeOver(let agent): sprint.takeOver(by: agent)
        case .agentMessage(let message): sprint.send(message)
        }
        return sprint.finish(previous: state)
    }
}
