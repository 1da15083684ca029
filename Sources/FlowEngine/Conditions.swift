import FlowModel

/// Evaluates `branch` conditions against the contact's state at the event's time.
struct Conditions {
    let run: Run

    func holds(_ condition: Condition) -> Bool {
        switch condition {
        case .variable(let name, let test):
            let value = run.lookup(name.value) ?? ""
            switch test {
            case .equals(let text): return value == text.render(run.lookup)
            case .notEquals(let text): return value != text.render(run.lookup)
            case .contains(let text): return value.contains(text.render(run.lookup))
            case .oneOf(let words): return words.contains { $0.foldedForMatching == value.foldedForMatching }
            case .matches(let pattern): return pattern.matches(value)
            case .exists(let exists): return value.isEmpty != exists
            case .greaterThan(let number): return Double(value.replacingOccurrences(of: ",", with: ".")).map { $0 > number } ?? false
            case .lessThan(let number): return Double(value.replacingOccurrences(of: ",", with: ".")).map { $0 < number } ?? false
            }
        case .window(let expected):
            let state = run.state
            switch expected {
            case .open: return run.window.isOpen(state, at: run.now)
            case .closed: return state.lastInboundAt != nil && !run.window.isOpen(state, at: run.now)
            case .never: return state.lastInboundAt == nil
            }
        case .schedule(let schedule):
            return schedule.isOpen(at: run.now)
        case .silentFor(let span):
            guard let previous = run.state.previousInboundAt else { return true }
            let reference = run.state.lastInboundAt ?? run.now
            return reference - previous >= span
        case .within(let span, let name):
            guard let value = run.lookup(name.value), let time = Timestamp(iso8601: value) else { return false }
            return run.now - time < span && time <= run.now
        case .all(let list):
            return list.allSatisfy(holds)
        case .any(let list):
            return list.contains(where: holds)
        case .not(let inner):
            return !holds(inner)
        }
    }
}
