import FlowModel

extension HandoffStep: StepBehavior {
    /// Silences the bot until a person hands the contact back.
    func enter(_ node: FlowNode, in sprint: inout Sprint) -> String? {
        sprint.state.handoff = ContactState.Handoff(node: node.id, queue: queue, since: sprint.now)
        sprint.note(.handoffStarted(node: node.id, queue: queue))
        sprint.wait(at: node, for: .handoff, timer: nil)
        return nil
    }
}
