import CoreMetrics
import FlowEngine
import FlowModel
import FlowStore
import Logging
import WhatsAppCloud

/// Runs every contact's events through its number's engine, in arrival order, one at a time, and
/// commits each batch (states, seen ids, outbox, timers) in one transaction before anyone hears
/// back. Batching is what makes durable commits cheap: while one batch commits, the next gathers.
///
/// Every state is committed as a replacement of the version it was computed from, so a cached
/// state another process (a replica on the same database) has moved on is caught by the store:
/// the batch is stored not at all and runs again from the stored state, in the same order.
public actor EventPipeline {
    struct Job {
        var items: [Incoming]
        /// Timers that fired, deleted in the same commit unless replaced.
        var fired: [StoredTimer] = []
        var deadLetters: [Commit.DeadLetter] = []
        var continuation: CheckedContinuation<[Transition], Error>?
        /// Times the job ran against a state another process had replaced.
        var staleRuns = 0
    }

    /// How often a job may meet a state changed meanwhile before its webhook is answered 500
    /// (and retried by the platform later).
    static let staleRunLimit = 8

    /// How far from now a status's own time may be for its webhook to be answered 503, and
    /// redelivered by the platform, when its message id belongs to no send this server knows of.
    ///
    /// A status can overtake the record of its own send: WhatsApp may post it before the Graph
    /// API's answer to the send reaches the dispatcher, and with several replicas it may reach
    /// one before the replica that sent the message has stored the message id. Dropped, a
    /// `failed` status (a 131047 refusal) would never send the flow to its re-entry template.
    /// A status further from now, or with no time, is for a message Flowgate did not send, or
    /// whose outbox row was pruned: it is dropped, so the platform does not redeliver it for days.
    static let earlyStatusWindow = TimeSpan.minutes(10)

    /// What became of a batch's commit.
    enum Outcome {
        case stored
        /// Not stored; `rerun` when it may simply run again (it met a changed state, or followed a
        /// batch that did).
        case failed(rerun: Bool)
    }

    let engines: [String: Engine]
    let store: any FlowStore
    let clock: any ServerClock
    let metrics: ServerMetrics
    let logger: Logger
    let cacheLimit: Int
    let maxBatch: Int
    let claims: Claims
    /// False on a store other processes write too: a batch then reads its message ids, and
    /// checks each cached state's version, from the store (another replica may have moved it on:
    /// then it is read again, instead of the batch running twice), until checks stop finding
    /// moved states (see `quietChecks`).
    let keepsCommittedStates: Bool
    /// Whether commits carry the conversation log (the desk's transcript): on with the desk.
    let logsConversations: Bool
    /// Where events go out; each event a transition produces is an outbox message per sink.
    let eventSinks: [EventSink]

    private var queue: [Job] = []
    /// Jobs to run again, in their order, before anything newer.
    private var rerun: [Job] = []
    private var wake: CheckedContinuation<Void, Never>?
    private var stopping = false
    /// Set once a graceful shutdown has begun.
    var isStopping: Bool { stopping }
    /// Jobs waiting for the loop to take them (for tests).
    var queuedJobs: Int { queue.count }
    private var cache: [ContactKey: ContactState] = [:]
    /// The version each cached state will have once stored: what the next commit replaces.
    private var versions: [ContactKey: Int64] = [:]
    /// Batches prepared and not yet committed (the one committing included), per contact they
    /// touch: their cached state is ahead of the store, and needed until the last of them commits.
    private var inFlight: [ContactKey: Int] = [:]
    /// On a store other processes write too: batches in a row whose check found every cached
    /// state as this process left it, and no commit since refused for what another process
    /// stored. From ``quietChecksToTrust`` on, a batch whose states are all cached is not checked
    /// (a round trip less): the commit still refuses a state another process moved on, and then
    /// checking starts again. Behind a balancer that spreads each contact over the replicas the
    /// checks keep finding moved states, and every batch is checked.
    private var quietChecks = 0
    static let quietChecksToTrust = 100
    /// Message ids of batches prepared but not yet committed, so a redelivery in the next batch is caught.
    private var uncommittedSeen: Set<String> = []
    /// Message ids committed lately. A batch's snapshot of the store can predate the commit of the
    /// batch before it (they are pipelined), so an id leaves `uncommittedSeen` only into this, and
    /// is forgotten once far more ids have been committed since.
    private var recentlyCommitted = RecentIDs(capacity: 100_000)
    private var dispatcher: Dispatcher?
    private var scheduler: TimerScheduler?
    private var feed: DeskFeed?

    public init(
        engines: [String: Engine],
        store: any FlowStore,
        clock: any ServerClock,
        metrics: ServerMetrics,
        logger: Logger,
        cacheLimit: Int = 20_000,
        maxBatch: Int = 512,
        claims: Claims = Claims(),
        keepsCommittedStates: Bool = true,
        logsConversations: Bool = false,
        eventSinks: [EventSink] = []
    ) {
        self.eventSinks = eventSinks
        self.logsConversations = logsConversations
        self.claims = claims
        self.keepsCommittedStates = keepsCommittedStates
        self.engines = engines
        self.store = store
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
        self.cacheLimit = cacheLimit
        self.maxBatch = maxBatch
    }

    func attach(dispatcher: Dispatcher, scheduler: TimerScheduler, feed: DeskFeed?) {
        self.dispatcher = dispatcher
        self.scheduler = scheduler
        self.feed = feed
    }

    // MARK: Submitting work

    /// Queues items and returns once they are durably committed, with what each did.
    func submit(_ items: [Incoming], deadLetters: [Commit.DeadLetter] = []) async throws -> [Transition] {
        try await withCheckedThrowingContinuation { continuation in
            enqueue(Job(items: items, deadLetters: deadLetters, continuation: continuation))
        }
    }

    /// Fires timers that came due.
    func fire(_ timers: [StoredTimer]) async throws {
        let items = timers.map { Incoming(contact: $0.contact, identity: nil, kind: .event(.timer($0.timer)), dedupeID: nil) }
        _ = try await withCheckedThrowingContinuation { continuation in
            enqueue(Job(items: items, fired: timers, continuation: continuation))
        }
    }

    /// Feeds a message the Graph API refused for good back to the engine as a failed status.
    func sendFailed(_ record: OutboxRecord, code: Int?, reason: String) {
        let status = DeliveryStatus(ref: record.ref, state: .failed, errors: [DeliveryStatus.Failure(code: code ?? 0, title: reason)])
        enqueue(Job(items: [Incoming(contact: record.contact, identity: nil, kind: .event(.status(status)), dedupeID: nil)]))
    }

    /// The contact's state as the engine sees it now.
    public func state(of contact: ContactKey) async throws -> ContactState? {
        // On a shared store, a cached state may be behind another replica's, unless it is ahead.
        if let cached = cache[contact], keepsCommittedStates || inFlight[contact] != nil { return cached }
        return try await store.states(for: [contact])[contact]
    }

    /// The engine serving a business number.
    public func engine(for phoneNumberID: String) -> Engine? { engines[phoneNumberID] }

    /// Runs an event for one contact (admin API) and returns what it did.
    public func perform(_ event: Event, for contact: ContactKey) async throws -> Transition? {
        let identity = ContactIdentity(waID: contact.contactID)
        return try await submit([Incoming(contact: contact, identity: identity, kind: .event(event), dedupeID: nil)]).first
    }

    private func enqueue(_ job: Job) {
        queue.append(job)
        wakeLoop()
    }

    // MARK: The loop

    /// A batch the engine has run, waiting for (or in) its commit.
    struct Prepared {
        var jobs: [Job]
        var commit: Commit
        var results: [[Transition]]
        var touched: Set<ContactKey>
        var seenIDs: [String]
    }

    /// Processes batches until ``stop()``, then finishes what was queued.
    ///
    /// Pipelined: while one batch commits, the next is read and run through the engine (against
    /// the cache, which already holds the first batch's states, and with its message ids counted
    /// as seen). Commits stay in order; if one fails, the batch after it fails too, since it was
    /// computed from states that were never stored. Jobs that run again after a failure wait for
    /// every commit before them and read what is stored, so they depend on none of those.
    func run() async {
        var committing: Task<Outcome, Never>?
        // The commit `committing` waits for. At most one prepared batch waits behind the commit
        // under way: what arrives meanwhile gathers into the next batch, so a commit (one fsync,
        // one round trip) serves as many webhooks as came during the one before it, instead of a
        // chain of small batches each paying its own.
        var underWay: Task<Outcome, Never>?
        while true {
            if queue.isEmpty, rerun.isEmpty {
                if let committing { _ = await committing.value }
                committing = nil
                if !queue.isEmpty || !rerun.isEmpty { continue }
                if stopping { return }
                await withCheckedContinuation { wake = $0 }
                continue
            }
            if !rerun.isEmpty, let committing {
                // Jobs to run again wait for the commits before them, so they read what those stored.
                _ = await committing.value
            }
            if let waiting = underWay {
                underWay = nil
                _ = await waiting.value
                continue  // it may have failed: look at what is to run again first
            }
            // A batch that runs failed jobs again starts a new chain: every commit before it has
            // ended, and it reads what they stored instead of building on their states. (Chained
            // to the failure, it would fail in turn, and every batch after it, until each job had
            // run ``staleRunLimit`` times and was answered 500.)
            let restarts = !rerun.isEmpty
            var count = 0
            var batch: [Job] = []
            while !rerun.isEmpty, count < maxBatch || batch.isEmpty {
                let job = rerun.removeFirst()
                count += max(1, job.items.count)
                batch.append(job)
            }
            while rerun.isEmpty, !queue.isEmpty, count < maxBatch || batch.isEmpty {
                let job = queue.removeFirst()
                count += max(1, job.items.count)
                batch.append(job)
            }
            let prepared = await prepare(batch)
            let previous = restarts ? nil : committing
            underWay = previous
            committing = Task { await self.commit(prepared, after: previous) }
        }
    }

    /// Lets the loop end once the queue is empty.
    func stop() {
        stopping = true
        wakeLoop()
    }

    private func wakeLoop() {
        if let waiting = wake {
            wake = nil
            waiting.resume()
        }
    }

    /// Reads what the batch needs and runs it through the engine.
    private func prepare(_ jobs: [Job]) async -> Prepared? {
        let now = clock.now()
        var prepared = Prepared(jobs: jobs, commit: Commit(time: now), results: [], touched: [], seenIDs: [])
        prepared.commit.claim = claims.claim(at: now)
        do {
            // Statuses name WhatsApp's message id; find the contact and the engine's reference.
            var references: [String: SentMessage] = [:]
            for item in jobs.flatMap(\.items) {
                guard case .status(let wamid, _, _, _) = item.kind, references[wamid] == nil else { continue }
                if let known = await dispatcher?.reference(for: wamid) {
                    references[wamid] = known
                } else if let known = try await store.outboxReference(wamid: wamid) {
                    references[wamid] = known
                }
            }
            prepared.jobs = deferringEarlyStatuses(jobs, references: references, now: now)
            let jobs = prepared.jobs
            let items = jobs.flatMap(\.items)
            let contacts = Set(
                items.map { item -> ContactKey in
                    if case .status(let wamid, _, _, _) = item.kind, let known = references[wamid] { return known.contact }
                    return item.contact
                }
            )
            // Whether a message id was seen is decided by the commit (a seen id rolls the batch
            // back, and it runs again); reading ids first only spares that rerun. With every state
            // cached, on a store only this process writes, a repeat is in memory (ids committed
            // lately) or older than this run: the read is left out unless a batch runs again.
            let unread = contacts.filter { cache[$0] == nil }
            // On a store other processes write too, a cached state is checked by its version: it
            // is read again only if another replica moved it on. States of batches in flight are
            // ahead of the store, and stay.
            let trustsCache = keepsCommittedStates || quietChecks >= Self.quietChecksToTrust
            let reads = !unread.isEmpty || !trustsCache || jobs.contains { $0.staleRuns > 0 }
            var known: [ContactKey: Int64] = [:]
            if !keepsCommittedStates && reads {
                for contact in contacts where cache[contact] != nil && inFlight[contact] == nil { known[contact] = versions[contact] ?? 0 }
            }
            let snapshot =
                reads ? try await store.snapshot(states: unread, known: known, seen: items.compactMap(\.dedupeID)) : Snapshot()
            let (stored, seenBefore) = (snapshot.states, snapshot.seen)
            var moved = false
            for (contact, version) in known where snapshot.versions[contact] != version {
                cache[contact] = nil
                versions[contact] = nil
                moved = true
            }
            if !known.isEmpty { quietChecks = moved ? 0 : min(quietChecks + 1, Self.quietChecksToTrust) }
            for (contact, version) in snapshot.versions where cache[contact] == nil { versions[contact] = version }
            for job in jobs {
                var transitions: [Transition] = []
                for item in job.items {
                    if let id = item.dedupeID {
                        if seenBefore.contains(id) || uncommittedSeen.contains(id) || recentlyCommitted.contains(id) {
                            metrics.duplicates.increment()
                            continue
                        }
                        uncommittedSeen.insert(id)
                        prepared.seenIDs.append(id)
                        prepared.commit.seen.append(Commit.Seen(id: id, at: now))
                    }
                    var contact = item.contact
                    let event: Event
                    switch item.kind {
                    case .event(let engineEvent):
                        event = engineEvent
                    case .status(let wamid, let state, let errors, _):
                        guard let known = references[wamid] else {
                            logger.debug("status for an unknown message", metadata: ["wamid": .wire(wamid), "status": "\(state.rawValue)"])
                            continue
                        }
                        contact = known.contact
                        event = .status(DeliveryStatus(ref: known.ref, state: state, errors: errors))
                    }
                    guard let engine = engines[contact.phoneNumberID] else {
                        metrics.unknownNumbers.increment()
                        logger.warning(
                            "webhook for a phone number this server does not serve",
                            metadata: ["phone_number_id": .wire(contact.phoneNumberID)]
                        )
                        continue
                    }
                    let state =
                        cache[contact] ?? stored[contact]
                        ?? ContactState(contact: item.identity ?? ContactIdentity(waID: contact.contactID))
                    let transition = engine.handle(event, state: state, now: now)
                    if logsConversations { LogEntries.add(event, transition, contact: contact, flow: engine.flow, now: now, to: &prepared.commit) }
                    if prepared.commit.expectedVersions[contact] == nil {
                        // The first change to this contact in the batch: it replaces the version
                        // the state was read (or last prepared) at.
                        let version = versions[contact] ?? 0
                        prepared.commit.expectedVersions[contact] = version
                        versions[contact] = version + 1
                    }
                    cache[contact] = transition.state
                    prepared.touched.insert(contact)
                    prepared.commit.states[contact] = transition.state
                    for message in transition.messages {
                        prepared.commit.outbox.append(
                            Commit.NewMessage(contact: contact, ref: message.ref, body: try Self.body(of: message, in: transition.state))
                        )
                    }
                    prepared.commit.outbox += try OutboundEvents.messages(
                        for: transition,
                        contact: contact,
                        window: engine.window,
                        sinks: eventSinks,
                        now: now
                    )
                    for change in transition.timers { prepared.commit.timers.append(Commit.TimerUpdate(contact: contact, change: change)) }
                    note(transition, contact: contact)
                    transitions.append(transition)
                }
                prepared.commit.fired += job.fired
                prepared.commit.deadLetters += job.deadLetters
                prepared.results.append(transitions)
            }
            for contact in prepared.touched { inFlight[contact, default: 0] += 1 }
            return prepared
        } catch {
            _ = fail(prepared.jobs, touched: prepared.touched, seenIDs: prepared.seenIDs, error: error)
            return nil
        }
    }

    /// The jobs that may run now. A job holding a recent status for a message id no send is known
    /// by (see ``earlyStatusWindow``) is answered ``StatusBeforeSend`` instead, whole, before
    /// anything of it runs: the platform delivers it again, by when the send is recorded.
    private func deferringEarlyStatuses(_ jobs: [Job], references: [String: SentMessage], now: Timestamp) -> [Job] {
        var kept: [Job] = []
        kept.reserveCapacity(jobs.count)
        for job in jobs {
            let early = job.items.lazy.compactMap { item -> String? in
                guard case .status(let wamid, _, _, let at?) = item.kind, references[wamid] == nil else { return nil }
                return at >= now - Self.earlyStatusWindow && at <= now + Self.earlyStatusWindow ? wamid : nil
            }.first
            guard let wamid = early else {
                kept.append(job)
                continue
            }
            metrics.statusesDeferred.increment()
            logger.notice(
                "status for a message id no send is known by yet; answered 503 so the platform delivers it again",
                metadata: ["wamid": .wire(wamid)]
            )
            job.continuation?.resume(throwing: StatusBeforeSend(wamid: wamid))
        }
        return kept
    }

    /// Commits a prepared batch after the one before it; answers its jobs; hands on its messages
    /// and timers. Returns whether it was stored.
    private func commit(_ prepared: Prepared?, after previous: Task<Outcome, Never>?) async -> Outcome {
        let before = await previous?.value ?? .stored
        guard let prepared else { return .failed(rerun: false) }
        defer {
            for contact in prepared.touched {
                let left = (inFlight[contact] ?? 1) - 1
                inFlight[contact] = left > 0 ? left : nil
            }
        }
        if case .failed(let rerun) = before {
            return fail(
                prepared.jobs,
                touched: prepared.touched,
                seenIDs: prepared.seenIDs,
                error: ServerError("the batch before this one was not stored"),
                rerun: rerun
            )
        }
        // Every job was answered before it ran (statuses ahead of their sends): nothing to store.
        if prepared.jobs.isEmpty { return .stored }
        do {
            let started = ContinuousClock.now
            let records = try await store.commit(prepared.commit)
            metrics.commitLatency.recordInterval(since: started)
            for id in prepared.seenIDs {
                uncommittedSeen.remove(id)
                recentlyCommitted.insert(id)
            }
            for (job, transitions) in zip(prepared.jobs, prepared.results) { job.continuation?.resume(returning: transitions) }
            if !records.isEmpty { await dispatcher?.submit(records) }
            if records.count < prepared.commit.outbox.count {
                // Some went in unclaimed, behind messages of their contact this process did not
                // hold: take them as soon as nobody else does.
                await dispatcher?.takeOver()
            }
            let dues = prepared.commit.timers.compactMap { if case .set(let timer) = $0.change { timer.due } else { nil } }
            if let earliest = dues.min() { await scheduler?.notify(earliest) }
            await feed?.changed(prepared.touched)
            trimCache()
            return .stored
        } catch {
            // Another process stored one of these contacts, or one of these messages (a
            // redelivery it took at the same moment), first: run the batch again, which then reads
            // what it stored (the message is seen, and dropped as a duplicate).
            return fail(
                prepared.jobs,
                touched: prepared.touched,
                seenIDs: prepared.seenIDs,
                error: error,
                rerun: error is StaleState || error is DuplicateDelivery || error is CommitConflict
            )
        }
    }

    /// Nothing was stored: forget what the engine did. A job that met a state or a message id
    /// another process stored meanwhile runs again (up to ``staleRunLimit`` times); any other is
    /// answered with the error, and the platform retries the webhook.
    private func fail(_ jobs: [Job], touched: Set<ContactKey>, seenIDs: [String], error: any Error, rerun: Bool = false) -> Outcome {
        for contact in touched {
            cache[contact] = nil
            versions[contact] = nil
        }
        for id in seenIDs { uncommittedSeen.remove(id) }
        if rerun {
            quietChecks = 0
            metrics.staleRuns.increment()
            logger.debug("another process stored part of the batch first; running it again", metadata: ["error": "\(describeForOperator(error))"])
        } else {
            logger.error("commit failed; the webhooks will be answered 500 and retried", metadata: ["error": "\(describeForOperator(error))"])
        }
        for var job in jobs {
            job.staleRuns += rerun ? 1 : 0
            if rerun, job.staleRuns <= Self.staleRunLimit {
                self.rerun.append(job)
            } else {
                if rerun {
                    metrics.staleRunsExhausted.increment()
                    logger.warning(
                        "a batch met states other processes changed \(job.staleRuns) times in a row; answered 500, the platform retries it",
                        metadata: ["error": "\(describeForOperator(error))"]
                    )
                }
                job.continuation?.resume(throwing: error)
            }
        }
        return .failed(rerun: rerun)
    }

    /// The JSON body of a message the engine sent: the one its state keeps (a free-form message is
    /// kept for a possible refusal, encoded once), or encoded here.
    static func body(of message: Outbound, in state: ContactState) throws -> [UInt8] {
        if let kept = state.awaitingStatus.last(where: { $0.ref == message.ref })?.payload { return Array(kept.json.utf8) }
        return Array(try message.payload.jsonData())
    }

    private func note(_ transition: Transition, contact: ContactKey) {
        for event in transition.trace {
            switch event {
            case .held(let record):
                metrics.guardBlocks.increment()
                logger.info(
                    "session guard held a step back",
                    metadata: [
                        "contact": .wire("\(contact)"), "node": "\(record.node)", "reason": "\(record.reason.rawValue)", "held_id": "\(record.id)",
                    ]
                )
            case .dropped, .reentrySuppressed, .refusalSuperseded, .templateParameterEmpty, .triggerRefused:
                logger.info(
                    "session guard",
                    metadata: [
                        "contact": .wire("\(contact)"), "node": "\(event.node ?? "")", "event": "\(event.type)", "detail": .wire(event.detail),
                    ]
                )
            case .timerFired:
                metrics.timersFired.increment()
            case .error, .deliveryFailed:
                logger.warning(
                    "engine reported a problem",
                    metadata: [
                        "contact": .wire("\(contact)"), "node": "\(event.node ?? "")", "event": "\(event.type)", "detail": .wire(event.detail),
                    ]
                )
            default:
                break
            }
        }
    }

    private func trimCache() {
        guard cache.count > cacheLimit else { return }
        // Drop an arbitrary quarter: the store holds everything, the cache only saves reads. A
        // state a batch still in flight produced is not in the store yet: it stays.
        for key in cache.keys.lazy.filter({ self.inFlight[$0] == nil }).prefix(cache.count / 4) {
            cache[key] = nil
            versions[key] = nil
        }
    }
}

/// A bounded set of the ids inserted last: the oldest are forgotten first.
struct RecentIDs {
    let capacity: Int
    private var members: Set<String> = []
    private var order: [String] = []
    private var start = 0

    init(capacity: Int) { self.capacity = capacity }

    func contains(_ id: String) -> Bool { members.contains(id) }

    mutating func insert(_ id: String) {
        guard members.insert(id).inserted else { return }
        order.append(id)
        if order.count - start > capacity {
            members.remove(order[start])
            start += 1
            if start > capacity {
                order.removeFirst(start)
                start = 0
            }
        }
    }
}

/// A webhook held back because one of its statuses names a message id no send is known by yet
/// (see ``EventPipeline/earlyStatusWindow``): nothing of it was stored, and it is answered 503 so
/// the platform delivers it again.
struct StatusBeforeSend: Error, CustomStringConvertible {
    var wamid: String
    var description: String { "a status for \(wamid) arrived before its send was recorded" }
}
