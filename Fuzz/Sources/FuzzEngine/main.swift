import FlowEngine
import FlowModel
import Foundation
import FuzzSupport
import WhatsAppCloud

/// Webhook decoding plus the engine. The first byte picks the example flow and the mode: the rest
/// is either a webhook body (decoded, each message handed to the engine as the server does), or a
/// sequence of events of every kind (customer messages of every type, late ones, statuses for any
/// earlier message, timers, triggers, releases, a person taking over and writing from the desk).
/// Nothing may trap.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEngine(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    var input = ByteReader(start, count)
    let head = input.byte()
    let flows = Examples.flows
    let flow = flows[Int(head >> 1) % flows.count]
    var engine = Engine(flow: flow)
    if head & 1 == 1 { engine.windowNotice = .minutes(Int64(input.below(180))) }
    var person = VirtualContact(
        engine: engine,
        contact: ContactIdentity(waID: "31600000000", name: "Fuzz"),
        start: Timestamp(millisecondsSince1970: 1_793_786_400_000)
    )
    if head & 1 == 0 {
        let body = Data(JSONRepair.replacingLoneSurrogates(Array(input.rest())))
        guard let notification = try? JSONDecoder().decode(WebhookNotification.self, from: body) else { return 0 }
        for entry in notification.entry.compactMap(\.value) {
            for change in entry.changes.compactMap(\.value) {
                for message in (change.value.messages ?? []).compactMap(\.value) {
                    person.handle(.inbound(InboundMessage(webhook: message, profileName: change.value.contacts?.first?.value?.profile?.name)))
                }
                for status in (change.value.statuses ?? []).compactMap(\.value) {
                    guard let state = DeliveryStatus.State(rawValue: status.status), let sent = person.state.awaitingStatus.first else { continue }
                    let errors = (status.errors ?? []).map { DeliveryStatus.Failure(code: $0.code, title: $0.title ?? "") }
                    person.handle(.status(DeliveryStatus(ref: sent.ref, state: state, errors: errors)))
                }
            }
        }
        return 0
    }
    var number = 0
    while !input.isEmpty {
        number += 1
        let sentAt = person.now - TimeSpan(milliseconds: Int64(input.below(256)) * 600_000)
        func inbound(_ content: InboundMessage.Content) -> Event {
            .inbound(InboundMessage(id: "wamid.\(number)", sentAt: sentAt, content: content))
        }
        switch input.below(18) {
        case 0, 1: person.handle(inbound(.text(input.text())))
        case 2: person.handle(inbound(.buttonReply(id: input.text(limit: 8), title: input.text(limit: 24))))
        case 3: person.handle(inbound(.listReply(id: input.text(limit: 8), title: input.text(limit: 24), description: nil)))
        case 4: person.handle(inbound(.quickReply(payload: input.text(), text: input.text(limit: 25))))
        case 5:
            let kind = MediaKind.allCases[input.below(MediaKind.allCases.count)]
            person.handle(inbound(.media(kind: kind, id: input.text(limit: 8), caption: input.text(), filename: nil, voice: input.byte() & 1 == 1)))
        case 6:
            person.handle(
                inbound(
                    .location(latitude: Double(input.below(181)) - 90, longitude: Double(input.below(256)) - 128, name: input.text(), address: nil)
                )
            )
        case 7: person.handle(inbound(.contacts([.init(name: input.text(), phone: input.text(limit: 16))])))
        case 8: person.handle(inbound(.reaction(messageID: input.text(limit: 8), emoji: input.text(limit: 4))))
        case 9: person.handle(inbound(.other(type: input.text(limit: 12))))
        case 10:
            let nodes = flow.nodeOrder
            guard !nodes.isEmpty else { break }
            person.handle(.trigger(BusinessTrigger(node: nodes[input.below(nodes.count)], parameters: [input.text(limit: 8): input.text()])))
        case 11, 12:
            let awaiting = person.state.awaitingStatus
            guard !awaiting.isEmpty else { break }
            let sent = awaiting[input.below(awaiting.count)]
            let states: [DeliveryStatus.State] = [.sent, .delivered, .read, .played, .failed]
            let codes = [131047, 131026, 131049, 130429, 131056, Int(input.byte())]
            let state = states[input.below(states.count)]
            let errors = state == .failed ? [DeliveryStatus.Failure(code: codes[input.below(codes.count)], title: "fuzz")] : []
            person.handle(.status(DeliveryStatus(ref: sent.ref, state: state, errors: errors)))
        case 13: person.handle(.release)
        case 14: person.handle(.takeOver(agent: input.text(limit: 8)))
        case 15:
            let agent = input.byte() & 1 == 1 ? person.state.handoff?.agent ?? "" : input.text(limit: 8)
            let keys = flow.templates.keys.sorted()
            let content: AgentMessage.Content =
                input.byte() & 1 == 1 || keys.isEmpty
                ? .text(input.text())
                : .template(key: keys[input.below(keys.count)], parameters: (0..<input.below(4)).map { _ in input.text(limit: 12) })
            person.handle(.agentMessage(AgentMessage(agent: agent, content: content)))
        default:
            person.advance(to: person.now + TimeSpan(milliseconds: Int64(input.below(256)) * Int64(input.below(256) + 1) * 60_000))
        }
    }
    return 0
}
