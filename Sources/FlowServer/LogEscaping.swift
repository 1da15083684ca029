import FlowModel
import Logging

extension Logger.MetadataValue {
    /// A value that came off the wire (a phone number id, a message type, an error that quotes
    /// the payload), with control characters, line and paragraph separators and bidirectional
    /// overrides escaped, so it cannot forge a log line or colour a terminal.
    static func wire(_ text: String) -> Logger.MetadataValue { .string(Diagnostic.escaped(text)) }
}

/// Escapes every log message and metadata value before another handler writes it: a second line
/// of defence, so that a value from the wire that reached a log without `.wire` still cannot
/// forge a line. `flowgate serve` wraps its stream handler in it.
public struct EscapingLogHandler: LogHandler {
    public var wrapped: any LogHandler

    public init(_ wrapped: any LogHandler) { self.wrapped = wrapped }

    public var logLevel: Logger.Level {
        get { wrapped.logLevel }
        set { wrapped.logLevel = newValue }
    }

    public var metadata: Logger.Metadata {
        get { wrapped.metadata }
        set { wrapped.metadata = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { wrapped[metadataKey: key] }
        set { wrapped[metadataKey: key] = newValue }
    }

    public func log(event: LogEvent) {
        var event = event
        event.message = "\(Diagnostic.escaped(event.message.description))"
        event.metadata = event.metadata.map(Self.escape)
        wrapped.log(event: event)
    }

    static func escape(_ metadata: Logger.Metadata) -> Logger.Metadata {
        metadata.reduce(into: [:]) { $0[Diagnostic.escaped($1.key)] = escape($1.value) }
    }

    static func escape(_ value: Logger.MetadataValue) -> Logger.MetadataValue {
        switch value {
        case .string(let text): .string(Diagnostic.escaped(text))
        case .stringConvertible(let value): .string(Diagnostic.escaped(value.description))
        case .dictionary(let dictionary): .dictionary(escape(dictionary))
        case .array(let values): .array(values.map(escape))
        }
    }
}
