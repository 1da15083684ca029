import FlowEngine
import FlowModel

/// One thing the simulated customer (or the simulated business, or the clock) does.
public enum Action: Hashable, Sendable {
    /// Types a text message.
    case say(String)
    /// A text message the customer sent earlier, delivered only now (a late or out-of-order
    /// webhook): the window counts from its own send time.
    case sayLate(String, sent: SendTime)
    /// Taps a button or list row, or a template's quick reply, by its title or its number (1-based).
    case tap(String)
    /// Sends media.
    case media(MediaKind, caption: String?, filename: String?, voice: Bool)
    case location(latitude: Double, longitude: Double, name: String?)
    case contact(name: String, phone: String)
    /// Reacts to the bot's last message; an empty emoji removes the reaction.
    case react(String)
    /// Moves the virtual clock forward, firing timers that fall due.
    case wait(TimeSpan)
    /// Moves the virtual clock to a time.
    case at(Timestamp)
    /// The business starts the flow at a node.
    case trigger(node: String, parameters: [String: String])
    /// WhatsApp reports on one of the bot's messages: by its number in the transcript (`#3`), or
    /// the last one when nil.
    case status(DeliveryStatus.State, code: Int?, message: Int64?)
    /// A person hands the contact back to the bot.
    case release
    /// Forgets the contact: a new conversation.
    case reset
}

/// When a late message was sent: some time before the clock, or at a given time.
public enum SendTime: Hashable, Sendable {
    case ago(TimeSpan)
    case at(Timestamp)
}
