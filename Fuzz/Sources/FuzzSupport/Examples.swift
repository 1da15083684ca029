import FlowModel
import Foundation

/// The repository's example flows, loaded once for the targets that drive the engine.
public enum Examples {
    public static let flows: [Flow] = {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("flows")
        let loaded = FlowLoader.load(paths: [folder.path]).flows
        precondition(!loaded.isEmpty, "the example flows did not load from \(folder.path)")
        return loaded
    }()
}

/// Reads fuzz bytes as a stream of small numbers and strings.
public struct ByteReader {
    var bytes: ArraySlice<UInt8>

    public init(_ start: UnsafeRawPointer, _ count: Int) {
        bytes = ArraySlice(UnsafeRawBufferPointer(start: start, count: count))
    }

    public var isEmpty: Bool { bytes.isEmpty }

    public mutating func byte() -> UInt8 {
        guard let first = bytes.first else { return 0 }
        bytes = bytes.dropFirst()
        return first
    }

    /// A number below `bound` (at least 1).
    public mutating func below(_ bound: Int) -> Int { Int(byte()) % max(1, bound) }

    /// Up to `limit` bytes as text (any bytes; invalid UTF-8 is repaired, as the wire would be).
    public mutating func text(limit: Int = 64) -> String {
        let length = min(below(limit + 1), bytes.count)
        let taken = bytes.prefix(length)
        bytes = bytes.dropFirst(length)
        return String(decoding: taken, as: UTF8.self)
    }

    public mutating func rest() -> [UInt8] {
        defer { bytes = [] }
        return Array(bytes)
    }
}
