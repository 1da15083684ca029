import FlowModel
import Foundation
import Logging

/// `flowgate-server serve --log-format json`: one JSON object per line on standard error, for log
/// collectors: `{"time", "level", "label", "message", "source", "metadata": {…}}`. JSON's own
/// escaping keeps a value from the wire from forging a line.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public let label: String
    private let write: @Sendable (Data) -> Void

    /// `write` takes each line, its line break included; standard error by default.
    public init(label: String, write: @escaping @Sendable (Data) -> Void = { FileHandle.standardError.write($0) }) {
        self.label = label
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    struct Line: Encodable {
        var time: String
        var level: String
        var label: String
        var message: String
        var source: String
        var metadata: [String: String]?
    }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        let line = Line(
            time: Timestamp(Date()).description,
            level: event.level.rawValue,
            label: label,
            message: event.message.description,
            source: event.source,
            metadata: merged.isEmpty ? nil : merged.mapValues(\.description)
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(line) else { return }
        write(data + Data("\n".utf8))
    }
}
