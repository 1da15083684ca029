import Yams

/// `end: true`: finishes the flow. The contact's next message starts it again from `start`.
/// A `goto: end` anywhere does the same without a node.
public struct EndStep: Hashable, Sendable {
    static func read(_ value: Yams.Node, context: LoadContext) -> EndStep? {
        guard context.bool(value, "'end'") == true else {
            context.error(.invalidValue, "'end' takes the value true", hint: "write `end: true`", at: value)
            return nil
        }
        return EndStep()
    }
}
