import FlowModel
import FlowStore
import Logging

/// Fires stored timers when they come due, with no message needed: reply timeouts, pauses,
/// before_expiry. Timers live in the store, so they survive a restart and fire late rather than never.
public actor TimerScheduler {
    let store: any FlowStore
    let clock: any ServerClock
    let logger: Logger
    let claims: Claims
    private var pipeline: EventPipeline?
    private var sleeping: (until: Timestamp, task: Task<Void, Error>)?
    private var stopping = false
    private var nudged = false

    public init(store: any FlowStore, clock: any ServerClock, logger: Logger, claims: Claims = Claims()) {
        self.claims = claims
        self.store = store
        self.clock = clock
        self.logger = logger
    }

    func attach(_ pipeline: EventPipeline) { self.pipeline = pipeline }

    /// A timer was set for `due`: wake early if the scheduler sleeps past it.
    func notify(_ due: Timestamp) {
        guard let sleeping else {
            nudged = true
            return
        }
        if due < sleeping.until { sleeping.task.cancel() }
    }

    func run() async {
        while !stopping, !Task.isCancelled {
            do {
                // Claimed first, so a timer fires on one replica; a fire that fails keeps the
                // claim, and the timer is taken again on the next round (or by another replica
                // once the claim expires).
                let now = clock.now()
                let due = try await store.claimDueTimers(claims.claim(at: now), now: now, limit: 512)
                if !due.isEmpty {
                    try await pipeline?.fire(due)
                    continue
                }
                let next = try await store.nextTimerDue(for: claims.worker)
                if nudged {
                    nudged = false
                    continue
                }
                // Wake at the next timer, and at least every lease to notice timers other replicas
                // set or left behind.
                let horizon = clock.now() + min(.minutes(1), claims.lease)
                await nap(until: min(next ?? horizon, horizon))
            } catch {
                if Task.isCancelled || stopping { return }
                logger.error("timer scheduling failed; trying again in a second", metadata: ["error": .wire("\(describeForOperator(error))")])
                await nap(until: clock.now() + .seconds(1))
            }
        }
    }

    /// Sleeps until `until`, or until ``stop()`` or an earlier timer cuts the sleep short.
    private func nap(until: Timestamp) async {
        // A stop that came while the store was read found no sleep to cut short.
        guard !stopping else { return }
        let task = Task { [clock] in try await clock.sleep(until: until) }
        sleeping = (until, task)
        _ = try? await task.value
        sleeping = nil
    }

    func stop() {
        stopping = true
        sleeping?.task.cancel()
    }
}
