import FlowModel
import FlowStore
import Logging
import Metrics
import WhatsAppCloud

/// Sends outbox messages to the Graph API: each contact's messages in order, one at a time;
/// different contacts concurrently; each business number held to its send rate; 429, 5xx,
/// 130429 and 131056 retried with exponential backoff and jitter; permanent errors recorded and
/// fed back to the engine (131047 sends the flow to its re-entry template).
public actor Dispatcher {
    public struct Settings: Sendable {
        /// Messages per second per business number (WhatsApp's default is 80).
        public var ratePerSecond: [String: Double] = [:]
        public var defaultRate = Double(WhatsAppLimits.defaultMessagesPerSecond)
        /// Sends in flight at once, across contacts.
        public var concurrency = 64
        /// How long a message may keep being retried after it was queued: past it, a transient
        /// error counts as permanent and the send is listed under the admin API's failed sends.
        public var retryFor = TimeSpan.hours(24)
        /// Tries before a transient error counts as permanent, whatever the time (nil: no limit).
        public var maxAttempts: Int? = nil
        /// This process's claims on outbox messages.
        public var claims = Claims()
        /// Keep each number's rate together with other processes on the same store (replicas):
        /// send slots are reserved in the store, a tenth of a second's worth at a time.
        public var sharedRate = false
        public var firstBackoff = TimeSpan.seconds(1)
        public var maxBackoff = TimeSpan.minutes(10)

        public init() {}
    }

    let sender: any GraphSender
    let store: any FlowStore
    let clock: any ServerClock
    let metrics: ServerMetrics
    let logger: Logger
    let settings: Settings
    private var pipeline: EventPipeline?

    private var queues: [ContactKey: [OutboxRecord]] = [:]
    private var ready: [ContactKey] = []
    private var readyHead = 0
    private var busy: Set<ContactKey> = []
    private var known: Set<Int64> = []
    private var waiters: [CheckedContinuation<OutboxRecord?, Never>] = []
    private var stopping = false
    private var nextSlot: [String: Timestamp] = [:]
    /// Send slots reserved in the store and not yet used, per number (``Settings/sharedRate``).
    private var reserved: [String: (next: Timestamp, left: Int)] = [:]
    private var references: [String: SentMessage] = [:]
    private var outcomes: [SendResult] = []
    /// Messages with outcomes not yet stored, and how many each. A worker takes no new send until
    /// its last outcome is stored, so after a crash of the process at most `concurrency` messages
    /// can go twice: those sent, or being sent, whose outcome was not yet written. (A crash of the
    /// machine can also take back the outcomes of the last fraction of a second, which the store
    /// writes without waiting for the disk: see ``FlowStore/record(_:at:)``.) A message can have
    /// two: a retry's backoff may pass before its first outcome is stored, and another worker
    /// send it.
    private var unrecorded: [Int64: Int] = [:]
    /// Outcomes noted so far, and of those stored: batches are stored in the order noted (one at
    /// a time; a failed one goes back to the front), so the outcome noted `n`-th is stored once
    /// `stored` reaches `n`.
    private var noted = 0
    private var stored = 0
    /// Workers waiting for the outcome noted `n`-th to be stored.
    private var recordWaiters: [(n: Int, continuation: CheckedContinuation<Void, Never>)] = []
    /// The flusher gave up storing outcomes (``abandonRecording()``).
    private var abandoned = false
    private var flusher: CheckedContinuation<Void, Never>?
    /// Workers still running: the flusher outlives them all, since each waits for its last outcome.
    private var activeWorkers = 0
    private var naps: [UInt64: Task<Void, Error>] = [:]
    /// What reads the store's offers, cancelled on stop.
    private var listening: Task<Void, Never>?
    private var napCounter: UInt64 = 0

    public init(
        sender: any GraphSender,
        store: any FlowStore,
        clock: any ServerClock,
        metrics: ServerMetrics,
        logger: Logger,
        settings: Settings = Settings()
    ) {
        self.sender = sender
        self.store = store
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
        self.settings = settings
    }

    func attach(_ pipeline: EventPipeline) { self.pipeline = pipeline }

    /// Messages waiting to be sent, in memory (each queued message's id is in `known` until its
    /// send is finished: counting them is O(1), where summing the queues was a walk over every
    /// contact with a message waiting, at every send).
    public var depth: Int { known.count }

    /// Queues a failed message again (admin API), from now, with a fresh retry budget.
    func retry(_ id: Int64) async throws -> OutboxRecord? {
        let now = clock.now()
        guard let record = try await store.retryFailed(id: id, at: now, claim: settings.claims.claim(at: now)) else { return nil }
        submit([record])
        return record
    }

    /// Takes committed messages; sending starts at once. A message already queued, or sent with
    /// its outcome not yet written (still pending in the store, so a takeover of its contact
    /// returns it again), is not taken twice.
    func submit(_ records: [OutboxRecord]) {
        let now = clock.now()
        for record in records where unrecorded[record.id] == nil && known.insert(record.id).inserted {
            let wasIdle = queues[record.contact, default: []].isEmpty
            queues[record.contact, default: []].append(record)
            guard wasIdle, !busy.contains(record.contact) else { continue }
            if record.notBefore > now {
                // Left in backoff by an earlier run.
                busy.insert(record.contact)
                Task { await self.resume(record.contact, at: record.notBefore) }
            } else {
                makeReady(record.contact)
            }
        }
        metrics.outboxDepth.record(depth)
    }

    /// The contact and the engine reference for WhatsApp message id `wamid`, once the Graph API
    /// accepted its send (recent ones; older ones are read from the outbox).
    public func reference(for wamid: String) -> SentMessage? { references[wamid] }

    private func makeReady(_ contact: ContactKey) {
        if let waiter = waiters.popLast() {
            busy.insert(contact)
            waiter.resume(returning: queues[contact]?.first)
        } else {
            ready.append(contact)
        }
    }

    private func next() async -> OutboxRecord? {
        while readyHead < ready.count {
            let contact = ready[readyHead]
            readyHead += 1
            if readyHead > 1024, readyHead * 2 > ready.count {
                ready.removeFirst(readyHead)
                readyHead = 0
            }
            guard let head = queues[contact]?.first else { continue }
            busy.insert(contact)
            return head
        }
        if stopping { return nil }
        return await withCheckedContinuation { waiters.append($0) }
    }

    /// When this number may send next, keeping to its rate (a burst of one second's worth is allowed).
    private func reserve(_ phoneNumberID: String) async -> Timestamp {
        let rate = settings.ratePerSecond[phoneNumberID] ?? settings.defaultRate
        let spacing = TimeSpan(milliseconds: max(0, Int64((1000.0 / max(rate, 0.001)).rounded(.down))))
        guard spacing.milliseconds > 0 else { return clock.now() }
        let now = clock.now()
        if settings.sharedRate { return await reserveShared(phoneNumberID, rate: rate, spacing: spacing, now: now) }
        let earliest = max(nextSlot[phoneNumberID] ?? now, now - .seconds(1))
        nextSlot[phoneNumberID] = earliest + spacing
        return max(earliest, now)
    }

    /// A slot from those this process reserved in the store; a new reservation when they are used
    /// up or more than a second old (slots used late would bunch up).
    private func reserveShared(_ phoneNumberID: String, rate: Double, spacing: TimeSpan, now: Timestamp) async -> Timestamp {
        if let slots = reserved[phoneNumberID], slots.left > 0, slots.next >= now - .seconds(1) {
            reserved[phoneNumberID] = (slots.next + spacing, slots.left - 1)
            return max(slots.next, now)
        }
        let count = max(1, Int(rate / 10))
        while true {
            do {
                let first = try await store.reserveSendSlots(phoneNumberID: phoneNumberID, count: count, spacing: spacing, now: clock.now())
                reserved[phoneNumberID] = (first + spacing, count - 1)
                return max(first, clock.now())
            } catch {
                // No send without a slot: wait and ask again (stopping ends the wait, and the
                // message stays pending).
                logger.error("could not reserve send slots; asking again in a second", metadata: ["error": .wire("\(describeForOperator(error))")])
                guard await nap(until: clock.now() + .seconds(1)) else { return clock.now() }
            }
        }
    }

    /// Handles a send's result; returns its outcome's place among those noted (see ``untilStored(_:)``).
    private func complete(_ record: OutboxRecord, _ result: GraphSendResult) async -> Int {
        let contact = record.contact
        let n: Int
        switch result {
        case .accepted(let wamid):
            metrics.sendsSent.increment()
            if !wamid.isEmpty {  // an event delivery has none
                references[wamid] = SentMessage(contact: contact, ref: record.ref)
                if references.count > 200_000 { references.removeAll(keepingCapacity: true) }
            }
            n = note(record.id, .sent(wamid: wamid))
            finishHead(of: contact)
        case .refused, .unreachable:
            let attempts = record.attempts + 1
            let (code, reason) = Self.describe(result)
            let withinBudget =
                (record.queuedAt.adding(settings.retryFor).map { clock.now() < $0 } ?? true)
                && (settings.maxAttempts.map { attempts < $0 } ?? true)
            if result.isTransient, withinBudget {
                metrics.sendsRetried.increment()
                let delay = backoff(attempts: attempts)
                let at = clock.now() + delay
                n = note(record.id, .retry(at: at, reason: reason))
                queues[contact]?[0].attempts = attempts
                queues[contact]?[0].notBefore = at
                logger.notice(
                    "send will be retried",
                    metadata: [
                        "contact": .wire("\(contact)"), "ref": "\(record.ref)", "attempt": "\(attempts)",
                        "in": "\(delay)", "reason": .wire(reason),
                    ]
                )
                // The contact stays busy through its backoff, without holding a worker.
                Task { await self.resume(contact, at: at) }
            } else {
                metrics.sendsFailed.increment()
                n = note(record.id, .failed(code: code, reason: reason))
                logger.warning(
                    "send failed for good",
                    metadata: [
                        "contact": .wire("\(contact)"), "ref": "\(record.ref)", "code": "\(code.map(String.init) ?? "-")",
                        "reason": .wire(reason),
                    ]
                )
                finishHead(of: contact)
                if EventSink.sinkIndex(ofNumber: contact.phoneNumberID) == nil {
                    // A message's failure is the flow's business; an event delivery's is not.
                    await pipeline?.sendFailed(record, code: code, reason: reason)
                }
            }
        }
        metrics.outboxDepth.record(depth)
        return n
    }

    /// Queues an outcome for the next commit, wakes the flusher, and returns the outcome's place
    /// among those noted.
    private func note(_ id: Int64, _ outcome: SendOutcome) -> Int {
        outcomes.append(SendResult(id: id, outcome: outcome))
        unrecorded[id, default: 0] += 1
        noted += 1
        wakeFlusher()
        return noted
    }

    private func wakeFlusher() {
        if let flusher {
            self.flusher = nil
            flusher.resume()
        }
    }

    /// Returns once the outcome noted `n`-th is stored, or the flusher has given up (a forced stop).
    private func untilStored(_ n: Int) async {
        guard stored < n, !abandoned else { return }
        await withCheckedContinuation { recordWaiters.append((n, $0)) }
    }

    /// A forced stop while the store refuses outcomes: the flusher stops trying, so no worker may
    /// wait for one any more (what is not recorded stays pending and may go again after the
    /// restart).
    private func abandonRecording() {
        abandoned = true
        for waiter in recordWaiters { waiter.continuation.resume() }
        recordWaiters.removeAll()
    }

    /// Makes a contact sendable again once its backoff has passed (at once when stopping: the
    /// worker then leaves the message pending for the next run).
    private func resume(_ contact: ContactKey, at time: Timestamp) async {
        _ = await nap(until: time)
        busy.remove(contact)
        if stopping { return }
        makeReady(contact)
    }

    private func finishHead(of contact: ContactKey) {
        if let first = queues[contact]?.first { known.remove(first.id) }
        queues[contact]?.removeFirst()
        busy.remove(contact)
        if queues[contact]?.isEmpty ?? true { queues[contact] = nil } else { makeReady(contact) }
    }

    /// 1s, 2s, 4s … up to the maximum, each scaled by a random 0.5–1.5 so retries spread out.
    private func backoff(attempts: Int) -> TimeSpan {
        let base = Double(settings.firstBackoff.milliseconds) * pow2(attempts - 1)
        let capped = min(base, Double(settings.maxBackoff.milliseconds))
        return TimeSpan(milliseconds: Int64(capped * Double.random(in: 0.5...1.5)))
    }

    private func pow2(_ exponent: Int) -> Double { exponent <= 0 ? 1 : Double(1 << min(exponent, 30)) }

    static func describe(_ result: GraphSendResult) -> (code: Int?, reason: String) {
        switch result {
        case .accepted: (nil, "")
        case .refused(let status, let code, let message): (code, "HTTP \(status): \(message)")
        case .unreachable(let message): (nil, "unreachable: \(message)")
        }
    }

    // MARK: Running

    /// Takes over what no live worker holds (what this process left unsent before a restart, or
    /// a dead replica's messages), then sends until ``stop()``; in-flight sends finish, and what
    /// is left unsent is released for another replica (or the next start) to take at once.
    func run() async {
        let worker = settings.claims.worker
        do {
            // A restarted process with the same name (one SQLite store) takes its own back at once.
            try await store.releaseClaims(worker: worker)
            let pending = try await store.claimOutbox(settings.claims.claim(at: clock.now()), now: clock.now(), limit: 1_000_000)
            if !pending.isEmpty { logger.info("resuming unsent messages", metadata: ["count": "\(pending.count)"]) }
            submit(pending)
        } catch is CancellationError {
            return
        } catch {
            logger.error("could not load the outbox", metadata: ["error": .wire("\(describeForOperator(error))")])
        }
        activeWorkers = settings.concurrency
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<settings.concurrency {
                group.addTask { await self.work() }
            }
            group.addTask { await self.flushLoop() }
            group.addTask { await self.keepClaims() }
            group.addTask { await self.takeOffers() }
        }
        await flush()
        do {
            try await store.releaseClaims(worker: worker)
        } catch {
            logger.notice("could not release claims; they expire on their own", metadata: ["error": .wire("\(describeForOperator(error))")])
        }
    }

    /// Every third of a lease: renews this process's claims, and takes over messages whose claim
    /// has expired (a replica that died) or that wait unclaimed behind them.
    private func keepClaims() async {
        while await nap(until: clock.now() + settings.claims.renewEvery) {
            let now = clock.now()
            let claim = settings.claims.claim(at: now)
            do {
                try await store.renewClaims(claim)
            } catch {
                logger.error("could not renew claims", metadata: ["error": .wire("\(describeForOperator(error))")])
            }
            await takeOver()
        }
    }

    /// Takes over at once what another process leaves (stored unclaimed, or released on its way
    /// down), as the store announces it; ``keepClaims()`` remains the slow safety net.
    private func takeOffers() async {
        let offers = store.outboxOffers()
        let task = Task {
            for await _ in offers { await self.takeOver() }
        }
        listening = task
        if stopping { task.cancel() }
        await task.value
    }

    /// Claims the messages no live worker holds and queues them: a dead replica's, and those a
    /// commit left unclaimed behind them.
    func takeOver() async {
        let now = clock.now()
        do {
            let taken = try await store.claimOutbox(settings.claims.claim(at: now), now: now, limit: 10_000)
            guard !taken.isEmpty else { return }
            metrics.claimsTakenOver.increment(by: taken.count)
            logger.info("took over messages no live worker held", metadata: ["count": "\(taken.count)"])
            submit(taken)
        } catch {
            logger.error("could not take over messages", metadata: ["error": .wire("\(describeForOperator(error))")])
        }
    }

    /// One of `concurrency` workers (counted in `activeWorkers` before they start).
    private func work() async {
        defer {
            activeWorkers -= 1
            wakeFlusher()
        }
        while let record = await next() {
            guard await nap(until: await reserve(record.contact.phoneNumberID)) else {
                // Stopping: the message stays pending in the store and goes after the restart.
                busy.remove(record.contact)
                return
            }
            let started = ContinuousClock.now
            let result = await sender.send(phoneNumberID: record.contact.phoneNumberID, body: record.body)
            metrics.sendLatency.recordInterval(since: started)
            await untilStored(await complete(record, result))
        }
    }

    /// Waits until `time` on the server clock; false when ``stop()`` cut the wait short.
    private func nap(until time: Timestamp) async -> Bool {
        if time > clock.now(), !stopping {
            napCounter += 1
            let id = napCounter
            let task = Task { [clock] in try await clock.sleep(until: time) }
            naps[id] = task
            _ = try? await task.value
            naps[id] = nil
        }
        return !stopping
    }

    /// Stores outcomes as they come: every outcome noted while one commit runs goes in the next,
    /// so busy workers share commits.
    private func flushLoop() async {
        while true {
            if outcomes.isEmpty {
                if stopping, activeWorkers == 0 { return }
                await withCheckedContinuation { flusher = $0 }
                continue
            }
            if await !flush() {
                // Cancelled (the process is going down without a graceful stop): what is not
                // recorded stays pending and may go again after the restart.
                if Task.isCancelled {
                    abandonRecording()
                    return
                }
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// Stores the queued outcomes and releases the workers waiting on them; false on a store error.
    @discardableResult
    private func flush() async -> Bool {
        guard !outcomes.isEmpty else { return true }
        let batch = outcomes
        outcomes.removeAll(keepingCapacity: true)
        do {
            try await store.record(batch, at: clock.now())
        } catch {
            outcomes.insert(contentsOf: batch, at: 0)
            logger.error("could not record send results; retrying", metadata: ["error": "\(describeForOperator(error))"])
            return false
        }
        for result in batch {
            let left = (unrecorded[result.id] ?? 1) - 1
            unrecorded[result.id] = left > 0 ? left : nil
        }
        stored += batch.count
        let done = recordWaiters.filter { $0.n <= stored }
        recordWaiters.removeAll { $0.n <= stored }
        for waiter in done { waiter.continuation.resume() }
        return true
    }

    /// Stops taking new sends; sends in flight finish and their results are stored.
    func stop() {
        stopping = true
        for waiter in waiters { waiter.resume(returning: nil) }
        waiters.removeAll()
        for nap in naps.values { nap.cancel() }
        listening?.cancel()
        wakeFlusher()
    }
}

extension Metrics.Timer {
    func recordInterval(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }
}
