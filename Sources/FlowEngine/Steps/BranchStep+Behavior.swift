import FlowModel

extension BranchStep: StepBehavior {
    /// Takes the first case whose condition holds, else the node's `goto`.
    func enter(_ node: FlowNode, in run: inout Run) -> String? {
        let next = node.next?.name ?? Target.endName
        let evaluator = Conditions(scope: run.scope, state: run.state, window: run.window)
        for item in cases where evaluator.holds(item.condition) {
            run.note(.choiceMade(node: node.id, choice: item.condition.summary, target: item.target.name))
            return item.target.name
        }
        run.note(.choiceMade(node: node.id, choice: "else", target: next))
        return next
    }
}
