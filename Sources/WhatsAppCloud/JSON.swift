import Foundation

extension Encodable {
    /// Compact JSON with sorted keys, so the same value always gives the same bytes.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// ``jsonData()`` as a string.
    public func jsonString() -> String {
        (try? jsonData()).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
