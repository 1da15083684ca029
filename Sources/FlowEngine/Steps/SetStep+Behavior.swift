import FlowModel

extension SetStep: StepBehavior {
    func enter(_ node: FlowNode, in run: inout Run) -> String? {
        for assignment in assignments {
            let value = assignment.value.render(run.scope.lookup)
            run.save(assignment.name.value, value, node: node.id)
        }
        return node.next?.name ?? Target.endName
    }
}
