import FlowModel

extension SetStep: StepBehavior {
    func enter(_ node: FlowNode, in sprint: inout Sprint) -> String? {
        for assignment in assignments {
            let value = assignment.value.render(sprint.scope.lookup)
            sprint.save(assignment.name.value, value, node: node.id)
        }
        return node.next?.name ?? Target.endName
    }
}
