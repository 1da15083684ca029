import CoreMetrics
import Metrics
import Prometheus

/// The server's metrics, through swift-metrics with its own Prometheus registry (so several servers
/// can live in one process, as in tests). `GET /metrics` prints ``text()``.
public struct ServerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    /// The factory over ``registry``; `flowgate-server` bootstraps swift-metrics with it once.
    public let factory: PrometheusMetricsFactory

    let messagesReceived: CoreMetrics.Counter
    let statusesReceived: CoreMetrics.Counter
    let duplicates: CoreMetrics.Counter
    /// Batches run again because a contact's stored state had changed meanwhile (another replica).
    let staleRuns: CoreMetrics.Counter
    let staleRunsExhausted: CoreMetrics.Counter
    /// Outbox messages taken over from a replica whose claim expired, or waiting unclaimed.
    let claimsTakenOver: CoreMetrics.Counter
    let signatureFailures: CoreMetrics.Counter
    let malformed: CoreMetrics.Counter
    let unknownTypes: CoreMetrics.Counter
    let unknownStatuses: CoreMetrics.Counter
    /// Webhooks answered 503 because a status overtook the record of its own send.
    let statusesDeferred: CoreMetrics.Counter
    /// Parts of signed webhooks kept as dead letters because they could not be read.
    let deadLetters: CoreMetrics.Counter
    let unknownNumbers: CoreMetrics.Counter
    let guardBlocks: CoreMetrics.Counter
    let timersFired: CoreMetrics.Counter
    let sendsSent: CoreMetrics.Counter
    let sendsRetried: CoreMetrics.Counter
    let sendsFailed: CoreMetrics.Counter
    let outboxDepth: CoreMetrics.Gauge
    /// Connections closed because a request was not read in full in time.
    let connectionsCut: CoreMetrics.Counter
    let sendLatency: Metrics.Timer
    let commitLatency: Metrics.Timer

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        let buckets: [Duration] = [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
            .milliseconds(20), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1), .seconds(5),
        ]
        factory.defaultDurationHistogramBuckets = buckets
        self.factory = factory
        messagesReceived = CoreMetrics.Counter(label: "flowgate_events_received_total", dimensions: [("kind", "message")], factory: factory)
        statusesReceived = CoreMetrics.Counter(label: "flowgate_events_received_total", dimensions: [("kind", "status")], factory: factory)
        duplicates = CoreMetrics.Counter(label: "flowgate_duplicates_total", dimensions: [], factory: factory)
        staleRuns = CoreMetrics.Counter(label: "flowgate_stale_runs_total", dimensions: [], factory: factory)
        staleRunsExhausted = CoreMetrics.Counter(label: "flowgate_stale_runs_exhausted_total", dimensions: [], factory: factory)
        claimsTakenOver = CoreMetrics.Counter(label: "flowgate_claims_taken_over_total", dimensions: [], factory: factory)
        signatureFailures = CoreMetrics.Counter(label: "flowgate_signature_failures_total", dimensions: [], factory: factory)
        malformed = CoreMetrics.Counter(label: "flowgate_malformed_webhooks_total", dimensions: [], factory: factory)
        unknownTypes = CoreMetrics.Counter(label: "flowgate_unknown_message_types_total", dimensions: [], factory: factory)
        unknownStatuses = CoreMetrics.Counter(label: "flowgate_unknown_statuses_total", dimensions: [], factory: factory)
        statusesDeferred = CoreMetrics.Counter(label: "flowgate_statuses_deferred_total", dimensions: [], factory: factory)
        deadLetters = CoreMetrics.Counter(label: "flowgate_dead_letters_total", dimensions: [], factory: factory)
        unknownNumbers = CoreMetrics.Counter(label: "flowgate_unknown_phone_numbers_total", dimensions: [], factory: factory)
        guardBlocks = CoreMetrics.Counter(label: "flowgate_guard_blocks_total", dimensions: [], factory: factory)
        timersFired = CoreMetrics.Counter(label: "flowgate_timers_fired_total", dimensions: [], factory: factory)
        sendsSent = CoreMetrics.Counter(label: "flowgate_sends_total", dimensions: [("result", "sent")], factory: factory)
        sendsRetried = CoreMetrics.Counter(label: "flowgate_sends_total", dimensions: [("result", "retry")], factory: factory)
        sendsFailed = CoreMetrics.Counter(label: "flowgate_sends_total", dimensions: [("result", "failed")], factory: factory)
        connectionsCut = CoreMetrics.Counter(label: "flowgate_connections_cut_total", dimensions: [("reason", "read_timeout")], factory: factory)
        outboxDepth = CoreMetrics.Gauge(label: "flowgate_outbox_depth", dimensions: [], factory: factory)
        sendLatency = Metrics.Timer(label: "flowgate_send_latency_seconds", dimensions: [], factory: factory)
        commitLatency = Metrics.Timer(label: "flowgate_commit_latency_seconds", dimensions: [], factory: factory)
    }

    /// Statuses WhatsApp marked billable, by pricing category.
    func billable(_ category: String) -> CoreMetrics.Counter {
        CoreMetrics.Counter(label: "flowgate_billable_messages_total", dimensions: [("category", category.lowercased())], factory: factory)
    }

    /// The Prometheus text exposition.
    public func text() -> String { registry.emitToString() }
}
