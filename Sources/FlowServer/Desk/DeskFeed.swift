import FlowStore
import Foundation

/// Tells open desk pages which conversations changed, as each commit lands, so they update
/// without reloading (server-sent events). A page that falls behind loses nothing but the
/// oldest notices: it reloads what it shows on the next one.
public actor DeskFeed {
    private var listeners: [UUID: AsyncStream<String>.Continuation] = [:]
    private var finished = false

    public init() {}

    /// Contact keys (`<number>:<contact>`) as their conversations change, until ``finish()``.
    public func changes() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(256))
        guard !finished else {
            continuation.finish()
            return stream
        }
        let id = UUID()
        listeners[id] = continuation
        continuation.onTermination = { _ in Task { await self.remove(id) } }
        return stream
    }

    private func remove(_ id: UUID) { listeners[id] = nil }

    func changed(_ contacts: some Sequence<ContactKey>) {
        guard !listeners.isEmpty else { return }
        for contact in contacts {
            for listener in listeners.values { listener.yield(contact.description) }
        }
    }

    /// Yields an empty key to every page: writing it finds the connections that went away.
    func heartbeat() {
        for listener in listeners.values { listener.yield("") }
    }

    /// Ends every stream: the server is stopping, and open pages must not hold it up.
    func finish() {
        finished = true
        for listener in listeners.values { listener.finish() }
        listeners = [:]
    }
}
