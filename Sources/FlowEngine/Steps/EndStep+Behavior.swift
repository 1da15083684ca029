import FlowModel

extension EndStep: StepBehavior {
    func enter(_ node: FlowNode, in sprint: inout Sprint) -> String? {
        sprint.endFlow()
        return nil
    }
}
