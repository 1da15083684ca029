import FlowModel

extension BranchStep: StepBehavior {
    /// Takes the first case whose condition holds, else the node's `goto`.
    func enter(_ node: FlowNode, in sprint: inout Sprint) -> String? {
        let next = node.next?.name ?? Target.endName
        let evaluator = Conditions(scope: sprint.scope, state: sprint.state, window: sprint.window)
        for item in cases where evaluator.holds(item.condition) {
            sprint.note(.choiceMade(node: node.id, choice: item.condition.summary, target: item.target.name))
            return item.target.name
        }
        sprint.note(.choiceMade(node: node.id, choice: "else", target: next))
        return next
    }
}
