import ArgumentParser
import FlowModel
import GuardAudit

/// `flowgate bench guard`: random conversations of every event kind WhatsApp sends, checked after
/// every event against the session guard's promises; prints the violation count (must be 0).
struct GuardBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "guard",
        abstract: "Drive random events through a flow and count session-guard violations (exits 1 on any)."
    )

    @Option(help: "Engine events in all, split between the flows.")
    var events = 1_000_000

    @Option(help: "Events per simulated contact.")
    var perContact = 2_000

    @Option(help: "The random seed; the same seed replays the same run.")
    var seed: UInt64 = 1

    @Argument(help: "Flow files to drive.")
    var flows: [String] = ["flows/order-support.yaml", "flows/auto-ack.yaml"]

    func validate() throws { try requirePositive([("events", events), ("per-contact", perContact)]) }

    func run() throws {
        var total = 0
        for path in flows {
            let flow = try loadValidFlow(path)
            let share = events / max(1, flows.count)
            let report = GuardAudit(flow: flow, contacts: 1, eventsPerContact: perContact, seed: seed).run(minimumEvents: share)
            print("\(path): \(report.events) events over \(report.contacts) contacts (seed \(seed))")
            print(
                "  free-form \(report.freeForm), templates \(report.templates) (re-entry \(report.reentryTemplates)), from the desk \(report.personMessages), refusals \(report.refusals), late messages \(report.lateMessages)"
            )
            print("  held \(report.held), resumed \(report.resumed), dropped with a reason \(report.dropped), handoff events \(report.handoffEvents)")
            print("  violations: \(report.violationCount)")
            for violation in report.violations { print(violation) }
            total += report.violationCount
        }
        print("violations in all: \(total)")
        if total > 0 { throw ExitCode(1) }
    }
}
