import ArgumentParser
import FlowEngine
import FlowModel
import Foundation
import WhatsAppCloud

/// Events per second through the engine on one core, with outbound payloads rendered.
struct EngineBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Time the engine on a scripted conversation mix (one core)."
    )

    @Option(help: "The flow to drive.")
    var flow = "flows/order-support.yaml"

    @Option(help: "Contacts in the mix.")
    var contacts = 1000

    @Option(help: "Timed repetitions of the whole mix (after one warm-up).")
    var runs = 9

    @Flag(name: .customLong("encode-payloads"), help: "Also encode every outbound payload to JSON bytes, as the dispatcher does.")
    var encodePayloads = false

    func validate() throws { try requirePositive([("contacts", contacts), ("runs", runs)]) }

    func run() throws {
        let loaded = try loadValidFlow(flow)
        let engine = Engine(flow: loaded)
        let script = Self.script(for: loaded)
        let start = Timestamp(iso8601: "2026-11-02T10:00:00Z")!
        let clock = ContinuousClock()
        var rates: [Double] = []
        var checksum = 0
        for run in 0...runs {
            var states = (0..<contacts).map { ContactState(contact: ContactIdentity(waID: "3161\(100_000 + $0)", name: "Contact \($0)")) }
            var events = 0
            let elapsed = clock.measure {
                for (step, event) in script.enumerated() {
                    let now = start + .seconds(Int64(step * 30))
                    for index in states.indices {
                        let resolved = Self.resolve(event, state: states[index])
                        let transition = engine.handle(resolved, state: states[index], now: now)
                        states[index] = transition.state
                        checksum &+= transition.messages.count
                        if encodePayloads {
                            for message in transition.messages { checksum &+= (try? message.payload.jsonData().count) ?? 0 }
                        }
                        events += 1
                    }
                }
            }
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            if run > 0 { rates.append(Double(events) / seconds) }
        }
        rates.sort()
        let median = rates[rates.count / 2]
        print(
            "flow: \(loaded.name.value); \(contacts) contacts × \(script.count) events per run; payloads rendered\(encodePayloads ? " and JSON-encoded" : "")"
        )
        print("runs: \(runs); messages out per run: \(checksum / (runs + 1))")
        print(String(format: "events/s  median %.0f  (min %.0f, max %.0f)  = %.2f µs/event", median, rates.first!, rates.last!, 1e6 / median))
    }

    /// A realistic order-support conversation; statuses refer to the contact's latest message.
    static func script(for flow: Flow) -> [Event] {
        func text(_ body: String) -> Event { .inbound(InboundMessage(id: "m", content: .text(body))) }
        return [
            text("hi"),
            .inbound(InboundMessage(id: "m", content: .buttonReply(id: "track", title: "Track my order"))),
            text("12345"),
            text("ORD-12345"),
            .status(DeliveryStatus(ref: "latest", state: .delivered)),
            .inbound(InboundMessage(id: "m", content: .listReply(id: "am", title: "Morning", description: nil))),
            .status(DeliveryStatus(ref: "latest", state: .read)),
            text("menu"),
            text("3"),
            .inbound(InboundMessage(id: "m", content: .listReply(id: "store", title: "Visit a store", description: nil))),
            .trigger(BusinessTrigger(node: "shipped_notice", parameters: ["order_id": "ORD-12345", "carrier": "DHL"])),
            .inbound(InboundMessage(id: "m", content: .quickReply(payload: "Change delivery", text: "Change delivery"))),
            text("Afternoon"),
            text("stop"),
        ]
    }

    static func resolve(_ event: Event, state: ContactState) -> Event {
        guard case .status(var status) = event, let latest = state.awaitingStatus.last else { return event }
        status.ref = latest.ref
        return .status(status)
    }
}
