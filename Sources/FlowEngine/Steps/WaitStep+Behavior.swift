import FlowModel

extension WaitStep: StepBehavior {
    func enter(_ node: FlowNode, in sprint: inout Sprint) -> String? {
        switch mode {
        case .delay(let span): sprint.wait(at: node, for: .pause, timer: span)
        case .reply: sprint.wait(at: node, for: .reply, timer: node.input.timeout?.after)
        }
        return nil
    }
}
