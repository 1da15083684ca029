import FlowEngine
import FlowModel

/// Drives random conversations through a flow with every event kind WhatsApp can produce (late
/// and out-of-order messages, duplicates, refusals of any earlier message, other failures,
/// reactions, triggers, handoffs and releases, timers) and checks the session guard's promises
/// after every event, judged as WhatsApp would judge them from the messages' send times:
///
/// 1. no free-form message goes while WhatsApp's window is closed;
/// 2. nothing is held back while the window Flowgate knows of is open;
/// 3. at most one re-entry template per closed window until the customer replies;
/// 4. nothing is sent while a person has the conversation;
/// 5. no held-back step disappears without a trace entry (resumed or dropped).
///
/// The checks read typed trace events and the messages' own send times, never trace wording.
public struct GuardAudit {
    public struct Violation: Sendable, CustomStringConvertible {
        public var contact: Int
        public var event: Int
        public var rule: String
        public var detail: String
        /// What the engine did on that event, for people.
        public var trace: [String] = []
        public var description: String {
            (["contact \(contact), event \(event): \(rule): \(detail)"] + trace.map { "    \($0)" }).joined(separator: "\n")
        }
    }

    public struct Report: Sendable {
        public var events = 0
        public var contacts = 0
        public var freeForm = 0
        public var templates = 0
        /// Messages people sent from the desk (free-form and templates).
        public var personMessages = 0
        public var reentryTemplates = 0
        public var held = 0
        public var refusals = 0
        public var resumed = 0
        public var dropped = 0
        public var lateMessages = 0
        public var handoffEvents = 0
        public var violationCount = 0
        /// The first few violations, for the report.
        public var violations: [Violation] = []
    }

    public let engine: Engine
    public var contacts: Int
    public var eventsPerContact: Int
    public var seed: UInt64

    public init(flow: Flow, contacts: Int, eventsPerContact: Int, seed: UInt64) {
        var engine = Engine(flow: flow)
        // The window notices' timers fire among everything else (they must send nothing).
        engine.windowNotice = .hours(1)
        self.engine = engine
        self.contacts = contacts
        self.eventsPerContact = eventsPerContact
        self.seed = seed
    }

    /// Runs `contacts` contacts, and more until at least `minimumEvents` engine events have run;
    /// `visit` sees each contact's state after each step.
    public func run(minimumEvents: Int = 0, visit: (ContactState) -> Void = { _ in }) -> Report {
        var report = Report()
        var random = SeededGenerator(seed: seed)
        var index = 0
        while index < contacts || report.events < minimumEvents {
            defer { index += 1 }
            report.contacts += 1
            var driver = ContactDriver(engine: engine, index: index)
            for number in 0..<eventsPerContact {
                driver.step(number: number, random: &random, report: &report)
                visit(driver.person.state)
            }
        }
        return report
    }
}

/// SplitMix64: a small seeded generator, so a failing run can be replayed from its seed.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
