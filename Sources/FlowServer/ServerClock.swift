import FlowModel
import Foundation
import Synchronization

/// Where the server gets the time and waits for it: the real clock in production, a manual one
/// in tests, so timers can be tested without sleeping.
public protocol ServerClock: Sendable {
    func now() -> Timestamp
    /// Returns at `time` (or at once when it has passed); throws when the task is cancelled.
    func sleep(until time: Timestamp) async throws
}

/// The system's wall clock.
public struct SystemClock: ServerClock {
    public init() {}

    public func now() -> Timestamp { Timestamp(Date()) }

    public func sleep(until time: Timestamp) async throws {
        let wait = time.millisecondsSince1970 - now().millisecondsSince1970
        if wait > 0 { try await Task.sleep(for: .milliseconds(wait)) }
    }
}

/// A clock that moves only when told: ``advance(to:)`` wakes every sleeper whose time has come.
public final class ManualClock: ServerClock {
    private struct Sleeper {
        var id: UInt64
        var time: Timestamp
        var continuation: CheckedContinuation<Void, Error>
    }

    private struct State {
        var now: Timestamp
        var sleepers: [Sleeper] = []
        var nextID: UInt64 = 0
    }

    private let state: Mutex<State>

    public init(start: Timestamp) { state = Mutex(State(now: start)) }

    public func now() -> Timestamp { state.withLock { $0.now } }

    /// Moves the clock forward (never back) and wakes the sleepers that are due.
    public func advance(to time: Timestamp) {
        let due = state.withLock { state -> [Sleeper] in
            state.now = max(state.now, time)
            let now = state.now
            let due = state.sleepers.filter { $0.time <= now }
            state.sleepers.removeAll { $0.time <= now }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    public func advance(by span: TimeSpan) { advance(to: now() + span) }

    /// How many tasks are waiting on the clock.
    public var sleepers: Int { state.withLock { $0.sleepers.count } }

    public func sleep(until time: Timestamp) async throws {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
                let resumeNow = state.withLock { state -> Bool in
                    if time <= state.now || Task.isCancelled { return true }
                    state.sleepers.append(Sleeper(id: id, time: time, continuation: continuation))
                    return false
                }
                if resumeNow {
                    if Task.isCancelled { continuation.resume(throwing: CancellationError()) } else { continuation.resume() }
                }
            }
        } onCancel: {
            let sleeper = state.withLock { state -> Sleeper? in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.sleepers.remove(at: index)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }
}
