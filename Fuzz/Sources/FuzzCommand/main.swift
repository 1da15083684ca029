import FlowEngine
import FlowModel
import FuzzSupport
import Simulator

/// The simulator's command parser and session: any bytes as typed lines, each parsed and, when it
/// parses, performed against the auto-ack flow. Nothing may trap; errors are one line.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCommand(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    guard let flow = Examples.flows.first(where: { $0.name.value == "auto-ack" }) ?? Examples.flows.first else { return 0 }
    var session = SimulatorSession(
        flow: flow,
        contact: ContactIdentity(waID: "15550001234", name: "Ana"),
        start: Timestamp(millisecondsSince1970: 1_793_786_400_000)
    )
    for line in text.split(separator: "\n", omittingEmptySubsequences: false).prefix(64) {
        guard let command = try? Command.parse(String(line), choices: session.choices), case .act(let action) = command else { continue }
        _ = try? session.perform(action)
    }
    return 0
}
