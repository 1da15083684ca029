import FlowModel
import FlowStore

/// Who this server process is to the store, and how long its claims on outbox messages and timers
/// last: it renews them every third of `lease` while it runs, so when it dies another replica
/// takes its work over within one lease.
public struct Claims: Sendable {
    /// The process's name in the store. A SQLite store allows one process, so it keeps one stable
    /// name and takes its own claims back at once after a restart; PostgreSQL replicas each take
    /// a new one at start.
    public var worker: String
    public var lease: TimeSpan

    public init(worker: String = "local", lease: TimeSpan = .seconds(30)) {
        self.worker = worker
        self.lease = lease
    }

    /// A claim from `now` for one lease.
    public func claim(at now: Timestamp) -> Claim {
        Claim(worker: worker, until: now + lease)
    }

    /// How often claims are renewed, and other replicas' expired ones looked for.
    public var renewEvery: TimeSpan { TimeSpan(milliseconds: max(lease.milliseconds / 3, 100)) }
}
