import FlowModel
import Foundation

/// Evaluates `branch` conditions against the contact's state at the event's time.
struct Conditions {
    let scope: VariableScope
    let state: ContactState
    let window: SessionWindow
    var now: Timestamp { scope.now }

    func holds(_ condition: Condition) -> Bool {
        switch condition {
        case .variable(let name, let test):
            let value = scope.lookup(name.value) ?? ""
            switch test {
            case .equals(let text): return value == text.render(scope.lookup)
            case .notEquals(let text): return value != text.render(scope.lookup)
            case .contains(let text): return value.contains(text.render(scope.lookup))
            case .oneOf(let words): return words.contains { $0.foldedForMatching == value.foldedForMatching }
            case .matches(let pattern): return pattern.matches(value)
            case .exists(let exists): return value.isEmpty != exists
            case .greaterThan(let number): return Double(value.replacingOccurrences(of: ",", with: ".")).map { $0 > number } ?? false
            case .lessThan(let number): return Double(value.replacingOccurrences(of: ",", with: ".")).map { $0 < number } ?? false
            }
        case .window(let expected):
            switch expected {
            case .open: return window.isOpen(state, at: now)
            case .closed: return state.lastInboundAt != nil && !window.isOpen(state, at: now)
            case .never: return state.lastInboundAt == nil
            }
        case .schedule(let schedule):
            return schedule.isOpen(at: now)
        case .silentFor(let span):
            guard let previous = state.previousInboundAt else { return true }
            let reference = state.lastInboundAt ?? now
            return reference - previous >= span
        case .within(let span, let name):
            guard let value = scope.lookup(name.value), let time = Timestamp(iso8601: value) else { return false }
            return now - time < span && time <= now
        case .all(let list):
            return list.allSatisfy(holds)
        case .any(let list):
            return list.contains(where: holds)
        case .not(let inner):
            return !holds(inner)
        }
    }
}
