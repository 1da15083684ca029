import FlowModel

extension HandoffStep: StepBehavior {
    /// Silences the bot until a person hands the contact back.
    func enter(_ node: FlowNode, in run: inout Run) -> String? {
        run.state.handoff = ContactState.Handoff(node: node.id, queue: queue, since: run.now)
        run.note(.handoffStarted(node: node.id, queue: queue))
        run.wait(at: node, for: .handoff, timer: nil)
        return nil
    }
}
