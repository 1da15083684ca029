import FlowModel

extension WaitStep: StepBehavior {
    func enter(_ node: FlowNode, in run: inout Run) -> String? {
        switch mode {
        case .delay(let span): run.wait(at: node, for: .pause, timer: span)
        case .reply: run.wait(at: node, for: .reply, timer: node.input.timeout?.after)
        }
        return nil
    }
}
