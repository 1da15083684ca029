import AsyncHTTPClient
import CoreMetrics
import FlowEngine
import FlowModel
import FlowStore
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle
import WhatsAppCloud

#if canImport(Glibc)
import Glibc
#endif

/// The webhook server, put together: routes on Hummingbird, and the runtime (event pipeline,
/// dispatcher, timers) as a service that shuts down gracefully, finishing in-flight work.
public struct FlowgateServer {
    public let pipeline: EventPipeline
    public let dispatcher: Dispatcher
    public let scheduler: TimerScheduler
    public let metrics: ServerMetrics
    /// Tells open desk pages what changed; nil when the config names no desk agents.
    public let deskFeed: DeskFeed?
    let router: Router<BasicRequestContext>
    /// `/metrics` and `/admin` on their own listener, when `admin_listen` is set.
    let operationsRouter: Router<BasicRequestContext>?
    let runtime: Runtime
    let config: ServerConfig
    let logger: Logger

    /// Builds a server for flows already loaded and validated (`engines` by phone number id).
    public init(
        config: ServerConfig,
        secrets: ServerSecrets,
        engines: [String: Engine],
        store: any FlowStore,
        sender: any GraphSender,
        clock: any ServerClock = SystemClock(),
        logger: Logger
    ) {
        self.config = config
        self.logger = logger
        let metrics = ServerMetrics()
        self.metrics = metrics
        var settings = Dispatcher.Settings()
        settings.concurrency = config.concurrency
        settings.maxAttempts = config.maxAttempts
        settings.retryFor = config.retryFor
        for number in config.numbers { if let rate = number.rate { settings.ratePerSecond[number.phoneNumberID] = rate } }
        // WhatsApp's per-number rate is no business of an event sink's: no spacing between its
        // deliveries (one at a time per contact, `concurrency` at most in all).
        for index in config.eventSinks.indices { settings.ratePerSecond[EventSink.number(forSink: index)] = .infinity }
        settings.claims = config.claims
        settings.sharedRate = config.store.isShared
        var engines = engines
        if config.eventSinks.contains(where: { !$0.events.isDisjoint(with: [.windowClosing, .windowExpired]) }) {
            // The engine keeps window timers only when someone listens for them.
            for number in engines.keys { engines[number]?.windowNotice = config.desk.alertBefore }
        }
        var sender = sender
        if !config.eventSinks.isEmpty {
            let sinks = zip(config.eventSinks, secrets.sinkSecrets).map {
                EventRoutingSender.Sink(url: $0.url, signature: WebhookSignature(appSecret: $1))
            }
            sender = EventRoutingSender(graph: sender, sinks: sinks, client: .shared, timeout: .seconds(15))
        }
        pipeline = EventPipeline(
            engines: engines,
            store: store,
            clock: clock,
            metrics: metrics,
            logger: logger,
            cacheLimit: config.stateCache,
            claims: config.claims,
            keepsCommittedStates: !config.store.isShared,
            logsConversations: !config.desk.agents.isEmpty,
            eventSinks: config.eventSinks
        )
        dispatcher = Dispatcher(sender: sender, store: store, clock: clock, metrics: metrics, logger: logger, settings: settings)
        scheduler = TimerScheduler(store: store, clock: clock, logger: logger, claims: config.claims)
        let deskFeed = config.desk.agents.isEmpty ? nil : DeskFeed()
        self.deskFeed = deskFeed
        runtime = Runtime(
            pipeline: pipeline,
            dispatcher: dispatcher,
            scheduler: scheduler,
            feed: deskFeed,
            store: store,
            clock: clock,
            dedupeFor: config.dedupeFor,
            logRetention: config.desk.retention,
            keepSentFor: config.keepSentFor,
            logger: logger
        )

        // The public listener takes webhooks and health checks; metrics and the admin API go on
        // the private one when `admin_listen` is set, else on the public one too.
        let router = Router()
        let operations = config.adminListen == nil ? router : Router()
        // Only where the admin API is: the webhook path of a public listener pays nothing for it.
        operations.add(middleware: AdminErrors())
        for routes in config.adminListen == nil ? [router] : [router, operations] {
            // Liveness: the process answers. Readiness: it can also commit, so a load balancer
            // sends webhooks elsewhere while the disk is full or read-only, and during shutdown.
            routes.get("/healthz") { _, _ in "ok\n" }
            routes.get("/readyz") { [runtime] _, _ -> Response in
                if let problem = await runtime.readiness() {
                    return Response(
                        status: .serviceUnavailable,
                        headers: [.contentType: "text/plain"],
                        body: .init(byteBuffer: ByteBuffer(string: "not ready: \(problem)\n"))
                    )
                }
                return Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "ready\n")))
            }
        }
        WebhookRoutes(
            pipeline: pipeline,
            signature: WebhookSignature(appSecret: secrets.appSecret),
            verifyToken: secrets.verifyToken,
            maxBodyBytes: config.maxBodyBytes,
            metrics: metrics,
            logger: logger
        ).add(to: router)
        AdminRoutes(pipeline: pipeline, dispatcher: dispatcher, store: store, token: secrets.adminToken).add(to: operations, clock: clock)
        if let deskFeed {
            // The desk is for the business's people: it goes where the admin API goes.
            DeskRoutes(
                pipeline: pipeline,
                store: store,
                feed: deskFeed,
                auth: DeskAuth(agentTokens: secrets.agentTokens, secret: secrets.appSecret),
                config: config.desk,
                clock: clock,
                logger: logger
            ).add(to: operations)
        }
        operations.get("/metrics") { [dispatcher] _, _ in
            metrics.outboxDepth.record(await dispatcher.depth)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(string: metrics.text()))
            )
        }
        self.router = router
        self.operationsRouter = config.adminListen == nil ? nil : operations
    }

    /// The Hummingbird application: the HTTP server and the runtime in one service group.
    /// `onServerRunning` receives the bound port (useful with port 0).
    public func application(port: Int? = nil, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let cap = Self.connectionCap(configured: config.maxConnections, reserve: config.concurrency + 256)
        return Application(
            router: router,
            server: .http1(configuration: httpConfiguration()),
            configuration: .init(
                address: .hostname(config.host, port: port ?? config.port),
                serverName: "flowgate",
                availableConnectionsDelegate: .maximum(cap, logger: logger)
            ),
            services: [runtime],
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }

    /// The private listener for `/metrics` and `/admin` (with `/healthz` and `/readyz`), when the
    /// config sets `admin_listen`; run it beside ``application(port:onServerRunning:)``. Its
    /// connections are guarded as the public listener's are, with a small cap of their own.
    public func operationsApplication(port: Int? = nil, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> (any Service)? {
        guard let operationsRouter, let listen = config.adminListen else { return nil }
        return Application(
            router: operationsRouter,
            server: .http1(configuration: httpConfiguration()),
            configuration: .init(
                address: .hostname(listen.host, port: port ?? listen.port),
                serverName: "flowgate",
                availableConnectionsDelegate: .maximum(64, logger: logger)
            ),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }

    /// Read deadline, idle timeout and shutdown linger for every connection (``ConnectionGuard``).
    private func httpConfiguration() -> HTTP1Channel.Configuration {
        let readTimeout = TimeAmount.milliseconds(config.readTimeout.milliseconds)
        // How long a connection idle at shutdown stays open for a request its client may be sending.
        let linger = TimeAmount.milliseconds(min(config.idleTimeout.milliseconds, 1000))
        let metrics = metrics
        return HTTP1Channel.Configuration(
            additionalChannelHandlers: [ConnectionGuard(readTimeout: readTimeout, linger: linger, onCut: { metrics.connectionsCut.increment() })],
            idleTimeout: .milliseconds(config.idleTimeout.milliseconds)
        )
    }

    /// The most connections to hold open: the configured cap, kept `reserve` below the process's
    /// file limit (the store, the Graph client and the listener need files too; a process that
    /// runs out of them cannot even log). The soft limit is raised to the hard one first.
    static func connectionCap(configured: Int, reserve: Int) -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return configured }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        let files = limit.rlim_cur > rlim_t(Int.max) ? Int.max : Int(limit.rlim_cur)
        return max(1, min(configured, files.subtractingReportingOverflow(reserve).partialValue))
    }

    /// Loads every number's flow; refuses to start on any validation error.
    public static func engines(for config: ServerConfig) throws -> [String: Engine] {
        var engines: [String: Engine] = [:]
        for number in config.numbers {
            let loaded = FlowLoader.loadValid(file: number.flowPath)
            guard let flow = loaded.flow else {
                throw ServerError(loaded.diagnostics.errors.map(\.description).joined(separator: "\n"))
            }
            engines[number.phoneNumberID] = Engine(flow: flow)
        }
        guard !engines.isEmpty else { throw ServerError("the config maps no phone number to a flow") }
        return engines
    }
}

/// EventPipeline, dispatcher and timers, run together; on graceful shutdown the queue drains,
/// sends in flight finish and their results are stored.
struct Runtime: Service {
    let pipeline: EventPipeline
    let dispatcher: Dispatcher
    let scheduler: TimerScheduler
    let feed: DeskFeed?
    let store: any FlowStore
    let clock: any ServerClock
    let dedupeFor: TimeSpan
    let logRetention: TimeSpan
    let keepSentFor: TimeSpan
    let logger: Logger

    /// Nil when the server can take webhooks; otherwise why not.
    func readiness() async -> String? {
        if await pipeline.isStopping { return "shutting down" }
        do {
            try await store.checkWritable()
            return nil
        } catch {
            return "the store cannot commit: \(describeForOperator(error))"
        }
    }

    func run() async throws {
        await pipeline.attach(dispatcher: dispatcher, scheduler: scheduler, feed: feed)
        await dispatcher.attach(pipeline)
        await scheduler.attach(pipeline)
        // A graceful stop drains; a cancellation (a failed start, the grace period over) stops
        // every loop at once instead of leaving them spinning.
        await withTaskCancellationHandler {
            await runUntilStopped()
        } onCancel: {
            Task { await stopLoops() }
        }
        logger.info("runtime stopped")
    }

    /// Tells every loop to finish what it has and end; open desk pages first, so they do not
    /// hold the stop up.
    private func stopLoops() async {
        await feed?.finish()
        await scheduler.stop()
        await pipeline.stop()
        await dispatcher.stop()
    }

    private func runUntilStopped() async {
        await withGracefulShutdownHandler {
            let pruning = Task { await pruneLoop() }
            let maintenance = Task { await maintenanceLoop() }
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await pipeline.run() }
                group.addTask { await dispatcher.run() }
                group.addTask { await scheduler.run() }
            }
            pruning.cancel()
            maintenance.cancel()
            try? await store.maintain()
        } onGracefulShutdown: {
            Task { await stopLoops() }
        }
    }

    /// Store housekeeping every 250 ms of real time (it is I/O upkeep, not flow time).
    private func maintenanceLoop() async {
        var rounds = 0
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: .milliseconds(250))
                rounds += 1
                if rounds % 40 == 0 { Self.returnFreeMemory() }
                if rounds % 60 == 0 { await feed?.heartbeat() }
                try await store.maintain()
            } catch is CancellationError {
                return
            } catch {
                logger.warning("store maintenance failed", metadata: ["error": "\(describeForOperator(error))"])
            }
        }
    }

    /// Gives memory freed since (by thousands of closed connections, say) back to the system every
    /// 10 s: glibc keeps freed pages in its per-thread arenas otherwise.
    static func returnFreeMemory() {
        #if canImport(Glibc)
        _ = mallocTrim?(0)
        #endif
    }

    #if canImport(Glibc)
    /// glibc's `malloc_trim`, which Swift's Glibc module does not export; nil on other C libraries.
    private static let mallocTrim: (@convention(c) (Int) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
    }()
    #endif

    /// Forgets inbound message ids older than the dedupe period, and deletes conversation log
    /// entries past their retention and sent and failed messages past `keep_sent_for`, hourly. A
    /// step the store refuses (a full disk, a lost database connection) is logged and tried again
    /// the next hour; only the end of the process ends the loop.
    private func pruneLoop() async {
        while !Task.isCancelled {
            do {
                try await clock.sleep(until: clock.now() + .hours(1))
            } catch {
                return
            }
            await housekeeping("forgot old message ids") { try await store.pruneSeen(before: clock.now() - dedupeFor) }
            await housekeeping("deleted conversation log entries past retention") { try await store.pruneLog(before: clock.now() - logRetention) }
            await housekeeping("deleted sent and failed messages past keep_sent_for") {
                try await store.pruneOutbox(before: clock.now() - keepSentFor)
            }
        }
    }

    /// Runs one housekeeping step, logging `done` with how many rows it removed, or its failure.
    private func housekeeping(_ done: String, _ step: () async throws -> Int) async {
        do {
            let count = try await step()
            if count > 0 { logger.info("\(done)", metadata: ["count": "\(count)"]) }
        } catch is CancellationError {
            return  // the process is going down
        } catch {
            logger.warning(
                "housekeeping failed; it runs again in an hour",
                metadata: ["step": "\(done)", "error": .wire("\(describeForOperator(error))")]
            )
        }
    }
}
