import ArgumentParser
import FlowEngine
import FlowModel
import FlowStore
import FlowStoreSQLite
import Foundation

/// Fills a store with many contacts, each with a real state (one message through the flow), to
/// measure the server's memory with a large store.
struct PopulateBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "populate",
        abstract: "Fill a SQLite store with N contacts that have each written once."
    )

    @Option(help: "The SQLite file to fill (created if missing).")
    var store: String

    @Option(help: "The flow the contacts are in.")
    var flow = "flows/auto-ack.yaml"

    @Option(help: "The business phone number id.")
    var phoneNumberID = "106540352242922"

    @Option(help: "How many contacts.")
    var contacts = 1_000_000

    func run() async throws {
        guard let loaded = FlowLoader.load(file: flow).flow else { throw ValidationError("\(flow) did not load") }
        let engine = Engine(flow: loaded)
        let sqlite = try SQLiteStore(path: store)
        try await sqlite.migrate()
        let now = Timestamp(Date())
        let batch = 10_000
        let clock = ContinuousClock()
        let elapsed = try await clock.measure {
            for first in stride(from: 0, to: contacts, by: batch) {
                var commit = Commit(time: now)
                for index in first..<min(first + batch, contacts) {
                    let id = String(19_990_000_000 + index)
                    let key = ContactKey(phoneNumberID: phoneNumberID, contactID: id)
                    let message = InboundMessage(id: "wamid.populate.\(index)", sentAt: now, profileName: "Contact \(index)", content: .text("hello"))
                    let transition = engine.handle(.inbound(message), state: ContactState(contact: ContactIdentity(waID: id)), now: now)
                    commit.states[key] = transition.state
                    commit.seen.append(Commit.Seen(id: message.id, at: now))
                }
                _ = try await sqlite.commit(commit)
                try await sqlite.maintain()
            }
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: store)[.size] as? Int) ?? 0
        print("\(contacts) contacts written to \(store) in \(elapsed); file \(size / 1_048_576) MiB")
    }
}
