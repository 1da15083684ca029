/// A way from one node to another, as the validator, the graph export and the docs see it.
public struct Edge: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable {
        /// At once, after sending (`goto` of a node that does not wait).
        case next
        /// A button tap, list row pick or quick-reply tap.
        case choice
        /// A branch case (or its fallback).
        case branch
        /// The customer answered (`goto` of a node that waits; `on_reply`).
        case reply
        /// The customer used up the attempts (`on_fail`).
        case fail
        /// The customer said nothing for a while (`timeout`).
        case timeout
        /// A pause ended (`wait: 2h`).
        case delay
        /// A person handed the contact back to the bot (after `handoff`).
        case release
        /// The session guard blocked this free-form node and sends this template instead.
        case reentry

        /// True when the edge runs in the same instant, with no customer message or timer between.
        public var isImmediate: Bool { self == .next || self == .branch }

        /// True when the edge is taken because the customer just wrote, so the window is open.
        public var followsCustomerMessage: Bool { self == .choice || self == .reply || self == .fail }

        /// True when the edge is taken by a timer or an outside action, so the window may be closed.
        public var mayFollowExpiry: Bool { self == .timeout || self == .delay || self == .release }
    }

    public var kind: Kind
    public var target: Target
    /// What the edge is labelled with in graphs: a button title, a condition, a delay.
    public var label: String?
    /// For a branch case or its fallback: the window states in which the edge can be taken, as the
    /// conditions before it and its own decide. All three unless a window condition narrows them.
    public var windowStates: Set<Condition.WindowState> = Set(Condition.WindowState.allCases)

    /// True when the edge is only taken while the window is open.
    public var requiresOpenWindow: Bool { windowStates == [.open] }

    /// True when the edge is only taken while no window is open.
    public var requiresClosedWindow: Bool { !windowStates.contains(.open) }
}

extension Edge {
    /// The edge to `target` as a list: empty when there is no target.
    static func to(
        _ target: Target?,
        _ kind: Kind,
        _ label: String? = nil,
        windowStates: Set<Condition.WindowState> = Set(Condition.WindowState.allCases)
    ) -> [Edge] {
        target.map { [Edge(kind: kind, target: $0, label: label, windowStates: windowStates)] } ?? []
    }
}

extension FlowNode {
    /// The node's outgoing edges, re-entry excluded (see ``Flow/reentry(for:)``): the kind's own,
    /// then, for a node that waits, the input policy's `on_fail` and `timeout`.
    public var edges: [Edge] {
        var edges = step.definition.edges(of: self)
        if step.waitsForCustomer {
            edges += Edge.to(input.onFail, .fail, "attempts used")
            if let timeout = input.timeout { edges += Edge.to(timeout.target, .timeout, "no reply in \(timeout.after)") }
        }
        return edges
    }
}

extension Condition {
    /// A short human reading of the condition, for graph labels.
    public var summary: String {
        switch self {
        case .variable(let name, let test):
            switch test {
            case .equals(let text): "\(name.value) = \(text)"
            case .notEquals(let text): "\(name.value) ≠ \(text)"
            case .contains(let text): "\(name.value) contains \(text)"
            case .oneOf(let words): "\(name.value) in \(words.joined(separator: "|"))"
            case .matches(let pattern): "\(name.value) ~ \(pattern.source)"
            case .exists(let exists): exists ? "\(name.value) set" : "\(name.value) unset"
            case .greaterThan(let number): "\(name.value) > \(number.compactDescription)"
            case .lessThan(let number): "\(name.value) < \(number.compactDescription)"
            }
        case .window(let state): "window \(state.rawValue)"
        case .schedule: "in opening hours"
        case .silentFor(let span): "silent \(span)"
        case .within(let span, let name): "\(name.value) within \(span)"
        case .all(let list): list.map(\.summary).joined(separator: " and ")
        case .any(let list): list.map(\.summary).joined(separator: " or ")
        case .not(let inner): "not (\(inner.summary))"
        }
    }
}

extension Double {
    var compactDescription: String {
        self == rounded() && abs(self) < 1e15 ? String(Int64(self)) : String(self)
    }
}
