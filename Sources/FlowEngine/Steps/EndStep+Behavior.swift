import FlowModel

extension EndStep: StepBehavior {
    func enter(_ node: FlowNode, in run: inout Run) -> String? {
        run.endFlow()
        return nil
    }
}
