import FlowStore
import Foundation

/// Tells open desk pages which conversations changed, as each commit lands, so they update
/// without reloading (server-sent events). A page that falls behind loses nothing but the
/// oldest notices: it reloads what it shows on the next one.
public actor DeskFeed {
    private var listeners: [UUID: AsyncStream<String>.Continuation] = [:]
    private var finished = false

    public init() {}

    /// The contact keys (`<number>:<contact>`) each commit changed, one line per key, until ``finish()``.
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

    /// One notice per commit, however many contacts it touched: their keys, one per line (a key
    /// holding a line break, which only hostile input makes, is left out).
    func changed(_ contacts: some Sequence<ContactKey>) {
        guard !listeners.isEmpty else { return }
        let keys = contacts.map(\.description).filter { !$0.contains(where: \.isNewline) }
        guard !keys.isEmpty else { return }
        let notice = keys.joined(separator: "\n")
        for listener in listeners.values { listener.yield(notice) }
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
